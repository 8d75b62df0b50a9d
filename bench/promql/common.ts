/**
 * What the PromQL engine benchmarks (engine.bench.ts over columns in memory, tsdb.bench.ts over
 * the real storage) share: their command-line options, the random numbers of their data sets and
 * the dashboard queries they time.
 */

/** The number after `--name`, or `def`. */
export function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/** The word after `--name`, or null. */
export function strArg(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}

export const RUNS = arg('runs', 5);
export const SERIES = arg('series', 10_000);
export const HOURS = arg('hours', 24);
export const INTERVAL = arg('interval', 60) * 1000;
export const STEP = arg('step', 60) * 1000;
export const COUNTERS_ONLY = process.argv.includes('--counters-only');

/** Deterministic pseudo-random numbers: the tests' generator. */
export { rng } from '../../src/tsdb/test-util.ts';

/** The median (the upper one for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Range queries of the dashboard shapes, over the whole data set. */
export const RANGE_QUERIES = [
  'sum by (job) (rate(http_requests_total[5m]))',
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'topk(10, rate(http_requests_total[5m]))',
  'rate(http_requests_total[5m]) / on (job, instance) group_left (pod) memory_usage_bytes',
  'sum by (job) (memory_usage_bytes)',
  'sum by (job) (irate(http_requests_total[5m]))',
];

/** Instant queries at the end of the data set. */
export const INSTANT_QUERIES = [
  'sum by (job) (rate(http_requests_total[5m]))',
  'histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))',
  'topk(10, rate(http_requests_total[5m]))',
  'rate(http_requests_total[5m]) / on (job, instance) group_left (pod) memory_usage_bytes',
  'max_over_time(memory_usage_bytes[1h])',
  'count by (job) (http_requests_total)',
];
