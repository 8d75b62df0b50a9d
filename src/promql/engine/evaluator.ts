import { ExecutionError, type FloatHistogram, type Labels } from '../../model/index.ts';
import { goQuote } from './annotations.ts';
import { evalAggregate } from './aggregate.ts';
import { binarySet, binaryVectorScalar, binaryVectorVector } from './binary.ts';
import { binaryScalarScalar } from './binary-elem.ts';
import type { EvalContext } from './context.ts';
import { absentLabels, evalInstantFunction, vectorOf, type FnEnv } from './functions.ts';
import { copyHistogram, mulInPlace } from './histogram.ts';
import { histogramFunction } from './histogram-functions.ts';
import { evalInfo } from './info.ts';
import { NameDroppedMeta } from './label-util.ts';
import { unwrapInv, type AggNode, type CallNode, type MSelNode, type PNode, type SubqNode } from './plan.ts';
import {
  matrixSelectorInput,
  RangeWindow,
  slideWindows,
  subqueryInput,
  type RangeInput,
} from './range-eval.ts';
import { interpolate, search } from './range-common.ts';
import { RANGE_FUNCTIONS } from './range-functions.ts';
import { fastInstantValue, fastRate, windowLine } from './rate.ts';
import { SampleBuf } from './samples.ts';
import { evalVectorSelector } from './selector.ts';
import {
  K_FLOAT,
  K_HIST,
  K_NONE,
  lazyVector,
  makeGrid,
  materializedVector,
  StepData,
  type Grid,
  type MatrixValue,
  type RangeSeries,
  type ScalarValue,
  type SeriesMeta,
  type Value,
  type VectorValue,
} from './types.ts';
import { markUnique, mergeSameLabels, nameDroppedMetas, rejectSameLabels } from './vector-util.ts';

const KEEP_NAME_RANGE_FUNCTIONS = new Set(['last_over_time', 'first_over_time']);
const COUNTER_SUFFIXES = ['_total', '_sum', '_count', '_bucket'];

/** Grid of a subquery's inner evaluation: steps aligned to multiples of the subquery step. */
export function subqueryGrid(node: SubqNode, grid: Grid, defaultStep: number): Grid {
  const step = node.step > 0 ? node.step : defaultStep;
  const outerStart = node.at ?? grid.start;
  const outerEnd = node.at ?? grid.end;
  const x = outerStart - node.offset - node.range;
  let start = step * Math.trunc(x / step);
  if (start <= x) start += step;
  return makeGrid(start, outerEnd - node.offset, step);
}

/** A one-step grid at the start of `grid` (step-invariant subtrees are evaluated once). */
export function firstStep(grid: Grid): Grid {
  return { start: grid.start, end: grid.start, step: grid.step, n: 1 };
}

/**
 * Evaluates a plan over a grid, node by node. Vector results are lazy where possible (see
 * VectorValue); everything that needs random access materializes its input.
 */
export class Evaluator {
  readonly ctx: EvalContext;
  private readonly query: string | null;

  constructor(ctx: EvalContext, query: string | null) {
    this.ctx = ctx;
    this.query = query;
  }

  eval(node: PNode, grid: Grid): Value {
    this.ctx.check();
    switch (node.k) {
      case 'num': {
        const v = new Float64Array(grid.n).fill(node.v);
        return { type: 'scalar', v };
      }
      case 'str':
        return { type: 'string', v: node.v };
      case 'vsel':
        return evalVectorSelector(node, grid, this.ctx);
      case 'msel':
        return this.rawRange(matrixSelectorInput(node, this.ctx), grid);
      case 'subq':
        return this.rawRange(this.subqueryInput(node, grid), grid);
      case 'inv':
        return this.evalInvariant(node.expr, grid);
      case 'neg':
        return this.evalNeg(node.expr, grid);
      case 'bin':
        return this.evalBinary(node, grid);
      case 'agg':
        return this.evalAgg(node, grid);
      case 'call':
        return this.evalCall(node, grid);
    }
  }

