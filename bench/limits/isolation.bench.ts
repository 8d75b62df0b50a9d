/**
 * Tenant isolation under an ingest flood: how much slower do a quiet tenant's queries get while
 * another tenant floods remote write as fast as it can?
 *
 *   node --import tsx bench/limits/isolation.bench.ts [--seconds 10]
 *
 * The server runs as its own process (`xscaler serve` from source); this script is the clients.
 * The quiet tenant holds 1,000 series × 1 h at 15 s (240,000 samples) and runs one range query
 * after the other: `sum by (job) (rate(bench_requests_total[5m]))` over that hour, step 60 s.
 * Phases, each `--seconds` long:
 *   A. baseline: no flood;
 *   B. flood, refused: 8 connections push 2,000-sample requests back to back against an
 *      ingestion_rate of 100/s (burst 2,000): what refusals alone cost the server;
 *   C. flood at its limit: the same against 10,000/s (burst 20,000, Mimir's default rate): most
 *      requests get 429, and ~10,000 samples/s are stored;
 *   D. flood, unlimited (ingestion_rate=0): every request is decoded and stored — the contention
 *      the rate limit prevents.
 * Reported: the quiet tenant's query latency (p50/p95/p99/max) and the flood's request rate.
 * Every loop is bounded by a deadline and a count.
 */
import { compressSync } from 'snappy';

import { encodeLabels, WriteRequestBuilder } from '../harness/encode.ts';
import { percentile } from '../harness/stats.ts';
import { push, type TestSeries } from '../../test/support/remote-write.ts';
import { cli, startServer } from '../../test/support/server.ts';

const args = process.argv.slice(2);
const SECONDS = Number(args[args.indexOf('--seconds') + 1] ?? 10) || 10;
const FLOOD_CONNECTIONS = 8;
const FLOOD_SAMPLES = 2000;
const QUIET_SERIES = 1000;
const QUIET_POINTS = 240;
const STEP_MS = 15_000;

interface Phase {
  readonly name: string;
  readonly latencies: number[];
  readonly errors: number;
  readonly flood: { requests: number; limited: number; ok: number };
}

