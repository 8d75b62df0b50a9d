import {
  BadDataError,
  CanceledError,
  ExecutionError,
  Labels,
  type FloatHistogram,
} from '../../model/index.ts';
import type { Querier, Queryable } from '../../storage/index.ts';
import { documentedType, parseExpr, typeOf, type Expr } from '../parser/index.ts';
import { EvalContext, type EvalOptions } from './context.ts';
import { Evaluator, firstStep, subqueryGrid } from './evaluator.ts';
import { dropMetricName } from './label-util.ts';
import { buildPlan, type PNode, type VSelNode } from './plan.ts';
import {
  K_FLOAT,
  K_HIST,
  K_NONE,
  makeGrid,
  StepData,
  type Grid,
  type MatrixValue,
  type Value,
} from './types.ts';
import type { QueryResult, QueryValue, Sample, SeriesPoints } from './value.ts';
import { SAME_LABELSET } from './vector-util.ts';

/** Engine-wide settings; every field has Prometheus's default. */
export interface EngineOptions {
  /** How far back an instant selector looks for a sample, ms (default 5 minutes). */
  readonly lookbackDelta?: number;
  /** Most samples a query may hold in memory at once (default 50 000 000). */
  readonly maxSamples?: number;
  /** Query timeout in ms (default 2 minutes). */
  readonly timeout?: number;
  /**
   * Drop `__name__` at the end of evaluation instead of at each operation (Prometheus's
   * `promql-delayed-name-removal`). Default off, as in Prometheus 3.x.
   */
  readonly delayedNameRemoval?: boolean;
  /** Use per-sample start timestamps in rate/increase/irate/resets and start_timestamp() (default off). */
  readonly enableStartTimestamps?: boolean;
  /** Resolution of subqueries written without one (`x[1h:]`), ms (default 1 minute). */
  readonly defaultSubqueryStep?: number;
}

/** Per-query settings; unset fields fall back to the engine's. */
export interface QueryOptions {
  readonly lookbackDelta?: number;
  readonly maxSamples?: number;
  readonly timeout?: number;
  /** Aborting it cancels the query (CanceledError). */
  readonly signal?: AbortSignal;
}

const DEFAULTS = {
  lookbackDelta: 5 * 60_000,
  maxSamples: 50_000_000,
  timeout: 2 * 60_000,
  defaultSubqueryStep: 60_000,
};

/**
 * The PromQL engine: parses (or takes) an expression, selects the series it needs from a
 * Queryable (the only await), then evaluates synchronously over the step grid.
 *
 * Errors: BadDataError (parse errors, a range vector in a range query, invalid durations),
 * ExecutionError (Prometheus's run-time errors, HTTP 422), QueryTimeoutError, CanceledError.
 */
export class Engine {
  private readonly opts: EngineOptions;

  constructor(opts: EngineOptions = {}) {
    this.opts = opts;
  }

  /** Evaluates `query` at `timeMs`. A range-vector expression returns a matrix. */
  instantQuery(
    queryable: Queryable,
    query: string | Expr,
    timeMs: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    return this.exec(queryable, query, timeMs, timeMs, 0, opts);
  }

  /** Evaluates `query` at start, start+step, …, ≤ end (ms). Always returns a matrix sorted by labels. */
  async rangeQuery(
    queryable: Queryable,
    query: string | Expr,
    startMs: number,
    endMs: number,
    stepMs: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    if (!(stepMs > 0))
      throw new BadDataError(`invalid step ${stepMs}: must be a positive number of milliseconds`);
    if (endMs < startMs) throw new BadDataError('end timestamp must not be before start time');
    return this.exec(queryable, query, startMs, endMs, stepMs, opts);
  }

