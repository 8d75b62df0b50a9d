import { CounterResetHint, ExecutionError, type FloatHistogram, type Labels } from '../../model/index.ts';
import { ValueKind, type FloatColumns, type SampleIterator } from '../../storage/index.ts';
import type { EvalContext } from './context.ts';
import { addInPlace, compactInPlace, copyHistogram, detectReset, isCustom, mulInPlace } from './histogram.ts';
import { goQuote } from './annotations.ts';
import type { VSelNode } from './plan.ts';
import { interpolate } from './range-common.ts';
import { loadSeries, SampleBuf } from './samples.ts';
import { K_FLOAT, lazyVector, type Grid, type SeriesMeta, type StepData, type VectorValue } from './types.ts';

/**
 * Instant-vector selector over a grid: per series and step, the newest sample in
 * (ref − lookback, ref], where ref = (`@` time or step time) − offset, unless that sample is a stale
 * marker. One forward pass over each series' samples serves all steps (O(samples + steps)).
 *
 * `mode` 'timestamp' returns the selected sample's timestamp in seconds instead of its value (for
 * `timestamp(selector)`), 'st' its start timestamp (for `start_timestamp(selector)`).
 */
export function evalVectorSelector(
  node: VSelNode,
  grid: Grid,
  ctx: EvalContext,
  mode: 'value' | 'timestamp' | 'st' | 'infots' = 'value',
): VectorValue {
  if (node.smoothed && mode === 'value') return evalSmoothedSelector(node, grid, ctx);
  const metas: SeriesMeta[] = node.series.map((s) => ({ labels: s.labels, dropName: false }));
  const lookback = ctx.opts.lookbackDelta;
  let it: SampleIterator | undefined;
  const cols: FloatColumns = {
    t: new Float64Array(256),
    v: new Float64Array(256),
    n: 0,
    staleT: new Float64Array(8),
    ns: 0,
  };
  return lazyVector(grid.n, metas, (i, out) => {
    ctx.check();
    out.reset();
    const series = node.series[i];
    if (series === undefined) return out;
    if (
      mode === 'value' &&
      series.readFloats !== undefined &&
      series.readFloats(node.mint, node.maxt, cols)
    ) {
      if (cols.ns === 0)
        fillInstantColumns(cols.t, cols.v, cols.n, out, grid, node.at, node.offset, lookback);
      else fillInstantStale(cols, out, grid, node.at, node.offset, lookback);
      ctx.samplesScanned += cols.n + cols.ns;
      return out;
    }
    it = series.iterator(it);
    ctx.samplesScanned += fillInstant(
      it,
      out,
      grid,
      node.at,
      node.offset,
      lookback,
      mode,
      series.labels,
      node.statsOnly,
    );
    return out;
  });
}

/** fillInstantColumns for a range that holds stale markers: a marker newer than the float ends it. */
function fillInstantStale(
  cols: FloatColumns,
  out: StepData,
  grid: Grid,
  at: number | null,
  offset: number,
  lookback: number,
): void {
  const ft = cols.t;
  const fv = cols.v;
  const n = cols.n;
  const st = cols.staleT;
  const ns = cols.ns;
  let x = 0;
  let s = 0;
  const base = (at === null ? grid.start : at) - offset;
  const mul = at === null ? grid.step : 0;
  for (let j = 0; j < grid.n; j++) {
    const ref = base + j * mul;
    while (x < n && (ft[x] as number) <= ref) x++;
    while (s < ns && (st[s] as number) <= ref) s++;
    if (x === 0 || (ft[x - 1] as number) <= ref - lookback) continue;
    if (s > 0 && (st[s - 1] as number) > (ft[x - 1] as number)) continue;
    out.v[j] = fv[x - 1] as number;
    out.k[j] = K_FLOAT;
  }
}