async function main(): Promise<void> {
  const server = await startServer();
  try {
    for (const t of ['quiet', 'flood']) await server.createTenant(t);
    const quietWrite = await server.createToken('quiet', 'write');
    const quietRead = await server.createToken('quiet', 'read');
    const floodWrite = await server.createToken('flood', 'write');
    await cli(['limits', 'set', 'quiet', 'ingestion_rate=0', '--data-dir', server.dataDir]);
    const floodLimits = async (...kv: string[]): Promise<void> => {
      await cli(['limits', 'set', 'flood', ...kv, '--data-dir', server.dataDir]);
      await new Promise((r) => setTimeout(r, 2500)); // the server re-reads overrides every 2 s
    };
    await floodLimits('ingestion_rate=100', 'ingestion_burst_size=2000');

    // Preload the quiet tenant: 1,000 series × 240 points, in 10 requests.
    const end = Math.floor(Date.now() / STEP_MS) * STEP_MS;
    const start = end - (QUIET_POINTS - 1) * STEP_MS;
    for (let r = 0; r < 10; r++) {
      const series: TestSeries[] = [];
      for (let i = r * 100; i < (r + 1) * 100; i++) {
        const samples: Array<[number, number]> = [];
        for (let p = 0; p < QUIET_POINTS; p++) samples.push([start + p * STEP_MS, p * (1 + (i % 7))]);
        series.push({
          labels: { __name__: 'bench_requests_total', job: `job-${i % 10}`, instance: `i-${i}` },
          samples,
        });
      }
      const res = await push(server.url, series, { tenant: 'quiet', token: quietWrite });
      if (res.status !== 204) throw new Error(`preload: ${res.status} ${await res.text()}`);
    }

    const query = new URLSearchParams({
      query: 'sum by (job) (rate(bench_requests_total[5m]))',
      start: String(start / 1000),
      end: String(end / 1000),
      step: '60',
    });
    const queryOnce = async (): Promise<boolean> => {
      const res = await fetch(`${server.url}/prometheus/api/v1/query_range?${query}`, {
        headers: { 'x-scope-orgid': 'quiet', authorization: `Bearer ${quietRead}` },
      });
      const body = (await res.json()) as { status: string; data?: { result: unknown[] } };
      return res.status === 200 && body.status === 'success' && (body.data?.result.length ?? 0) === 10;
    };
    for (let i = 0; i < 5; i++) if (!(await queryOnce())) throw new Error('the warm-up query failed');

    // Flood bodies: 2,000 series × 1 sample stamped now, built without allocating per sample (the
    // client must not be the bottleneck: it shares the machine with the server).
    const floodLabels = Array.from({ length: FLOOD_SAMPLES }, (_, i) =>
      encodeLabels(['__name__', 'flood_metric', 'namespace', `ns-${i % 13}`, 'pod', `pod-${i}`]),
    );
    const builder = new WriteRequestBuilder(FLOOD_SAMPLES, 64);
    const body = (k: number): Buffer => {
      builder.reset();
      const now = Date.now();
      for (let i = 0; i < FLOOD_SAMPLES; i++) builder.add(floodLabels[i] as Uint8Array, k, now, k);
      return compressSync(Buffer.from(builder.bytes()));
    };

    const phases: Phase[] = [];
    const run = async (name: string): Promise<void> => {
      const flooding = name !== 'A. baseline';
      const deadline = Date.now() + SECONDS * 1000;
      const flood = { requests: 0, limited: 0, ok: 0 };
      let stop = false;
      const floodLoop = async (c: number): Promise<void> => {
        // Bounded: at most one request per millisecond of the phase per connection.
        for (let k = 0; !stop && k < SECONDS * 1000; k++) {
          const res = await fetch(`${server.url}/api/v1/push`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-protobuf',
              'content-encoding': 'snappy',
              'x-scope-orgid': 'flood',
              authorization: `Bearer ${floodWrite}`,
            },
            body: body(c * 1_000_000 + k),
          });
          await res.arrayBuffer();
          flood.requests++;
          if (res.status === 429) flood.limited++;
          else if (res.status === 204) flood.ok++;
        }
      };
      const floods = flooding ? Array.from({ length: FLOOD_CONNECTIONS }, (_, c) => floodLoop(c)) : [];
      if (flooding) await new Promise((r) => setTimeout(r, 500)); // let the flood build up
      const latencies: number[] = [];
      let errors = 0;
      for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
        const t0 = performance.now();
        const ok = await queryOnce();
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
      stop = true;
      await Promise.all(floods);
      phases.push({ name, latencies, errors, flood });
      process.stderr.write(`${name}: ${latencies.length} queries\n`);
    };

    await run('A. baseline');
    await run('B. flood, refused');
    await floodLimits('ingestion_rate=10000', 'ingestion_burst_size=20000');
    await run('C. flood at its limit');
    await floodLimits('ingestion_rate=0');
    await run('D. flood, unlimited');

    const ms = (v: number): string => v.toFixed(1).padStart(7);
    process.stdout.write(
      `quiet tenant: range query over ${QUIET_SERIES} series × ${QUIET_POINTS} points; flood: ${FLOOD_CONNECTIONS} connections × ${FLOOD_SAMPLES}-sample requests; ${SECONDS} s per phase\n\n` +
        'phase                     queries  errors   p50 ms   p95 ms   p99 ms   max ms   flood req/s  429 share\n',
    );
    for (const p of phases) {
      const l = p.latencies;
      process.stdout.write(
        `${p.name.padEnd(25)} ${String(l.length).padStart(7)} ${String(p.errors).padStart(7)} ${ms(percentile(l, 50))}  ${ms(percentile(l, 95))}  ${ms(percentile(l, 99))}  ${ms(Math.max(...l))}  ` +
          `${(p.flood.requests / SECONDS).toFixed(0).padStart(12)}  ${p.flood.requests === 0 ? '      -' : `${((100 * p.flood.limited) / p.flood.requests).toFixed(1).padStart(8)}%`}\n`,
      );
    }
  } finally {
    await server.cleanup();
  }
}

await main();
