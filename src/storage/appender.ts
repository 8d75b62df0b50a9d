import type { Labels } from '../model/index.ts';
import type { SampleBatch } from '../model/index.ts';

/** Why storage refused a sample. The names are the `reason` label of our discard counters. */
export type RejectReason =
  | 'out_of_order' //        older than the newest sample of its series, beyond the out-of-order window
  | 'too_old' //             older than what the head can still take (before the out-of-order window)
  | 'too_far_in_future' //   newer than now + the allowed future skew
  | 'duplicate_timestamp' // same timestamp as a stored sample, different value
  | 'invalid_labels' //      missing __name__, bad names, duplicate names, empty label set
  | 'max_label_names_per_series'
  | 'label_name_too_long'
  | 'label_value_too_long'
  | 'series_limit' //        the tenant has too many series (max_global_series_per_tenant)
  | 'metric_series_limit' // the metric has too many series (max_series_per_metric)
  | 'native_histograms_unsupported'; // a storage without native histogram support (the tsdb has it)

export interface RejectedSample {
  readonly reason: RejectReason;
  /** The series in Prometheus text form, e.g. `up{job="api"}`. */
  readonly series: string;
  readonly t: number;
}

export interface AppendResult {
  /** Float and histogram samples (stale markers included) now stored and durable. */
  readonly accepted: number;
  /** How many of `accepted` are native histogram samples (the rest are float samples). */
  readonly acceptedHistograms: number;
  /** Exemplars stored: those of series that were not refused whole. */
  readonly acceptedExemplars: number;
  /** Count of refused samples per reason (reasons with zero are absent). */
  readonly rejected: ReadonlyMap<RejectReason, number>;
  /** The first few refused samples, for the error message. */
  readonly examples: readonly RejectedSample[];
  /** Series created by this append. */
  readonly newSeries: number;
}

/** Rules the caller (ingest, per tenant) asks storage to apply while appending. */
export interface AppendOptions {
  /** Wall-clock now in ms; samples after now + maxFutureMs are refused. */
  readonly now: number;
  readonly maxFutureMs: number;
  /** How far behind a series' newest sample a sample may still be accepted, in ms. 0 = in order only. */
  readonly outOfOrderWindowMs: number;
  /** Series caps; 0 = unlimited. Existing series always accept samples. */
  readonly maxSeries: number;
  readonly maxSeriesPerMetric: number;
  /**
   * Called once for each series storage has not seen before, after the built-in checks (valid
   * UTF-8, `__name__` present, no duplicate names). Returns a reason to refuse the series (all its
   * samples are then refused), or null. Known series are never re-checked.
   */
  readonly checkNewSeries?: (labels: Labels) => RejectReason | null;
}

/**
 * The write port. Partial by design: valid series and samples are stored even when others are
 * refused, and the result says what was refused.
 */
export interface Appender {
  /**
   * Appends every sample (and the histograms, exemplars and metadata) of `batch`. The batch is read
   * only before this returns; the caller may reuse it as soon as the promise exists. The promise
   * resolves once everything accepted is durable (written to the WAL), and rejects with an
   * UnavailableError (retryable, nothing acknowledged) when it cannot be made durable.
   */
  append(batch: SampleBatch, options: AppendOptions): Promise<AppendResult>;
}
