import { CounterResetHint, METRIC_NAME, type FloatHistogram, type Labels } from '../../model/index.ts';
import { goFloatG, goQuote } from './annotations.ts';
import type { EvalContext } from './context.ts';
import { IncompatibleSchemaError } from './histogram.ts';
import { HistogramMean } from './histogram-acc.ts';
import type { AggNode } from './plan.ts';
import { quantileSorted } from './quantile.ts';
import { sortFloats } from './over-time.ts';
import {
  K_FLOAT,
  K_HIST,
  K_NONE,
  materializedVector,
  StepData,
  type SeriesMeta,
  type VectorValue,
} from './types.ts';
import { aggregateK, countValues } from './aggregate-k.ts';
import { computeGrouping } from './grouping.ts';

const SEEN = 1;
const HAS_FLOAT = 2;
const HAS_HIST = 4;
const INCOMPATIBLE = 8;
const INCREMENTAL = 16;
const RESET_SEEN = 32;
const NOT_RESET_SEEN = 64;

/**
 * Evaluates an aggregation. `param` is the per-step scalar parameter (k, φ, ratio) or null;
 * `countLabel` the label of count_values.
 */
export function evalAggregate(
  node: AggNode,
  input: VectorValue,
  param: Float64Array | null,
  countLabel: string | null,
  ctx: EvalContext,
): VectorValue {
  switch (node.op) {
    case 'topk':
    case 'bottomk':
    case 'limitk':
    case 'limit_ratio':
      return aggregateK(node, input, param as Float64Array, ctx);
    case 'count_values':
      return countValues(node, input, countLabel as string, ctx);
    default:
      return aggregateSimple(node, input, param, ctx);
  }
}

