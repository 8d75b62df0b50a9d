import { BadDataError, formatDurationMs, parseDurationMs } from '../model/index.ts';

/**
 * Per-tenant limits: one table (`LIMIT_SPECS`) names every limit once, with its config key (Mimir's
 * snake_case names where Mimir has the same limit), its unit and its default. Everything else — the
 * config file, `xscaler limits set`, the SQLite overrides, `/metrics` and `user_stats` — goes through
 * this table, so a new limit is one line here.
 *
 * All values are numbers: counts, samples per second, milliseconds for durations, and an HTTP
 * status for `ingestion_rate_limit_status_code`. For counts, rates and durations 0 means "no
 * limit", as in Mimir (for `out_of_order_time_window`, 0 means in-order only).
 */
export interface Limits {
  /** Samples (+ exemplars + metadata) per second, averaged by a token bucket. 0 = unlimited. */
  readonly ingestionRate: number;
  /** Largest number of items the bucket holds: how far above the rate a burst may go. */
  readonly ingestionBurstSize: number;
  /**
   * What a rate-limited write gets: 429 (default, like Mimir) or 503. Stock Prometheus drops a
   * batch on 429 unless `queue_config.retry_on_http_429: true`, but retries every 5xx.
   */
  readonly ingestionRateLimitStatusCode: number;
  readonly maxGlobalSeriesPerTenant: number;
  readonly maxSeriesPerMetric: number;
  readonly maxLabelNamesPerSeries: number;
  /** Bytes (UTF-8). */
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  /** Metric families with metadata (TYPE/HELP/UNIT) kept per tenant. */
  readonly maxMetadataPerTenant: number;
  /** How far behind a series' newest sample a sample is still accepted, ms. */
  readonly outOfOrderTimeWindowMs: number;
  /** How far in the future (by the server's clock) a sample may be, ms. */
  readonly creationGracePeriodMs: number;
  /** How long samples are kept, ms. */
  readonly retentionMs: number;
  readonly maxFetchedSeriesPerQuery: number;
  readonly maxSamplesPerQuery: number;
  /** Longest range (end - start) of a range query, ms. */
  readonly maxTotalQueryLengthMs: number;
  /** How far back a query may look, ms. */
  readonly maxQueryLookbackMs: number;
  readonly queryTimeoutMs: number;
}

export type LimitField = keyof Limits;

/** How a limit's value is written in config files and on the command line. */
export type LimitUnit = 'count' | 'rate' | 'duration' | 'status';

export interface LimitSpec {
  /** The config key (`ingestion_rate`). */
  readonly key: string;
  readonly field: LimitField;
  readonly unit: LimitUnit;
  readonly help: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Built-in defaults, Mimir's where Mimir has the limit. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  ingestionRate: 10_000,
  ingestionBurstSize: 200_000,
  ingestionRateLimitStatusCode: 429,
  maxGlobalSeriesPerTenant: 150_000,
  maxSeriesPerMetric: 0,
  maxLabelNamesPerSeries: 30,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxMetadataPerTenant: 0,
  outOfOrderTimeWindowMs: 10 * MINUTE,
  creationGracePeriodMs: 10 * MINUTE,
  retentionMs: 30 * DAY,
  maxFetchedSeriesPerQuery: 0,
  maxSamplesPerQuery: 50_000_000,
  maxTotalQueryLengthMs: 0,
  maxQueryLookbackMs: 0,
  queryTimeoutMs: 2 * MINUTE,
});

export const LIMIT_SPECS: readonly LimitSpec[] = [
  spec('ingestion_rate', 'ingestionRate', 'rate', 'samples per second (with exemplars and metadata)'),
  spec('ingestion_burst_size', 'ingestionBurstSize', 'count', 'samples a burst may exceed the rate by'),
  spec(
    'ingestion_rate_limit_status_code',
    'ingestionRateLimitStatusCode',
    'status',
    '429 or 503: the status of a rate-limited write',
  ),
  spec('max_global_series_per_tenant', 'maxGlobalSeriesPerTenant', 'count', 'series per tenant'),
  spec('max_series_per_metric', 'maxSeriesPerMetric', 'count', 'series per metric name'),
  spec('max_label_names_per_series', 'maxLabelNamesPerSeries', 'count', 'labels per series'),
  spec('max_label_name_length', 'maxLabelNameLength', 'count', 'bytes in a label name'),
  spec('max_label_value_length', 'maxLabelValueLength', 'count', 'bytes in a label value'),
  spec('max_metadata_per_tenant', 'maxMetadataPerTenant', 'count', 'metric families with metadata'),
  spec('out_of_order_time_window', 'outOfOrderTimeWindowMs', 'duration', 'how late a sample may be'),
  spec('creation_grace_period', 'creationGracePeriodMs', 'duration', 'how far in the future a sample may be'),
  spec('retention', 'retentionMs', 'duration', 'how long samples are kept'),
  spec('max_fetched_series_per_query', 'maxFetchedSeriesPerQuery', 'count', 'series one query may read'),
  spec('max_samples_per_query', 'maxSamplesPerQuery', 'count', 'samples one query may hold in memory'),
  spec('max_total_query_length', 'maxTotalQueryLengthMs', 'duration', 'longest range of a query'),
  spec('max_query_lookback', 'maxQueryLookbackMs', 'duration', 'how far back a query may look'),
  spec('query_timeout', 'queryTimeoutMs', 'duration', 'how long a query may run'),
];

