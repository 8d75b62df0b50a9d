import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { push } from '../support/remote-write.ts';
import { cli, runCli, startServer, type TestServer } from '../support/server.ts';
import { eventually } from '../support/tools.ts';

describe('xscaler tenant / token', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'xscaler-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates and lists tenants, refusing duplicates and bad ids', async () => {
    await cli(['tenant', 'create', 'acme', '--data-dir', dir]);
    await cli(['tenant', 'create', 'beta.co', '--data-dir', dir]);
    const dup = await runCli(['tenant', 'create', 'acme', '--data-dir', dir]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const bad = await runCli(['tenant', 'create', 'a b', '--data-dir', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unsupported character ' '/);
    const list = await cli(['tenant', 'list', '--data-dir', dir]);
    assert.deepEqual(
      list
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0]),
      ['acme', 'beta.co'],
    );
  });

  it('prints only the token on stdout, lists without secrets, and revokes by id', async () => {
    const token = (
      await cli([
        'token',
        'create',
        '--tenant',
        'acme',
        '--scope',
        'read+write',
        '--name',
        'grafana',
        '--data-dir',
        dir,
      ])
    ).trim();
    assert.match(token, /^xsc_[A-Za-z0-9_-]{43}$/);
    const list = await cli(['token', 'list', '--tenant', 'acme', '--data-dir', dir]);
    assert.match(list, /grafana\s+read\+write\s+xsc_/);
    assert.ok(!list.includes(token), 'the list must not show the secret');
    const id = /^(tok_[0-9a-f]+)/m.exec(list)?.[1];
    assert.ok(id);
    await cli(['token', 'revoke', id, '--data-dir', dir]);
    const again = await runCli(['token', 'revoke', id, '--data-dir', dir]);
    assert.equal(again.code, 1);
  });

  it('explains usage mistakes with exit code 2', async () => {
    const r = await runCli(['token', 'create', '--tenant', 'acme', '--data-dir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--scope is required/);
    const s = await runCli(['token', 'create', '--tenant', 'acme', '--scope', 'admin', '--data-dir', dir]);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /unknown scope "admin"/);
    const n = await runCli(['token', 'create', '--tenant', 'nope', '--scope', 'read', '--data-dir', dir]);
    assert.equal(n.code, 1);
    assert.match(n.stderr, /does not exist/);
    const u = await runCli(['frobnicate']);
    assert.equal(u.code, 2);
  });
});

describe('a running server and the CLI', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    await server.createTenant('acme');
  });
  after(async () => server.cleanup());

  it('honours tokens created and revoked through the CLI within 5 seconds, without a restart', async () => {
    const series = [{ labels: { __name__: 'x' }, samples: [[Date.now(), 1]] as const }];
    const token = await server.createToken('acme', 'write', 'late');
    const started = Date.now();
    await eventually(
      async () =>
        (await push(server.url, series, { tenant: 'acme', token })).status === 204 ? true : undefined,
      5000,
      'a new token to work',
    );
    const list = await cli(['token', 'list', '--tenant', 'acme', '--data-dir', server.dataDir]);
    const id = /^(tok_[0-9a-f]+)\s+late/m.exec(list)?.[1];
    assert.ok(id);
    await cli(['token', 'revoke', id, '--data-dir', server.dataDir]);
    const revokedAt = Date.now();
    await eventually(
      async () =>
        (await push(server.url, series, { tenant: 'acme', token })).status === 401 ? true : undefined,
      5000,
      'the revoked token to be refused',
    );
    assert.ok(Date.now() - revokedAt <= 5500, 'revocation took effect within 5 s');
    assert.ok(started > 0);
  });
});
