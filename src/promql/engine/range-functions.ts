import { CounterResetHint, ExecutionError, type FloatHistogram } from '../../model/index.ts';
import { goFloatG, goQuote } from './annotations.ts';
import {
  addInPlace,
  compactInPlace,
  copyHistogram,
  copyToSchema,
  detectReset,
  divInPlace,
  histogramsEqual,
  IncompatibleSchemaError,
  isCustom,
  kahanInc,
  mulInPlace,
} from './histogram.ts';
import { HistogramMean } from './histogram-acc.ts';
import { quantileSorted } from './quantile.ts';
import type { FnOut, RangeFn, RangeWindow } from './range-eval.ts';
import { K_FLOAT, K_HIST, K_NONE } from './types.ts';

/**
 * The functions that take a range vector, each evaluated on one window (see RangeWindow). They
 * follow Prometheus's functions.go semantics, including its annotations.
 */

export function warnMixed(w: RangeWindow): void {
  w.ctx.annos.warn(
    `encountered a mix of histograms and floats for metric name ${goQuote(w.metricName())}`,
    w.pos,
  );
}

function infoHistIgnored(w: RangeWindow): void {
  w.ctx.annos.info(
    `ignored histograms in a range containing both floats and histograms for metric name ${goQuote(w.metricName())}`,
    w.pos,
  );
}

function warnMixedSchemas(w: RangeWindow): void {
  w.ctx.annos.warn(
    `vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${goQuote(w.metricName())}`,
    w.pos,
  );
}

function infoReconciled(w: RangeWindow, op: string): void {
  w.ctx.annos.info(`mismatched custom buckets were reconciled during ${op}`, w.pos);
}

/** Start timestamp as Prometheus stores it: 0 = unknown. */
function st(a: Float64Array, i: number): number {
  const v = a[i] as number;
  return Number.isNaN(v) ? 0 : v;
}

/**
 * Did a counter restart between two samples, judging by their start timestamps (0 = unknown)?
 * ST ≥ T is invalid or OTel's "unknown start" and never a reset; an ST pointing exactly at the
 * previous sample is a delta point (a reset) only if the previous ST was known and sensible.
 */
export function isStartTimestampReset(prevSt: number, prevT: number, curSt: number, curT: number): boolean {
  if (curSt === 0 || curSt >= curT) return false;
  if (curSt < prevT) return false;
  if (curSt > prevT) return true;
  if (prevSt > prevT) return false;
  return prevSt !== 0 && prevSt !== prevT;
}

/** A start timestamp that reaches back before the previous sample (but is not that sample's ST). */
function startTimeOverlap(prevSt: number, prevT: number, curSt: number): boolean {
  return curSt !== 0 && curSt < prevT && curSt !== prevSt;
}

function warnOverlap(w: RangeWindow): void {
  w.ctx.annos.warn(
    `sample has start time that overlaps with previous sample timestamp for metric ${goQuote(w.metricName())}`,
    w.pos,
  );
}

// ---------------------------------------------------------------------------------------------
// rate, increase, delta

