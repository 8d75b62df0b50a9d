import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { pino } from 'pino';

import { startServer, type RunningServer } from '../../src/app/index.ts';
import { Labels, Matcher } from '../../src/model/index.ts';
import { ValueKind, type Storage } from '../../src/storage/index.ts';
import { openTsdb } from '../../src/tsdb/index.ts';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.ts';
import { cli } from '../support/server.ts';
import { eventually, missingTool } from '../support/tools.ts';
import { startHeaderProxy } from '../support/header-proxy.ts';

/**
 * A real Prometheus (Debian's 2.42, scraping itself every second) remote-writes to us faster than a
 * tiny ingestion_rate allows. It gets refusals; once the limit is raised, every sample it scraped
 * must be stored — compared sample by sample with Prometheus's own TSDB. Two ways to lose nothing:
 * 429 with `queue_config.retry_on_http_429: true`, and 503 (`ingestion_rate_limit_status_code`)
 * for a stock config, since Prometheus retries every 5xx.
 *
 * The server runs in this process so the test can read each tenant's storage directly, with no
 * query layer in between.
 *
 * Debian's prometheus 2.42.0+ds never sends `remote_write[].headers` (a packaging bug, upstream
 * issue prometheus/prometheus#13030), so X-Scope-OrgID is added by a small proxy in front of
 * us, as a reverse proxy would; status codes and Retry-After pass through unchanged.
 */
