import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SqliteSessionStore } from './sessions-sqlite.ts';
import { hashSessionSecret, Sessions } from './sessions.ts';
import { SqliteControlPlane } from './sqlite-store.ts';
import { SqliteUserStore } from './users-sqlite.ts';
import { Accounts } from './users.ts';

describe('Sessions', () => {
  let dir: string;
  let store: SqliteControlPlane;
  let users: SqliteUserStore;
  let sessionStore: SqliteSessionStore;
  let userId: string;
  let clock = 1_000_000;
  const now = (): number => clock;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xscaler-sessions-'));
    store = new SqliteControlPlane(join(dir, 'control.db'));
    users = new SqliteUserStore(store.db);
    sessionStore = new SqliteSessionStore(store.db);
    await store.createTenant('acme');
    const accounts = new Accounts(users, store);
    userId = (await accounts.create({ tenant: 'acme', email: 'a@example.com', role: 'member' })).user.id;
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves a fresh secret, stores only its hash, and ends on sign-out', async () => {
    const sessions = new Sessions(sessionStore, users, { now });
    const { secret, session } = await sessions.start(userId);
    assert.equal(secret.length, 43);
    assert.equal(session.hash, hashSessionSecret(secret));
    assert.ok(!JSON.stringify(store.db.prepare('SELECT * FROM sessions').all()).includes(secret));
    assert.equal((await sessions.resolve(secret))?.user.email, 'a@example.com');
    assert.equal(await sessions.resolve(undefined), null);
    assert.equal(await sessions.resolve('x'), null);
    assert.equal(await sessions.resolve(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')), null);
    await sessions.end(secret);
    assert.equal(await sessions.resolve(secret), null);
  });

  it('slides the idle expiry with use, up to the absolute limit', async () => {
    const sessions = new Sessions(sessionStore, users, { now, idleMs: 10 * 60_000, absoluteMs: 25 * 60_000 });
    const { secret } = await sessions.start(userId);
    for (let i = 0; i < 2; i++) {
      clock += 9 * 60_000; // inside the idle window each time
      assert.ok(await sessions.resolve(secret), `use ${i} keeps the session`);
    }
    clock += 8 * 60_000; // 26 minutes after sign-in: past the absolute limit
    assert.equal(await sessions.resolve(secret), null);

    const idle = await sessions.start(userId);
    clock += 10 * 60_000;
    assert.equal(await sessions.resolve(idle.secret), null, 'unused for the idle time');
  });

  it('ends every session of a user but one, and all of them when the user is deleted', async () => {
    const sessions = new Sessions(sessionStore, users, { now });
    const a = await sessions.start(userId);
    const b = await sessions.start(userId);
    assert.equal(await sessions.endAllFor(userId, a.session), 1);
    assert.ok(await sessions.resolve(a.secret));
    assert.equal(await sessions.resolve(b.secret), null);
    await users.deleteUser(userId);
    assert.equal(await sessions.resolve(a.secret), null);
    assert.deepEqual(store.db.prepare('SELECT count(*) AS n FROM sessions').get(), { n: 0 });
  });

  it('prunes expired sessions', async () => {
    const accounts = new Accounts(users, store);
    const id = (await accounts.create({ tenant: 'acme', email: 'p@example.com', role: 'member' })).user.id;
    const sessions = new Sessions(sessionStore, users, { now, idleMs: 1000 });
    await sessions.start(id);
    await sessions.start(id);
    clock += 1000;
    assert.equal(await sessions.prune(), 2);
  });
});