function extrapolatedRate(w: RangeWindow, out: FnOut, isCounter: boolean, isRate: boolean): number {
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

let resetScratch = new Int32Array(1024);

/**
 * rate/increase/delta over a float-only series without start timestamps, for every step of a grid
 * in one tight loop (the common case, and the hot path of most dashboards). Same arithmetic as
 * extrapolatedRate. `ref(j)` windows are (ref − range, ref] with ref = (at ?? t_j) − offset.
 */
export function fastRate(
  ft: Float64Array,
  fv: Float64Array,
  n: number,
  start: number,
  step: number,
  steps: number,
  at: number | null,
  offset: number,
  range: number,
  isCounter: boolean,
  isRate: boolean,
  outV: Float64Array,
  outK: Uint8Array,
): number {
  let lo = 0;
  let hi = 0;
  let maxWindow = 0;
  let cacheStart = -1;
  let cacheEnd = -1;
  let cacheCnt = -1;
  let cacheFactor = 0;
  const rangeSec = range / 1000;
  // resets[i]: how many decreases there are among samples 0..i, so a window without one skips
  // the reset loop (the sums stay exactly those of extrapolatedRate).
  if (resetScratch.length < n) resetScratch = new Int32Array(Math.max(n, resetScratch.length * 2));
  const resets = resetScratch;
  if (isCounter) {
    let c = 0;
    resets[0] = 0;
    for (let i = 1; i < n; i++) {
      if ((fv[i] as number) < (fv[i - 1] as number)) c++;
      resets[i] = c;
    }
  }
  // ref = base + j * mul, with no branch in the loop: a phi mixing the `@` time (maybe a small
  // integer) and a computed double makes V8 box every step's value (an allocation per step).
  const base = (at === null ? start : at) - offset;
  const mul = at === null ? step : 0;
  for (let j = 0; j < steps; j++) {
    const ref = base + j * mul;
    const rangeStart = ref - range;
    while (lo < n && (ft[lo] as number) <= rangeStart) lo++;
    if (hi < lo) hi = lo;
    while (hi < n && (ft[hi] as number) <= ref) hi++;
    const cnt = hi - lo;
    if (cnt > maxWindow) maxWindow = cnt;
    if (cnt < 2) continue;
    const firstV = fv[lo] as number;
    let result = (fv[hi - 1] as number) - firstV;
    if (isCounter && (resets[hi - 1] as number) !== (resets[lo] as number)) {
      let prev = firstV;
      for (let i = lo + 1; i < hi; i++) {
        const cur = fv[i] as number;
        if (cur < prev) result += prev;
        prev = cur;
      }
    }
    const firstT = ft[lo] as number;
    const lastT = ft[hi - 1] as number;
    const startGap = firstT - rangeStart;
    const endGap = ref - lastT;
    // With ≥ 3 samples and firstV ≥ result, durationToZero ≥ sampledInterval > durationToStart
    // (which is below 1.1 × the average gap), so the zero-crossing clamp cannot apply.
    const zeroCheck = isCounter && result > 0 && firstV >= 0 && (cnt < 3 || firstV < result);
    let factor: number;
    if (!zeroCheck && startGap === cacheStart && endGap === cacheEnd && cnt === cacheCnt) {
      // Same gaps and count give the same factor, bit for bit (sampledInterval = range − both
      // gaps): regular scrapes hit this on almost every step.
      factor = cacheFactor;
    } else {
      let durationToStart = startGap / 1000;
      let durationToEnd = endGap / 1000;
      const sampledInterval = (lastT - firstT) / 1000;
      const avg = sampledInterval / (cnt - 1);
      const threshold = avg * 1.1;
      if (durationToStart >= threshold) durationToStart = avg / 2;
      if (zeroCheck) {
        const durationToZero = sampledInterval * (firstV / result);
        if (durationToZero < durationToStart) durationToStart = durationToZero;
      }
      if (durationToEnd >= threshold) durationToEnd = avg / 2;
      factor =
        sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
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
  }
  return maxWindow;
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
      prev = {
        counterResetHint: CounterResetHint.Unknown,
        schema: second.schema,
        zeroThreshold: 0,
        zeroCount: 0,
        count: 0,
        sum: 0,
        positiveSpans: [],
        positiveBuckets: [],
        negativeSpans: [],
        negativeBuckets: [],
        customValues: second.customValues,
      };
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
    const r = addInPlace(h, prev, true);
    if (r.nhcbBoundsReconciled) infoReconciled(w, 'subtraction');
  } catch (err) {
    if (err instanceof IncompatibleSchemaError) {
      warnMixedSchemas(w);
      return null;
    }
    throw err;
  }
  if (isCounter) {
    let p = prev;
    let overlap = false;
    for (let i = lo + 1; i < hi; i++) {
      const cur = b.hh[i] as FloatHistogram;
      if (useSt && !overlap && startTimeOverlap(st(b.hst, i - 1), b.ht[i - 1] as number, st(b.hst, i))) {
        warnOverlap(w);
        overlap = true;
      }
      if (stReset(i) || detectReset(cur, p)) {
        try {
          const r = addInPlace(h, p);
          if (r.nhcbBoundsReconciled) infoReconciled(w, 'addition');
        } catch (err) {
          if (err instanceof IncompatibleSchemaError) {
            warnMixedSchemas(w);
            return null;
          }
          throw err;
        }
      }
      p = cur;
    }
  } else if (
    (b.hh[lo] as FloatHistogram).counterResetHint !== CounterResetHint.Gauge ||
    last.counterResetHint !== CounterResetHint.Gauge
  ) {
    w.ctx.annos.warn(`this native histogram metric is not a gauge: ${goQuote(name)}`, w.pos);
  }
  h.counterResetHint = CounterResetHint.Gauge;
  return compactInPlace(h);
}

/** Go's sort.Search over [0, n) on a predicate. */
function search(n: number, pred: (i: number) => boolean): number {
  let i = 0;
  let j = n;
  while (i < j) {
    const h = (i + j) >>> 1;
    if (!pred(h)) i = h + 1;
    else j = h;
  }
  return i;
}

function interp(t1: number, y1: number, t2: number, y2: number, t: number, isCounter: boolean): number {
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + ((y2 - y1) * (t - t1)) / (t2 - t1);
}

/** rate/increase/delta for `anchored` and `smoothed` selectors (no extrapolation). */
function extendedRate(w: RangeWindow, out: FnOut, isCounter: boolean, isRate: boolean): number {
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
      ? interp(T(first), V(first), T(first + 1), V(first + 1), w.rangeStart, isCounter)
      : V(first);
  const right =
    w.smoothed && last > 0 && T(last) > w.rangeEnd
      ? interp(T(last - 1), V(last - 1), T(last), V(last), w.rangeEnd, isCounter)
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
function extendedHistogramRate(w: RangeWindow, out: FnOut, isCounter: boolean, isRate: boolean): number {
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

// ---------------------------------------------------------------------------------------------
// irate, idelta

function instantValue(w: RangeWindow, out: FnOut, isRate: boolean): number {
  const b = w.buf;
  if (w.nf + w.nh < 2) return K_NONE;
  const useSt = w.ctx.opts.enableStartTimestamps;
  // The last two samples across floats and histograms, oldest first.
  interface S {
    t: number;
    v: number;
    h: FloatHistogram | null;
    st: number;
  }
  const ss: S[] = [];
  for (let i = Math.max(w.fLo, w.fHi - 2); i < w.fHi; i++) {
    ss.push({ t: b.ft[i] as number, v: b.fv[i] as number, h: null, st: useSt ? st(b.fst, i) : 0 });
  }
  for (let i = Math.max(w.hLo, w.hHi - 2); i < w.hHi; i++) {
    const s: S = { t: b.ht[i] as number, v: 0, h: b.hh[i] as FloatHistogram, st: useSt ? st(b.hst, i) : 0 };
    if (ss.length === 0) ss.push(s);
    else if (ss.length === 1) {
      if (s.t < (ss[0] as S).t) ss.unshift(s);
      else ss.push(s);
    } else if (s.t < (ss[0] as S).t) {
      // older than both: discard
    } else if (s.t > (ss[1] as S).t) {
      ss[0] = ss[1] as S;
      ss[1] = s;
    } else {
      ss[0] = s;
    }
  }
  const a = ss[0] as S;
  const c = ss[1] as S;
  const interval = c.t - a.t;
  if (interval === 0) return K_NONE;
  const name = w.metricName();
  if (a.h === null && c.h === null) {
    let v = c.v;
    if (!isRate || !(c.v < a.v || isStartTimestampReset(a.st, a.t, c.st, c.t))) v = c.v - a.v;
    out.v = isRate ? v / (interval / 1000) : v;
    return K_FLOAT;
  }
  if (a.h !== null && c.h !== null) {
    const h = copyHistogram(c.h);
    if (
      isRate &&
      (c.h.counterResetHint === CounterResetHint.Gauge || a.h.counterResetHint === CounterResetHint.Gauge)
    ) {
      w.ctx.annos.warn(`this native histogram metric is not a counter: ${goQuote(name)}`, w.pos);
    }
    if (
      !isRate &&
      (c.h.counterResetHint !== CounterResetHint.Gauge || a.h.counterResetHint !== CounterResetHint.Gauge)
    ) {
      w.ctx.annos.warn(`this native histogram metric is not a gauge: ${goQuote(name)}`, w.pos);
    }
    if (!isRate || (!isStartTimestampReset(a.st, a.t, c.st, c.t) && !detectReset(c.h, a.h))) {
      try {
        const r = addInPlace(h, a.h, true);
        if (r.nhcbBoundsReconciled) infoReconciled(w, 'subtraction');
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

// ---------------------------------------------------------------------------------------------
// *_over_time

function avgOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  if (w.nf > 0 && w.nh > 0) {
    warnMixed(w);
    return K_NONE;
  }
  if (w.nf === 0) {
    const h = histogramMean(w);
    if (h === null) return K_NONE;
    out.h = h;
    return K_HIST;
  }
  const fv = b.fv;
  let sum = fv[w.fLo] as number;
  let count = 1;
  let mean = 0;
  let c = 0;
  let incremental = false;
  for (let i = w.fLo + 1; i < w.fHi; i++) {
    const f = fv[i] as number;
    count++;
    if (!incremental) {
      const [ns, nc] = kahanInc(f, sum, c);
      if (Math.abs(ns) !== Infinity) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanInc(f / count, q * mean, q * c);
  }
  out.v = incremental ? mean + c : sum / count + c / count;
  return K_FLOAT;
}

function trackHints(
  hs: readonly (FloatHistogram | null)[],
  lo: number,
  hi: number,
): { reset: boolean; notReset: boolean } {
  let reset = false;
  let notReset = false;
  for (let i = lo; i < hi; i++) {
    const h = hs[i] as FloatHistogram;
    if (h.counterResetHint === CounterResetHint.Reset) reset = true;
    else if (h.counterResetHint === CounterResetHint.NotReset) notReset = true;
  }
  return { reset, notReset };
}

function histogramMean(w: RangeWindow): FloatHistogram | null {
  return histogramAccumulate(w, true);
}

/** sum_over_time / avg_over_time of a window of histograms; null (with a warning) on mixed schemas. */
function histogramAccumulate(w: RangeWindow, averaging: boolean): FloatHistogram | null {
  const hs = w.buf.hh;
  const { reset, notReset } = trackHints(hs, w.hLo, w.hHi);
  let acc: HistogramMean | null = null;
  const finish = (): void => {
    if (reset && notReset) w.ctx.annos.warn('conflicting counter resets during histogram aggregation', w.pos);
    if (acc !== null && acc.reconciled) infoReconciled(w, 'aggregation');
  };
  try {
    acc = new HistogramMean(hs[w.hLo] as FloatHistogram, averaging);
    for (let i = w.hLo + 1; i < w.hHi; i++) acc.add(hs[i] as FloatHistogram);
    const res = acc.result();
    finish();
    return res;
  } catch (err) {
    if (err instanceof IncompatibleSchemaError) {
      finish();
      warnMixedSchemas(w);
      return null;
    }
    throw err;
  }
}

function sumOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  if (w.nf > 0 && w.nh > 0) {
    warnMixed(w);
    return K_NONE;
  }
  if (w.nf === 0) {
    const h = histogramAccumulate(w, false);
    if (h === null) return K_NONE;
    out.h = h;
    return K_HIST;
  }
  const fv = b.fv;
  let sum = 0;
  let c = 0;
  for (let i = w.fLo; i < w.fHi; i++) [sum, c] = kahanInc(fv[i] as number, sum, c);
  out.v = Math.abs(sum) === Infinity ? sum : sum + c;
  return K_FLOAT;
}

function countOverTime(w: RangeWindow, out: FnOut): number {
  out.v = w.nf + w.nh;
  return K_FLOAT;
}

function presentOverTime(_w: RangeWindow, out: FnOut): number {
  out.v = 1;
  return K_FLOAT;
}

function lastOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  if (w.nh === 0 || (w.nf > 0 && (b.ht[w.hHi - 1] as number) < (b.ft[w.fHi - 1] as number))) {
    out.v = b.fv[w.fHi - 1] as number;
    return K_FLOAT;
  }
  out.h = copyHistogram(b.hh[w.hHi - 1] as FloatHistogram);
  return K_HIST;
}

function firstOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  if (w.nh === 0 || (w.nf > 0 && (b.ft[w.fLo] as number) < (b.ht[w.hLo] as number))) {
    out.v = b.fv[w.fLo] as number;
    return K_FLOAT;
  }
  out.h = copyHistogram(b.hh[w.hLo] as FloatHistogram);
  return K_HIST;
}

function tsOfFirstOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  const tf = w.nf > 0 ? (b.ft[w.fLo] as number) : Infinity;
  const th = w.nh > 0 ? (b.ht[w.hLo] as number) : Infinity;
  out.v = Math.min(tf, th) / 1000;
  return K_FLOAT;
}

function tsOfLastOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  const tf = w.nf > 0 ? (b.ft[w.fHi - 1] as number) : 0;
  const th = w.nh > 0 ? (b.ht[w.hHi - 1] as number) : 0;
  out.v = Math.max(tf, th) / 1000;
  return K_FLOAT;
}

/** max/min_over_time and their ts_of_ variants: floats only. */
function compareOverTime(cmp: (cur: number, best: number) => boolean, returnTs: boolean): RangeFn {
  return (w, out) => {
    if (w.nf === 0) return K_NONE;
    if (w.nh > 0) infoHistIgnored(w);
    const b = w.buf;
    let best = b.fv[w.fLo] as number;
    let bestT = b.ft[w.fLo] as number;
    for (let i = w.fLo; i < w.fHi; i++) {
      const f = b.fv[i] as number;
      if (cmp(f, best)) {
        best = f;
        bestT = b.ft[i] as number;
      }
    }
    out.v = returnTs ? bestT / 1000 : best;
    return K_FLOAT;
  };
}

function quantileOverTime(w: RangeWindow, out: FnOut, qPos: boolean): number {
  if (w.nf === 0) return K_NONE;
  const q = w.p0;
  if (qPos && (Number.isNaN(q) || q < 0 || q > 1)) {
    w.ctx.annos.warn(`quantile value should be between 0 and 1, got ${fmtG(q)}`, w.pos);
  }
  if (w.nh > 0) infoHistIgnored(w);
  const vals = w.buf.fv.slice(w.fLo, w.fHi);
  out.v = quantileSorted(q, sortFloats(vals));
  return K_FLOAT;
}

/** Sorts ascending with NaN first (Prometheus's vectorByValueHeap order). */
export function sortFloats(a: Float64Array): Float64Array {
  let nan = 0;
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) nan++;
  if (nan === 0) return a.sort();
  const rest = new Float64Array(a.length - nan);
  let k = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i])) rest[k++] = a[i] as number;
  rest.sort();
  const outArr = new Float64Array(a.length);
  outArr.fill(NaN, 0, nan);
  outArr.set(rest, nan);
  return outArr;
}

