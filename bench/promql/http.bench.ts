/**
 * The harness's dashboard queries (bench/harness/queries.ts) end to end over HTTP against an
 * xScaler server on a data dir the harness kept (`npm run bench -- --systems xscaler --keep …`),
 * so one can profile the whole path (HTTP → gate → parse → plan → select → evaluate → JSON)
 * without the peers:
 *
 *   node --import tsx bench/promql/http.bench.ts --data-dir /tmp/xscaler-bench-XXXX/xscaler-0/data
 *     [--interval S] [--reps N] [--cpu-prof-dir DIR] [--only REGEX]
 *
 * Starts the server as the harness does (`bin/xscaler serve`, so `npm run build` first; with
 * --cpu-prof when --cpu-prof-dir is given, the profile is written when the server stops), creates
 * a read token for the `bench` tenant, finds the workload's time span from the data, then prints
 * p50/p99 ms per query (the harness's percentile rule) over N passes after one warm-up pass.
 * `--only` picks queries by expression (label values: the label name; series: the selector).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { HttpClient } from '../harness/http-client.ts';
import { dashboardQueries } from '../harness/queries.ts';
import { waitReady } from '../harness/run.ts';
import { percentile } from '../harness/stats.ts';
import { freePort, Supervisor } from '../harness/supervisor.ts';
import { BENCH_TENANT, PACKAGE_ROOT, xscaler } from '../harness/systems.ts';
import type { Workload } from '../harness/workload.ts';
import { strArg } from './common.ts';

const DATA = strArg('data-dir');
if (DATA === null) throw new Error('--data-dir is required');
const REPS = Number(strArg('reps') ?? 20);
const PROF = strArg('cpu-prof-dir');
const ONLY = strArg('only');
/** The workload's scrape interval (the harness's --interval: quick 10 s, default 60 s). */
const INTERVAL = Number(strArg('interval') ?? 10) * 1000;

const token = execFileSync(
  process.execPath,
  [
    join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'),
    ...['token', 'create', '--tenant', BENCH_TENANT, '--scope', 'read', '--data-dir', DATA],
  ],
  { encoding: 'utf8' },
).trim();
if (PROF !== null) process.env['XSCALER_BENCH_NODE_ARGS'] = `--cpu-prof --cpu-prof-dir=${PROF}`;
const ports = { http: await freePort(), grpc: await freePort() };
const cmd = xscaler.command(DATA, DATA, ports);
const supervisor = new Supervisor();
supervisor.installSignalHandlers(
  () => undefined,
  () => undefined,
);
const server = supervisor.spawn(
  'xscaler',
  cmd.command,
  cmd.args,
  join(DATA, '..', 'http-bench.log'),
  cmd.env,
);
const http = new HttpClient(
  ports.http,
  { 'X-Scope-OrgID': BENCH_TENANT, Authorization: `Bearer ${token}` },
  1,
);
try {
  await waitReady(http, xscaler, server, 60_000);
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
  const w = {
    evalMs,
    firstScrapeMs: last - (count - 1) * INTERVAL,
    params: { intervalMs: INTERVAL },
    catalogue: { targets: [{ namespace: 'ns-0' }] },
  } as unknown as Workload;
  const only = ONLY === null ? null : new RegExp(ONLY);
  const qs = dashboardQueries(w).filter((q) => only === null || only.test(q.expr));
  console.log(
    `eval at ${evalMs}, interval ${INTERVAL} ms, ${count} scrapes; p50 / p99 ms over ${REPS} passes`,
  );
  const times = qs.map(() => [] as number[]);
  for (let pass = -1; pass < REPS; pass++) {
    for (let i = 0; i < qs.length; i++) {
      const res = await http.get(`${xscaler.apiPrefix}${qs[i]!.path}`, 60_000);
      if (res.status !== 200) throw new Error(`${qs[i]!.expr}: ${res.status} ${res.body.slice(0, 200)}`);
      if (pass >= 0) times[i]!.push(res.seconds * 1000);
    }
  }
  for (let i = 0; i < qs.length; i++) {
    const p = (q: number): string => percentile(times[i]!, q).toFixed(2);
    console.log(`${qs[i]!.kind.padEnd(12)} ${p(50).padStart(8)} ${p(99).padStart(8)}  ${qs[i]!.expr}`);
  }
} finally {
  http.close();
  await supervisor.stop(server);
}