/** fillInstant over float columns (no stale markers in them). */
function fillInstantColumns(
  ft: Float64Array,
  fv: Float64Array,
  n: number,
  out: StepData,
  grid: Grid,
  at: number | null,
  offset: number,
  lookback: number,
): void {
  const ov = out.v;
  const ok = out.k;
  const start = grid.start;
  const step = grid.step;
  let x = 0;
  // ref = base + j * mul: no branch in the loop, so V8 keeps it an unboxed double.
  const base = (at === null ? start : at) - offset;
  const mul = at === null ? step : 0;
  const steps = grid.n;
  for (let j = 0; j < steps; j++) {
    const ref = base + j * mul;
    while (x < n && (ft[x] as number) <= ref) x++;
    // x − 1 is the newest sample at or before ref.
    if (x === 0 || (ft[x - 1] as number) <= ref - lookback) continue;
    ov[j] = fv[x - 1] as number;
    ok[j] = K_FLOAT;
  }
}

/**
 * One series' instant-selector values at every step (a plain function, not a closure: V8 keeps
 * its doubles unboxed). Returns the number of samples read.
 */
function fillInstant(
  it: SampleIterator,
  out: StepData,
  grid: Grid,
  at: number | null,
  offset: number,
  lookback: number,
  mode: 'value' | 'timestamp' | 'st' | 'infots',
  labels: Labels,
  resolveHints: boolean,
): number {
  const firstRef = (at ?? grid.start) - offset;
  let k: ValueKind = it.seek(firstRef - lookback + 1);
  let lastK: ValueKind = ValueKind.None;
  let lastT = 0;
  let lastV = 0;
  let lastSt = NaN;
  let lastH: FloatHistogram | null = null;
  let scanned = 0;
  const n = grid.n;
  const start = grid.start;
  const step = grid.step;
  const ov = out.v;
  const ok = out.k;
  const plain = mode === 'value';
  // ref = base + j * mul: no branch in the loop, so V8 keeps it an unboxed double.
  const base = (at === null ? start : at) - offset;
  const mul = at === null ? step : 0;
  for (let j = 0; j < n; j++) {
    const ref = base + j * mul;
    while (k !== ValueKind.None) {
      const t = it.t;
      if (t > ref) break;
      lastK = k;
      lastT = t;
      if (k === ValueKind.Float) lastV = it.v;
      else if (k === ValueKind.Histogram) {
        if (plain) {
          const h = copyHistogram(it.h as FloatHistogram);
          // Stats-only selectors: resolve unknown hints against the previous histogram (see loadSeries).
          if (resolveHints && lastH !== null && h.counterResetHint === CounterResetHint.Unknown)
            h.counterResetHint = detectReset(h, lastH) ? CounterResetHint.Reset : CounterResetHint.NotReset;
          lastH = h;
        } else lastH = null;
      }
      if (!plain) lastSt = it.st;
      scanned++;
      k = it.next();
    }
    if (lastK === ValueKind.None || lastK === ValueKind.Stale || lastT <= ref - lookback) continue;
    if (plain) {
      if (lastK === ValueKind.Float) {
        ov[j] = lastV;
        ok[j] = K_FLOAT;
      } else {
        out.setHist(j, lastH as FloatHistogram);
      }
    } else if (mode === 'infots') {
      if (lastK === ValueKind.Histogram) {
        throw new ExecutionError(`this should be an info metric, with float samples: ${labels.toString()}`);
      }
      ov[j] = lastT;
      ok[j] = K_FLOAT;
    } else if (mode === 'timestamp') {
      ov[j] = lastT / 1000;
      ok[j] = K_FLOAT;
    } else {
      ov[j] = Number.isNaN(lastSt) ? 0 : lastSt / 1000;
      ok[j] = K_FLOAT;
    }
  }
  return scanned;
}

/**
 * `x smoothed` as an instant selector: per step the value at exactly ref, interpolated linearly
 * between the neighbouring samples within the lookback on either side, or the previous value when
 * there is no later one. Histograms are interpolated bucket-wise (a counter reset between the two
 * means a restart from zero); a window mixing floats and histograms, or exponential and custom
 * buckets, yields nothing and a warning.
 */