function madOverTime(w: RangeWindow, out: FnOut): number {
  if (w.nf === 0) return K_NONE;
  if (w.nh > 0) infoHistIgnored(w);
  const vals = w.buf.fv.slice(w.fLo, w.fHi);
  for (let i = 0; i < vals.length; i++) {
    if (Number.isNaN(vals[i])) {
      out.v = NaN;
      return K_FLOAT;
    }
  }
  const median = quantileSorted(0.5, sortFloats(vals.slice()));
  for (let i = 0; i < vals.length; i++) vals[i] = Math.abs((vals[i] as number) - median);
  out.v = quantileSorted(0.5, sortFloats(vals));
  return K_FLOAT;
}

function varianceOverTime(w: RangeWindow, out: FnOut, sqrt: boolean): number {
  if (w.nf === 0) return K_NONE;
  if (w.nh > 0) infoHistIgnored(w);
  const fv = w.buf.fv;
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = w.fLo; i < w.fHi; i++) {
    const f = fv[i] as number;
    count++;
    const delta = f - (mean + cMean);
    [mean, cMean] = kahanInc(delta / count, mean, cMean);
    [aux, cAux] = kahanInc(delta * (f - (mean + cMean)), aux, cAux);
  }
  const variance = (aux + cAux) / count;
  out.v = sqrt ? Math.sqrt(variance) : variance;
  return K_FLOAT;
}