describe('a real Prometheus over the ingestion rate limit', { skip: missingTool('prometheus') }, () => {
  let dataDir = '';
  let server: RunningServer;
  let url = '';
  const storages = new Map<string, Storage>();
  const tokens = new Map<string, string>();

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xscaler-limits-prom-'));
    const tiny = ['ingestion_rate=100', 'ingestion_burst_size=500'];
    for (const [tenant, extra] of [
      ['retry429', []],
      ['status503', ['ingestion_rate_limit_status_code=503']],
      ['stock429', []],
    ] as const) {
      await cli(['tenant', 'create', tenant, '--data-dir', dataDir]);
      await cli(['limits', 'set', tenant, ...tiny, ...extra, '--data-dir', dataDir]);
      const token = await cli([
        'token',
        'create',
        '--tenant',
        tenant,
        '--scope',
        'write',
        '--data-dir',
        dataDir,
      ]);
      tokens.set(tenant, token.trim());
    }
    server = await startServer(
      {
        listen: { host: '127.0.0.1', port: 0 },
        grpcListen: { host: '127.0.0.1', port: 0 },
        dataDir,
        logLevel: 'warn',
        drainMs: 1000,
      },
      {
        logger: pino({ level: 'warn' }),
        storageFactory: async (tenant, dir) => {
          const s = await openTsdb(dir, {});
          storages.set(tenant, s);
          return s;
        },
      },
    );
    url = `http://127.0.0.1:${server.httpAddress.port}`;
  });

  after(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Our `/metrics` value of `xscaler_rate_limited_requests_total` for a tenant. */
  async function refusals(tenant: string): Promise<number> {
    const text = await (await fetch(`${url}/metrics`)).text();
    const prefix = `xscaler_rate_limited_requests_total{tenant="${tenant}"} `;
    const line = text.split('\n').find((l) => l.startsWith(prefix));
    return line === undefined ? 0 : Number(line.slice(prefix.length));
  }

  async function promQuery(prom: RunningPrometheus, query: string, time: number): Promise<PromResult[]> {
    const params = new URLSearchParams({ query, time: String(time / 1000) });
    const body = (await (await fetch(`${prom.url}/api/v1/query?${params}`)).json()) as {
      status: string;
      data: { result: PromResult[] };
    };
    assert.equal(body.status, 'success');
    return body.data.result;
  }

  /**
   * Every sample in (from, to] of every series, from Prometheus's TSDB and from ours, as
   * `labels → "t=v t=v ..."`. Stale markers are left out on both sides (Prometheus's range
   * selectors drop them).
   */
  async function both(prom: RunningPrometheus, storage: Storage, from: number, to: number) {
    const seconds = Math.ceil((to - from) / 1000);
    from = to - seconds * 1000;
    const theirs = new Map<string, string>();
    for (const r of await promQuery(prom, `{__name__=~".+"}[${seconds}s]`, to)) {
      const key = Labels.fromObject(r.metric).toString();
      theirs.set(key, (r.values ?? []).map(([t, v]) => `${Math.round(t * 1000)}=${parseValue(v)}`).join(' '));
    }
    const ours = new Map<string, string>();
    const q = await storage.querier(from + 1, to);
    const signal = new AbortController().signal;
    for (const s of await q.select(
      [new Matcher('=~', '__name__', '.+')],
      { start: from + 1, end: to },
      signal,
    )) {
      const it = s.iterator();
      const samples: string[] = [];
      for (let k = it.next(), i = 0; k !== ValueKind.None && i < 1_000_000; k = it.next(), i++) {
        if (k === ValueKind.Float) samples.push(`${it.t}=${it.v}`);
      }
      if (samples.length > 0) ours.set(s.labels.toString(), samples.join(' '));
    }
    q.close();
    return { theirs, ours };
  }

  /** Runs Prometheus into the limit, lifts it, and checks that every sample arrived — or, with `expectLoss`, that some did not. */
  async function scenario(tenant: string, retryOn429: boolean, expectLoss = false): Promise<void> {
    const token = tokens.get(tenant) as string;
    const proxy = await startHeaderProxy(`http://127.0.0.1:${server.httpAddress.port}`, {
      'X-Scope-OrgID': tenant,
    });
    const proxyUrl = proxy.url;
    const prom = await startPrometheus(`
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$PORT']
remote_write:
  - url: ${proxyUrl}/api/v1/push
    authorization:
      credentials: ${token}
    headers:
      X-Scope-OrgID: ${tenant}
    queue_config:
      retry_on_http_429: ${retryOn429}
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 2s
`);
    try {
      // Self-scraping yields several hundred samples a second: far over 100/s.
      await eventually(
        async () => ((await refusals(tenant)) >= 5 ? true : undefined),
        60_000,
        `${tenant}: refusals from the rate limit`,
        500,
      ).catch(async (err: unknown) => {
        const metrics = (await (await fetch(`${url}/metrics`)).text())
          .split('\n')
          .filter((l) => l.startsWith('xscaler_'));
        const log = prom
          .output()
          .split('\n')
          .filter((l) => /remote|error/i.test(l))
          .slice(-10);
        throw new Error(
          `${String(err)}\nour metrics:\n${metrics.join('\n')}\nPrometheus:\n${log.join('\n')}`,
        );
      });
      await cli([
        'limits',
        'set',
        tenant,
        'ingestion_rate=10000000',
        'ingestion_burst_size=100000000',
        '--data-dir',
        dataDir,
      ]);
      const storage = storages.get(tenant);
      assert.ok(storage, 'the tenant has storage');
      // Compare up to a moment a few seconds after the limit was lifted, once Prometheus caught up.
      const to = Math.floor(Date.now() / 1000) * 1000 + 5000;
      let last = '';
      const compare = async (): Promise<string | undefined> => {
        if (Date.now() < to + 2000) return undefined;
        const first = await firstTimestamp(storage, 'up');
        assert.ok(first !== undefined, 'up has arrived');
        // From two seconds after the first sample we have: Prometheus's remote write starts with
        // the samples scraped after it started, not with its whole TSDB.
        const { theirs, ours } = await both(prom, storage, first + 2000, to);
        last = diff(theirs, ours);
        return last;
      };
      const counter = async (name: string): Promise<number> => {
        const r = await promQuery(
          prom,
          `sum({__name__=~"prometheus_remote_storage_${name}_total"})`,
          Date.now(),
        );
        return Number(r[0]?.value?.[1] ?? 0);
      };
      if (expectLoss) {
        // Give Prometheus time to catch up, then the gap must still be there.
        await new Promise((r) => setTimeout(r, Math.max(0, to + 10_000 - Date.now())));
        // Samples Prometheus has and we lack (not merely "differences": an empty answer from
        // Prometheus is one too, and would prove nothing).
        assert.match(
          (await compare()) ?? '',
          /missing series|Prometheus has \[/,
          'a stock config loses the refused batches',
        );
        assert.ok(
          (await counter('(samples_failed|failed_samples)')) > 0,
          'Prometheus counted them as failed',
        );
        return;
      }
      await eventually(
        async () => ((await compare()) === '' ? true : undefined),
        90_000,
        `${tenant}: every scraped sample stored`,
        1000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\nlast difference: ${last}`);
      });
      assert.equal(
        await counter('(samples_failed|failed_samples)'),
        0,
        'Prometheus failed (dropped) no sample',
      );
      assert.ok(
        (await counter('(samples_retried|retried_samples)')) > 0,
        'Prometheus retried refused batches',
      );
    } finally {
      await prom.stop();
      await proxy.close();
    }
  }

  it('429 + retry_on_http_429: true: refused batches are retried and every sample arrives', async () => {
    await scenario('retry429', true);
  });

  it('503 for a stock Prometheus config: refused batches are retried and every sample arrives', async () => {
    await scenario('status503', false);
  });

  it('control: 429 to a stock Prometheus config loses the refused batches (why both options exist)', async () => {
    await scenario('stock429', false, true);
  });
});

interface PromResult {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

function parseValue(v: string): number {
  return v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
}

async function firstTimestamp(storage: Storage, metric: string): Promise<number | undefined> {
  const q = await storage.querier(0, Number.MAX_SAFE_INTEGER);
  const series = await q.select(
    [new Matcher('=', '__name__', metric)],
    { start: 0, end: Number.MAX_SAFE_INTEGER },
    new AbortController().signal,
  );
  const it = series[0]?.iterator();
  const first = it !== undefined && it.next() !== ValueKind.None ? it.t : undefined;
  q.close();
  return first;
}

/** '' when equal, else the first few differences. */
function diff(theirs: ReadonlyMap<string, string>, ours: ReadonlyMap<string, string>): string {
  const out: string[] = [];
  for (const [k, v] of theirs) {
    const o = ours.get(k);
    if (o === undefined) out.push(`missing series ${k}`);
    else if (o !== v) out.push(`${k}: Prometheus has [${v}], we have [${o}]`);
    if (out.length >= 3) break;
  }
  for (const k of ours.keys()) if (!theirs.has(k) && out.length < 5) out.push(`extra series ${k}`);
  if (theirs.size === 0) out.push('Prometheus returned no series');
  return out.length === 0 ? '' : `${out.length}+ differences of ${theirs.size} series: ${out.join('; ')}`;
}