function aggregateSimple(
  node: AggNode,
  input: VectorValue,
  param: Float64Array | null,
  ctx: EvalContext,
): VectorValue {
  const op = node.op;
  const n = input.n;
  const { groupOf, labels } = computeGrouping(input.metas, node.grouping, node.without);
  const G = labels.length;
  const exprPos = node.expr.pos;
  const annos = ctx.annos;

  if (op === 'quantile' && param !== null) {
    let anyNaN = false;
    let max = -Infinity;
    let min = Infinity;
    for (let j = 0; j < n; j++) {
      const q = param[j] as number;
      if (Number.isNaN(q)) anyNaN = true;
      else {
        if (q > max) max = q;
        if (q < min) min = q;
      }
    }
    const ppos = node.param!.pos;
    if (anyNaN) annos.warn('quantile value should be between 0 and 1, got NaN', ppos);
    if (max > 1) annos.warn(`quantile value should be between 0 and 1, got ${goFloatG(max)}`, ppos);
    if (min < 0) annos.warn(`quantile value should be between 0 and 1, got ${goFloatG(min)}`, ppos);
  }

  const size = G * n;
  const flags = new Uint8Array(size);
  const val = new Float64Array(size);
  const needComp = op === 'sum' || op === 'avg';
  const comp = needComp ? new Float64Array(size) : null;
  const needCount = op === 'avg' || op === 'count' || op === 'stddev' || op === 'stdvar';
  const cnt = needCount ? new Float64Array(size) : null;
  const mean = op === 'avg' || op === 'stddev' || op === 'stdvar' ? new Float64Array(size) : null;
  let hist: Array<HistogramMean | null> | null = null;
  const quantVals: Array<number[] | null> | null =
    op === 'quantile' ? new Array<number[] | null>(size).fill(null) : null;
  const groupDropName = new Uint8Array(G);
  /** Groups some series went into through the generic loop (histograms), and "full" groups. */
  const groupHist = new Uint8Array(G);
  const full = new Uint8Array(G);

  const scratch = new StepData(n);
  const fastOp =
    op === 'sum'
      ? F_SUM
      : op === 'count'
        ? F_COUNT
        : op === 'min'
          ? F_MIN
          : op === 'max'
            ? F_MAX
            : op === 'group'
              ? F_GROUP
              : 0;
  for (let i = 0; i < input.metas.length; i++) {
    ctx.check();
    const d = input.get(i, scratch);
    const g = groupOf[i] as number;
    const base = g * n;
    const dropName = input.metas[i]!.dropName;
    const dk = d.k;
    const dv = d.v;
    let contributed = false;
    if (d.h === null && fastOp !== 0) {
      // Float-only series: specialised loops without the per-sample dispatch below.
      if (fastOp === F_SUM && full[g] === 1) contributed = sumFull(dk, dv, n, base, val, comp!);
      else {
        contributed = aggregateFloats(fastOp, dk, dv, n, base, flags, val, comp, cnt);
        // A float at every step of a group that never saw a histogram: every flag of the group is
        // now SEEN | HAS_FLOAT, so later float series can skip the flags (see sumFull).
        if (fastOp === F_SUM && groupHist[g] === 0 && allFloat(dk, n)) full[g] = 1;
      }
      if (contributed && dropName) groupDropName[g] = 1;
      continue;
    }
    groupHist[g] = 1;
    full[g] = 0;
    for (let j = 0; j < n; j++) {
      const k = dk[j] as number;
      if (k === K_NONE) continue;
      const idx = base + j;
      const f = k === K_FLOAT ? (dv[j] as number) : 0;
      const h = k === K_HIST ? (d.h![j] as FloatHistogram) : null;
      let fl = flags[idx] as number;
      contributed = true;
      if ((fl & SEEN) === 0) {
        // First sample of the group at this step.
        fl = SEEN;
        val[idx] = f;
        if (mean !== null) mean[idx] = f;
        if (cnt !== null) cnt[idx] = 1;
        switch (op) {
          case 'sum':
          case 'avg':
            if (h === null) fl |= HAS_FLOAT;
            else {
              if (hist === null) hist = new Array<HistogramMean | null>(size).fill(null);
              hist[idx] = new HistogramMean(h, op === 'avg');
              fl |= HAS_HIST;
              if (h.counterResetHint === CounterResetHint.Reset) fl |= RESET_SEEN;
              else if (h.counterResetHint === CounterResetHint.NotReset) fl |= NOT_RESET_SEEN;
            }
            break;
          case 'stddev':
          case 'stdvar':
            if (h !== null) {
              fl = 0;
              annos.info(`ignored histogram in ${op} aggregation`, exprPos);
            } else if (!Number.isFinite(f)) val[idx] = NaN;
            else val[idx] = 0;
            break;
          case 'quantile':
            if (h !== null) {
              fl = 0;
              annos.info('ignored histogram in quantile aggregation', exprPos);
            }
            quantVals![idx] = [f];
            break;
          case 'group':
            val[idx] = 1;
            break;
          case 'min':
          case 'max':
            if (h !== null) {
              fl = 0;
              annos.info(`ignored histogram in ${op} aggregation`, exprPos);
            }
            break;
          default:
            break;
        }
        flags[idx] = fl;
        continue;
      }
      if ((fl & INCOMPATIBLE) !== 0) continue;
      switch (op) {
        case 'sum':
          if (h !== null) {
            fl = addHistogram(hist, idx, h, fl, ctx, input.metas[i]!.labels, exprPos);
          } else {
            fl |= HAS_FLOAT;
            // Neumaier-compensated sum, inlined (hot loop).
            const s = val[idx] as number;
            const t = s + f;
            if (t === Infinity || t === -Infinity) comp![idx] = 0;
            else if (Math.abs(s) >= Math.abs(f)) comp![idx] = (comp![idx] as number) + (s - t + f);
            else comp![idx] = (comp![idx] as number) + (f - t + s);
            val[idx] = t;
          }
          break;
        case 'avg': {
          const c = (cnt![idx] as number) + 1;
          cnt![idx] = c;
          if (h !== null) {
            fl = addHistogram(hist, idx, h, fl, ctx, input.metas[i]!.labels, exprPos);
          } else {
            fl |= HAS_FLOAT;
            let done = false;
            if ((fl & INCREMENTAL) === 0) {
              const s = val[idx] as number;
              const t = s + f;
              if (t !== Infinity && t !== -Infinity) {
                if (Math.abs(s) >= Math.abs(f)) comp![idx] = (comp![idx] as number) + (s - t + f);
                else comp![idx] = (comp![idx] as number) + (f - t + s);
                val[idx] = t;
                done = true;
              } else {
                fl |= INCREMENTAL;
                mean![idx] = s / (c - 1);
                comp![idx] = (comp![idx] as number) / (c - 1);
              }
            }
            if (!done) {
              const q = (c - 1) / c;
              const inc = f / c;
              const m = q * (mean![idx] as number);
              const cc = q * (comp![idx] as number);
              const t = m + inc;
              let nc: number;
              if (t === Infinity || t === -Infinity) nc = 0;
              else if (Math.abs(m) >= Math.abs(inc)) nc = cc + (m - t + inc);
              else nc = cc + (inc - t + m);
              mean![idx] = t;
              comp![idx] = nc;
            }
          }
          break;
        }
        case 'group':
          break;
        case 'max':
          if (h !== null) {
            annos.info('ignored histogram in max aggregation', exprPos);
            break;
          }
          if ((val[idx] as number) < f || Number.isNaN(val[idx])) val[idx] = f;
          break;
        case 'min':
          if (h !== null) {
            annos.info('ignored histogram in min aggregation', exprPos);
            break;
          }
          if ((val[idx] as number) > f || Number.isNaN(val[idx])) val[idx] = f;
          break;
        case 'count':
          cnt![idx] = (cnt![idx] as number) + 1;
          break;
        case 'stddev':
        case 'stdvar':
          if (h === null) {
            const c = (cnt![idx] as number) + 1;
            cnt![idx] = c;
            const delta = f - (mean![idx] as number);
            const m = (mean![idx] as number) + delta / c;
            mean![idx] = m;
            val[idx] = (val[idx] as number) + delta * (f - m);
          } else {
            annos.info(`ignored histogram in ${op} aggregation`, exprPos);
          }
          break;
        case 'quantile':
          if (h !== null) {
            annos.info('ignored histogram in quantile aggregation', exprPos);
            break;
          }
          quantVals![idx]!.push(f);
          break;
        default:
          throw new Error(`unexpected aggregation ${op}`);
      }
      flags[idx] = fl;
    }
    if (contributed && dropName) groupDropName[g] = 1;
  }

  // Build the output: one series per group, values where the group was seen.
  const metas: SeriesMeta[] = [];
  const data: StepData[] = [];
  for (let g = 0; g < G; g++) {
    const out = new StepData(n);
    let any = false;
    const base = g * n;
    for (let j = 0; j < n; j++) {
      const idx = base + j;
      const fl = flags[idx] as number;
      if ((fl & SEEN) === 0) continue;
      let v = val[idx] as number;
      let h: FloatHistogram | null = null;
      switch (op) {
        case 'avg':
          if ((fl & HAS_FLOAT) !== 0 && (fl & HAS_HIST) !== 0) {
            annos.warn('encountered a mix of histograms and floats for aggregation', exprPos);
            continue;
          }
          if ((fl & INCOMPATIBLE) !== 0) continue;
          if ((fl & HAS_HIST) !== 0) h = finishHistogram(hist![idx]!, ctx, exprPos);
          else if ((fl & INCREMENTAL) !== 0) v = (mean![idx] as number) + (comp![idx] as number);
          else v = v / (cnt![idx] as number) + (comp![idx] as number) / (cnt![idx] as number);
          break;
        case 'sum':
          if ((fl & HAS_FLOAT) !== 0 && (fl & HAS_HIST) !== 0) {
            annos.warn('encountered a mix of histograms and floats for aggregation', exprPos);
            continue;
          }
          if ((fl & INCOMPATIBLE) !== 0) continue;
          if ((fl & HAS_HIST) !== 0) h = finishHistogram(hist![idx]!, ctx, exprPos);
          else v += comp![idx] as number;
          break;
        case 'count':
          v = cnt![idx] as number;
          break;
        case 'stdvar':
          v = v / (cnt![idx] as number);
          break;
        case 'stddev':
          v = Math.sqrt(v / (cnt![idx] as number));
          break;
        case 'quantile': {
          const vals = Float64Array.from(quantVals![idx]!);
          v = quantileSorted(param![j] as number, sortFloats(vals));
          break;
        }
        default:
          break;
      }
      if ((fl & RESET_SEEN) !== 0 && (fl & NOT_RESET_SEEN) !== 0) {
        annos.warn('conflicting counter resets during histogram aggregation', exprPos);
      }
      if (h !== null) out.setHist(j, h);
      else {
        out.v[j] = v;
        out.k[j] = K_FLOAT;
      }
      any = true;
    }
    if (!any) continue;
    metas.push({ labels: labels[g]!, dropName: groupDropName[g] === 1 });
    data.push(out);
  }
  return materializedVector(n, metas, data);
}

