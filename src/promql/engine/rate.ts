import { CounterResetHint, type FloatHistogram } from '../../model/index.ts';
import { goQuote } from './annotations.ts';
import {
  addInPlace,
  compactInPlace,
  copyHistogram,
  copyToSchema,
  detectReset,
  divInPlace,
  emptyLike,
  IncompatibleSchemaError,
  isCustom,
  mulInPlace,
} from './histogram.ts';
import type { FnOut, RangeWindow } from './range-eval.ts';
import { K_FLOAT, K_HIST, K_NONE, type Grid, type StepData } from './types.ts';
import {
  infoReconciled,
  isStartTimestampReset,
  st,
  startTimeOverlap,
  warnMixed,
  warnMixedSchemas,
  warnOverlap,
} from './range-common.ts';
import { extendedHistogramRate, extendedRate } from './rate-extended.ts';

/**
 * rate, increase, delta (extrapolated over the window) and irate, idelta (the last two samples),
 * for floats and native histograms, with Prometheus's annotations and start-timestamp rules.
 */

export function extrapolatedRate(w: RangeWindow, out: FnOut, isCounter: boolean, isRate: boolean): number {
  const b = w.buf;
  const nf = w.nf;
  const nh = w.nh;
  if (w.anchored || w.smoothed) {
    if (nf > 0 && nh > 0) {
      warnMixed(w);
      return K_NONE;
    }
    if (nh > 0) return extendedHistogramRate(w, out, isCounter, isRate);
    if (nf > 0) return extendedRate(w, out, isCounter, isRate);
    return K_NONE;
  }
  if (nf > 0 && nh > 0) {
    warnMixed(w);
    return K_NONE;
  }
  const useSt = w.ctx.opts.enableStartTimestamps;
  let resultFloat = 0;
  let resultHist: FloatHistogram | null = null;
  let firstT: number;
  let lastT: number;
  let nMinusOne: number;
  let firstSt = 0;
  if (nh > 0) {
    nMinusOne = nh - 1;
    firstT = b.ht[w.hLo] as number;
    lastT = b.ht[w.hHi - 1] as number;
    if (useSt) firstSt = st(b.hst, w.hLo);
    if (nh > 1) {
      resultHist = histogramRate(w, isCounter);
      if (resultHist === null) return K_NONE;
    }
  } else if (nf > 0) {
    nMinusOne = nf - 1;
    const lo = w.fLo;
    const hi = w.fHi;
    firstT = b.ft[lo] as number;
    lastT = b.ft[hi - 1] as number;
    if (useSt) firstSt = st(b.fst, lo);
    const fv = b.fv;
    resultFloat = (fv[hi - 1] as number) - (fv[lo] as number);
    if (isCounter) {
      const ft = b.ft;
      let overlap = false;
      for (let i = lo + 1; i < hi; i++) {
        const prev = fv[i - 1] as number;
        let stReset = false;
        if (useSt) {
          const ps = st(b.fst, i - 1);
          const cs = st(b.fst, i);
          if (!overlap && startTimeOverlap(ps, ft[i - 1] as number, cs)) {
            warnOverlap(w);
            overlap = true;
          }
          stReset = isStartTimestampReset(ps, ft[i - 1] as number, cs, ft[i] as number);
        }
        if ((fv[i] as number) < prev || stReset) resultFloat += prev;
      }
    }
  } else {
    return K_NONE;
  }
  let durationToStart = (firstT - w.rangeStart) / 1000;
  let durationToEnd = (w.rangeEnd - lastT) / 1000;
  let sampledInterval = (lastT - firstT) / 1000;
  const avgBetween = nMinusOne > 0 ? sampledInterval / nMinusOne : 0;
  const threshold = avgBetween * 1.1;
  if (isCounter && firstSt !== 0 && firstSt > w.rangeStart && firstSt < firstT) {
    // The first sample's start time lies inside the range: assume a zero there instead of
    // extrapolating to the left.
    durationToStart = 0;
    sampledInterval = (lastT - firstSt) / 1000;
    if (nf > 0) resultFloat += b.fv[w.fLo] as number;
    else if (resultHist === null) resultHist = copyHistogram(b.hh[w.hLo] as FloatHistogram);
    else {
      try {
        const r = addInPlace(resultHist, b.hh[w.hLo] as FloatHistogram);
        if (r.nhcbBoundsReconciled) infoReconciled(w, 'addition');
      } catch (err) {
        if (err instanceof IncompatibleSchemaError) {
          warnMixedSchemas(w);
          return K_NONE;
        }
        throw err;
      }
    }
  } else if (nMinusOne === 0) {
    return K_NONE;
  } else {
    if (durationToStart >= threshold) durationToStart = avgBetween / 2;
    if (isCounter) {
      let durationToZero = durationToStart;
      if (resultFloat > 0 && nf > 0 && (b.fv[w.fLo] as number) >= 0) {
        durationToZero = sampledInterval * ((b.fv[w.fLo] as number) / resultFloat);
      } else if (
        resultHist !== null &&
        resultHist.count > 0 &&
        nh > 0 &&
        (b.hh[w.hLo] as FloatHistogram).count >= 0
      ) {
        durationToZero = sampledInterval * ((b.hh[w.hLo] as FloatHistogram).count / resultHist.count);
      }
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
  }
  if (durationToEnd >= threshold) durationToEnd = avgBetween / 2;
  let factor =
    sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
  if (isRate) factor /= w.range / 1000;
  if (resultHist === null) {
    out.v = resultFloat * factor;
    return K_FLOAT;
  }
  mulInPlace(resultHist, factor);
  out.h = resultHist;
  return K_HIST;
}

/**
 * Where the windows of a step grid end, for the column kernels: ref(j) = base + j × mul, window
 * (ref − range, ref]. Computed once per call: with `@`, every step has the same ref (mul = 0).
 * No branch on `@` inside the kernels' loops: a phi mixing the `@` time (maybe a small integer)
 * and a computed double makes V8 box every step's value (an allocation per step).
 */
export interface WindowLine {
  readonly base: number;
  readonly mul: number;
  readonly steps: number;
  readonly range: number;
}

export function windowLine(grid: Grid, at: number | null, offset: number, range: number): WindowLine {
  return {
    base: (at === null ? grid.start : at) - offset,
    mul: at === null ? grid.step : 0,
    steps: grid.n,
    range,
  };
}

/**
 * rate/increase/delta over a float-only series without start timestamps, for every step of a grid
 * in one tight loop (the common case, and the hot path of most dashboards). Same arithmetic as
 * extrapolatedRate. Writes the steps it fills into `out` (the caller resets it). Windows slide
 * with two pointers; `lastDrop`, the newest index below `hi` whose value is lower than its
 * predecessor's, says in O(1) whether a window holds a counter reset. Returns the largest window
 * (samples).
 */
export function fastRate(
  ft: Float64Array,
  fv: Float64Array,
  n: number,
  line: WindowLine,
  isCounter: boolean,
  isRate: boolean,
  out: StepData,
): number {
  const { base, mul, steps, range } = line;
  const outV = out.v;
  const outK = out.k;
  const rangeSec = range / 1000;
  let lo = 0;
  let hi = 0;
  let lastDrop = 0;
  /** fv[hi − 1] while the window grows. */
  let prevV = -Infinity;
  let maxWindow = 0;
  // The factor depends only on the two gaps and the count (sampledInterval = range − both gaps):
  // regular scrapes reuse it on almost every step, bit for bit.
  let cacheStart = -1;
  let cacheEnd = -1;
  let cacheCnt = -1;
  let cacheFactor = 0;
  for (let j = 0; j < steps; j++) {
    const ref = base + j * mul;
    const rangeStart = ref - range;
    while (lo < n && (ft[lo] as number) <= rangeStart) lo++;
    if (hi < lo) {
      hi = lo;
      // A drop at lo itself never counts (only drops inside a window do).
      prevV = -Infinity;
    }
    while (hi < n && (ft[hi] as number) <= ref) {
      const v = fv[hi] as number;
      if (v < prevV) lastDrop = hi;
      prevV = v;
      hi++;
    }
    const cnt = hi - lo;
    if (cnt > maxWindow) maxWindow = cnt;
    if (cnt < 2) continue;
    const last = hi - 1;
    const firstV = fv[lo] as number;
    let result = (fv[last] as number) - firstV;
    if (isCounter && lastDrop > lo) result = withResets(fv, lo, hi, result);
    const firstT = ft[lo] as number;
    const lastT = ft[last] as number;
    const startGap = firstT - rangeStart;
    const endGap = ref - lastT;
    // With ≥ 3 samples and firstV ≥ result, durationToZero ≥ sampledInterval > durationToStart
    // (which is below 1.1 × the average gap), so the zero-crossing clamp cannot apply.
    const zeroCheck = isCounter && result > 0 && firstV >= 0 && (cnt < 3 || firstV < result);
    let factor = cacheFactor;
    if (zeroCheck || startGap !== cacheStart || endGap !== cacheEnd || cnt !== cacheCnt) {
      factor = rateFactor(startGap, endGap, lastT - firstT, cnt, zeroCheck ? firstV / result : Infinity);
      if (isRate) factor /= rangeSec;
      if (!zeroCheck) {
        cacheStart = startGap;
        cacheEnd = endGap;
        cacheCnt = cnt;
        cacheFactor = factor;
      }
    }
    outV[j] = result * factor;
    outK[j] = K_FLOAT;
    if (zeroCheck || lastDrop > lo || startGap > mul) continue;
    // Steady state (regular scrapes one query step apart): while the next window drops exactly
    // the first sample and takes in exactly one new sample, one step after the last, its count
    // and both gaps are those of this window (integer ms, so exactly), and so is the factor: only
    // a counter drop and the zero-crossing check need a look. Anything else goes back to the
    // general loop above, which then finds the same state it would have reached itself.
    let fT = firstT;
    let lT = lastT;
    while (j + 1 < steps && hi < n) {
      const nT = ft[hi] as number;
      const sT = ft[lo + 1] as number;
      if (nT - lT !== mul || sT - fT !== mul) break;
      const ref2 = base + (j + 1) * mul;
      if (hi + 1 < n && (ft[hi + 1] as number) <= ref2) break;
      const nV = fv[hi] as number;
      if (nV < prevV) break;
      const fV = fv[lo + 1] as number;
      const r = nV - fV;
      if (isCounter && r > 0 && fV >= 0 && (cnt < 3 || fV < r)) break;
      lo++;
      hi++;
      prevV = nV;
      fT = sT;
      lT = nT;
      j++;
      outV[j] = r * factor;
      outK[j] = K_FLOAT;
    }
  }
  return maxWindow;
}

/**
 * irate/idelta over a float-only series without start timestamps, for every step of a grid in one
 * loop (the fast path beside fastRate): per window (ref − range, ref] the last two samples, same
 * arithmetic as instantValue. Returns the largest window (samples).
 */
export function fastInstantValue(
  ft: Float64Array,
  fv: Float64Array,
  n: number,
  line: WindowLine,
  isRate: boolean,
  out: StepData,
): number {
  const { base, mul, steps, range } = line;
  const outV = out.v;
  const outK = out.k;
  let lo = 0;
  let hi = 0;
  let maxWindow = 0;
  for (let j = 0; j < steps; j++) {
    const ref = base + j * mul;
    const rangeStart = ref - range;
    while (lo < n && (ft[lo] as number) <= rangeStart) lo++;
    if (hi < lo) hi = lo;
    while (hi < n && (ft[hi] as number) <= ref) hi++;
    const cnt = hi - lo;
    if (cnt > maxWindow) maxWindow = cnt;
    if (cnt < 2) continue;
    const interval = (ft[hi - 1] as number) - (ft[hi - 2] as number);
    if (interval === 0) continue;
    const aV = fv[hi - 2] as number;
    const cV = fv[hi - 1] as number;
    // A counter reset (the last value below the one before) restarts from zero.
    const v = isRate && cV < aV ? cV : cV - aV;
    outV[j] = isRate ? v / (interval / 1000) : v;
    outK[j] = K_FLOAT;
  }
  return maxWindow;
}

/**
 * The extrapolation factor of a window (outside the loop of fastRate, which stays small): gaps to
 * the window's ends and the sampled span in ms, `cnt` samples, `zeroRatio` = first value ÷ increase
 * when the extrapolation to the left may stop where the counter would be zero (else Infinity).
 */
function rateFactor(startGap: number, endGap: number, span: number, cnt: number, zeroRatio: number): number {
  let durationToStart = startGap / 1000;
  let durationToEnd = endGap / 1000;
  const sampledInterval = span / 1000;
  const avg = sampledInterval / (cnt - 1);
  const threshold = avg * 1.1;
  if (durationToStart >= threshold) durationToStart = avg / 2;
  if (zeroRatio !== Infinity) {
    const durationToZero = sampledInterval * zeroRatio;
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = avg / 2;
  return sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
}

/** The increase over fv[lo..hi) with counter resets: each drop adds the value before it. */
function withResets(fv: Float64Array, lo: number, hi: number, result: number): number {
  let prev = fv[lo] as number;
  for (let i = lo + 1; i < hi; i++) {
    const cur = fv[i] as number;
    if (cur < prev) result += prev;
    prev = cur;
  }
  return result;
}

/** Increase between the first and last histogram of the window, handling counter resets. */
function histogramRate(w: RangeWindow, isCounter: boolean): FloatHistogram | null {
  const b = w.buf;
  const lo = w.hLo;
  const hi = w.hHi;
  const useSt = w.ctx.opts.enableStartTimestamps;
  const name = w.metricName();
  let prev = b.hh[lo] as FloatHistogram;
  let usingCustom = isCustom(prev);
  const last = b.hh[hi - 1] as FloatHistogram;
  const stReset = (i: number): boolean =>
    useSt && isStartTimestampReset(st(b.hst, i - 1), b.ht[i - 1] as number, st(b.hst, i), b.ht[i] as number);
  if (
    isCounter &&
    (prev.counterResetHint === CounterResetHint.Gauge || last.counterResetHint === CounterResetHint.Gauge)
  ) {
    w.ctx.annos.warn(`this native histogram metric is not a counter: ${goQuote(name)}`, w.pos);
  }
  if (isCounter && hi - lo > 1) {
    const second = b.hh[lo + 1] as FloatHistogram;
    if (stReset(lo + 1) || detectReset(second, prev)) {
      // Prometheus restarts from an empty histogram of the second's schema, zero threshold 0.
      prev = emptyLike(second);
      prev.zeroThreshold = 0;
      usingCustom = isCustom(second);
    }
  }
  if (isCustom(last) !== usingCustom) {
    warnMixedSchemas(w);
    return null;
  }
  let minSchema = Math.min(last.schema, prev.schema);
  for (let i = lo + 1; i < hi - 1; i++) {
    if (!isCounter) continue;
    const cur = b.hh[i] as FloatHistogram;
    if (cur.counterResetHint === CounterResetHint.Gauge) {
      w.ctx.annos.warn(`this native histogram metric is not a counter: ${goQuote(name)}`, w.pos);
    }
    if (cur.schema < minSchema) minSchema = cur.schema;
    if (isCustom(cur) !== usingCustom) {
      warnMixedSchemas(w);
      return null;
    }
  }
  const h = isCustom(last) ? copyHistogram(last) : copyToSchema(last, minSchema);
  try {
    if (addInPlace(h, prev, true).nhcbBoundsReconciled) infoReconciled(w, 'subtraction');
    if (isCounter) {
      let p = prev;
      let overlap = false;
      for (let i = lo + 1; i < hi; i++) {
        const cur = b.hh[i] as FloatHistogram;
        if (useSt && !overlap && startTimeOverlap(st(b.hst, i - 1), b.ht[i - 1] as number, st(b.hst, i))) {
          warnOverlap(w);
          overlap = true;
        }
        if ((stReset(i) || detectReset(cur, p)) && addInPlace(h, p).nhcbBoundsReconciled) {
          infoReconciled(w, 'addition');
        }
        p = cur;
      }
    }
  } catch (err) {
    if (err instanceof IncompatibleSchemaError) {
      warnMixedSchemas(w);
      return null;
    }
    throw err;
  }
  if (
    !isCounter &&
    ((b.hh[lo] as FloatHistogram).counterResetHint !== CounterResetHint.Gauge ||
      last.counterResetHint !== CounterResetHint.Gauge)
  ) {
    w.ctx.annos.warn(`this native histogram metric is not a gauge: ${goQuote(name)}`, w.pos);
  }
  h.counterResetHint = CounterResetHint.Gauge;
  return compactInPlace(h);
}

export function instantValue(w: RangeWindow, out: FnOut, isRate: boolean): number {
  const b = w.buf;
  if (w.nf + w.nh < 2) return K_NONE;
  const useSt = w.ctx.opts.enableStartTimestamps;
  // The last two samples across floats and histograms, oldest (a) first, in plain variables: this
  // runs once per step and series, and objects here would be allocations on irate's hot path.
  let aT = 0;
  let aV = 0;
  let aH: FloatHistogram | null = null;
  let aSt = 0;
  let cT = 0;
  let cV = 0;
  let cH: FloatHistogram | null = null;
  let cSt = 0;
  let held = 0;
  for (let i = Math.max(w.fLo, w.fHi - 2); i < w.fHi; i++) {
    // At most two floats, oldest first: the first fills a, the second c.
    const t = b.ft[i] as number;
    const v = b.fv[i] as number;
    const s = useSt ? st(b.fst, i) : 0;
    if (held++ === 0) {
      aT = t;
      aV = v;
      aSt = s;
    } else {
      cT = t;
      cV = v;
      cSt = s;
    }
  }
  for (let i = Math.max(w.hLo, w.hHi - 2); i < w.hHi; i++) {
    const t = b.ht[i] as number;
    const h = b.hh[i] as FloatHistogram;
    const s = useSt ? st(b.hst, i) : 0;
    if (held === 0) {
      aT = t;
      aV = 0;
      aH = h;
      aSt = s;
      held = 1;
      continue;
    }
    if (held === 2 && t < aT) continue; // older than both
    if (held === 1 ? t < aT : t <= cT) {
      // Becomes a; with one held, the old a moves up to c.
      if (held === 1) {
        cT = aT;
        cV = aV;
        cH = aH;
        cSt = aSt;
      }
      aT = t;
      aV = 0;
      aH = h;
      aSt = s;
    } else {
      // Newest: with two held, the old c moves down to a.
      if (held === 2) {
        aT = cT;
        aV = cV;
        aH = cH;
        aSt = cSt;
      }
      cT = t;
      cV = 0;
      cH = h;
      cSt = s;
    }
    held = 2;
  }
  const interval = cT - aT;
  if (interval === 0) return K_NONE;
  if (aH === null && cH === null) {
    let v = cV;
    if (!isRate || !(cV < aV || isStartTimestampReset(aSt, aT, cSt, cT))) v = cV - aV;
    out.v = isRate ? v / (interval / 1000) : v;
    return K_FLOAT;
  }
  const name = w.metricName();
  if (aH !== null && cH !== null) {
    const h = copyHistogram(cH);
    if (
      isRate &&
      (cH.counterResetHint === CounterResetHint.Gauge || aH.counterResetHint === CounterResetHint.Gauge)
    ) {
      w.ctx.annos.warn(`this native histogram metric is not a counter: ${goQuote(name)}`, w.pos);
    }
    if (
      !isRate &&
      (cH.counterResetHint !== CounterResetHint.Gauge || aH.counterResetHint !== CounterResetHint.Gauge)
    ) {
      w.ctx.annos.warn(`this native histogram metric is not a gauge: ${goQuote(name)}`, w.pos);
    }
    if (!isRate || (!isStartTimestampReset(aSt, aT, cSt, cT) && !detectReset(cH, aH))) {
      try {
        if (addInPlace(h, aH, true).nhcbBoundsReconciled) infoReconciled(w, 'subtraction');
      } catch (err) {
        if (err instanceof IncompatibleSchemaError) {
          warnMixedSchemas(w);
          return K_NONE;
        }
        throw err;
      }
    }
    h.counterResetHint = CounterResetHint.Gauge;
    compactInPlace(h);
    if (isRate) divInPlace(h, interval / 1000);
    out.h = h;
    return K_HIST;
  }
  warnMixed(w);
  return K_NONE;
}