  evalVector(node: PNode, grid: Grid): VectorValue {
    const v = this.eval(node, grid);
    if (v.type !== 'vector') throw new Error(`expected a vector, got ${v.type}`);
    return v;
  }

  evalScalar(node: PNode, grid: Grid): Float64Array {
    const v = this.eval(node, grid);
    if (v.type !== 'scalar') throw new Error(`expected a scalar, got ${v.type}`);
    return v.v;
  }

  private evalInvariant(expr: PNode, grid: Grid): Value {
    if (grid.n <= 1 || expr.type === 'matrix' || expr.type === 'string') return this.eval(expr, grid);
    const v = this.eval(expr, firstStep(grid));
    const n = grid.n;
    if (v.type === 'scalar') return { type: 'scalar', v: new Float64Array(n).fill(v.v[0] as number) };
    if (v.type !== 'vector') return v;
    const one = new StepData(1);
    return lazyVector(n, v.metas, (i, out) => {
      const d = v.get(i, one);
      out.reset();
      const k = d.k[0] as number;
      if (k === K_FLOAT) {
        out.v.fill(d.v[0] as number);
        out.k.fill(K_FLOAT);
      } else if (k === K_HIST) {
        const h = d.h![0]!;
        for (let j = 0; j < n; j++) out.setHist(j, h);
      }
      return out;
    });
  }

  private evalNeg(expr: PNode, grid: Grid): Value {
    const v = this.eval(expr, grid);
    if (v.type === 'scalar') return { type: 'scalar', v: v.v.map((x) => -x) };
    if (v.type !== 'vector') throw new Error('unary minus on a non-vector');
    const metas = nameDroppedMetas(v.metas, this.ctx);
    const scratch = new StepData(v.n);
    const out = lazyVector(v.n, metas, (i, o) => {
      const d = v.get(i, scratch);
      o.reset();
      for (let j = 0; j < d.n; j++) {
        const k = d.k[j];
        if (k === K_FLOAT) {
          o.v[j] = -(d.v[j] as number);
          o.k[j] = K_FLOAT;
        } else if (k === K_HIST) {
          o.setHist(j, mulInPlace(copyHistogram(d.h![j]!), -1));
        }
      }
      return o;
    });
    return this.ctx.opts.delayedNameRemoval ? out : mergeSameLabels(out, this.ctx);
  }

  private evalBinary(node: PNode & { k: 'bin' }, grid: Grid): Value {
    const ctx = this.ctx;
    const lt = node.lhs.type;
    const rt = node.rhs.type;
    if (lt === 'scalar' && rt === 'scalar') {
      return {
        type: 'scalar',
        v: binaryScalarScalar(node.op, this.evalScalar(node.lhs, grid), this.evalScalar(node.rhs, grid)),
      };
    }
    if (lt === 'vector' && rt === 'vector') {
      const l = this.evalVector(node.lhs, grid);
      const r = this.evalVector(node.rhs, grid);
      const m = node.matching!;
      if (node.op === 'and' || node.op === 'or' || node.op === 'unless')
        return binarySet(node.op, l, r, m, ctx);
      return binaryVectorVector(node.op, l, r, m, node.returnBool, node.pos, ctx);
    }
    if (lt === 'vector') {
      const l = this.evalVector(node.lhs, grid);
      return binaryVectorScalar(
        node.op,
        l,
        this.evalScalar(node.rhs, grid),
        false,
        node.returnBool,
        node.pos,
        ctx,
      );
    }
    const s = this.evalScalar(node.lhs, grid);
    return binaryVectorScalar(
      node.op,
      this.evalVector(node.rhs, grid),
      s,
      true,
      node.returnBool,
      node.pos,
      ctx,
    );
  }

