import type { HttpClient } from './http-client.ts';
import type { Workload } from './workload.ts';

/**
 * The fixed dashboard query set: what a Grafana board over this workload asks, instant and range.
 * The same paths (times included) go to every system; only the API prefix differs.
 */

export interface QueryDef {
  readonly id: string;
  readonly kind: 'instant' | 'range' | 'label values' | 'series';
  /** PromQL expression, or the label name / selector for metadata calls. */
  readonly expr: string;
  /** Path below the API prefix, query string included. */
  readonly path: string;
  /**
   * Why VictoriaMetrics's answer is expected to differ from Prometheus's, if it is: MetricsQL
   * computes rate/increase without extrapolation, using the sample before the window.
   */
  readonly vmDiffers: string | undefined;
}

const seconds = (ms: number): string => String(ms / 1000);

const rateNote = (expr: string): string | undefined =>
  /\b(rate|increase|irate)\(/.test(expr) ? 'MetricsQL rate/increase: no extrapolation' : undefined;

/**
 * Window of the range queries: up to `rangeMs` (default 1 h), ending at the evaluation time, step =
 * scrape interval.
 */
export function rangeWindow(
  w: Workload,
  rangeMs = 3600_000,
): { startMs: number; endMs: number; stepMs: number } {
  const step = w.params.intervalMs;
  const spanMs = w.evalMs - w.firstScrapeMs;
  // Keep 10 minutes of history before the window so 5m rates and the lookback see full data.
  const lengthMs = Math.max(step, Math.min(rangeMs, Math.floor((spanMs - 600_000) / step) * step));
  return { startMs: w.evalMs - lengthMs, endMs: w.evalMs, stepMs: step };
}

export function dashboardQueries(w: Workload, rangeMs?: number): QueryDef[] {
  const t = seconds(w.evalMs);
  const { startMs, endMs, stepMs } = rangeWindow(w, rangeMs);
  const ns = w.catalogue.targets[0]!.namespace;
  const instant = (id: string, expr: string): QueryDef => ({
    id,
    kind: 'instant',
    expr,
    path: `/query?${new URLSearchParams({ query: expr, time: t })}`,
    vmDiffers: rateNote(expr),
  });
  const range = (id: string, expr: string): QueryDef => ({
    id,
    kind: 'range',
    expr,
    path: `/query_range?${new URLSearchParams({
      query: expr,
      start: seconds(startMs),
      end: seconds(endMs),
      step: seconds(stepMs),
    })}`,
    vmDiffers: rateNote(expr),
  });
  const window = { start: seconds(startMs), end: seconds(endMs) };
  const join =
    'sum by (node) (sum by (namespace, pod) (rate(container_cpu_usage_seconds_total[5m])) ' +
    '* on (namespace, pod) group_left (node) kube_pod_info)';
  return [
    instant('rate-by-job', 'sum by (job) (rate(http_requests_total[5m]))'),
    instant(
      'p99-by-namespace',
      'histogram_quantile(0.99, sum by (le, namespace) (rate(http_request_duration_seconds_bucket[5m])))',
    ),
    instant('topk-pods', 'topk(10, sum by (pod) (rate(http_requests_total[5m])))'),
    instant('cpu-by-node-join', join),
    instant(
      'error-ratio',
      'sum(rate(http_requests_total{code="500"}[5m])) / sum(rate(http_requests_total[5m]))',
    ),
    instant('increase-1h', `sum by (pod) (increase(http_requests_total{namespace="${ns}"}[1h]))`),
    instant('mem-by-namespace', 'avg by (namespace) (process_resident_memory_bytes)'),
    instant('max-over-time', `max by (pod) (max_over_time(go_goroutines{namespace="${ns}"}[1h]))`),
    instant(
      'mean-latency',
      'sum(http_request_duration_seconds_sum) / sum(http_request_duration_seconds_count)',
    ),
    instant('up-by-namespace', 'count by (namespace) (up)'),
    range('range-rate-by-job', 'sum by (job) (rate(http_requests_total[5m]))'),
    range(
      'range-p90',
      'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
    ),
    range('range-cpu-by-node-join', join),
    range('range-mem-by-namespace', 'avg by (namespace) (process_resident_memory_bytes)'),
    {
      id: 'label-values-pod',
      kind: 'label values',
      expr: 'pod',
      path: `/label/pod/values?${new URLSearchParams(window)}`,
      vmDiffers: undefined,
    },
    {
      id: 'label-values-name',
      kind: 'label values',
      expr: '__name__',
      path: `/label/__name__/values?${new URLSearchParams(window)}`,
      vmDiffers: undefined,
    },
    {
      id: 'series-up-ns',
      kind: 'series',
      expr: `up{namespace="${ns}"}`,
      path: `/series?${new URLSearchParams({ 'match[]': `up{namespace="${ns}"}`, ...window })}`,
      vmDiffers: undefined,
    },
  ];
}

/**
 * Instant queries the harness uses to check that every system holds the same data, one per metric
 * name: functions drop `__name__`, so one query over all names would collide in Prometheus
 * ("vector cannot contain metrics with the same labelset"). Summed over names:
 * - `lastScrape`: series whose newest sample (the last scrape) is queryable — equals the series
 *   count once everything written is visible;
 * - `samples`: every sample in the data's time span.
 */
export function checkQueries(w: Workload): { lastScrape: string[]; samples: string[] } {
  const t = seconds(w.evalMs);
  const lastScrape = seconds(w.evalMs - w.params.intervalMs);
  const windowS = Math.ceil((w.evalMs - w.firstScrapeMs + w.params.intervalMs) / 1000);
  return {
    lastScrape: w.metricNames.map(
      (name) =>
        `/query?${new URLSearchParams({ query: `count(timestamp(${name}) >= ${lastScrape})`, time: t })}`,
    ),
    samples: w.metricNames.map(
      (name) =>
        `/query?${new URLSearchParams({ query: `sum(count_over_time(${name}[${windowS}s]))`, time: t })}`,
    ),
  };
}

/** A non-200 answer to a check query; 4xx other than 429 will not change by waiting. */
export class QueryFailed extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 429;
  }
}

