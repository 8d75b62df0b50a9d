import type { FloatHistogram } from '../../model/index.ts';
import { compactInPlace, isCustom, sideBuckets, type Bucket } from './histogram.ts';

/**
 * The native-histogram trim operators: `h </ x` keeps the observations below x, `h >/ x` those
 * above. `h` is owned by the caller and modified in place.
 *
 * A bucket straddling x is split by interpolation: linear for custom buckets and the zero bucket,
 * exponential (in log space) for exponential buckets. When anything is removed, the sum is rebuilt
 * from the kept buckets, each kept (part of a) bucket counted at its midpoint (arithmetic for
 * linear buckets, geometric for exponential ones). When nothing is removed the histogram, original
 * sum included, is returned unchanged. These rules reproduce Prometheus's test vectors, including
 * its treatment of the unbounded custom buckets (see trimCustom).
 */
export function trimHistogram(h: FloatHistogram, rhs: number, upperTrim: boolean): FloatHistogram {
  const custom = isCustom(h);
  let changed = false;
  let count = 0;
  let sum = 0;
  let hasPositive = false;
  let hasNegative = false;
  for (let side = 0; side < 2; side++) {
    const positive = side === 0;
    const arr = positive ? h.positiveBuckets : h.negativeBuckets;
    for (const b of sideBuckets(h, positive)) {
      if (b.count === 0) continue;
      if (positive) hasPositive = true;
      else hasNegative = true;
      const kept = custom
        ? trimCustom(b, rhs, upperTrim)
        : trimFinite(b.lower, b.upper, b.count, rhs, upperTrim, false);
      if (kept.count !== b.count) {
        changed = true;
        arr[b.index] = kept.count;
      }
      if (kept.count !== 0) {
        count += kept.count;
        sum += kept.count * kept.mid;
      }
    }
  }
  if (!custom && h.zeroCount > 0) {
    // The zero bucket is taken to hold only non-negative observations when the histogram has only
    // positive buckets (and vice versa); otherwise it spans [-threshold, threshold].
    const zt = h.zeroThreshold;
    const lo = hasPositive && !hasNegative ? 0 : -zt;
    const hi = hasNegative && !hasPositive ? 0 : zt;
    const kept = trimFinite(lo, hi, h.zeroCount, rhs, upperTrim, true);
    if (kept.count !== h.zeroCount) {
      changed = true;
      h.zeroCount = kept.count;
    }
    if (kept.count !== 0) {
      count += kept.count;
      sum += kept.count * kept.mid;
    }
  }
  if (!changed) return h;
  h.count = count;
  h.sum = sum;
  return compactInPlace(h);
}

/** What stays of one bucket: its count and the value each kept observation is assumed to have. */
interface Kept {
  count: number;
  mid: number;
}

const NONE: Kept = { count: 0, mid: 0 };

/**
 * A bucket with finite bounds [lo, hi]. Linear buckets interpolate and take midpoints
 * arithmetically; exponential ones (same-signed, non-zero bounds) geometrically.
 */
function trimFinite(
  lo: number,
  hi: number,
  count: number,
  rhs: number,
  upperTrim: boolean,
  linear: boolean,
): Kept {
  let from = lo;
  let to = hi;
  if (upperTrim) {
    if (rhs <= lo) return NONE;
    if (rhs < hi) to = rhs;
  } else {
    if (rhs >= hi) return NONE;
    if (rhs > lo) from = rhs;
  }
  if (linear) {
    const frac = hi === lo ? 1 : (to - from) / (hi - lo);
    return { count: count * frac, mid: (from + to) / 2 };
  }
  // Ratios of same-signed bounds are positive, so this serves negative buckets too.
  const frac = Math.log(to / from) / Math.log(hi / lo);
  const mid = (lo < 0 ? -1 : 1) * Math.sqrt(from * to);
  return { count: count * frac, mid };
}

/**
 * Custom (NHCB) buckets: finite buckets are linear. The unbounded first bucket (-Inf, u] counts
 * as (0, u] when u > 0 and the cut is at or above zero; a cut elsewhere inside it drops it for
 * `>/` and keeps its whole count at the cut value for `</`. The +Inf bucket (l, +Inf] is dropped
 * by any finite `</`, and kept whole by `>/` at max(l, x).
 */
function trimCustom(b: Bucket, rhs: number, upperTrim: boolean): Kept {
  const lo = b.lower;
  const hi = b.upper;
  const n = b.count;
  if (lo !== -Infinity && hi !== Infinity) return trimFinite(lo, hi, n, rhs, upperTrim, true);
  if (lo === -Infinity && hi === Infinity) {
    const keepAll = upperTrim ? rhs === Infinity : rhs === -Infinity;
    return keepAll ? { count: n, mid: 0 } : NONE;
  }
  if (hi === Infinity) {
    if (upperTrim) return rhs === Infinity ? { count: n, mid: lo } : NONE;
    if (rhs <= lo) return { count: n, mid: lo };
    return rhs === Infinity ? NONE : { count: n, mid: rhs };
  }
  // First bucket (-Inf, hi].
  const fullMid = hi > 0 ? hi / 2 : hi;
  if (upperTrim) {
    if (rhs >= hi) return { count: n, mid: fullMid };
    if (rhs === -Infinity) return NONE;
    if (hi > 0) return rhs <= 0 ? NONE : { count: (n * rhs) / hi, mid: rhs / 2 };
    return { count: n, mid: rhs };
  }
  if (rhs >= hi) return NONE;
  if (rhs === -Infinity) return { count: n, mid: fullMid };
  if (hi > 0 && rhs >= 0) return { count: (n * (hi - rhs)) / hi, mid: (rhs + hi) / 2 };
  return NONE;
}
