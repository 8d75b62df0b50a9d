import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { push } from '../support/remote-write.ts';
import { startHeaderProxy, type HeaderProxy } from '../support/header-proxy.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { missingTool } from '../support/tools.ts';

/** Runs promtool with a time limit; resolves with its output whatever the exit code. */
function promtool(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('promtool query against the Prometheus API', { skip: missingTool('promtool') }, () => {
  let server: TestServer | undefined;
  let proxy: HeaderProxy | undefined;
  let base = '';
  let configArgs: string[] = [];
  let dir = '';
  const now = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

  before(async () => {
    server = await startServer();
    await server.createTenant('acme');
    const write = await server.createToken('acme', 'write');
    const read = await server.createToken('acme', 'read');
    const samples = Array.from({ length: 11 }, (_, i) => [now + i * 60_000, i] as const);
    const res = await push(
      server.url,
      [
        { labels: { __name__: 'promtool_demo', job: 'api', instance: 'a:1' }, samples },
        { labels: { __name__: 'promtool_demo', job: 'db', instance: 'b:1' }, samples },
      ],
      { tenant: 'acme', token: write },
    );
    assert.equal(res.status, 204);
    dir = mkdtempSync(join(tmpdir(), 'xscaler-promtool-'));
    const help = await promtool(['query', 'instant', '--help']);
    if ((help.stdout + help.stderr).includes('--http.config.file')) {
      const file = join(dir, 'http.yml');
      writeFileSync(
        file,
        `authorization:\n  credentials: ${read}\nhttp_headers:\n  X-Scope-OrgID:\n    values: [acme]\n`,
      );
      configArgs = [`--http.config.file=${file}`];
      base = `${server.url}/prometheus`;
    } else {
      // promtool 2.42 cannot send headers: see test/support/header-proxy.ts.
      proxy = await startHeaderProxy(server.url, {
        'x-scope-orgid': 'acme',
        authorization: `Bearer ${read}`,
      });
      base = `${proxy.url}/prometheus`;
    }
  });

  after(async () => {
    await proxy?.close();
    await server?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('query instant', async () => {
    const t = String((now + 10 * 60_000) / 1000);
    const r = await promtool([
      'query',
      'instant',
      ...configArgs,
      `--time=${t}`,
      base,
      'sum by (job) (promtool_demo)',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').sort();
    assert.deepEqual(lines, [`{job="api"} => 10 @[${t}]`, `{job="db"} => 10 @[${t}]`]);
  });

  it('query range', async () => {
    const r = await promtool([
      'query',
      'range',
      ...configArgs,
      `--start=${new Date(now).toISOString()}`,
      `--end=${new Date(now + 4 * 60_000).toISOString()}`,
      '--step=1m',
      base,
      'promtool_demo{job="api"} * 2',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^\{instance="a:1", job="api"\} =>\n0 @\[\d+\]\n2 @\[\d+\]\n4 @\[\d+\]\n6 @\[\d+\]\n8 @\[\d+\]/,
    );
  });

  it('query series', async () => {
    const r = await promtool(['query', 'series', ...configArgs, '--match=promtool_demo', base]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      '{__name__="promtool_demo", instance="a:1", job="api"}',
      '{__name__="promtool_demo", instance="b:1", job="db"}',
    ]);
  });

  it('query labels', async () => {
    const r = await promtool(['query', 'labels', ...configArgs, base, 'job']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['api', 'db']);
  });

  it('reports our parse errors', async () => {
    const r = await promtool(['query', 'instant', ...configArgs, base, 'sum(']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /bad_data: invalid parameter "query": 1:\d+: parse error/);
  });
});
