/**
 * PromQL parse throughput over typical Grafana dashboard queries (parse + type check), and the
 * printer for comparison. Also reports heap bytes allocated per parse and checks that parse time
 * grows linearly with query length (a long `a + a + ...` chain and deeply nested parentheses).
 *
 *   node --expose-gc --import tsx bench/promql/parse.bench.ts
 */
import { exprToString, parseExpr, prettify } from '../../src/promql/parser/index.ts';

const ROUNDS = 7;
const DURATION_MS = 1000;

const QUERIES = [
  'up',
  'up{job="node"} == 0',
  'sum by (job) (rate(http_requests_total{job=~"api|web", code!~"5.."}[5m]))',
  'histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))',
  '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[1m])))',
  'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > bool 0.05',
  'topk(10, sum without (instance, pod) (container_memory_working_set_bytes{namespace="prod", container!=""}))',
  'node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes * 100 < 10',
  'max_over_time(sum by (cluster) (kube_pod_container_status_restarts_total)[1h:5m] offset 1d)',
  'rate(errors_total[5m]) / on (service) group_left (team) service_owner_info',
  'label_replace(sum by (pod) (rate(container_cpu_usage_seconds_total[5m])), "app", "$1", "pod", "(.*)-[^-]+-[^-]+")',
  'absent(up{job="critical"} == 1) or vector(0)',
];

/** Runs `fn` over the query set for DURATION_MS; returns operations per second. */
function round(fn: (q: string) => unknown): number {
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(DURATION_MS) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (const q of QUERIES) fn(q);
    ops += QUERIES.length;
  }
  return ops / (Number(process.hrtime.bigint() - start) / 1e9);
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[v.length >> 1] as number;
}

function measure(name: string, fn: (q: string) => unknown): void {
  round(fn); // warm up
  const rates = Array.from({ length: ROUNDS }, () => round(fn));
  console.log(
    `  ${name}: ${(median(rates) / 1e3).toFixed(1)} k queries/s (median of ${ROUNDS} × ${DURATION_MS} ms)`,
  );
}

/** Heap bytes allocated per parse of the query set, averaged (needs --expose-gc to be tight). */
function bytesPerParse(): number {
  const n = 50; // small enough that no scavenge runs between the two readings
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) for (const q of QUERIES) parseExpr(q);
  const after = process.memoryUsage().heapUsed;
  return Math.max(0, after - before) / (n * QUERIES.length);
}

/** Median microseconds per parse of a generated query of size `n`, after warming up the JIT. */
function timeOf(make: (n: number) => string, n: number): number {
  const q = make(n);
  for (let i = 0; i < 300; i++) parseExpr(q);
  const times = Array.from({ length: ROUNDS }, () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) parseExpr(q);
    return Number(process.hrtime.bigint() - start) / 1e3 / 50;
  });
  return median(times);
}

const avgLen = Math.round(QUERIES.reduce((s, q) => s + q.length, 0) / QUERIES.length);
console.log(`PromQL parser: ${QUERIES.length} dashboard queries, ${avgLen} characters on average`);
measure('parseExpr', (q) => parseExpr(q));
const parsed = new Map(QUERIES.map((q) => [q, parseExpr(q)] as const));
measure('exprToString', (q) => exprToString(parsed.get(q)!));
measure('prettify', (q) => prettify(parsed.get(q)!));
const exact = typeof (globalThis as { gc?: unknown }).gc === 'function';
console.log(
  `  ~${Math.round(bytesPerParse())} heap bytes allocated per parse${exact ? '' : ' (rough: run with --expose-gc)'}`,
);

const chain = (n: number): string => Array.from({ length: n }, (_, i) => `m${i}{job="a"}`).join(' + ');
const nested = (n: number): string => '('.repeat(n) + 'x' + ')'.repeat(n);
for (const [name, make] of [
  ['a + a + … chain', chain],
  ['nested parentheses', nested],
] as const) {
  const small = timeOf(make, 200);
  const large = timeOf(make, 800);
  console.log(
    `  ${name}: ${small.toFixed(0)} µs at 200, ${large.toFixed(0)} µs at 800 (×${(large / small).toFixed(1)} for ×4)`,
  );
}
