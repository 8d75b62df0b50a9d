import { ExecutionError, type FloatHistogram } from '../../model/index.ts';
import { ValueKind, type SampleIterator } from '../../storage/index.ts';
import type { EvalContext } from './context.ts';
import { copyHistogram } from './histogram.ts';
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
  mode: 'value' | 'timestamp' | 'st' = 'value',
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
      if (mode === 'timestamp') {
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
 * there is no later one. Floats only.
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
    if (buf.hn > 0)
      throw new ExecutionError('smoothed and anchored modifiers do not work with native histograms');
    const ft = buf.ft;
    const fv = buf.fv;
    const n = buf.fn;
    let lo = 0;
    for (let j = 0; j < grid.n; j++) {
      const ts = (node.at ?? grid.start + j * grid.step) - node.offset;
      // Window (ts − lb, ts + lb].
      while (lo < n && (ft[lo] as number) <= ts - lb) lo++;
      let hi = lo;
      while (hi < n && (ft[hi] as number) <= ts + lb) hi++;
      if (hi === lo) continue;
      // First index in the window with t >= ts.
      let x = lo;
      while (x < hi && (ft[x] as number) < ts) x++;
      if (x < hi && ft[x] === ts) {
        out.v[j] = fv[x] as number;
      } else if (x > lo && x < hi) {
        out.v[j] = interpolate(
          ft[x - 1] as number,
          fv[x - 1] as number,
          ft[x] as number,
          fv[x] as number,
          ts,
          false,
        );
      } else if (x > lo) {
        out.v[j] = fv[x - 1] as number;
      } else {
        continue;
      }
      out.k[j] = K_FLOAT;
    }
    return out;
  });
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
