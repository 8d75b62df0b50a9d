import { CounterResetHint, type FloatHistogram, type Labels } from '../../model/index.ts';
import type { SampleIterator } from '../../storage/index.ts';
import type { PosRange } from '../parser/ast.ts';
import type { EvalContext } from './context.ts';
import { copyHistogram } from './histogram.ts';
import { dropMetricName } from './label-util.ts';
import type { MSelNode, SubqNode } from './plan.ts';
import { loadSeries, SampleBuf } from './samples.ts';
import { K_FLOAT, K_HIST, K_NONE, StepData, type Grid, type VectorValue } from './types.ts';

/**
 * Range vectors as function arguments: a source of per-series samples (a matrix selector reading
 * storage, or a subquery's materialized inner result) plus the window geometry. Functions see one
 * window at a time through a reused RangeWindow; windows slide forward with two pointers per
 * series, so a whole range query costs O(samples + steps) per series plus the function's work.
 */
export interface RangeInput {
  readonly count: number;
  labels(i: number): Labels;
  /** Loads series i's samples covering every window of the grid into `buf` (no stale markers). */
  load(i: number, buf: SampleBuf): void;
  readonly range: number;
  readonly offset: number;
  readonly at: number | null;
  readonly anchored: boolean;
  readonly smoothed: boolean;
  /** Position of the argument, for annotations. */
  readonly pos: PosRange;
  /** True for a subquery (absent_over_time then reports `{}`). */
  readonly isSubquery: boolean;
}

export function matrixSelectorInput(node: MSelNode, ctx: EvalContext): RangeInput {
  const vs = node.vs;
  let it: SampleIterator | undefined;
  return {
    count: vs.series.length,
    labels: (i) => (vs.series[i] as { labels: Labels }).labels,
    load: (i, buf) => {
      ctx.check();
      buf.withSt = ctx.opts.enableStartTimestamps;
      it = loadSeries(vs.series[i]!, vs.mint, vs.maxt, buf, it, vs.statsOnly);
      ctx.samplesScanned += buf.fn + buf.hn;
    },
    range: node.range,
    offset: vs.offset,
    at: vs.at,
    anchored: vs.anchored,
    smoothed: vs.smoothed,
    pos: node.pos,
    isSubquery: false,
  };
}

/**
 * A subquery's inner result as a range input. Inner points sit on the inner grid. Names the inner
 * evaluation marked for dropping are dropped here, and counter-reset hints of histograms are reset
 * to "unknown" (a subquery may skip or repeat samples, so explicit hints would mislead).
 */
export function subqueryInput(
  node: SubqNode,
  inner: VectorValue,
  innerGrid: Grid,
  _ctx: EvalContext,
): RangeInput {
  const data: StepData[] = [];
  const labels: Labels[] = [];
  for (let i = 0; i < inner.metas.length; i++) {
    const meta = inner.metas[i]!;
    const d = inner.data !== null ? inner.data[i]! : inner.get(i, new StepData(inner.n));
    data.push(d);
    labels.push(meta.dropName ? dropMetricName(meta.labels) : meta.labels);
  }
  return {
    count: data.length,
    labels: (i) => labels[i]!,
    load: (i, buf) => {
      buf.reset();
      const d = data[i]!;
      for (let j = 0; j < d.n; j++) {
        const k = d.k[j];
        if (k === K_NONE) continue;
        const t = innerGrid.start + j * innerGrid.step;
        if (k === K_FLOAT) buf.pushFloat(t, d.v[j] as number, NaN);
        else {
          let h = d.h![j] as FloatHistogram;
          if (
            h.counterResetHint === CounterResetHint.Reset ||
            h.counterResetHint === CounterResetHint.NotReset
          ) {
            h = copyHistogram(h);
            h.counterResetHint = CounterResetHint.Unknown;
          }
          buf.pushHist(t, h, NaN);
        }
      }
    },
    range: node.range,
    offset: node.offset,
    at: node.at,
    anchored: false,
    smoothed: false,
    pos: node.pos,
    isSubquery: true,
  };
}