function spec(key: string, field: LimitField, unit: LimitUnit, help: string): LimitSpec {
  return { key, field, unit, help };
}

const BY_KEY = new Map(LIMIT_SPECS.map((s) => [s.key, s]));
const BY_FIELD = new Map(LIMIT_SPECS.map((s) => [s.field, s]));

/** The spec of a config key, or a BadDataError listing the known keys. */
export function limitSpec(key: string): LimitSpec {
  const s = BY_KEY.get(key);
  if (s === undefined) {
    throw new BadDataError(
      `unknown limit "${key}"; known limits: ${LIMIT_SPECS.map((x) => x.key).join(', ')}`,
    );
  }
  return s;
}

export function specOfField(field: LimitField): LimitSpec {
  return BY_FIELD.get(field) as LimitSpec;
}

/**
 * Parses one value as written in a config file or on the command line: counts are non-negative
 * integers, rates non-negative numbers, durations Prometheus durations (`10m`, `30d`, `0`), the
 * status 429 or 503. Numbers from YAML/JSON are accepted for counts, rates and the status.
 */
export function parseLimitValue(key: string, raw: unknown): number {
  const s = limitSpec(key);
  const bad = (what: string): BadDataError =>
    new BadDataError(`limit ${key}: ${what}, got ${JSON.stringify(raw)} (${s.help})`);
  if (s.unit === 'duration') {
    if (raw === 0) return 0;
    if (typeof raw !== 'string') throw bad('expected a duration such as "10m" or "30d"');
    try {
      return parseDurationMs(raw.trim());
    } catch {
      throw bad('expected a duration such as "10m" or "30d"');
    }
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  switch (s.unit) {
    case 'count':
      if (!Number.isSafeInteger(n) || n < 0) throw bad('expected a whole number ≥ 0 (0 = no limit)');
      return n;
    case 'rate':
      if (!Number.isFinite(n) || n < 0) throw bad('expected a number ≥ 0 (0 = no limit)');
      return n;
    case 'status':
      if (n !== 429 && n !== 503) throw bad('expected 429 or 503');
      return n;
  }
}

/** Formats a value the way `parseLimitValue` reads it back (durations as `10m`). */
export function formatLimitValue(field: LimitField, value: number): string {
  if (specOfField(field).unit !== 'duration') return String(value);
  // Whole days and hours read better than Prometheus's weeks (`30d`, not `4w2d`).
  if (value > 0 && value % DAY === 0) return `${value / DAY}d`;
  if (value > 0 && value % HOUR === 0) return `${value / HOUR}h`;
  return formatDurationMs(value);
}

/**
 * Parses a `{ key: value }` object (one section of a config file) into overrides. Throws a
 * BadDataError naming `where` and the key for unknown keys and bad values.
 */
export function parseLimitOverrides(obj: unknown, where: string): Partial<Limits> {
  if (obj === null || obj === undefined) return {};
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    throw new BadDataError(`${where}: expected a map of limit names to values`);
  }
  const out: Partial<Record<LimitField, number>> = {};
  for (const [key, raw] of Object.entries(obj as Record<string, unknown>)) {
    try {
      out[limitSpec(key).field] = parseLimitValue(key, raw);
    } catch (err) {
      throw new BadDataError(`${where}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** `base` with every value of each override in turn laid over it (later ones win). */
export function mergeLimits(base: Limits, ...overrides: ReadonlyArray<Partial<Limits> | undefined>): Limits {
  let out: Limits = base;
  for (const o of overrides) if (o !== undefined && Object.keys(o).length > 0) out = { ...out, ...o };
  return Object.freeze(out);
}

/** Limits as a `{ config_key: number }` object (durations in seconds), for JSON APIs. */
export function limitsAsJson(limits: Limits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of LIMIT_SPECS) {
    const v = limits[s.field];
    out[s.key] = s.unit === 'duration' ? v / 1000 : v;
  }
  return out;
}
