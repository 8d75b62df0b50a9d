import { BadDataError, ExecutionError, type Matcher } from '../../model/index.ts';
import { formatDurationMs } from '../../model/index.ts';
import type { Querier, Queryable, SelectHints, Series } from '../../storage/index.ts';
import type { QueryLimits } from './deps.ts';

/**
 * A tenant's query limits applied around its storage, the same way for PromQL queries, the
 * series/labels endpoints and remote read:
 * - reads never see data older than `now - maxQueryLookbackMs` (Mimir clamps the same way), and
 *   `clamped` tells the handler to add a warning;
 * - more than `maxFetchedSeriesPerQuery` series selected in total fails the call with 422.
 * One instance per request: it counts the series of that request.
 */
export class LimitedQueryable implements Queryable {
  private readonly inner: Queryable;
  private readonly maxSeries: number;
  /** Earliest time reads may see, ms (-Infinity without a lookback limit). */
  readonly minTime: number;
  private readonly lookbackMs: number;
  fetchedSeries = 0;
  clamped = false;

  constructor(inner: Queryable, limits: QueryLimits, now: number) {
    this.inner = inner;
    this.maxSeries = limits.maxFetchedSeriesPerQuery;
    this.lookbackMs = limits.maxQueryLookbackMs;
    this.minTime = limits.maxQueryLookbackMs > 0 ? now - limits.maxQueryLookbackMs : -Infinity;
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    if (mint < this.minTime) {
      this.clamped = true;
      mint = this.minTime;
    }
    if (maxt < mint) return EMPTY_QUERIER;
    return new LimitedQuerier(this, await this.inner.querier(mint, maxt));
  }

  /** Counts selected series; throws once the total passes the limit. */
  count(n: number): void {
    this.fetchedSeries += n;
    if (this.maxSeries > 0 && this.fetchedSeries > this.maxSeries) {
      throw new ExecutionError(
        `the query exceeded the maximum number of series (limit: ${this.maxSeries} series): select fewer ` +
          `series (add label matchers or shorten the time range), or ask your administrator to raise ` +
          `max_fetched_series_per_query`,
      );
    }
  }

  /** The warning for answers that left old data out, or null. */
  warning(): string | null {
    if (!this.clamped) return null;
    return (
      `the query reaches back further than this tenant's max_query_lookback of ` +
      `${formatDurationMs(this.lookbackMs)}: data before ${new Date(this.minTime).toISOString()} is not returned`
    );
  }
}

class LimitedQuerier implements Querier {
  private readonly owner: LimitedQueryable;
  private readonly inner: Querier;

  constructor(owner: LimitedQueryable, inner: Querier) {
    this.owner = owner;
    this.inner = inner;
  }

  async select(
    matchers: readonly Matcher[],
    hints: SelectHints,
    signal: AbortSignal,
  ): Promise<readonly Series[]> {
    if (hints.end < this.owner.minTime) return [];
    const h = hints.start < this.owner.minTime ? { ...hints, start: this.owner.minTime } : hints;
    const series = await this.inner.select(matchers, h, signal);
    this.owner.count(series.length);
    return series;
  }

  labelNames(matchers: readonly Matcher[], signal: AbortSignal): Promise<readonly string[]> {
    return this.inner.labelNames(matchers, signal);
  }

  labelValues(name: string, matchers: readonly Matcher[], signal: AbortSignal): Promise<readonly string[]> {
    return this.inner.labelValues(name, matchers, signal);
  }

  close(): void {
    this.inner.close();
  }
}

const EMPTY_QUERIER: Querier = {
  select: async () => [],
  labelNames: async () => [],
  labelValues: async () => [],
  close: () => undefined,
};

/** Refuses a range query longer than the tenant allows (400, as Mimir). */
export function checkQueryLength(limits: QueryLimits, startMs: number, endMs: number): void {
  const max = limits.maxTotalQueryLengthMs;
  if (max > 0 && endMs - startMs > max) {
    throw new BadDataError(
      `the query time range exceeds the limit (query length: ${formatDurationMs(endMs - startMs)}, limit: ` +
        `${formatDurationMs(max)}): shorten the time range, or ask your administrator to raise max_total_query_length`,
    );
  }
}

/** The effective timeout: the tenant's, shortened by the `timeout` parameter (ms; 0 = none). */
export function effectiveTimeout(limits: QueryLimits, requestedMs: number | undefined): number {
  const tenant = limits.queryTimeoutMs > 0 ? limits.queryTimeoutMs : Infinity;
  const asked = requestedMs !== undefined && requestedMs > 0 ? requestedMs : Infinity;
  const t = Math.min(tenant, asked);
  return Number.isFinite(t) ? t : 365 * 24 * 3600_000;
}

/** Samples the engine may hold: the tenant's cap, or practically unlimited. */
export function maxSamples(limits: QueryLimits): number {
  return limits.maxSamplesPerQuery > 0 ? limits.maxSamplesPerQuery : Number.MAX_SAFE_INTEGER;
}
