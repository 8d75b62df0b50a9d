/** Counter-reset hints of native histograms, with Prometheus's numbers. */
export const CounterResetHint = { Unknown: 0, Reset: 1, NotReset: 2, Gauge: 3 } as const;
export type CounterResetHint = (typeof CounterResetHint)[keyof typeof CounterResetHint];

/** A run of `length` consecutive buckets, starting `offset` buckets after the previous span. */
export interface BucketSpan {
  offset: number;
  length: number;
}

/** Schema number of native histograms with custom bucket bounds (NHCB). */
export const CUSTOM_BUCKETS_SCHEMA = -53;

/**
 * A native histogram with float counts, the form PromQL computes with (Prometheus's
 * FloatHistogram). Bucket counts are absolute (not deltas). Exponential schemas -4..8: positive
 * bucket i covers (base^(i-1), base^i] with base = 2^(2^-schema); negative buckets mirror that.
 * Schema -53: bucket i covers (customValues[i-1], customValues[i]], the last one up to +Inf.
 *
 * A stale histogram is never represented by this type; storage reports staleness separately.
 */
export interface FloatHistogram {
  counterResetHint: CounterResetHint;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positiveSpans: BucketSpan[];
  positiveBuckets: number[];
  negativeSpans: BucketSpan[];
  negativeBuckets: number[];
  /** Upper bounds for schema -53, strictly increasing, without +Inf; empty otherwise. */
  customValues: number[];
}
