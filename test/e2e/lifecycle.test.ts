import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { Matcher } from '../../src/model/index.ts';
import { ValueKind } from '../../src/storage/index.ts';
import { openTsdb } from '../../src/tsdb/index.ts';
import { push, type TestSeries } from '../support/remote-write.ts';
import { REPO_ROOT, runCli, startServer } from '../support/server.ts';

/** Reads every float sample of `metric` from a tenant's storage directory, as "series@t" → value. */
async function storedSamples(dataDir: string, tenant: string, metric: string): Promise<Map<string, number>> {
  const db = await openTsdb(join(dataDir, 'tenants', tenant), { maintenanceIntervalMs: 0 });
  try {
    const q = await db.querier(-Infinity, Infinity);
    const out = new Map<string, number>();
    const signal = new AbortController().signal;
    for (const s of await q.select(
      [new Matcher('=', '__name__', metric)],
      { start: -Infinity, end: Infinity },
      signal,
    )) {
      const it = s.iterator();
      for (let k = it.next(); k !== ValueKind.None; k = it.next()) {
        if (k === ValueKind.Float) out.set(`${s.labels.get('i')}@${it.t}`, it.v);
      }
    }
    q.close();
    return out;
  } finally {
    await db.close();
  }
}

function batch(request: number, t: number): TestSeries[] {
  return Array.from({ length: 50 }, (_, i) => ({
    labels: { __name__: 'acked', i: String(i), job: 'lifecycle' },
    samples: [[t, request * 1000 + i]],
  }));
}

describe('server lifecycle and durability', () => {
  it('keeps every acknowledged sample across kill -9', async () => {
    let server = await startServer();
    await server.createTenant('acme');
    const token = await server.createToken('acme', 'write');
    const t0 = Date.now() - 60_000;
    const acked: number[] = [];
    // Four concurrent writers, each request a distinct timestamp; kill -9 once 15 requests are
    // acknowledged, while others are still in flight.
    let next = 0;
    let killed: Promise<void> | undefined;
    const writer = async (): Promise<void> => {
      while (killed === undefined && next < 200) {
        const r = next++;
        try {
          const res = await push(server.url, batch(r, t0 + r * 1000), { tenant: 'acme', token });
          if (res.status === 204) acked.push(r);
        } catch {
          return; // the connection died with the server: not acknowledged
        }
        if (acked.length >= 15) killed ??= server.kill();
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    await server.kill();
    assert.ok(acked.length >= 10, `only ${acked.length} requests were acknowledged before the kill`);
    const stored = await storedSamples(server.dataDir, 'acme', 'acked');
    for (const r of acked) {
      for (let i = 0; i < 50; i++) {
        assert.equal(stored.get(`${i}@${t0 + r * 1000}`), r * 1000 + i, `request ${r} series ${i}`);
      }
    }
    // And the restarted server serves again on the same data.
    server = await server.restart();
    const res = await push(server.url, batch(99, t0 + 99_000), { tenant: 'acme', token });
    assert.equal(res.status, 204);
    await server.cleanup();
  });

  it('drains in-flight requests on SIGTERM, flushes, and exits 0', async () => {
    const server = await startServer();
    await server.createTenant('acme');
    const token = await server.createToken('acme', 'write');
    const t0 = Date.now() - 60_000;
    const acked: number[] = [];
    const first = await push(server.url, batch(100, t0 - 1000), { tenant: 'acme', token });
    assert.equal(first.status, 204);
    const requests: Array<Promise<void>> = [];
    for (let r = 0; r < 20; r++) {
      requests.push(
        push(server.url, batch(r, t0 + r * 1000), { tenant: 'acme', token }).then(
          (res) => {
            if (res.status === 204) acked.push(r);
          },
          () => undefined,
        ),
      );
    }
    const code = await server.stop();
    await Promise.all(requests);
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /shut down/);
    const stored = await storedSamples(server.dataDir, 'acme', 'acked');
    assert.equal(stored.get(`0@${t0 - 1000}`), 100_000);
    for (const r of acked) assert.equal(stored.get(`0@${t0 + r * 1000}`), r * 1000);
    await server.cleanup();
  });

  it('answers /ready with 200 once it takes traffic', async () => {
    const server = await startServer();
    const res = await fetch(`${server.url}/ready`);
    assert.equal(res.status, 200);
    assert.equal((await res.text()).trim(), 'ready');
    await server.cleanup();
  });
});

describe('the xscaler bin', () => {
  it('runs the built dist/ through bin/xscaler after npm run build', async (t) => {
    const bin = join(REPO_ROOT, 'dist', 'cli', 'main.js');
    if (!existsSync(bin)) {
      if (process.env['CI'] === 'true')
        assert.fail('dist/cli/main.js is missing: npm test builds it first (pretest)');
      t.skip('dist/ is not built (npm run build); npm test builds it');
      return;
    }
    const prev = process.env['XSCALER_TEST_DIST'];
    process.env['XSCALER_TEST_DIST'] = '1';
    try {
      const help = await runCli(['--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /serve/);
      const server = await startServer();
      try {
        assert.equal((await fetch(`${server.url}/ready`)).status, 200);
        // The launcher execs node (no shell left in between, so signals and /proc figures are the
        // server's) with glibc's malloc tuned to give freed memory back.
        assert.match(readFileSync(`/proc/${server.pid}/cmdline`, 'utf8'), /dist\/cli\/main\.js\0serve/);
        // (glibc rewrites the variable in place when it parses it, so only its start is certain.)
        const env = readFileSync(`/proc/${server.pid}/environ`, 'utf8').split('\0');
        assert.ok(
          env.some((e) => e.startsWith('GLIBC_TUNABLES=glibc.malloc.trim_threshold=131072')),
          env.filter((e) => e.startsWith('GLIBC')).join(' '),
        );
      } finally {
        await server.cleanup();
      }
    } finally {
      if (prev === undefined) delete process.env['XSCALER_TEST_DIST'];
      else process.env['XSCALER_TEST_DIST'] = prev;
    }
  });
});
