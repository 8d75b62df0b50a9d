import type { FloatHistogram } from '../../model/index.ts';
import { allBuckets, isCustom } from './histogram.ts';

/** Smallest positive normal float64. */
const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus util/almost.Equal. */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/**
 * φ-quantile of values already sorted ascending with NaN first (the `quantile` aggregator and
 * `quantile_over_time`): linear interpolation between the two closest ranks.
 */
export function quantileSorted(q: number, values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return (values[lowerIndex] as number) * (1 - weight) + (values[upperIndex] as number) * weight;
}

/** A classic-histogram bucket: upper bound (`le`) and cumulative count. */
export interface ClassicBucket {
  upper: number;
  count: number;
}

export interface BucketQuantileResult {
  value: number;
  /** Monotonicity had to be forced (an info annotation is due). */
  forced: boolean;
}

function sortAndCoalesce(buckets: ClassicBucket[]): ClassicBucket[] {
  buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  const out: ClassicBucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last !== undefined && last.upper === b.upper) last.count += b.count;
    else out.push({ upper: b.upper, count: b.count });
  }
  return out;
}

/** Quantile over classic buckets (Prometheus BucketQuantile). Sorts and may modify `buckets`. */
export function bucketQuantile(q: number, input: ClassicBucket[]): BucketQuantileResult {
  if (Number.isNaN(q)) return { value: NaN, forced: false };
  if (q < 0) return { value: -Infinity, forced: false };
  if (q > 1) return { value: Infinity, forced: false };
  let buckets = input;
  buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if ((buckets[buckets.length - 1] as ClassicBucket).upper !== Infinity) return { value: NaN, forced: false };
  buckets = sortAndCoalesce(buckets);
  let forced = false;
  let prev = (buckets[0] as ClassicBucket).count;
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i] as ClassicBucket;
    const curr = b.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, 1e-12)) {
      b.count = prev;
      continue;
    }
    if (curr < prev) {
      b.count = prev;
      forced = true;
      continue;
    }
    prev = curr;
  }
  if (buckets.length < 2) return { value: NaN, forced };
  const observations = (buckets[buckets.length - 1] as ClassicBucket).count;
  if (observations === 0) return { value: NaN, forced };
  let rank = q * observations;
  let b = 0;
  {
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((buckets[mid] as ClassicBucket).count >= rank) hi = mid;
      else lo = mid + 1;
    }
    b = lo;
  }
  if (b === buckets.length - 1)
    return { value: (buckets[buckets.length - 2] as ClassicBucket).upper, forced };
  if (b === 0 && (buckets[0] as ClassicBucket).upper <= 0)
    return { value: (buckets[0] as ClassicBucket).upper, forced };
  let bucketStart = 0;
  const bucketEnd = (buckets[b] as ClassicBucket).upper;
  let count = (buckets[b] as ClassicBucket).count;
  if (b > 0) {
    const p = buckets[b - 1] as ClassicBucket;
    bucketStart = p.upper;
    count -= p.count;
    rank -= p.count;
  }
  return { value: bucketStart + (bucketEnd - bucketStart) * (rank / count), forced };
}

