import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SqliteControlPlane } from './sqlite-store.ts';
import { SqliteUserStore } from './users-sqlite.ts';
import { Accounts, generatePassword, normalizeEmail } from './users.ts';

describe('Accounts', () => {
  let dir: string;
  let store: SqliteControlPlane;
  let users: SqliteUserStore;
  let accounts: Accounts;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xscaler-users-'));
    store = new SqliteControlPlane(join(dir, 'control.db'));
    users = new SqliteUserStore(store.db);
    accounts = new Accounts(users, store);
    await store.createTenant('acme');
    await store.createTenant('globex');
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a user with a one-time password it must change, storing only an argon2id hash', async () => {
    const { user, password } = await accounts.create({
      tenant: 'acme',
      email: ' Ada@Example.COM ',
      role: 'member',
    });
    assert.ok(password !== null);
    assert.match(password, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    assert.equal(user.email, 'ada@example.com');
    assert.equal(user.mustChangePassword, true);
    const raw = JSON.stringify(store.db.prepare('SELECT * FROM users').all());
    assert.ok(!raw.includes(password), 'the password must not be stored');
    assert.match(raw, /\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const signedIn = await accounts.authenticate('ADA@example.com', password);
    assert.equal(signedIn?.id, user.id);
    assert.ok(signedIn?.lastLoginAt !== null);
    assert.equal(await accounts.authenticate('ada@example.com', password + 'x'), null);
    assert.equal(await accounts.authenticate('nobody@example.com', password), null);
    assert.equal(await accounts.authenticate('not an email', password), null);
  });

  it('refuses a second user with the same email even when both are created at once', async () => {
    const results = await Promise.allSettled([
      accounts.create({ tenant: 'acme', email: 'race@example.com', role: 'member' }),
      accounts.create({ tenant: 'globex', email: 'race@example.com', role: 'member' }),
    ]);
    // Whichever hash finishes first wins; the other meets the UNIQUE index.
    await accounts.delete((await accounts.getByEmail('race@example.com'))?.id ?? '');
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.match(String(lost.reason), /BadDataError: .*already exists/);
  });

  it('refuses duplicates, unknown tenants, bad emails and weak chosen passwords', async () => {
    await accounts.create({
      tenant: 'acme',
      email: 'bob@example.com',
      role: 'member',
      password: 'a long passphrase',
    });
    await assert.rejects(
      accounts.create({ tenant: 'globex', email: 'BOB@example.com', role: 'member' }),
      /already exists/,
    );
    await assert.rejects(
      accounts.create({ tenant: 'nope', email: 'c@example.com', role: 'member' }),
      /does not exist/,
    );
    await assert.rejects(
      accounts.create({ tenant: 'acme', email: 'c', role: 'member' }),
      /not an email address/,
    );
    await assert.rejects(
      accounts.create({ tenant: 'acme', email: 'c@example.com', role: 'member', password: 'short' }),
      /at least 12 characters/,
    );
    await assert.rejects(
      accounts.create({ tenant: 'acme', email: 'c@example.com', role: 'member', password: 'c@example.com' }),
      /too short|must not be the email/,
    );
  });

  it('changes a password only with the current one, and clears the one-time flag', async () => {
    const { user, password } = await accounts.create({
      tenant: 'globex',
      email: 'op@example.com',
      role: 'operator',
    });
    assert.ok(password !== null);
    await assert.rejects(
      accounts.changePassword(user.id, 'wrong password!', 'new passphrase 1'),
      /current password/,
    );
    await assert.rejects(accounts.changePassword(user.id, password, 'short'), /at least 12/);
    await accounts.changePassword(user.id, password, 'new passphrase 1');
    assert.equal((await accounts.get(user.id))?.mustChangePassword, false);
    assert.equal(await accounts.authenticate('op@example.com', password), null);
    assert.equal((await accounts.authenticate('op@example.com', 'new passphrase 1'))?.role, 'operator');

    const reset = await accounts.resetPassword(user.id);
    assert.ok(reset !== null);
    assert.equal((await accounts.get(user.id))?.mustChangePassword, true);
    assert.equal((await accounts.authenticate('op@example.com', reset))?.id, user.id);
  });

  it('lists by tenant and deletes users with their tenant', async () => {
    const all = await accounts.list();
    assert.deepEqual(
      all.map((u) => `${u.tenant}/${u.email}`),
      ['acme/ada@example.com', 'acme/bob@example.com', 'globex/op@example.com'],
    );
    assert.deepEqual(
      (await accounts.list('globex')).map((u) => u.email),
      ['op@example.com'],
    );
    const bob = await accounts.getByEmail('bob@example.com');
    assert.ok(bob);
    assert.equal(await accounts.delete(bob.id), true);
    assert.equal(await accounts.delete(bob.id), false);
    store.db.prepare('DELETE FROM tenants WHERE id = ?').run('acme');
    assert.deepEqual(
      (await accounts.list()).map((u) => u.email),
      ['op@example.com'],
    );
  });
});

describe('password and email helpers', () => {
  it('generates distinct one-time passwords from the unambiguous alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(generatePassword());
    assert.equal(seen.size, 200);
    for (const p of seen) assert.doesNotMatch(p, /[01ilo]/);
  });

  it('normalizes emails', () => {
    assert.equal(normalizeEmail('  A@B.C '), 'a@b.c');
    assert.throws(() => normalizeEmail('a b@c'), /not an email/);
    assert.throws(() => normalizeEmail('@'), /not an email/);
  });
});