/** The samples one function call sees at one step. */
export class RangeWindow {
  buf: SampleBuf = new SampleBuf();
  /** Floats ft/fv[fLo..fHi), histograms ht/hh[hLo..hHi). */
  fLo = 0;
  fHi = 0;
  hLo = 0;
  hHi = 0;
  /** The window (rangeStart, rangeEnd] in ms, before any anchored/smoothed extension. */
  rangeStart = 0;
  rangeEnd = 0;
  /** Selector range in ms. */
  range = 0;
  /** Evaluation time of the step (ms). */
  t = 0;
  labels!: Labels;
  pos!: PosRange;
  ctx!: EvalContext;
  anchored = false;
  smoothed = false;
  /** Scalar parameters at this step (quantile, prediction horizon, smoothing factors). */
  p0 = NaN;
  p1 = NaN;

  get nf(): number {
    return this.fHi - this.fLo;
  }

  get nh(): number {
    return this.hHi - this.hLo;
  }

  metricName(): string {
    return this.labels.get('__name__');
  }
}

/** Output of one function call at one step. */
export interface FnOut {
  v: number;
  h: FloatHistogram | null;
}

/** A function over one window; returns K_NONE, K_FLOAT (`out.v`) or K_HIST (`out.h`). */
export type RangeFn = (w: RangeWindow, out: FnOut) => number;

/**
 * Calls `fn` on every step's window of series i and writes the results into `out`. Scalar
 * parameters come per step from `params`. `after` (optional) sees the filled StepData.
 */
export function slideWindows(
  input: RangeInput,
  i: number,
  grid: Grid,
  ctx: EvalContext,
  w: RangeWindow,
  fn: RangeFn,
  params: readonly Float64Array[],
  pos: PosRange,
  out: StepData,
  loaded = false,
): void {
  out.reset();
  if (!loaded) input.load(i, w.buf);
  const buf = w.buf;
  const lookback = ctx.opts.lookbackDelta;
  const extendLeft = input.anchored || input.smoothed ? lookback : 0;
  const extendRight = input.smoothed ? lookback : 0;
  w.labels = input.labels(i);
  w.pos = pos;
  w.ctx = ctx;
  w.range = input.range;
  w.anchored = input.anchored;
  w.smoothed = input.smoothed;
  let fLo = 0;
  let fHi = 0;
  let hLo = 0;
  let hHi = 0;
  const res: FnOut = { v: 0, h: null };
  // ref = base + j * mul: no branch in the loop, so V8 keeps it an unboxed double.
  const base = (input.at === null ? grid.start : input.at) - input.offset;
  const mul = input.at === null ? grid.step : 0;
  let maxWindow = 0;
  for (let j = 0; j < grid.n; j++) {
    const t = grid.start + j * grid.step;
    const ref = base + j * mul;
    const lowEx = ref - input.range - extendLeft;
    const highIn = ref + extendRight;
    while (fLo < buf.fn && (buf.ft[fLo] as number) <= lowEx) fLo++;
    if (fHi < fLo) fHi = fLo;
    while (fHi < buf.fn && (buf.ft[fHi] as number) <= highIn) fHi++;
    while (hLo < buf.hn && (buf.ht[hLo] as number) <= lowEx) hLo++;
    if (hHi < hLo) hHi = hLo;
    while (hHi < buf.hn && (buf.ht[hHi] as number) <= highIn) hHi++;
    const size = fHi - fLo + hHi - hLo;
    if (size === 0) continue;
    if (size > maxWindow) maxWindow = size;
    w.fLo = fLo;
    w.fHi = fHi;
    w.hLo = hLo;
    w.hHi = hHi;
    w.rangeStart = ref - input.range;
    w.rangeEnd = ref;
    w.t = t;
    w.p0 = params.length > 0 ? (params[0]![j] as number) : NaN;
    w.p1 = params.length > 1 ? (params[1]![j] as number) : NaN;
    res.h = null;
    const k = fn(w, res);
    if (k === K_FLOAT) {
      out.v[j] = res.v;
      out.k[j] = K_FLOAT;
    } else if (k === K_HIST) {
      out.setHist(j, res.h!);
    }
  }
  // The sample budget sees the largest window, as Prometheus holds one window at a time.
  ctx.hold(maxWindow);
  ctx.release(maxWindow);
}
