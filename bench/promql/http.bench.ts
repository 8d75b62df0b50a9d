/**
 * The harness's dashboard queries (bench/harness/queries.ts) end to end over HTTP against an
 * xScaler server on a data dir the harness kept (`npm run bench -- --systems xscaler --keep …`),
 * so one can profile the whole path (HTTP → parse → plan → select → evaluate → JSON) without the
 * peers:
 *
 *   node --import tsx bench/promql/http.bench.ts --data-dir /tmp/xscaler-bench-XXXX/xscaler-0/data
 *     [--interval S] [--reps N] [--cpu-prof-dir DIR] [--only REGEX]
 *
 * Starts `dist/cli/main.js serve` (run `npm run build` first) on a free port (with --cpu-prof when
 * --cpu-prof-dir is given; the profile is written when the server stops), creates a read token for
 * the `bench` tenant, finds the workload's time span from the data, then prints p50/p99 ms per
 * query over N passes after one warm-up pass.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { HttpClient } from '../harness/http-client.ts';
import { dashboardQueries } from '../harness/queries.ts';
import type { Workload } from '../harness/workload.ts';

function strArg(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}

const DATA = strArg('data-dir');
if (DATA === null) throw new Error('--data-dir is required');
const REPS = Number(strArg('reps') ?? 20);
const PROF = strArg('cpu-prof-dir');
const ONLY = strArg('only');
/** The workload's scrape interval (the harness's --interval: quick 10 s, default 60 s). */
const INTERVAL = Number(strArg('interval') ?? 10) * 1000;
const CLI = join(new URL('../../', import.meta.url).pathname, 'dist', 'cli', 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const token = execFileSync(
  process.execPath,
  [CLI, 'token', 'create', '--tenant', 'bench', '--scope', 'read', '--data-dir', DATA],
  { encoding: 'utf8' },
).trim();
const port = await freePort();
const grpc = await freePort();
const child = spawn(
  process.execPath,
  [
    ...(PROF !== null ? ['--cpu-prof', '--cpu-prof-dir', PROF] : []),
    CLI,
    'serve',
    '--listen',
    `127.0.0.1:${port}`,
    '--grpc-listen',
    `127.0.0.1:${grpc}`,
    '--data-dir',
    DATA,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const http = new HttpClient(port, { 'X-Scope-OrgID': 'bench', Authorization: `Bearer ${token}` }, 1);
try {
  for (let i = 0; ; i++) {
    try {
      if ((await http.get('/ready', 1000)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error('server not ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const scalar = async (q: string, t: number): Promise<number> => {
    const res = await http.get(
      `/prometheus/api/v1/query?${new URLSearchParams({ query: q, time: String(t / 1000) })}`,
      60_000,
    );
    if (res.status !== 200) throw new Error(`${q}: ${res.status} ${res.body.slice(0, 200)}`);
    const body = JSON.parse(res.body) as { data: { result: Array<{ value: [number, string] }> } };
    return Number(body.data.result[0]?.value[1]);
  };
  const now = Date.now();
  // The newest scrape, also when it is older than the lookback (a data dir kept from an earlier run).
  const last = (await scalar('max(max_over_time(timestamp(up)[7d:1m]))', now)) * 1000;
  const count = await scalar('max(count_over_time(up[1d]))', last + 1);
  if (!(count > 0)) throw new Error('no data for up');
  const evalMs = Math.floor(last / INTERVAL) * INTERVAL + INTERVAL;
  const interval = INTERVAL;
  const w = {
    evalMs,
    firstScrapeMs: last - (count - 1) * interval,
    params: { intervalMs: interval },
    catalogue: { targets: [{ namespace: 'ns-0' }] },
  } as unknown as Workload;
  const only = ONLY === null ? null : new RegExp(ONLY);
  const qs = dashboardQueries(w).filter((q) => only === null || only.test(q.expr));
  console.log(
    `eval at ${evalMs}, interval ${interval} ms, ${count} scrapes; p50 / p99 ms over ${REPS} passes`,
  );
  const times = qs.map(() => [] as number[]);
  for (let pass = -1; pass < REPS; pass++) {
    for (let i = 0; i < qs.length; i++) {
      const res = await http.get(`/prometheus/api/v1${qs[i]!.path}`, 60_000);
      if (res.status !== 200) throw new Error(`${qs[i]!.expr}: ${res.status} ${res.body.slice(0, 200)}`);
      if (pass >= 0) times[i]!.push(res.seconds * 1000);
    }
  }
  for (let i = 0; i < qs.length; i++) {
    const s = times[i]!.sort((a, b) => a - b);
    const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2);
    console.log(`${qs[i]!.kind.padEnd(12)} ${p(0.5).padStart(8)} ${p(0.99).padStart(8)}  ${qs[i]!.expr}`);
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