const F_SUM = 1;
const F_COUNT = 2;
const F_MIN = 3;
const F_MAX = 4;
const F_GROUP = 5;

/**
 * Adds one float-only series (values `dv` where `dk` says float) into the group accumulators at
 * `base` (same state layout and semantics as the generic loop). Returns whether it contributed.
 */
function aggregateFloats(
  op: number,
  dk: Uint8Array,
  dv: Float64Array,
  n: number,
  base: number,
  flags: Uint8Array,
  val: Float64Array,
  comp: Float64Array | null,
  cnt: Float64Array | null,
): boolean {
  if (op === F_SUM) return sumFloats(dk, dv, n, base, flags, val, comp!);
  let any = false;
  for (let j = 0; j < n; j++) {
    if (dk[j] !== K_FLOAT) continue;
    any = true;
    const idx = base + j;
    const f = dv[j] as number;
    const fl = flags[idx] as number;
    if (fl === 0) {
      flags[idx] = SEEN | HAS_FLOAT;
      val[idx] = op === F_GROUP ? 1 : f;
      if (cnt !== null) cnt[idx] = 1;
      continue;
    }
    if ((fl & INCOMPATIBLE) !== 0) continue;
    switch (op) {
      case F_COUNT:
        cnt![idx] = (cnt![idx] as number) + 1;
        break;
      case F_MIN: {
        const cur = val[idx] as number;
        if (cur > f || cur !== cur) val[idx] = f;
        break;
      }
      case F_MAX: {
        const cur = val[idx] as number;
        if (cur < f || cur !== cur) val[idx] = f;
        break;
      }
      default:
        break;
    }
  }
  return any;
}

