import { BadDataError, formatDurationMs, parseDurationMs } from '../model/index.ts';

/** Names of the OTLP translation strategies (Prometheus's `otlp.translation_strategy` values). */
export const OTLP_TRANSLATION_STRATEGIES = [
  'UnderscoreEscapingWithSuffixes',
  'UnderscoreEscapingWithoutSuffixes',
  'NoUTF8EscapingWithSuffixes',
  'NoTranslation',
] as const;
export type OtlpTranslationStrategyName = (typeof OTLP_TRANSLATION_STRATEGIES)[number];

/** What OTLP exponential histograms become: native histograms, or classic `_bucket{le}` series. */
export const OTLP_EXPONENTIAL_HISTOGRAM_MODES = ['native', 'classic'] as const;
export type OtlpExponentialHistogramMode = (typeof OTLP_EXPONENTIAL_HISTOGRAM_MODES)[number];

/**
 * Per-tenant limits and settings: one table (`LIMIT_SPECS`) names every one once, with its config
 * key (Mimir's snake_case names where Mimir has the same limit), its unit and its default.
 * Everything else — the config file, `xscaler limits set`, the SQLite overrides, `/metrics` and
 * `user_stats` — goes through this table, so a new limit is one line here.
 *
 * Limits are numbers: counts, samples per second, milliseconds for durations, and an HTTP status for
 * `ingestion_rate_limit_status_code`. For counts, rates and durations 0 means "no limit", as in
 * Mimir (for `out_of_order_time_window`, 0 means in-order only). The `otlp_*` settings are how the
 * tenant's OTLP data is translated (names, booleans, a list); they are not limits, but are set,
 * stored, layered and reloaded the same way. `/metrics` and `user_stats` show only the numbers.
 */
export interface Limits extends NumericLimits, OtlpSettings {}