// ---------------------------------------------------------------------------------------------
// changes, resets

/**
 * Anchored changes()/resets(): start at the newest sample (of either type) at or before the range
 * start. Returns [first float, first histogram], or null when nothing lies after the range start.
 */
function pickFirstSampleIndices(w: RangeWindow): [number, number] | null {
  if (!w.anchored) return [w.fLo, w.hLo];
  const b = w.buf;
  const lastFloatLE = w.fLo + search(w.nf, (i) => (b.ft[w.fLo + i] as number) > w.rangeStart) - 1;
  const lastHistLE = w.hLo + search(w.nh, (i) => (b.ht[w.hLo + i] as number) > w.rangeStart) - 1;
  if (lastFloatLE + 1 >= w.fHi && lastHistLE + 1 >= w.hHi) return null;
  const hasF = lastFloatLE >= w.fLo;
  const hasH = lastHistLE >= w.hLo;
  if (!hasF && !hasH) return [w.fLo, w.hLo];
  if (!hasH || (hasF && (b.ft[lastFloatLE] as number) >= (b.ht[lastHistLE] as number)))
    return [lastFloatLE, lastHistLE + 1];
  return [lastFloatLE + 1, lastHistLE];
}

function changesOrResets(w: RangeWindow, out: FnOut, resets: boolean): number {
  if (w.nf === 0 && w.nh === 0) return K_NONE;
  const firsts = pickFirstSampleIndices(w);
  if (firsts === null) return K_NONE;
  const b = w.buf;
  const useSt = resets && w.ctx.opts.enableStartTimestamps;
  let [iF, iH] = firsts;
  let count = 0;
  let prevIsH = false;
  let prevF = 0;
  let prevH: FloatHistogram | null = null;
  let prevT = 0;
  let prevSt = 0;
  let started = false;
  while (iF < w.fHi || iH < w.hHi) {
    let curIsH: boolean;
    let curF = 0;
    let curH: FloatHistogram | null = null;
    let curT: number;
    let curSt = 0;
    if (iH >= w.hHi || (iF < w.fHi && (b.ft[iF] as number) < (b.ht[iH] as number))) {
      curIsH = false;
      curT = b.ft[iF] as number;
      if (useSt) curSt = st(b.fst, iF);
      curF = b.fv[iF++] as number;
    } else {
      curIsH = true;
      curT = b.ht[iH] as number;
      if (useSt) curSt = st(b.hst, iH);
      curH = b.hh[iH++] as FloatHistogram;
    }
    if (started) {
      if (!prevIsH && !curIsH) {
        if (resets) {
          if (curF < prevF || (useSt && isStartTimestampReset(prevSt, prevT, curSt, curT))) count++;
        } else if (curF !== prevF && !(Number.isNaN(curF) && Number.isNaN(prevF))) count++;
      } else if (prevIsH !== curIsH) {
        count++;
      } else if (resets) {
        if (
          (useSt && isStartTimestampReset(prevSt, prevT, curSt, curT)) ||
          detectReset(curH as FloatHistogram, prevH as FloatHistogram)
        )
          count++;
      } else if (!histogramsEqual(curH as FloatHistogram, prevH as FloatHistogram)) {
        count++;
      }
    }
    started = true;
    prevIsH = curIsH;
    prevF = curF;
    prevH = curH;
    prevT = curT;
    prevSt = curSt;
  }
  out.v = count;
  return K_FLOAT;
}

