/**
 * First index in [lo, hi) of ascending `a` whose element is >= x; `hi` when there is none. Works on
 * plain arrays and typed arrays alike (timestamps, refs, symbol ids).
 */
export function lowerBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
