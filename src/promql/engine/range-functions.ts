import { ExecutionError, type FloatHistogram } from '../../model/index.ts';
import { detectReset, histogramsEqual, kahanInc } from './histogram.ts';
import type { FnOut, RangeFn, RangeWindow } from './range-eval.ts';
import { K_FLOAT, K_NONE } from './types.ts';
import {
  avgOverTime,
  compareOverTime,
  countOverTime,
  firstOverTime,
  lastOverTime,
  madOverTime,
  presentOverTime,
  quantileOverTime,
  sumOverTime,
  tsOfFirstOverTime,
  tsOfLastOverTime,
  varianceOverTime,
} from './over-time.ts';
import { infoHistIgnored, isStartTimestampReset, search, st } from './range-common.ts';
import { extrapolatedRate, instantValue } from './rate.ts';

/**
 * The functions that take a range vector, each evaluated on one window (see RangeWindow), and the
 * table of them by name. They follow Prometheus's functions.go semantics, including its
 * annotations.
 */

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