  private evalAgg(node: AggNode, grid: Grid): Value {
    let param: Float64Array | null = null;
    let label: string | null = null;
    if (node.param !== null) {
      const p = this.eval(node.param, grid);
      if (p.type === 'scalar') param = p.v;
      else if (p.type === 'string') label = p.v;
    }
    if (node.op === 'count_values' && label !== null && label.includes('\uFFFD') && this.query !== null) {
      // The parser turns invalid UTF-8 bytes into U+FFFD; quote the literal as written instead.
      const src = this.query.slice(node.param!.pos.start, node.param!.pos.end);
      if (src.startsWith('"')) throw new ExecutionError(`invalid label name ${src}`);
    }
    const input = this.evalVector(node.expr, grid);
    return evalAggregate(node, input, param, label, this.ctx);
  }

  private evalCall(node: CallNode, grid: Grid): Value {
    const ctx = this.ctx;
    const name = node.name;
    if (name === 'timestamp' || name === 'start_timestamp') {
      const arg = unwrapInv(node.args[0]!);
      if (arg.k === 'vsel') {
        const mode = name === 'timestamp' ? 'timestamp' : 'st';
        if (mode === 'st' && !ctx.opts.enableStartTimestamps) return materializedVector(grid.n, [], []);
        const v = evalVectorSelector(arg, grid, ctx, mode);
        const out = lazyVector(v.n, nameDroppedMetas(v.metas, ctx), (i, o) => v.get(i, o));
        return ctx.opts.delayedNameRemoval ? out : mergeSameLabels(out, ctx);
      }
      if (name === 'start_timestamp') {
        this.eval(node.args[0]!, grid);
        return materializedVector(grid.n, [], []);
      }
    }
    const mi = node.args.findIndex((a) => unwrapInv(a).type === 'matrix');
    if (mi >= 0) return this.evalRangeCall(node, mi, grid);
    if (name === 'histogram_quantile' || name === 'histogram_fraction' || name === 'histogram_quantiles') {
      return histogramFunction(this.env(node, grid));
    }
    if (name === 'info') return evalInfo(this, node, grid);
    const res = evalInstantFunction(this.env(node, grid));
    if (res === null) throw new ExecutionError(`function "${name}" is not supported`);
    return res;
  }

  private env(node: CallNode, grid: Grid): FnEnv {
    return { node, grid, ctx: this.ctx, args: node.args.map((a) => this.eval(a, grid)) };
  }

  /** The range input of a matrix-typed argument (selector or subquery, `inv` removed). */
  rangeInput(arg: PNode, grid: Grid): RangeInput {
    const a = unwrapInv(arg);
    if (a.k === 'msel') return matrixSelectorInput(a as MSelNode, this.ctx);
    if (a.k === 'subq') return this.subqueryInput(a, grid);
    throw new Error(`not a range vector: ${a.k}`);
  }

  private subqueryInput(node: SubqNode, grid: Grid): RangeInput {
    const inner = subqueryGrid(node, grid, this.ctx.opts.defaultSubqueryStep);
    const v = inner.n === 0 ? materializedVector(0, [], []) : this.evalVector(node.expr, inner);
    return subqueryInput(node, v, inner, this.ctx);
  }

