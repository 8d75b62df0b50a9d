import { CounterResetHint, type BucketSpan, type FloatHistogram } from '../../model/index.ts';
import type { FloatList, PointScratch } from './point.ts';

/**
 * Exponential histogram conversions.
 *
 * OTel bucket `i` at scale `s` holds values whose magnitude is in (base^i, base^(i+1)] with
 * base = 2^(2^-s). Lowering the scale by `d` merges 2^d neighbours: new index = i >> d (floor).
 */

/** Zero threshold Prometheus gives native histograms from OTLP when the point sets none. */
export const DEFAULT_ZERO_THRESHOLD = 1e-128;

/** Merges dense `counts` (first index `offset`) down by `shift` scales into `out`; returns the new offset. */
export function downscaleBuckets(offset: number, counts: FloatList, shift: number, out: FloatList): number {
  out.length = 0;
  if (counts.length === 0) return 0;
  const first = offset >> shift;
  for (let i = 0; i < counts.length; i++) {
    const j = ((offset + i) >> shift) - first;
    while (out.length <= j) out.push(0);
    out.data[j] = (out.data[j] as number) + counts.at(i);
  }
  return first;
}

/** Upper bound of positive bucket `i` at `scale`: base^(i+1). */
function upperBound(i: number, scale: number): number {
  return scale >= 0 ? 2 ** ((i + 1) / 2 ** scale) : 2 ** ((i + 1) * 2 ** -scale);
}

/** Lower bound of positive bucket `i` at `scale`: base^i. */
function lowerBound(i: number, scale: number): number {
  return upperBound(i - 1, scale);
}

/**
 * Classic buckets of an exponential histogram, for storage without native histograms.
 *
 * The bounds rule: the histogram is first downscaled to `min(scale, maxScale)`, so every `le` is a
 * power of 2^(2^-maxScale) (powers of two for the default 0) and a series keeps the same bounds
 * when the SDK changes its scale. Buckets, in ascending order of `le`:
 * - each negative bucket i (values in [-base^(i+1), -base^i)): le = -base^i;
 * - the zero bucket, if it counts anything or negative buckets exist: le = zero_threshold;
 * - each positive bucket i from the lowest to the highest populated index, empty ones in between
 *   included: le = base^(i+1);
 * - `+Inf` = count (added by the caller).
 * Values land in cumulative counts; a value exactly on a negative bound is counted one bucket early
 * (OTel's negative buckets are closed on the other side), which is within the bucket resolution.
 */
export function exponentialToClassic(
  p: PointScratch,
  maxScale: number,
  scratch: FloatList,
  bounds: FloatList,
  cumulative: FloatList,
): void {
  bounds.length = 0;
  cumulative.length = 0;
  const scale = Math.min(p.scale, maxScale);
  const shift = p.scale - scale;
  let total = 0;
  if (p.negative.length > 0) {
    const offset = downscaleBuckets(p.negativeOffset, p.negative, shift, scratch);
    for (let k = scratch.length - 1; k >= 0; k--) {
      total += scratch.at(k);
      bounds.push(-lowerBound(offset + k, scale));
      cumulative.push(total);
    }
  }
  if (p.zeroCount > 0 || p.negative.length > 0) {
    total += p.zeroCount;
    bounds.push(p.zeroThreshold);
    cumulative.push(total);
  }
  if (p.positive.length > 0) {
    const offset = downscaleBuckets(p.positiveOffset, p.positive, shift, scratch);
    for (let k = 0; k < scratch.length; k++) {
      total += scratch.at(k);
      bounds.push(upperBound(offset + k, scale));
      cumulative.push(total);
    }
  }
}

/**
 * A native histogram of an exponential histogram point (specs/otlp-metrics.md §4.8): schema =
 * scale, scales above 8 are downscaled to 8; Prometheus index = OTel index + 1; gaps of up to two
 * empty buckets stay inside a span. Returns a message instead when the scale is below -4.
 */
export function exponentialToNative(p: PointScratch, scratch: FloatList): FloatHistogram | string {
  if (p.scale < -4) {
    return `exponential histogram scale ${p.scale} is below -4, the lowest native histogram schema`;
  }
  const schema = Math.min(p.scale, 8);
  const shift = p.scale - schema;
  const positive = spans(p.positiveOffset, p.positive, shift, scratch);
  const negative = spans(p.negativeOffset, p.negative, shift, scratch);
  return {
    counterResetHint: CounterResetHint.Unknown,
    schema,
    zeroThreshold: p.zeroThreshold > 0 ? p.zeroThreshold : DEFAULT_ZERO_THRESHOLD,
    zeroCount: p.zeroCount,
    count: p.count,
    sum: p.hasSum ? p.sum : 0,
    positiveSpans: positive.spans,
    positiveBuckets: positive.buckets,
    negativeSpans: negative.spans,
    negativeBuckets: negative.buckets,
    customValues: [],
  };
}

function spans(
  offset: number,
  counts: FloatList,
  shift: number,
  scratch: FloatList,
): { spans: BucketSpan[]; buckets: number[] } {
  const out: { spans: BucketSpan[]; buckets: number[] } = { spans: [], buckets: [] };
  if (counts.length === 0) return out;
  const first = downscaleBuckets(offset, counts, shift, scratch) + 1;
  let previousEnd = 0; // Prometheus index one past the previous span
  let span: BucketSpan | null = null;
  let zeros = 0;
  for (let k = 0; k < scratch.length; k++) {
    const c = scratch.at(k);
    if (c === 0) {
      zeros++;
      continue;
    }
    const index = first + k;
    if (span === null) {
      span = { offset: index, length: 1 };
      out.spans.push(span);
    } else if (zeros <= 2) {
      for (let z = 0; z < zeros; z++) out.buckets.push(0);
      span.length += zeros + 1;
    } else {
      span = { offset: index - previousEnd, length: 1 };
      out.spans.push(span);
    }
    out.buckets.push(c);
    previousEnd = index + 1;
    zeros = 0;
  }
  return out;
}
