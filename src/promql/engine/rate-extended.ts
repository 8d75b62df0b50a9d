import { CounterResetHint, type FloatHistogram } from '../../model/index.ts';
import { goQuote } from './annotations.ts';
import {
  addInPlace,
  compactInPlace,
  copyHistogram,
  detectReset,
  divInPlace,
  IncompatibleSchemaError,
  isCustom,
  mulInPlace,
} from './histogram.ts';
import type { FnOut, RangeWindow } from './range-eval.ts';
import { K_FLOAT, K_HIST, K_NONE } from './types.ts';
import { infoReconciled, interpolate, search, warnMixedSchemas } from './range-common.ts';

/**
 * rate, increase and delta for `anchored` and `smoothed` selectors: the window is extended to its
 * boundaries by the sample before it (anchored) or by interpolation (smoothed) instead of
 * extrapolation.
 */

/** rate/increase/delta for `anchored` and `smoothed` selectors (no extrapolation). */
export function extendedRate(w: RangeWindow, out: FnOut, isCounter: boolean, isRate: boolean): number {
  const b = w.buf;
  const base = w.fLo;
  const n = w.nf;
  if (n === 0) return K_NONE;
  const T = (i: number): number => b.ft[base + i] as number;
  const V = (i: number): number => b.fv[base + i] as number;
  let last = n - 1;
  let first = Math.max(0, search(last, (i) => T(i) > w.rangeStart) - 1);
  if (w.smoothed) last = search(last, (i) => T(i) >= w.rangeEnd);
  if (T(last) <= w.rangeStart) return K_NONE;
  // Smoothed: no samples up to the range end means the data is all after the range.
  if (w.smoothed && T(first) > w.rangeEnd) return K_NONE;
  const left =
    w.smoothed && T(first) < w.rangeStart
      ? interpolate(T(first), V(first), T(first + 1), V(first + 1), w.rangeStart, isCounter)
      : V(first);
  const right =
    w.smoothed && last > 0 && T(last) > w.rangeEnd
      ? interpolate(T(last - 1), V(last - 1), T(last), V(last), w.rangeEnd, isCounter)
      : V(last);
  let result = right - left;
  if (isCounter) {
    if (T(first) <= w.rangeStart) first++;
    if (T(last) >= w.rangeEnd) last--;
    let correction = 0;
    let prev = left;
    for (let i = first; i <= last; i++) {
      if (V(i) < prev) correction += prev;
      prev = V(i);
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (isRate) result /= w.range / 1000;
  out.v = result;
  return K_FLOAT;
}

/** Linear interpolation between two histograms; for counters a reset means a start from zero. */
function interpolateHistograms(
  w: RangeWindow,
  h1: FloatHistogram,
  t1: number,
  h2: FloatHistogram,
  t2: number,
  t: number,
  isCounter: boolean,
): FloatHistogram {
  if (t === t1) return copyHistogram(h1);
  if (t === t2) return copyHistogram(h2);
  const fraction = (t - t1) / (t2 - t1);
  if (isCounter && detectReset(h2, h1)) return mulInPlace(copyHistogram(h2), fraction);
  const res = copyHistogram(h2);
  if (addInPlace(res, h1, true).nhcbBoundsReconciled) infoReconciled(w, 'subtraction');
  mulInPlace(res, fraction);
  if (addInPlace(res, h1).nhcbBoundsReconciled) infoReconciled(w, 'addition');
  return res;
}

/** rate/increase/delta of histograms for `anchored` and `smoothed` selectors. */
export function extendedHistogramRate(
  w: RangeWindow,
  out: FnOut,
  isCounter: boolean,
  isRate: boolean,
): number {
  const b = w.buf;
  const base = w.hLo;
  const n = w.nh;
  const T = (i: number): number => b.ht[base + i] as number;
  const H = (i: number): FloatHistogram => b.hh[base + i] as FloatHistogram;
  let last = n - 1;
  const first = Math.max(0, search(last, (i) => T(i) > w.rangeStart) - 1);
  if (w.smoothed) last = search(last, (i) => T(i) >= w.rangeEnd);
  if (T(last) <= w.rangeStart) return K_NONE;
  if (w.smoothed && T(first) > w.rangeEnd) return K_NONE;
  const name = w.metricName();
  const custom = isCustom(H(first));
  for (let i = first; i <= last; i++) {
    if (isCustom(H(i)) !== custom) {
      warnMixedSchemas(w);
      return K_NONE;
    }
    if (isCounter && H(i).counterResetHint === CounterResetHint.Gauge) {
      w.ctx.annos.warn(`this native histogram metric is not a counter: ${goQuote(name)}`, w.pos);
    }
  }
  try {
    const left =
      w.smoothed && T(first) < w.rangeStart
        ? interpolateHistograms(w, H(first), T(first), H(first + 1), T(first + 1), w.rangeStart, isCounter)
        : copyHistogram(H(first));
    const right =
      w.smoothed && last > 0 && T(last) > w.rangeEnd
        ? interpolateHistograms(w, H(last - 1), T(last - 1), H(last), T(last), w.rangeEnd, isCounter)
        : copyHistogram(H(last));
    if (
      !isCounter &&
      (left.counterResetHint !== CounterResetHint.Gauge || right.counterResetHint !== CounterResetHint.Gauge)
    ) {
      w.ctx.annos.warn(`this native histogram metric is not a gauge: ${goQuote(name)}`, w.pos);
    }
    const res = copyHistogram(right);
    if (addInPlace(res, left, true).nhcbBoundsReconciled) infoReconciled(w, 'subtraction');
    if (isCounter) {
      // Resets strictly between the two boundary samples (and at the right boundary).
      let f = first + 1;
      let prev = left;
      if (w.smoothed && T(first) < w.rangeStart && detectReset(H(first + 1), H(first))) {
        prev = H(first + 1);
        f++;
      }
      const l = last - 1;
      if (f <= l + 1) {
        let correction: FloatHistogram | null = null;
        const add = (h: FloatHistogram): void => {
          if (correction === null) correction = copyHistogram(h);
          else if (addInPlace(correction, h).nhcbBoundsReconciled) infoReconciled(w, 'addition');
        };
        for (let i = f; i <= l; i++) {
          if (detectReset(H(i), prev)) add(prev);
          prev = H(i);
        }
        if (detectReset(right, prev)) add(prev);
        if (correction !== null && addInPlace(res, correction).nhcbBoundsReconciled)
          infoReconciled(w, 'addition');
      }
    }
    if (isRate) divInPlace(res, w.range / 1000);
    res.counterResetHint = CounterResetHint.Gauge;
    out.h = compactInPlace(res);
    return K_HIST;
  } catch (err) {
    if (err instanceof IncompatibleSchemaError) {
      warnMixedSchemas(w);
      return K_NONE;
    }
    throw err;
  }
}