  private evalRangeCall(node: CallNode, mi: number, grid: Grid): Value {
    const ctx = this.ctx;
    const name = node.name;
    const input = this.rangeInput(node.args[mi]!, grid);
    if (name === 'absent_over_time') return this.absentOverTime(node, input, grid);
    const fn = RANGE_FUNCTIONS.get(name);
    if (fn === undefined) throw new ExecutionError(`function "${name}" is not supported`);
    const params: Float64Array[] = [];
    for (let i = 0; i < node.args.length; i++)
      if (i !== mi) params.push(this.evalScalar(node.args[i]!, grid));
    const keepName = KEEP_NAME_RANGE_FUNCTIONS.has(name);
    const counterCheck = name === 'rate' || name === 'increase';
    const metas: SeriesMeta[] = [];
    // Each series' metric name, read once here for both the same-name check and the counter check.
    const names: string[] | null = keepName || ctx.opts.delayedNameRemoval ? null : [];
    let firstName: string | null = null;
    let sameName = true;
    for (let i = 0; i < input.count; i++) {
      const l = input.labels(i);
      if (keepName) metas.push({ labels: l, dropName: false });
      else if (ctx.opts.delayedNameRemoval) metas.push({ labels: l, dropName: true });
      else {
        const name = metricName(l);
        names!.push(name);
        if (firstName === null) firstName = name;
        else if (name !== firstName) sameName = false;
        metas.push(new NameDroppedMeta(l));
      }
    }
    // The input series are distinct; so are the outputs unless dropping different names merged some.
    if (keepName || sameName) markUnique(metas);
    const w = new RangeWindow();
    const pos = node.args[0]!.pos;
    // Column kernels for float-only series: 1 = rate/increase/delta (fastRate), 2 = irate/idelta
    // (fastInstantValue); anchored and smoothed windows go the general way.
    const fast =
      input.anchored || input.smoothed
        ? 0
        : name === 'rate' || name === 'increase' || name === 'delta'
          ? 1
          : name === 'irate' || name === 'idelta'
            ? 2
            : 0;
    const isCounter = name !== 'delta';
    const isRate = name === 'rate' || name === 'irate';
    const line = windowLine(grid, input.at, input.offset, input.range);
    let lastName = '';
    let lastCounter = true;
    const out = lazyVector(grid.n, metas, (i, o) => {
      if (fast !== 0) {
        input.load(i, w.buf);
        const b = w.buf;
        if (b.hn === 0 && !b.hasSt) {
          o.reset();
          // The sample budget sees the largest window, as Prometheus holds one window at a time.
          const held =
            fast === 1
              ? fastRate(b.ft, b.fv, b.fn, line, isCounter, isRate, o)
              : fastInstantValue(b.ft, b.fv, b.fn, line, isRate, o);
          ctx.hold(held);
          ctx.release(held);
        } else {
          slideWindows(input, i, grid, ctx, w, fn, params, pos, o, true);
        }
      } else {
        slideWindows(input, i, grid, ctx, w, fn, params, pos, o);
      }
      if (counterCheck) {
        const metric = names !== null ? (names[i] as string) : metricName(input.labels(i));
        // Series of one selector mostly share their name: check each name once in a row.
        if (metric !== lastName) {
          lastName = metric;
          lastCounter = metric === '' || counterName(metric);
        }
        if (!lastCounter && hasFloat(o)) {
          ctx.annos.info(
            `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${goQuote(metric)}`,
            node.args[0]!.pos,
          );
        }
      }
      return o;
    });
    return ctx.opts.delayedNameRemoval ? out : rejectSameLabels(out, ctx);
  }

  private absentOverTime(node: CallNode, input: RangeInput, grid: Grid): VectorValue {
    const count = RANGE_FUNCTIONS.get('count_over_time')!;
    const present = new Uint8Array(grid.n);
    const w = new RangeWindow();
    const tmp = new StepData(grid.n);
    for (let i = 0; i < input.count; i++) {
      slideWindows(input, i, grid, this.ctx, w, count, [], node.args[0]!.pos, tmp);
      for (let j = 0; j < grid.n; j++) if (tmp.k[j] !== K_NONE) present[j] = 1;
    }
    const labels: Labels = input.isSubquery
      ? absentLabels({ k: 'num', v: 0, pos: node.pos, type: 'scalar' })
      : absentLabels(unwrapInv(node.args[0]!));
    const d = new StepData(grid.n);
    let any = false;
    for (let j = 0; j < grid.n; j++) {
      if (present[j] === 0) {
        d.v[j] = 1;
        d.k[j] = K_FLOAT;
        any = true;
      }
    }
    if (!any) return materializedVector(grid.n, [], []);
    return materializedVector(
      grid.n,
      [{ labels, dropName: !KEEP_NAME_RANGE_FUNCTIONS.has('absent_over_time') }],
      [d],
    );
  }