/** Runs `paths` and sums their single-number answers; throws QueryFailed on any non-200 answer. */
export async function sumOf(
  client: HttpClient,
  prefix: string,
  paths: readonly string[],
  timeoutMs: number,
): Promise<number> {
  let total = 0;
  for (const path of paths) {
    const res = await client.get(prefix + path, timeoutMs);
    if (res.status !== 200) {
      throw new QueryFailed(
        res.status,
        `GET ${prefix}${path} answered ${res.status}: ${res.body.trim().slice(0, 200)}`,
      );
    }
    total += scalarOf(res.body) ?? 0;
  }
  return total;
}

/** One number out of a `vector` answer with a single element (count/sum checks). */
export function scalarOf(body: string): number | undefined {
  const parsed = JSON.parse(body) as { data?: { result?: { value?: [number, string] }[] } };
  const v = parsed.data?.result?.[0]?.value?.[1];
  return v === undefined ? undefined : Number(v);
}

export interface QueryRun {
  readonly def: QueryDef;
  /** Seconds per timed repetition (the warm-up pass is not included). */
  readonly latencies: number[];
  /** Body of the warm-up answer (compared across systems), or the error. */
  readonly body: string | undefined;
  readonly error: string | undefined;
}

/**
 * Runs every query once to warm up and record its answer, then `reps` timed passes over the whole
 * set (interleaved, so background noise spreads over all queries). Stops early at the deadline.
 */
export async function runQueries(
  client: HttpClient,
  prefix: string,
  defs: readonly QueryDef[],
  reps: number,
  deadline: number,
  timeoutMs: number,
): Promise<QueryRun[]> {
  const runs = defs.map((def) => ({
    def,
    latencies: [] as number[],
    body: undefined as string | undefined,
    error: undefined as string | undefined,
  }));
  for (let pass = 0; pass <= reps && performance.now() < deadline; pass++) {
    for (const run of runs) {
      if (run.error !== undefined || performance.now() >= deadline) continue;
      try {
        const res = await client.get(prefix + run.def.path, timeoutMs);
        if (res.status !== 200) run.error = `HTTP ${res.status}: ${res.body.trim().slice(0, 200)}`;
        else if (pass === 0) run.body = res.body;
        else run.latencies.push(res.seconds);
      } catch (err) {
        run.error = (err as Error).message;
      }
    }
  }
  return runs;
}
