import { CounterResetHint, ExecutionError, type FloatHistogram } from '../../model/index.ts';
import { goFloatG, goQuote } from './annotations.ts';
import {
  addInPlace,
  compactInPlace,
  copyHistogram,
  copyToSchema,
  detectReset,
  divInPlace,
  hasOverflow,
  histogramsEqual,
  IncompatibleSchemaError,
  isCustom,
  kahanAddInPlace,
  kahanInc,
  mulInPlace,
} from './histogram.ts';
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

/** Did a counter restart between two samples, judging by their start timestamps? */
export function isStartTimestampReset(prevSt: number, prevT: number, curSt: number, curT: number): boolean {
  if (curSt === 0 || curSt > curT) return false;
  if (curSt < prevT) return false;
  if (curSt > prevT) return true;
  return prevSt !== 0;
}

// ---------------------------------------------------------------------------------------------
// rate, increase, delta

function extrapolatedRate(w: RangeWindow, out: FnOut, isCounter: boolean, isRate: boolean): number {
  if (w.anchored || w.smoothed) return extendedRate(w, out, isCounter, isRate);
  const b = w.buf;
  const nf = w.nf;
  const nh = w.nh;
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
  if (nh > 1) {
    nMinusOne = nh - 1;
    firstT = b.ht[w.hLo] as number;
    lastT = b.ht[w.hHi - 1] as number;
    resultHist = histogramRate(w, isCounter);
    if (resultHist === null) return K_NONE;
  } else if (nf > 1) {
    nMinusOne = nf - 1;
    const lo = w.fLo;
    const hi = w.fHi;
    firstT = b.ft[lo] as number;
    lastT = b.ft[hi - 1] as number;
    const fv = b.fv;
    resultFloat = (fv[hi - 1] as number) - (fv[lo] as number);
    if (isCounter) {
      const ft = b.ft;
      for (let i = lo + 1; i < hi; i++) {
        const prev = fv[i - 1] as number;
        if (
          (fv[i] as number) < prev ||
          (useSt &&
            isStartTimestampReset(st(b.fst, i - 1), ft[i - 1] as number, st(b.fst, i), ft[i] as number))
        ) {
          resultFloat += prev;
        }
      }
    }
  } else {
    return K_NONE;
  }
  let durationToStart = (firstT - w.rangeStart) / 1000;
  let durationToEnd = (w.rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const avgBetween = sampledInterval / nMinusOne;
  const threshold = avgBetween * 1.1;
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
  if (durationToEnd >= threshold) durationToEnd = avgBetween / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= w.range / 1000;
  if (resultHist === null) {
    out.v = resultFloat * factor;
    return K_FLOAT;
  }
  mulInPlace(resultHist, factor);
  out.h = resultHist;
  return K_HIST;
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
    for (let i = lo + 1; i < hi; i++) {
      const cur = b.hh[i] as FloatHistogram;
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

function trackHints(hs: FloatHistogram[]): { reset: boolean; notReset: boolean } {
  let reset = false;
  let notReset = false;
  for (const h of hs) {
    if (h.counterResetHint === CounterResetHint.Reset) reset = true;
    else if (h.counterResetHint === CounterResetHint.NotReset) notReset = true;
  }
  return { reset, notReset };
}

function histogramMean(w: RangeWindow): FloatHistogram | null {
  const b = w.buf;
  const hs = b.hh.slice(w.hLo, w.hHi);
  let reconciled = false;
  const { reset, notReset } = trackHints(hs);
  const finish = (): void => {
    if (reset && notReset) w.ctx.annos.warn('conflicting counter resets during histogram aggregation', w.pos);
    if (reconciled) infoReconciled(w, 'aggregation');
  };
  try {
    let sum = copyHistogram(hs[0] as FloatHistogram);
    let mean: FloatHistogram | null = null;
    let comp: FloatHistogram | null = null;
    let count = 1;
    let incremental = false;
    for (let i = 1; i < hs.length; i++) {
      const h = hs[i] as FloatHistogram;
      count = i + 1;
      if (!incremental) {
        const s2 = copyHistogram(sum);
        const r = kahanAddInPlace(s2, h, comp === null ? null : copyHistogram(comp));
        if (r.res.nhcbBoundsReconciled) reconciled = true;
        if (!hasOverflow(s2)) {
          sum = s2;
          comp = r.comp;
          continue;
        }
        incremental = true;
        mean = divInPlace(copyHistogram(sum), count - 1);
        if (comp !== null) divInPlace(comp, count - 1);
      }
      const q = (count - 1) / count;
      if (comp !== null) mulInPlace(comp, q);
      const toAdd = divInPlace(copyHistogram(h), count);
      const r = kahanAddInPlace(mulInPlace(mean as FloatHistogram, q), toAdd, comp);
      comp = r.comp;
      if (r.res.nhcbBoundsReconciled) reconciled = true;
    }
    let res: FloatHistogram;
    if (incremental) {
      res = mean as FloatHistogram;
      if (comp !== null) addInPlace(res, comp);
    } else {
      res = divInPlace(sum, count);
      if (comp !== null) addInPlace(res, divInPlace(comp, count));
    }
    finish();
    return compactInPlace(res);
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
    const hs = b.hh.slice(w.hLo, w.hHi);
    const { reset, notReset } = trackHints(hs);
    let reconciled = false;
    const finish = (): void => {
      if (reset && notReset)
        w.ctx.annos.warn('conflicting counter resets during histogram aggregation', w.pos);
      if (reconciled) infoReconciled(w, 'aggregation');
    };
    try {
      const sum = copyHistogram(hs[0] as FloatHistogram);
      let comp: FloatHistogram | null = null;
      for (let i = 1; i < hs.length; i++) {
        const r = kahanAddInPlace(sum, hs[i] as FloatHistogram, comp);
        comp = r.comp;
        if (r.res.nhcbBoundsReconciled) reconciled = true;
      }
      if (comp !== null) addInPlace(sum, comp);
      finish();
      out.h = compactInPlace(sum);
      return K_HIST;
    } catch (err) {
      if (err instanceof IncompatibleSchemaError) {
        finish();
        warnMixedSchemas(w);
        return K_NONE;
      }
      throw err;
    }
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

function pickFirstSampleIndex(w: RangeWindow): number {
  if (!w.anchored) return w.fLo;
  const b = w.buf;
  const n = w.nf;
  if (n === 0 || (b.ft[w.fHi - 1] as number) <= w.rangeStart) return -1;
  return w.fLo + Math.max(0, search(n - 1, (i) => (b.ft[w.fLo + i] as number) > w.rangeStart) - 1);
}

function changesOrResets(w: RangeWindow, out: FnOut, resets: boolean): number {
  if (w.nf === 0 && w.nh === 0) return K_NONE;
  const first = pickFirstSampleIndex(w);
  if (first < 0) return K_NONE;
  const b = w.buf;
  let iF = first;
  let iH = w.hLo;
  let count = 0;
  let prevIsH = false;
  let prevF = 0;
  let prevH: FloatHistogram | null = null;
  let started = false;
  while (iF < w.fHi || iH < w.hHi) {
    let curIsH: boolean;
    let curF = 0;
    let curH: FloatHistogram | null = null;
    if (iH >= w.hHi || (iF < w.fHi && (b.ft[iF] as number) < (b.ht[iH] as number))) {
      curIsH = false;
      curF = b.fv[iF++] as number;
    } else {
      curIsH = true;
      curH = b.hh[iH++] as FloatHistogram;
    }
    if (started) {
      if (!prevIsH && !curIsH) {
        if (resets) {
          if (curF < prevF) count++;
        } else if (curF !== prevF && !(Number.isNaN(curF) && Number.isNaN(prevF))) count++;
      } else if (prevIsH !== curIsH) {
        count++;
      } else if (resets) {
        if (detectReset(curH as FloatHistogram, prevH as FloatHistogram)) count++;
      } else if (!histogramsEqual(curH as FloatHistogram, prevH as FloatHistogram)) {
        count++;
      }
    }
    started = true;
    prevIsH = curIsH;
    prevF = curF;
    prevH = curH;
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