function warnMixedSchemas(ctx: EvalContext, l: Labels, pos: { start: number; end: number }): void {
  ctx.annos.warn(
    `vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${goQuote(l.get(METRIC_NAME))}`,
    pos,
  );
}

function infoReconciled(ctx: EvalContext, pos: { start: number; end: number }): void {
  ctx.annos.info('mismatched custom buckets were reconciled during aggregation', pos);
}

/**
 * Adds a histogram into the sum/avg accumulator at `idx` (absent when the group's first sample at
 * this step was a float); returns the step's flags updated with the counter-reset hint seen and,
 * when exponential and custom buckets meet, INCOMPATIBLE (with its annotations).
 */
function addHistogram(
  hist: Array<HistogramMean | null> | null,
  idx: number,
  h: FloatHistogram,
  fl: number,
  ctx: EvalContext,
  labels: Labels,
  pos: { start: number; end: number },
): number {
  fl |= HAS_HIST;
  const acc = hist === null ? null : hist[idx];
  if (acc === null || acc === undefined) return fl;
  if (h.counterResetHint === CounterResetHint.Reset) fl |= RESET_SEEN;
  else if (h.counterResetHint === CounterResetHint.NotReset) fl |= NOT_RESET_SEEN;
  try {
    acc.add(h);
  } catch (err) {
    if (!(err instanceof IncompatibleSchemaError)) throw err;
    if (acc.reconciled) infoReconciled(ctx, pos);
    warnMixedSchemas(ctx, labels, pos);
    fl |= INCOMPATIBLE;
  }
  return fl;
}

function finishHistogram(
  acc: HistogramMean,
  ctx: EvalContext,
  pos: { start: number; end: number },
): FloatHistogram {
  const h = acc.result();
  if (acc.reconciled) infoReconciled(ctx, pos);
  return h;
}

/** aggregateFloats for `sum`: a Neumaier-compensated add per step, without the op dispatch. */
function sumFloats(
  dk: Uint8Array,
  dv: Float64Array,
  n: number,
  base: number,
  flags: Uint8Array,
  val: Float64Array,
  comp: Float64Array,
): boolean {
  let any = false;
  for (let j = 0; j < n; j++) {
    if (dk[j] !== K_FLOAT) continue;
    any = true;
    const idx = base + j;
    const f = dv[j] as number;
    const fl = flags[idx] as number;
    if (fl === 0) {
      flags[idx] = SEEN | HAS_FLOAT;
      val[idx] = f;
      continue;
    }
    if ((fl & INCOMPATIBLE) !== 0) continue;
    if ((fl & HAS_FLOAT) === 0) flags[idx] = fl | HAS_FLOAT;
    const acc = val[idx] as number;
    const t = acc + f;
    if (t === Infinity || t === -Infinity) comp[idx] = 0;
    else if (Math.abs(acc) >= Math.abs(f)) comp[idx] = (comp[idx] as number) + (acc - t + f);
    else comp[idx] = (comp[idx] as number) + (f - t + acc);
    val[idx] = t;
  }
  return any;
}

function allFloat(dk: Uint8Array, n: number): boolean {
  for (let j = 0; j < n; j++) if (dk[j] !== K_FLOAT) return false;
  return true;
}

/**
 * sumFloats for a group whose every step is already SEEN | HAS_FLOAT (and nothing else): the
 * same compensated add, without reading or writing the flags.
 */
function sumFull(
  dk: Uint8Array,
  dv: Float64Array,
  n: number,
  base: number,
  val: Float64Array,
  comp: Float64Array,
): boolean {
  let any = false;
  for (let j = 0; j < n; j++) {
    if (dk[j] !== K_FLOAT) continue;
    any = true;
    const idx = base + j;
    const f = dv[j] as number;
    const acc = val[idx] as number;
    const t = acc + f;
    if (t === Infinity || t === -Infinity) comp[idx] = 0;
    else if (Math.abs(acc) >= Math.abs(f)) comp[idx] = (comp[idx] as number) + (acc - t + f);
    else comp[idx] = (comp[idx] as number) + (f - t + acc);
    val[idx] = t;
  }
  return any;
}