  private async exec(
    queryable: Queryable,
    query: string | Expr,
    start: number,
    end: number,
    step: number,
    qopts: QueryOptions,
  ): Promise<QueryResult> {
    const t0 = performance.now();
    const text = typeof query === 'string' ? query : null;
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const isRange = step > 0;
    const type = typeOf(expr);
    if (isRange && type !== 'vector' && type !== 'scalar') {
      throw new BadDataError(
        `invalid expression type "${documentedType(type)}" for range query, must be Scalar or instant Vector`,
      );
    }
    const timeout = qopts.timeout ?? this.opts.timeout ?? DEFAULTS.timeout;
    const evalOpts: EvalOptions = {
      lookbackDelta:
        qopts.lookbackDelta !== undefined && qopts.lookbackDelta > 0
          ? qopts.lookbackDelta
          : (this.opts.lookbackDelta ?? DEFAULTS.lookbackDelta),
      maxSamples: qopts.maxSamples ?? this.opts.maxSamples ?? DEFAULTS.maxSamples,
      deadline: Date.now() + timeout,
      signal: qopts.signal ?? null,
      delayedNameRemoval: this.opts.delayedNameRemoval ?? false,
      enableStartTimestamps: this.opts.enableStartTimestamps ?? false,
      defaultSubqueryStep: this.opts.defaultSubqueryStep ?? DEFAULTS.defaultSubqueryStep,
      queryStart: start,
      queryEnd: end,
      queryStep: step,
    };
    const ctx = new EvalContext(evalOpts, text);
    ctx.checkNow();
    const plan = buildPlan(expr, { start, end, step });
    if (isRange) warnSortInRange(plan, ctx);
    const grid = isRange ? makeGrid(start, end, step) : makeGrid(start, start, 1);

    // Prepare: select every selector's series (the only I/O), all at once.
    const selectors: Array<{ node: VSelNode; mint: number; maxt: number; step: number; range: number }> = [];
    collectSelectors(plan, grid, evalOpts, selectors, step);
    let querier: Querier | null = null;
    try {
      if (selectors.length > 0) {
        let mint = Infinity;
        let maxt = -Infinity;
        for (const s of selectors) {
          mint = Math.min(mint, s.mint);
          maxt = Math.max(maxt, s.maxt);
        }
        querier = await queryable.querier(mint, maxt);
        const signal = qopts.signal ?? new AbortController().signal;
        const results = await Promise.all(
          selectors.map((s) =>
            querier!.select(
              s.node.matchers,
              { start: s.mint, end: s.maxt, step: s.step, range: s.range },
              signal,
            ),
          ),
        );
        selectors.forEach((s, i) => {
          s.node.series = results[i] ?? [];
        });
      }
      if (qopts.signal?.aborted) throw new CanceledError('query was canceled in query execution');
      const t1 = performance.now();
      const ev = new Evaluator(ctx, text);
      const value = ev.eval(plan, grid);
      const out = toQueryValue(value, grid, isRange, ctx);
      const t2 = performance.now();
      return {
        value: out,
        annotations: { warnings: ctx.annos.warnings, infos: ctx.annos.infos },
        stats: {
          samplesScanned: ctx.samplesScanned,
          peakSamples: ctx.peakSamples,
          prepareMs: t1 - t0,
          evalMs: t2 - t1,
        },
      };
    } finally {
      querier?.close();
    }
  }
}

const SORT_FUNCTIONS = new Set(['sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc']);

function warnSortInRange(n: PNode, ctx: EvalContext): void {
  visit(n, (x) => {
    if (x.k === 'call' && SORT_FUNCTIONS.has(x.name)) {
      ctx.annos.warn(
        'sort is ineffective for range queries since results are always ordered by labels',
        x.pos,
      );
    }
  });
}

function visit(n: PNode, fn: (n: PNode) => void): void {
  fn(n);
  switch (n.k) {
    case 'msel':
      visit(n.vs, fn);
      return;
    case 'neg':
    case 'inv':
    case 'subq':
      visit(n.expr, fn);
      return;
    case 'agg':
      visit(n.expr, fn);
      if (n.param !== null) visit(n.param, fn);
      return;
    case 'bin':
      visit(n.lhs, fn);
      visit(n.rhs, fn);
      return;
    case 'call':
      for (const a of n.args) visit(a, fn);
      return;
    default:
      return;
  }
}