/** The numeric limits (see `Limits`). */
export interface NumericLimits {
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

/**
 * How the tenant's OTLP metrics become Prometheus series (docs/otlp.md). The OTLP receiver maps
 * these to the translator's options.
 */
export interface OtlpSettings {
  /** `otlp_translation_strategy`: how metric and label names are escaped and suffixed. */
  readonly otlpTranslationStrategy: OtlpTranslationStrategyName;
  /** `otlp_promote_resource_attributes`: resource attributes added as labels to every series. */
  readonly otlpPromoteResourceAttributes: readonly string[];
  /** `otlp_promote_scope_metadata`: add the `otel_scope_*` labels. */
  readonly otlpPromoteScopeMetadata: boolean;
  /** `otlp_keep_identifying_resource_attributes`: keep `service.*` ids on `target_info` too. */
  readonly otlpKeepIdentifyingResourceAttributes: boolean;
  /** `otlp_exponential_histograms`: native histograms (default) or classic buckets. */
  readonly otlpExponentialHistograms: OtlpExponentialHistogramMode;
}

export type LimitField = keyof Limits;
export type NumericLimitField = keyof NumericLimits;

/** Any value of a limit or setting. */
export type LimitValue = number | string | boolean | readonly string[];

/**
 * How a value is written in config files and on the command line: numbers (`count`, `rate`,
 * `duration`, `status`), one of fixed names (`enum`), `true`/`false` (`bool`), or a list (`list`:
 * a YAML/JSON list in the file, comma-separated text on the command line).
 */
export type LimitUnit = 'count' | 'rate' | 'duration' | 'status' | 'enum' | 'bool' | 'list';

export interface LimitSpec {
  /** The config key (`ingestion_rate`). */
  readonly key: string;
  readonly field: LimitField;
  readonly unit: LimitUnit;
  readonly help: string;
  /** The allowed names of an `enum`. */
  readonly values?: readonly string[];
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
  otlpTranslationStrategy: 'UnderscoreEscapingWithSuffixes',
  otlpPromoteResourceAttributes: Object.freeze([]) as readonly string[],
  otlpPromoteScopeMetadata: true,
  otlpKeepIdentifyingResourceAttributes: false,
  otlpExponentialHistograms: 'native',
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
  spec(
    'otlp_translation_strategy',
    'otlpTranslationStrategy',
    'enum',
    'OTLP metric/label names: ' + OTLP_TRANSLATION_STRATEGIES.join(' | '),
    OTLP_TRANSLATION_STRATEGIES,
  ),
  spec(
    'otlp_promote_resource_attributes',
    'otlpPromoteResourceAttributes',
    'list',
    'OTLP resource attributes made labels of every series (comma-separated)',
  ),
  spec(
    'otlp_promote_scope_metadata',
    'otlpPromoteScopeMetadata',
    'bool',
    'OTLP: add otel_scope_name/_version/_schema_url and otel_scope_<attr> labels (true | false)',
  ),
  spec(
    'otlp_keep_identifying_resource_attributes',
    'otlpKeepIdentifyingResourceAttributes',
    'bool',
    'OTLP: keep service.name/namespace/instance.id on target_info (true | false)',
  ),
  spec(
    'otlp_exponential_histograms',
    'otlpExponentialHistograms',
    'enum',
    'OTLP exponential histograms become: native | classic (_bucket{le} series)',
    OTLP_EXPONENTIAL_HISTOGRAM_MODES,
  ),
];

function spec(
  key: string,
  field: LimitField,
  unit: LimitUnit,
  help: string,
  values?: readonly string[],
): LimitSpec {
  return values === undefined ? { key, field, unit, help } : { key, field, unit, help, values };
}

/** True for the units whose values are numbers (the limits proper). */
export function isNumericUnit(unit: LimitUnit): boolean {
  return unit === 'count' || unit === 'rate' || unit === 'duration' || unit === 'status';
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
 * status 429 or 503. Numbers from YAML/JSON are accepted for counts, rates and the status. Enums
 * take one of their names (any case), booleans `true`/`false`, lists a YAML/JSON list of strings or
 * comma-separated text (items trimmed, empty ones and repeats dropped; `""` is the empty list).
 */
export function parseLimitValue(key: string, raw: unknown): LimitValue {
  const s = limitSpec(key);
  const bad = (what: string): BadDataError =>
    new BadDataError(`limit ${key}: ${what}, got ${JSON.stringify(raw)} (${s.help})`);
  if (s.unit === 'enum') {
    const values = s.values ?? [];
    const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
    const found = values.find((v) => v.toLowerCase() === text);
    if (found === undefined) throw bad(`expected one of ${values.join(', ')}`);
    return found;
  }
  if (s.unit === 'bool') {
    if (typeof raw === 'boolean') return raw;
    const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw bad('expected true or false');
  }
  if (s.unit === 'list') return parseList(raw, bad);
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

function parseList(raw: unknown, bad: (what: string) => BadDataError): readonly string[] {
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string') items = raw.split(',');
  else if (raw === null) items = [];
  else throw bad('expected a list of names, or comma-separated names');
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw bad('expected a list of names (strings)');
    const name = item.trim();
    if (name !== '' && !out.includes(name)) out.push(name);
  }
  return Object.freeze(out);
}

/**
 * Formats a value the way `parseLimitValue` reads it back: durations as `10m`, lists
 * comma-separated (an empty list as ""), booleans as `true`/`false`.
 */
export function formatLimitValue(field: LimitField, value: LimitValue): string {
  if (typeof value !== 'number') return Array.isArray(value) ? value.join(',') : String(value);
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
  const out: Partial<Record<LimitField, LimitValue>> = {};
  for (const [key, raw] of Object.entries(obj as Record<string, unknown>)) {
    try {
      out[limitSpec(key).field] = parseLimitValue(key, raw);
    } catch (err) {
      throw new BadDataError(`${where}: ${(err as Error).message}`);
    }
  }
  // Each value was parsed by its field's own spec, so it has that field's type.
  return out as Partial<Limits>;
}

/** `base` with every value of each override in turn laid over it (later ones win). */
export function mergeLimits(base: Limits, ...overrides: ReadonlyArray<Partial<Limits> | undefined>): Limits {
  let out: Limits = base;
  for (const o of overrides) if (o !== undefined && Object.keys(o).length > 0) out = { ...out, ...o };
  return Object.freeze(out);
}

/**
 * The numeric limits as a `{ config_key: number }` object (durations in seconds), for JSON APIs and
 * gauges. The `otlp_*` settings are not numbers and are left out.
 */
export function limitsAsJson(limits: Limits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of LIMIT_SPECS) {
    const v = limits[s.field];
    if (typeof v === 'number') out[s.key] = s.unit === 'duration' ? v / 1000 : v;
  }
  return out;
}