// ---------------------------------------------------------------------------------------------
// deriv, predict_linear, double_exponential_smoothing

function linearRegression(w: RangeWindow, interceptTime: number): [number, number] {
  const b = w.buf;
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = b.fv[w.fLo] as number;
  let constY = true;
  for (let i = w.fLo; i < w.fHi; i++) {
    const y = b.fv[i] as number;
    if (constY && i > w.fLo && y !== initY) constY = false;
    n += 1;
    const x = ((b.ft[i] as number) - interceptTime) / 1e3;
    [sumX, cX] = kahanInc(x, sumX, cX);
    [sumY, cY] = kahanInc(y, sumY, cY);
    [sumXY, cXY] = kahanInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (Math.abs(initY) === Infinity) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

function deriv(w: RangeWindow, out: FnOut): number {
  if (w.nf < 2) {
    if (w.nf === 1 && w.nh > 0) infoHistIgnored(w);
    return K_NONE;
  }
  const [slope] = linearRegression(w, w.buf.ft[w.fLo] as number);
  if (w.nh > 0) infoHistIgnored(w);
  out.v = slope;
  return K_FLOAT;
}

function predictLinear(w: RangeWindow, out: FnOut): number {
  if (w.nf < 2) {
    if (w.nf === 1 && w.nh > 0) infoHistIgnored(w);
    return K_NONE;
  }
  const [slope, intercept] = linearRegression(w, w.t);
  if (w.nh > 0) infoHistIgnored(w);
  out.v = slope * w.p0 + intercept;
  return K_FLOAT;
}

function goFixed6(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v.toFixed(6);
}

function doubleExponentialSmoothing(w: RangeWindow, out: FnOut): number {
  const sf = w.p0;
  const tf = w.p1;
  if (!(sf > 0 && sf < 1))
    throw new ExecutionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFixed6(sf)}`);
  if (!(tf > 0 && tf < 1))
    throw new ExecutionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goFixed6(tf)}`);
  const l = w.nf;
  if (l < 2) {
    if (l === 1 && w.nh > 0) infoHistIgnored(w);
    return K_NONE;
  }
  const fv = w.buf.fv;
  const base = w.fLo;
  let s0 = 0;
  let s1 = fv[base] as number;
  let b = (fv[base + 1] as number) - (fv[base] as number);
  for (let i = 1; i < l; i++) {
    const x = sf * (fv[base + i] as number);
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  if (w.nh > 0) infoHistIgnored(w);
  out.v = s1;
  return K_FLOAT;
}

/** Go's %g formatting (used in annotation texts). */
export function fmtG(v: number): string {
  return goFloatG(v);
}

/** The range-vector functions by name. Scalar arguments arrive in p0, p1 in argument order. */
export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFn> = new Map<string, RangeFn>([
  ['rate', (w, o) => extrapolatedRate(w, o, true, true)],
  ['increase', (w, o) => extrapolatedRate(w, o, true, false)],
  ['delta', (w, o) => extrapolatedRate(w, o, false, false)],
  ['irate', (w, o) => instantValue(w, o, true)],
  ['idelta', (w, o) => instantValue(w, o, false)],
  ['avg_over_time', avgOverTime],
  ['sum_over_time', sumOverTime],
  ['count_over_time', countOverTime],
  ['present_over_time', presentOverTime],
  ['last_over_time', lastOverTime],
  ['first_over_time', firstOverTime],
  ['ts_of_first_over_time', tsOfFirstOverTime],
  ['ts_of_last_over_time', tsOfLastOverTime],
  ['max_over_time', compareOverTime((c, m) => c > m || Number.isNaN(m), false)],
  ['min_over_time', compareOverTime((c, m) => c < m || Number.isNaN(m), false)],
  ['ts_of_max_over_time', compareOverTime((c, m) => c >= m || Number.isNaN(m), true)],
  ['ts_of_min_over_time', compareOverTime((c, m) => c <= m || Number.isNaN(m), true)],
  ['quantile_over_time', (w, o) => quantileOverTime(w, o, true)],
  ['mad_over_time', madOverTime],
  ['stddev_over_time', (w, o) => varianceOverTime(w, o, true)],
  ['stdvar_over_time', (w, o) => varianceOverTime(w, o, false)],
  ['changes', (w, o) => changesOrResets(w, o, false)],
  ['resets', (w, o) => changesOrResets(w, o, true)],
  ['deriv', deriv],
  ['predict_linear', predictLinear],
  ['double_exponential_smoothing', doubleExponentialSmoothing],
]);

export { histogramsEqual };
