import { CounterResetHint, ExecutionError, type FloatHistogram } from '../../model/index.ts';
import { ValueKind, type SampleIterator } from '../../storage/index.ts';
import type { EvalContext } from './context.ts';
import { addInPlace, compactInPlace, copyHistogram, detectReset, isCustom, mulInPlace } from './histogram.ts';
import { goQuote } from './annotations.ts';
import type { VSelNode } from './plan.ts';
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
  return lazyVector(grid.n, metas, (i, out) => {
    ctx.check();
    out.reset();
    const series = node.series[i];
    if (series === undefined) return out;
    it = series.iterator(it);
    const at = node.at;
    const firstRef = (at ?? grid.start) - node.offset;
    let k: ValueKind = it.seek(firstRef - lookback + 1);
    let lastK: ValueKind = ValueKind.None;
    let lastT = 0;
    let lastV = 0;
    let lastSt = NaN;
    let lastH: FloatHistogram | null = null;
    let scanned = 0;
    for (let j = 0; j < grid.n; j++) {
      const ref = (at ?? grid.start + j * grid.step) - node.offset;
      while (k !== ValueKind.None && it.t <= ref) {
        lastK = k;
        lastT = it.t;
        lastV = it.v;
        lastSt = it.st;
        lastH = k === ValueKind.Histogram && mode === 'value' ? copyHistogram(it.h as FloatHistogram) : null;
        scanned++;
        k = it.next();
      }
      if (lastK === ValueKind.None || lastK === ValueKind.Stale || lastT <= ref - lookback) continue;
      if (mode === 'infots') {
        if (lastK === ValueKind.Histogram) {
          throw new ExecutionError(
            `this should be an info metric, with float samples: ${series.labels.toString()}`,
          );
        }
        out.v[j] = lastT;
        out.k[j] = K_FLOAT;
      } else if (mode === 'timestamp') {
        out.v[j] = lastT / 1000;
        out.k[j] = K_FLOAT;
      } else if (mode === 'st') {
        out.v[j] = Number.isNaN(lastSt) ? 0 : lastSt / 1000;
        out.k[j] = K_FLOAT;
      } else if (lastK === ValueKind.Float) {
        out.v[j] = lastV;
        out.k[j] = K_FLOAT;
      } else {
        out.setHist(j, lastH as FloatHistogram);
      }
    }
    ctx.samplesScanned += scanned;
    return out;
  });
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
    it = loadSeries(series, node.mint, node.maxt, buf, it);
    const name = series.labels.get('__name__');
    let fLo = 0;
    let hLo = 0;
    for (let j = 0; j < grid.n; j++) {
      const ts = (node.at ?? grid.start + j * grid.step) - node.offset;
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

/** Linear interpolation at t; for counters a decrease means a reset, so the line starts at 0. */
export function interpolate(
  t1: number,
  y1: number,
  t2: number,
  y2: number,
  t: number,
  isCounter: boolean,
): number {
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + ((y2 - y1) * (t - t1)) / (t2 - t1);
}