/**
 * Computes, for every selector, the time range its samples are needed for under the grid it is
 * evaluated on (subqueries and step-invariant subtrees change the grid), like Prometheus's
 * getTimeRangesForSelector.
 */
function collectSelectors(
  n: PNode,
  grid: Grid,
  o: EvalOptions,
  out: Array<{ node: VSelNode; mint: number; maxt: number; step: number; range: number }>,
  step: number,
): void {
  if (grid.n === 0) return;
  switch (n.k) {
    case 'vsel': {
      const start = (n.at ?? grid.start) - n.offset - o.lookbackDelta + 1;
      const end = (n.at ?? grid.end) - n.offset + (n.smoothed ? o.lookbackDelta : 0);
      add(n, start, end, step, 0);
      return;
    }
    case 'msel': {
      const vs = n.vs;
      const ext = vs.anchored || vs.smoothed ? o.lookbackDelta : 0;
      const start = (vs.at ?? grid.start) - vs.offset - n.range - ext + 1;
      const end = (vs.at ?? grid.end) - vs.offset + (vs.smoothed ? o.lookbackDelta : 0);
      add(vs, start, end, step, n.range);
      return;
    }
    case 'subq': {
      const inner = subqueryGrid(n, grid, o.defaultSubqueryStep);
      collectSelectors(n.expr, inner, o, out, inner.step);
      return;
    }
    case 'inv':
      collectSelectors(n.expr, n.expr.type === 'matrix' ? grid : firstStep(grid), o, out, step);
      return;
    case 'neg':
      collectSelectors(n.expr, grid, o, out, step);
      return;
    case 'agg':
      collectSelectors(n.expr, grid, o, out, step);
      if (n.param !== null) collectSelectors(n.param, grid, o, out, step);
      return;
    case 'bin':
      collectSelectors(n.lhs, grid, o, out, step);
      collectSelectors(n.rhs, grid, o, out, step);
      return;
    case 'call':
      if (n.info !== undefined) {
        // info(): the first argument as usual, plus the info series.
        collectSelectors(n.args[0]!, grid, o, out, step);
        collectSelectors(n.info.sel, grid, o, out, step);
        return;
      }
      for (const a of n.args) collectSelectors(a, grid, o, out, step);
      return;
    default:
      return;
  }
  function add(node: VSelNode, mint: number, maxt: number, st: number, range: number): void {
    const prev = out.find((s) => s.node === node);
    if (prev !== undefined) {
      prev.mint = Math.min(prev.mint, mint);
      prev.maxt = Math.max(prev.maxt, maxt);
      node.mint = prev.mint;
      node.maxt = prev.maxt;
      return;
    }
    node.mint = mint;
    node.maxt = maxt;
    out.push({ node, mint, maxt, step: st, range });
  }
}