/** Fraction of observations in [lower, upper] over classic buckets (Prometheus BucketFraction). */
export function bucketFraction(lower: number, upper: number, input: ClassicBucket[]): number {
  if (input.length === 0) return NaN;
  input.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if ((input[input.length - 1] as ClassicBucket).upper !== Infinity) return NaN;
  const buckets = sortAndCoalesce(input);
  const count = (buckets[buckets.length - 1] as ClassicBucket).count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = (buckets[0] as ClassicBucket).upper <= 0 ? -Infinity : 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i] as ClassicBucket;
    if (i > 0) lowerBound = (buckets[i - 1] as ClassicBucket).upper;
    const upperBound = b.upper;
    const interp = (v: number): number =>
      lowerBound === -Infinity
        ? b.count
        : rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interp(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interp(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** Outcome of a native-histogram quantile: the value and which NaN-observation info applies. */
export interface NativeQuantileResult {
  value: number;
  /** 'nan': result is NaN because of NaN observations; 'skew': result skewed higher. */
  info: 'nan' | 'skew' | null;
}

/** Quantile of a native histogram (Prometheus HistogramQuantile, exponential interpolation). */
export function histogramQuantile(q: number, h: FloatHistogram): NativeQuantileResult {
  if (q < 0) return { value: -Infinity, info: null };
  if (q > 1) return { value: Infinity, info: null };
  if (h.count === 0 || Number.isNaN(q)) return { value: NaN, info: null };
  const all = allBuckets(h);
  const forward = Number.isNaN(h.sum) || q < 0.5;
  const order = forward ? all : all.slice().reverse();
  let rank = forward ? q * h.count : (1 - q) * h.count;
  let count = 0;
  let pos = -1;
  let lower = 0;
  let upper = 0;
  let bcount = 0;
  for (let i = 0; i < order.length; i++) {
    const b = order[i]!;
    pos = i;
    lower = b.lower;
    upper = b.upper;
    bcount = b.count;
    if (b.count === 0) continue;
    count += b.count;
    if (count >= rank) break;
  }
  const custom = isCustom(h);
  if (!custom && lower < 0 && upper > 0) {
    if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) lower = 0;
    else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) upper = 0;
  } else if (custom) {
    if (lower === -Infinity) {
      if (upper <= 0) return { value: upper, info: null };
      lower = 0;
    } else if (upper === Infinity) {
      return { value: lower, info: null };
    }
  }
  if (count > h.count) count = h.count;
  if (count < rank) {
    if (Number.isNaN(h.sum)) return { value: NaN, info: 'nan' };
    return { value: upper, info: null };
  }
  if (forward) rank -= count - bcount;
  else rank = count - rank;
  let info: 'skew' | null = null;
  if (Number.isNaN(h.sum)) {
    // As upstream, the loop also moves `bucket` on, so the interpolation below uses the last one.
    for (let i = pos + 1; i < order.length; i++) {
      const b = order[i]!;
      lower = b.lower;
      upper = b.upper;
      bcount = b.count;
      count += b.count;
    }
    if (count < h.count) info = 'skew';
  }
  const fraction = rank / bcount;
  if (custom || (lower <= 0 && upper >= 0)) return { value: lower + (upper - lower) * fraction, info };
  const logLower = Math.log2(Math.abs(lower));
  const logUpper = Math.log2(Math.abs(upper));
  if (lower > 0) return { value: Math.pow(2, logLower + (logUpper - logLower) * fraction), info };
  return { value: -Math.pow(2, logUpper + (logLower - logUpper) * (1 - fraction)), info };
}

/** Fraction of a native histogram's observations in [lower, upper] (Prometheus HistogramFraction). */
export function histogramFraction(
  lower: number,
  upper: number,
  h: FloatHistogram,
): { value: number; nanInfo: boolean } {
  if (h.count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return { value: NaN, nanInfo: false };
  if (lower >= upper) return { value: 0, nanInfo: false };
  const all = allBuckets(h);
  const custom = isCustom(h);
  let count = 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let i = 0;
  for (; i < all.length; i++) {
    const b = { ...all[i]! };
    count += b.count;
    let zeroBucket = false;
    const lin = (v: number): number =>
      b.lower === -Infinity ? b.count : rank + (b.count * (v - b.lower)) / (b.upper - b.lower);
    const exp = (v: number): number => {
      const logLower = Math.log2(Math.abs(b.lower));
      const logUpper = Math.log2(Math.abs(b.upper));
      const logV = Math.log2(Math.abs(v));
      const f =
        v > 0 ? (logV - logLower) / (logUpper - logLower) : 1 - (logV - logUpper) / (logLower - logUpper);
      return rank + b.count * f;
    };
    if (b.lower <= 0 && b.upper >= 0) {
      zeroBucket = true;
      if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) b.lower = 0;
      else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) b.upper = 0;
    }
    if (!lowerSet && b.lower >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && b.lower >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && b.lower < lower && b.upper > lower) {
      lowerRank = custom || zeroBucket ? lin(lower) : exp(lower);
      lowerSet = true;
    }
    if (!upperSet && b.lower < upper && b.upper > upper) {
      upperRank = custom || zeroBucket ? lin(upper) : exp(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank += b.count;
  }
  let nanInfo = false;
  if (Number.isNaN(h.sum)) {
    for (i = i + 1; i < all.length; i++) count += all[i]!.count;
    if (count < h.count) nanInfo = true;
  } else {
    count = h.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return { value: (upperRank - lowerRank) / h.count, nanInfo };
}
