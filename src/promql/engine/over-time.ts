import { CounterResetHint, type FloatHistogram } from '../../model/index.ts';
import { goFloatG } from './annotations.ts';
import { copyHistogram, IncompatibleSchemaError, kahanInc } from './histogram.ts';
import { HistogramMean } from './histogram-acc.ts';
import { quantileSorted } from './quantile.ts';
import type { FnOut, RangeFn, RangeWindow } from './range-eval.ts';
import { K_FLOAT, K_HIST, K_NONE } from './types.ts';
import { infoHistIgnored, infoReconciled, warnMixed, warnMixedSchemas } from './range-common.ts';

/** The `*_over_time` functions, each over one window (see RangeWindow). */

export function avgOverTime(w: RangeWindow, out: FnOut): number {
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

export function sumOverTime(w: RangeWindow, out: FnOut): number {
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

export function countOverTime(w: RangeWindow, out: FnOut): number {
  out.v = w.nf + w.nh;
  return K_FLOAT;
}

export function presentOverTime(_w: RangeWindow, out: FnOut): number {
  out.v = 1;
  return K_FLOAT;
}

export function lastOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  if (w.nh === 0 || (w.nf > 0 && (b.ht[w.hHi - 1] as number) < (b.ft[w.fHi - 1] as number))) {
    out.v = b.fv[w.fHi - 1] as number;
    return K_FLOAT;
  }
  out.h = copyHistogram(b.hh[w.hHi - 1] as FloatHistogram);
  return K_HIST;
}

export function firstOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  if (w.nh === 0 || (w.nf > 0 && (b.ft[w.fLo] as number) < (b.ht[w.hLo] as number))) {
    out.v = b.fv[w.fLo] as number;
    return K_FLOAT;
  }
  out.h = copyHistogram(b.hh[w.hLo] as FloatHistogram);
  return K_HIST;
}

export function tsOfFirstOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  const tf = w.nf > 0 ? (b.ft[w.fLo] as number) : Infinity;
  const th = w.nh > 0 ? (b.ht[w.hLo] as number) : Infinity;
  out.v = Math.min(tf, th) / 1000;
  return K_FLOAT;
}

export function tsOfLastOverTime(w: RangeWindow, out: FnOut): number {
  const b = w.buf;
  const tf = w.nf > 0 ? (b.ft[w.fHi - 1] as number) : 0;
  const th = w.nh > 0 ? (b.ht[w.hHi - 1] as number) : 0;
  out.v = Math.max(tf, th) / 1000;
  return K_FLOAT;
}

/** max/min_over_time and their ts_of_ variants: floats only. */
export function compareOverTime(cmp: (cur: number, best: number) => boolean, returnTs: boolean): RangeFn {
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

export function quantileOverTime(w: RangeWindow, out: FnOut, qPos: boolean): number {
  if (w.nf === 0) return K_NONE;
  const q = w.p0;
  if (qPos && (Number.isNaN(q) || q < 0 || q > 1)) {
    w.ctx.annos.warn(`quantile value should be between 0 and 1, got ${goFloatG(q)}`, w.pos);
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

export function madOverTime(w: RangeWindow, out: FnOut): number {
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

export function varianceOverTime(w: RangeWindow, out: FnOut, sqrt: boolean): number {
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
