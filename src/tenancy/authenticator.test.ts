import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BadDataError, ExecutionError, ForbiddenError, UnauthorizedError } from '../model/index.ts';
import { Authenticator, resolveTenant } from './authenticator.ts';
import { SqliteControlPlane } from './sqlite-store.ts';

describe('the gate', () => {
  let dir: string;
  let store: SqliteControlPlane;
  let clock = 1_000_000;
  let auth: Authenticator;
  const tokens: Record<string, string> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xscaler-auth-'));
    store = new SqliteControlPlane(join(dir, 'control.db'));
    auth = new Authenticator(store, { cacheTtlMs: 2000, now: () => clock });
    await store.createTenant('team-a');
    await store.createTenant('team-b');
    for (const scope of ['read', 'write', 'read+write'] as const) {
      tokens[scope] = (await store.createToken({ tenant: 'team-a', scope, name: scope })).token;
    }
    tokens['other'] = (await store.createToken({ tenant: 'team-b', scope: 'read+write', name: 'b' })).token;
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const bearer = (t: string | undefined): string => `Bearer ${t}`;

  it('asks for the tenant first: 400 no org id', async () => {
    await assert.rejects(auth.authorize(undefined, bearer(tokens['read']), 'read'), (e: Error) => {
      assert.ok(e instanceof BadDataError);
      assert.equal(e.message, 'no org id');
      return true;
    });
    await assert.rejects(auth.authorize('', undefined, 'read'), { message: 'no org id' });
  });

  it('names the bad character of an invalid tenant id', async () => {
    await assert.rejects(auth.authorize('team/a', bearer(tokens['read']), 'read'), {
      name: 'BadDataError',
      message: "tenant ID 'team/a' contains unsupported character '/'",
    });
    await assert.rejects(auth.authorize('..', undefined, 'read'), { message: "tenant ID is '.' or '..'" });
    await assert.rejects(auth.authorize('x'.repeat(151), undefined, 'read'), {
      message: /too long: max 150/,
    });
  });

  it('says which problem the Authorization header has: 401', async () => {
    const expect401 = async (header: string | undefined, message: RegExp): Promise<void> => {
      await assert.rejects(auth.authorize('team-a', header, 'read'), (e: Error) => {
        assert.ok(e instanceof UnauthorizedError, String(e));
        assert.match(e.message, message);
        return true;
      });
    };
    await expect401(undefined, /^missing Authorization header: expected "Authorization: Bearer <token>"$/);
    await expect401(tokens['read'], /^malformed Authorization header/); // no "Bearer"
    await expect401(`Basic ${tokens['read']}`, /^malformed/);
    await expect401('Bearer ', /^malformed/);
    await expect401('Bearer', /^malformed/);
    await expect401(`Bearer  ${tokens['read']}`, /^malformed/); // two spaces
    await expect401('Bearer xsc_not-a-real-token', /^invalid or revoked token$/);
    // A valid token of another tenant reads exactly like an invalid one.
    await expect401(bearer(tokens['other']), /^invalid or revoked token$/);
  });

  it('checks the scope last: 403 naming the scope needed', async () => {
    await assert.rejects(auth.authorize('team-a', bearer(tokens['write']), 'read'), (e: Error) => {
      assert.ok(e instanceof ForbiddenError);
      assert.match(e.message, /needs the read scope/);
      return true;
    });
    await assert.rejects(auth.authorize('team-a', bearer(tokens['read']), 'write'), {
      name: 'ForbiddenError',
      message: /needs the write scope/,
    });
  });

  it('lets the right tokens through', async () => {
    assert.equal((await auth.authorize('team-a', bearer(tokens['read']), 'read')).tenant, 'team-a');
    assert.equal((await auth.authorize('team-a', bearer(tokens['write']), 'write')).tenant, 'team-a');
    assert.equal((await auth.authorize('team-a', `bearer ${tokens['read+write']}`, 'read')).tenant, 'team-a');
    assert.equal(
      (await auth.authorize('team-a|team-a', bearer(tokens['read+write']), 'write')).tenant,
      'team-a',
    );
  });

  it('stops honouring a revoked token once the cache entry expires', async () => {
    const { token, record } = await store.createToken({ tenant: 'team-a', scope: 'read', name: 'temp' });
    await auth.authorize('team-a', bearer(token), 'read');
    await store.revokeToken(record.id);
    clock += 2001;
    await assert.rejects(auth.authorize('team-a', bearer(token), 'read'), {
      message: 'invalid or revoked token',
    });
  });

  it('refuses expired tokens', async () => {
    const { token } = await store.createToken({
      tenant: 'team-a',
      scope: 'read',
      name: 'exp',
      expiresAt: clock + 10,
    });
    await auth.authorize('team-a', bearer(token), 'read');
    clock += 11;
    await assert.rejects(auth.authorize('team-a', bearer(token), 'read'), {
      message: 'invalid or revoked token',
    });
  });

  it('records last use in batches', async () => {
    await auth.authorize('team-a', bearer(tokens['read']), 'read');
    await auth.flushUsage();
    const list = await store.listTokens('team-a');
    assert.equal(list.find((t) => t.name === 'read')?.lastUsedAt, clock);
  });
});

describe('resolveTenant', () => {
  it('refuses several distinct tenants', () => {
    assert.throws(() => resolveTenant('a|b', 'write'), { message: 'multiple org IDs present' });
    assert.throws(
      () => resolveTenant('a|b', 'read'),
      (e: Error) => e instanceof ExecutionError,
    );
    assert.throws(() => resolveTenant('a||b', 'read'), /empty tenant ID/);
  });
});
