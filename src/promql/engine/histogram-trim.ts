import type { FloatHistogram } from '../../model/index.ts';
import { compactInPlace, isCustom, sideBuckets, type Bucket } from './histogram.ts';

/**
 * The native-histogram trim operators: `h </ x` keeps the observations below x, `h >/ x` those
 * above. Buckets straddling x are split by interpolation (linear for custom buckets and the zero
 * bucket, exponential otherwise) and the sum is corrected by the removed observations, each assumed
 * at its bucket's midpoint. Follows Prometheus's trimHistogram.
 */
export function trimHistogram(h: FloatHistogram, rhs: number, upperTrim: boolean): FloatHistogram {
  let updatedCount = 0;
  const origSum = h.sum;
  let removedSum = 0;
  let hasPositive = false;
  let hasNegative = false;
  const custom = isCustom(h);

  const trimSide = (positive: boolean): void => {
    const arr = positive ? h.positiveBuckets : h.negativeBuckets;
    for (const b of sideBuckets(h, positive)) {
      if (b.count === 0) continue;
      if (positive) {
        if (custom) {
          if (b.upper <= 0) hasNegative = true;
          else {
            if (b.lower < 0) hasNegative = true;
            hasPositive = true;
          }
        } else hasPositive = true;
      } else hasNegative = true;
      const [keepCount, mid0] = bucketTrim(b, rhs, upperTrim, positive, custom);
      let mid = mid0;
      const inside = upperTrim ? b.upper <= rhs : b.lower >= rhs;
      const straddles = upperTrim ? b.lower < rhs : b.upper > rhs;
      if (inside) {
        updatedCount += b.count;
      } else if (straddles) {
        removedSum += (b.count - keepCount) * mid;
        updatedCount += keepCount;
        arr[b.index] = keepCount;
      } else {
        if (!positive || !custom) mid = Math.sqrt(b.lower * b.upper);
        removedSum += b.count * mid;
        arr[b.index] = 0;
      }
    }
  };
  trimSide(true);
  trimSide(false);

  if (h.zeroCount > 0) {
    const z: Bucket = {
      lower: -h.zeroThreshold,
      upper: h.zeroThreshold,
      count: h.zeroCount,
      index: 0,
      side: 0,
    };
    let keep = split(z, rhs, true, true);
    if (!upperTrim) keep = h.zeroCount - keep;
    h.zeroCount = keep;
    updatedCount += keep;
  }
  let newSum = 0;
  if (updatedCount !== 0) {
    newSum = origSum - removedSum;
    if (!hasNegative && newSum < 0) newSum = 0;
    if (!hasPositive && newSum > 0) newSum = 0;
  }
  h.count = updatedCount;
  h.sum = newSum;
  return compactInPlace(h);
}

function infinityBucket(upperTrim: boolean, b: Bucket, rhs: number): [number, number] {
  if (b.lower === -Infinity) {
    if (upperTrim) {
      if (rhs >= b.upper) return [b.count, 0];
      if (rhs >= 0 && b.upper > rhs && b.upper !== Infinity)
        return [(b.count * rhs) / b.upper, (rhs + b.upper) / 2];
      return [0, b.upper];
    }
    if (rhs <= b.lower) return [b.count, 0];
    if (rhs >= 0 && b.upper > rhs && b.upper !== Infinity) return [b.count * (1 - rhs / b.upper), rhs / 2];
    return [0, b.upper];
  }
  // Upper bound +Inf.
  if (upperTrim) return [0, b.lower];
  if (rhs <= b.lower) return [b.count, 0];
  return [0, b.lower];
}

/** Portion of a bucket's count at or below rhs. */
function split(b: Bucket, rhs: number, positive: boolean, linear: boolean): number {
  if (rhs <= b.lower) return 0;
  if (rhs >= b.upper) return b.count;
  let fraction: number;
  if (linear) fraction = (rhs - b.lower) / (b.upper - b.lower);
  else {
    const logLower = Math.log2(Math.abs(b.lower));
    const logUpper = Math.log2(Math.abs(b.upper));
    const logV = Math.log2(Math.abs(rhs));
    fraction = positive
      ? (logV - logLower) / (logUpper - logLower)
      : 1 - (logV - logUpper) / (logLower - logUpper);
  }
  return b.count * fraction;
}

function midpoint(b: Bucket, product: number, linear: boolean, positive: boolean): number {
  if (linear) return (b.lower + b.upper) / 2;
  return positive ? Math.sqrt(product) : -Math.sqrt(product);
}

function bucketTrim(
  b: Bucket,
  rhs: number,
  upperTrim: boolean,
  positive: boolean,
  custom: boolean,
): [number, number] {
  if (b.lower === -Infinity || b.upper === Infinity) return infinityBucket(upperTrim, b, rhs);
  const under = split(b, rhs, positive, custom);
  if (upperTrim) return [under, midpoint(b, Math.abs(b.lower) * Math.abs(rhs), custom, positive)];
  return [b.count - under, midpoint(b, Math.abs(rhs) * Math.abs(b.upper), custom, positive)];
}
