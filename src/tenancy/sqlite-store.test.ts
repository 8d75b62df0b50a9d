import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { SqliteControlPlane } from './sqlite-store.ts';
import { hashToken, looksLikeToken } from './tokens.ts';

describe('SqliteControlPlane', () => {
  it('keeps tenants and tokens, stores only token hashes, and survives reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xscaler-cp-'));
    try {
      const path = join(dir, 'control.db');
      const store = new SqliteControlPlane(path);
      await store.createTenant('acme');
      await assert.rejects(store.createTenant('acme'), /already exists/);
      await assert.rejects(store.createTenant('bad id'), /unsupported character ' '/);
      await assert.rejects(store.createToken({ tenant: 'nope', scope: 'read', name: 'x' }), /does not exist/);
      const { token, record } = await store.createToken({ tenant: 'acme', scope: 'write', name: 'prom' });
      assert.ok(looksLikeToken(token));
      assert.ok(token.startsWith(record.prefix));
      assert.equal(record.prefix.length, 12);
      const raw = store.db.prepare('SELECT * FROM tokens').all();
      assert.ok(!JSON.stringify(raw).includes(token), 'the secret must not be stored');
      store.close();

      const again = new SqliteControlPlane(path);
      assert.deepEqual(
        (await again.listTenants()).map((t) => t.id),
        ['acme'],
      );
      assert.equal((await again.findTokenByHash(hashToken(token)))?.id, record.id);
      assert.equal((await again.listTokens('acme')).length, 1);
      assert.equal(await again.revokeToken(record.id), true);
      assert.equal(await again.revokeToken(record.id), false);
      assert.equal(await again.findTokenByHash(hashToken(token)), null);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes tokens with at least 128 random bits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xscaler-cp-'));
    const store = new SqliteControlPlane(join(dir, 'c.db'));
    await store.createTenant('t');
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++)
      seen.add((await store.createToken({ tenant: 't', scope: 'read', name: 'n' })).token);
    assert.equal(seen.size, 50);
    // 43 base64url characters carry the 256 random bits; the prefix shown reveals 48 of them.
    assert.ok([...seen].every((t) => t.length === 47));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