  /** A range vector as an instant query's result: every series' points in the window at grid.start. */
  private rawRange(input: RangeInput, grid: Grid): MatrixValue {
    const series: RangeSeries[] = [];
    const buf = new SampleBuf();
    const lookback = this.ctx.opts.lookbackDelta;
    const ref = (input.at ?? grid.start) - input.offset;
    const mint = ref - input.range;
    for (let i = 0; i < input.count; i++) {
      input.load(i, buf);
      const lowEx = mint - (input.anchored || input.smoothed ? lookback : 0);
      const highIn = ref + (input.smoothed ? lookback : 0);
      const ft: number[] = [];
      const fv: number[] = [];
      for (let x = 0; x < buf.fn; x++) {
        const t = buf.ft[x] as number;
        if (t > lowEx && t <= highIn) {
          ft.push(t);
          fv.push(buf.fv[x] as number);
        }
      }
      const ht: number[] = [];
      const hh: FloatHistogram[] = [];
      for (let x = 0; x < buf.hn; x++) {
        const t = buf.ht[x] as number;
        if (t > lowEx && t <= highIn) {
          ht.push(t);
          hh.push(buf.hh[x] as FloatHistogram);
        }
      }
      if (input.anchored || input.smoothed) {
        if (hh.length > 0) throw new ExecutionError('anchored modifier is not supported with histograms');
        if (ft.length === 0) continue;
        extendFloats(ft, fv, mint, ref, input.smoothed);
      }
      if (ft.length + hh.length === 0) continue;
      this.ctx.hold(ft.length + hh.length);
      series.push({
        labels: input.labels(i),
        ft: Float64Array.from(ft),
        fv: Float64Array.from(fv),
        ht: Float64Array.from(ht),
        hh,
      });
    }
    return { type: 'matrix', series };
  }
}

/** `__name__` of `l`: the first label when present (names sort first), else a search. */
function metricName(l: Labels): string {
  const raw = l.raw();
  return raw[0] === '__name__' ? (raw[1] as string) : l.get('__name__');
}

/** Whether a metric name ends in a counter suffix (a plain loop: no closure per series). */
function counterName(metric: string): boolean {
  for (let i = 0; i < COUNTER_SUFFIXES.length; i++)
    if (metric.endsWith(COUNTER_SUFFIXES[i] as string)) return true;
  return false;
}

function hasFloat(d: StepData): boolean {
  for (let j = 0; j < d.n; j++) if (d.k[j] === K_FLOAT) return true;
  return false;
}

/** Anchored/smoothed raw range: synthetic points at the window boundaries (Prometheus extendFloats). */
function extendFloats(ft: number[], fv: number[], mint: number, maxt: number, smoothed: boolean): void {
  let last = ft.length - 1;
  let first = Math.max(0, search(last, (i) => (ft[i] as number) > mint) - 1);
  if (smoothed) last = search(last, (i) => (ft[i] as number) >= maxt);
  if ((ft[last] as number) <= mint) {
    ft.length = 0;
    fv.length = 0;
    return;
  }
  const interp = (a: number, b: number, t: number): number =>
    interpolate(ft[a] as number, fv[a] as number, ft[b] as number, fv[b] as number, t, false);
  const left =
    smoothed && (ft[first] as number) < mint ? interp(first, first + 1, mint) : (fv[first] as number);
  const right =
    smoothed && last > 0 && (ft[last] as number) > maxt ? interp(last - 1, last, maxt) : (fv[last] as number);
  if ((ft[first] as number) <= mint) first++;
  if ((ft[last] as number) >= maxt) last--;
  const nt: number[] = [mint];
  const nv: number[] = [left];
  for (let i = first; i <= last; i++) {
    nt.push(ft[i] as number);
    nv.push(fv[i] as number);
  }
  nt.push(maxt);
  nv.push(right);
  ft.length = 0;
  fv.length = 0;
  ft.push(...nt);
  fv.push(...nv);
}

export { vectorOf, type ScalarValue };