/** Converts the evaluator's value into the API's result, finishing delayed name removal. */
function toQueryValue(value: Value, grid: Grid, isRange: boolean, ctx: EvalContext): QueryValue {
  const t = grid.start;
  switch (value.type) {
    case 'string':
      return { type: 'string', t, v: value.v };
    case 'scalar':
      if (!isRange) return { type: 'scalar', t, v: value.v[0] as number };
      return {
        type: 'matrix',
        matrix: [
          {
            labels: Labels.EMPTY,
            floatTimes: Array.from({ length: grid.n }, (_, j) => grid.start + j * grid.step),
            floatValues: value.v,
            histogramTimes: [],
            histograms: [],
          },
        ],
      };
    case 'matrix':
      return { type: 'matrix', matrix: matrixResult(value) };
    case 'vector': {
      const scratch = new StepData(value.n);
      if (!isRange) {
        const vector: Sample[] = [];
        const seen = ctx.opts.delayedNameRemoval ? new Set<string>() : null;
        for (let i = 0; i < value.metas.length; i++) {
          const d = value.get(i, scratch);
          const k = d.k[0];
          if (k === K_NONE) continue;
          const meta = value.metas[i]!;
          const labels = meta.dropName ? dropMetricName(meta.labels) : meta.labels;
          if (seen !== null) {
            const key = labels.key();
            if (seen.has(key)) throw new ExecutionError(SAME_LABELSET);
            seen.add(key);
          }
          vector.push({
            labels,
            t,
            v: k === K_FLOAT ? (d.v[0] as number) : 0,
            h: k === K_HIST ? d.h![0]! : null,
          });
        }
        ctx.hold(vector.length);
        return { type: 'vector', vector };
      }
      // Range query: one series per labels. Series are converted straight into typed arrays;
      // only labels that collide (delayed name removal) go through the merge below.
      const matrix: SeriesPoints[] = [];
      const byKey = new Map<string, number>();
      let points = 0;
      let collisions = false;
      // Series with a float at every step share one times array and, when the vector owns its
      // data, hand over their values array as is.
      let allTimes: Float64Array | null = null;
      const owned = value.data !== null;
      const delayed = ctx.opts.delayedNameRemoval;
      for (let i = 0; i < value.metas.length; i++) {
        ctx.check();
        const d = value.get(i, scratch);
        const dk = d.k;
        // Steps with a value: [first, last], nf floats and nh histograms among them.
        const first = firstSet(dk);
        if (first < 0) continue;
        const last = lastSet(dk);
        const nh = d.h === null ? 0 : countKind(dk, first, last, K_HIST);
        const nf =
          nh === 0 && allSet(dk, first, last) ? last - first + 1 : countKind(dk, first, last, K_FLOAT);
        const meta = value.metas[i]!;
        const labels = meta.dropName ? dropMetricName(meta.labels) : meta.labels;
        let ft: Float64Array;
        let fv: Float64Array;
        let ht: Float64Array = NO_TIMES;
        let hh: FloatHistogram[] = [];
        if (nh === 0 && nf === last - first + 1) {
          // Floats at every step of one stretch (the common case: a rate's first steps are empty):
          // the times are a view of one shared array, the values one copy (or the owned array).
          if (allTimes === null) {
            allTimes = new Float64Array(grid.n);
            for (let j = 0; j < grid.n; j++) allTimes[j] = grid.start + j * grid.step;
          }
          ft = nf === grid.n ? allTimes : allTimes.subarray(first, last + 1);
          fv = owned ? (nf === grid.n ? d.v : d.v.subarray(first, last + 1)) : d.v.slice(first, last + 1);
        } else {
          ft = new Float64Array(nf);
          fv = new Float64Array(nf);
          ht = new Float64Array(nh);
          hh = new Array<FloatHistogram>(nh);
          splitPoints(d, first, last, grid, ft, fv, ht, hh);
        }
        points += nf + nh;
        if (delayed) {
          // Only delayed name removal can make two series' labels equal here.
          const key = labels.key();
          if (byKey.has(key)) collisions = true;
          else byKey.set(key, matrix.length);
        }
        matrix.push({ labels, floatTimes: ft, floatValues: fv, histogramTimes: ht, histograms: hh });
      }
      ctx.hold(points);
      const out = collisions ? mergeCollisions(matrix) : matrix;
      out.sort((a, b) => Labels.compare(a.labels, b.labels));
      return { type: 'matrix', matrix: out };
    }
  }
}

const NO_TIMES = new Float64Array(0);

/** Index of the first step holding a value, -1 if none. */
function firstSet(k: Uint8Array): number {
  for (let j = 0; j < k.length; j++) if (k[j] !== K_NONE) return j;
  return -1;
}

/** Index of the last step holding a value (there is one). */
function lastSet(k: Uint8Array): number {
  let j = k.length - 1;
  while (j > 0 && k[j] === K_NONE) j--;
  return j;
}

function allSet(k: Uint8Array, from: number, to: number): boolean {
  for (let j = from; j <= to; j++) if (k[j] === K_NONE) return false;
  return true;
}

function countKind(k: Uint8Array, from: number, to: number, kind: number): number {
  let c = 0;
  for (let j = from; j <= to; j++) if (k[j] === kind) c++;
  return c;
}