function evalSmoothedSelector(node: VSelNode, grid: Grid, ctx: EvalContext): VectorValue {
  const metas: SeriesMeta[] = node.series.map((s) => ({ labels: s.labels, dropName: false }));
  const lb = ctx.opts.lookbackDelta;
  const buf = new SampleBuf();
  let it: SampleIterator | undefined;
  return lazyVector(grid.n, metas, (i, out: StepData) => {
    ctx.check();
    out.reset();
    const series = node.series[i];
    if (series === undefined) return out;
    it = loadSeries(series, node.mint, node.maxt, buf, it, node.statsOnly);
    const name = series.labels.get('__name__');
    let fLo = 0;
    let hLo = 0;
    const base = (node.at === null ? grid.start : node.at) - node.offset;
    const mul = node.at === null ? grid.step : 0;
    for (let j = 0; j < grid.n; j++) {
      const ts = base + j * mul;
      // Window (ts − lb, ts + lb].
      while (fLo < buf.fn && (buf.ft[fLo] as number) <= ts - lb) fLo++;
      while (hLo < buf.hn && (buf.ht[hLo] as number) <= ts - lb) hLo++;
      let fHi = fLo;
      while (fHi < buf.fn && (buf.ft[fHi] as number) <= ts + lb) fHi++;
      let hHi = hLo;
      while (hHi < buf.hn && (buf.ht[hHi] as number) <= ts + lb) hHi++;
      if (fHi > fLo && hHi > hLo) {
        ctx.annos.warn(
          `encountered a mix of histograms and floats for metric name ${goQuote(name)}`,
          node.pos,
        );
        continue;
      }
      if (hHi > hLo) {
        let x = hLo;
        while (x < hHi && (buf.ht[x] as number) < ts) x++;
        let h: FloatHistogram | null = null;
        if (x < hHi && buf.ht[x] === ts) h = copyHistogram(buf.hh[x]!);
        else if (x > hLo && x < hHi) {
          const a = buf.hh[x - 1]!;
          const b = buf.hh[x]!;
          if (isCustom(a) !== isCustom(b)) {
            ctx.annos.warn(
              `vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${goQuote(name)}`,
              node.pos,
            );
            continue;
          }
          h = interpolateHistogram(
            a,
            buf.ht[x - 1] as number,
            b,
            buf.ht[x] as number,
            ts,
            b.counterResetHint !== CounterResetHint.Gauge,
          );
        } else if (x > hLo) h = copyHistogram(buf.hh[x - 1]!);
        if (h !== null) out.setHist(j, h);
        continue;
      }
      if (fHi === fLo) continue;
      const ft = buf.ft;
      const fv = buf.fv;
      let x = fLo;
      while (x < fHi && (ft[x] as number) < ts) x++;
      if (x < fHi && ft[x] === ts) {
        out.v[j] = fv[x] as number;
      } else if (x > fLo && x < fHi) {
        out.v[j] = interpolate(
          ft[x - 1] as number,
          fv[x - 1] as number,
          ft[x] as number,
          fv[x] as number,
          ts,
          false,
        );
      } else if (x > fLo) {
        out.v[j] = fv[x - 1] as number;
      } else {
        continue;
      }
      out.k[j] = K_FLOAT;
    }
    return out;
  });
}

/** Histogram at t between (t1, h1) and (t2, h2); a counter reset means the line starts at zero. */
function interpolateHistogram(
  h1: FloatHistogram,
  t1: number,
  h2: FloatHistogram,
  t2: number,
  t: number,
  isCounter: boolean,
): FloatHistogram {
  const fraction = (t - t1) / (t2 - t1);
  if (isCounter && detectReset(h2, h1)) return mulInPlace(copyHistogram(h2), fraction);
  const res = copyHistogram(h2);
  addInPlace(res, h1, true);
  mulInPlace(res, fraction);
  addInPlace(res, h1);
  return compactInPlace(res);
}