/** The floats and histograms of steps [from, to] of `d` as points (arrays sized by the caller). */
function splitPoints(
  d: StepData,
  from: number,
  to: number,
  grid: Grid,
  ft: Float64Array,
  fv: Float64Array,
  ht: Float64Array,
  hh: FloatHistogram[],
): void {
  const dk = d.k;
  const dv = d.v;
  const start = grid.start;
  const step = grid.step;
  let x = 0;
  let y = 0;
  for (let j = from; j <= to; j++) {
    const k = dk[j];
    if (k === K_FLOAT) {
      ft[x] = start + j * step;
      fv[x++] = dv[j] as number;
    } else if (k === K_HIST) {
      ht[y] = start + j * step;
      hh[y++] = d.h![j]!;
    }
  }
}

/** Merges series with equal labels; two points at one time are an error (SAME_LABELSET). */
function mergeCollisions(matrix: SeriesPoints[]): SeriesPoints[] {
  const groups = new Map<string, SeriesPoints[]>();
  for (const s of matrix) {
    const key = s.labels.key();
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [s]);
    else g.push(s);
  }
  const out: SeriesPoints[] = [];
  for (const g of groups.values()) {
    if (g.length === 1) {
      out.push(g[0]!);
      continue;
    }
    const ft: number[] = [];
    const fv: number[] = [];
    const ht: number[] = [];
    const hh: FloatHistogram[] = [];
    for (const s of g) {
      for (let i = 0; i < s.floatTimes.length; i++) {
        ft.push(s.floatTimes[i] as number);
        fv.push(s.floatValues[i] as number);
      }
      for (let i = 0; i < s.histogramTimes.length; i++) {
        ht.push(s.histogramTimes[i] as number);
        hh.push(s.histograms[i]!);
      }
    }
    const f = sortedUnique(ft, fv);
    const h = sortedUniqueH(ht, hh);
    out.push({
      labels: g[0]!.labels,
      floatTimes: f.t,
      floatValues: f.v,
      histogramTimes: h.t,
      histograms: h.h,
    });
  }
  return out;
}

/** Points merged from several series: sort by time; two points at one time are an error. */
function sortedUnique(t: number[], v: number[]): { t: Float64Array; v: Float64Array } {
  let sorted = true;
  for (let i = 1; i < t.length; i++) if ((t[i] as number) <= (t[i - 1] as number)) sorted = false;
  if (sorted) return { t: Float64Array.from(t), v: Float64Array.from(v) };
  const idx = t.map((_, i) => i).sort((a, b) => (t[a] as number) - (t[b] as number));
  for (let i = 1; i < idx.length; i++)
    if (t[idx[i]!] === t[idx[i - 1]!]) throw new ExecutionError(SAME_LABELSET);
  return {
    t: Float64Array.from(idx.map((i) => t[i] as number)),
    v: Float64Array.from(idx.map((i) => v[i] as number)),
  };
}

function sortedUniqueH(t: number[], h: FloatHistogram[]): { t: Float64Array; h: FloatHistogram[] } {
  let sorted = true;
  for (let i = 1; i < t.length; i++) if ((t[i] as number) <= (t[i - 1] as number)) sorted = false;
  if (sorted) return { t: Float64Array.from(t), h };
  const idx = t.map((_, i) => i).sort((a, b) => (t[a] as number) - (t[b] as number));
  for (let i = 1; i < idx.length; i++)
    if (t[idx[i]!] === t[idx[i - 1]!]) throw new ExecutionError(SAME_LABELSET);
  return { t: Float64Array.from(idx.map((i) => t[i] as number)), h: idx.map((i) => h[i]!) };
}

function matrixResult(m: MatrixValue): SeriesPoints[] {
  const out: SeriesPoints[] = m.series.map((s) => ({
    labels: s.labels,
    floatTimes: s.ft,
    floatValues: s.fv,
    histogramTimes: s.ht,
    histograms: s.hh,
  }));
  out.sort((a, b) => Labels.compare(a.labels, b.labels));
  return out;
}
