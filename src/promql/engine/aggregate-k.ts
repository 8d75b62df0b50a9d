import { ExecutionError, Labels, METRIC_NAME, type FloatHistogram } from '../../model/index.ts';
import { goFloatF, goFloatG, goQuote } from './annotations.ts';
import type { EvalContext } from './context.ts';
import { allBuckets, isCustom } from './histogram.ts';
import type { AggNode } from './plan.ts';
import {
  K_FLOAT,
  K_HIST,
  K_NONE,
  materializedVector,
  StepData,
  type SeriesMeta,
  type VectorValue,
} from './types.ts';
import { materialize } from './vector-util.ts';
import { labelsHashRatio } from './xxhash.ts';
import { computeGrouping } from './grouping.ts';
import { isValidLabelName } from './label-util.ts';

const MAX_INT64 = 9223372036854774784;
const MIN_INT64 = -9223372036854775808;

function paramRange(p: Float64Array): { min: number; max: number; anyNaN: boolean } {
  let min = Number.MAX_VALUE;
  let max = -Number.MAX_VALUE;
  let anyNaN = false;
  for (let j = 0; j < p.length; j++) {
    const v = p[j] as number;
    max = Math.max(max, v);
    min = Math.min(min, v);
    if (Number.isNaN(v)) anyNaN = true;
  }
  return { min, max, anyNaN };
}

/**
 * topk, bottomk, limitk and limit_ratio: per group and step, a subset of the input series, which
 * are returned unchanged (labels included). Instant queries keep Prometheus's output order: groups in
 * order of first appearance, topk descending and bottomk ascending within a group (NaN last).
 */
export function aggregateK(
  node: AggNode,
  input: VectorValue,
  param: Float64Array,
  ctx: EvalContext,
): VectorValue {
  const op = node.op;
  const n = input.n;
  const empty = materializedVector(n, [], []);
  const { min, max, anyNaN } = paramRange(param);
  if (op === 'limit_ratio') {
    if (max === 0 && min === 0) return empty;
    if (anyNaN) throw new ExecutionError('Ratio value is NaN');
    const ppos = node.param!.pos;
    if (max > 1)
      ctx.annos.warn(`ratio value should be between -1 and 1, got ${goFloatG(max)}, capping to 1`, ppos);
    if (min < -1)
      ctx.annos.warn(`ratio value should be between -1 and 1, got ${goFloatG(min)}, capping to -1`, ppos);
  } else {
    if (max < 1) return empty;
    if (anyNaN) throw new ExecutionError('Parameter value is NaN');
    if (min <= MIN_INT64) throw new ExecutionError(`Scalar value ${goFloatG(min)} underflows int64`);
    if (max >= MAX_INT64) throw new ExecutionError(`Scalar value ${goFloatG(max)} overflows int64`);
  }
  const N = input.metas.length;
  const { groupOf, labels } = computeGrouping(input.metas, node.grouping, node.without);
  const G = labels.length;
  if (op === 'topk' || op === 'bottomk') {
    let kmax = 0;
    for (let j = 0; j < n; j++) kmax = Math.max(kmax, Math.min(Math.trunc(param[j] as number), N));
    if (G * n * kmax <= 20_000_000) return streamTopK(node, input, param, groupOf, G, kmax, ctx);
  }
  const m = materialize(input, ctx);
  const data = m.data!;

  // Per step: k (or ratio) and, per group, the chosen series in output order.
  const chosen: Array<Array<number[]>> = [];
  for (let j = 0; j < n; j++) {
    const perGroup: number[][] = Array.from({ length: G }, () => []);
    chosen.push(perGroup);
    const p = param[j] as number;
    if (op === 'limit_ratio') {
      if (p === 0) continue;
      const r = p < -1 ? -1 : p > 1 ? 1 : p;
      for (let i = 0; i < N; i++) {
        if (data[i]!.k[j] === K_NONE) continue;
        const off = labelsHashRatio(m.metas[i]!.labels);
        if ((r >= 0 && off < r) || (r < 0 && off >= 1 + r)) perGroup[groupOf[i] as number]!.push(i);
      }
      continue;
    }
    const k = Math.min(Math.trunc(p), N);
    if (k < 1) continue;
    if (op === 'limitk') {
      for (let i = 0; i < N; i++) {
        if (data[i]!.k[j] === K_NONE) continue;
        const list = perGroup[groupOf[i] as number]!;
        if (list.length < k) list.push(i);
      }
      continue;
    }
    const top = op === 'topk';
    // better(a, b): a ranks before b; NaN ranks last for both topk and bottomk.
    const better = (a: number, b: number): boolean =>
      (top ? a > b : a < b) || (Number.isNaN(b) && !Number.isNaN(a));
    for (let i = 0; i < N; i++) {
      const d = data[i]!;
      const kk = d.k[j];
      if (kk === K_NONE) continue;
      if (kk === K_HIST) {
        ctx.annos.info(`ignored histogram in ${op} aggregation`, node.pos);
        continue;
      }
      const v = d.v[j] as number;
      const list = perGroup[groupOf[i] as number]!;
      if (list.length === k && !better(v, data[list[k - 1]!]!.v[j] as number)) continue;
      // Insert after every element that is not worse (stable for ties).
      let pos = list.length;
      while (pos > 0 && better(v, data[list[pos - 1]!]!.v[j] as number)) pos--;
      list.splice(pos, 0, i);
      if (list.length > k) list.pop();
    }
  }

  // Assemble: one output series per chosen input series.
  const outIndex = new Map<number, number>();
  const metas: SeriesMeta[] = [];
  const outData: StepData[] = [];
  const order: number[] = [];
  if (n === 1) {
    for (let g = 0; g < G; g++) for (const i of chosen[0]![g]!) order.push(i);
  } else {
    const all = new Set<number>();
    for (let j = 0; j < n; j++) for (const list of chosen[j]!) for (const i of list) all.add(i);
    order.push(...[...all].sort((a, b) => a - b));
  }
  for (const i of order) {
    outIndex.set(i, metas.length);
    metas.push(m.metas[i]!);
    outData.push(new StepData(n));
  }
  for (let j = 0; j < n; j++) {
    for (const list of chosen[j]!) {
      for (const i of list) {
        const src = data[i]!;
        const dst = outData[outIndex.get(i)!]!;
        if (src.k[j] === K_HIST) dst.setHist(j, src.h![j]!);
        else {
          dst.v[j] = src.v[j] as number;
          dst.k[j] = K_FLOAT;
        }
      }
    }
  }
  return materializedVector(n, metas, outData);
}

/**
 * topk/bottomk without materializing the input: series by series, each (group, step) keeps its
 * best k (index, value) pairs sorted best first; a value enters only if it beats the current k-th.
 * Ties keep the earlier series; NaN ranks last.
 */
function streamTopK(
  node: AggNode,
  input: VectorValue,
  param: Float64Array,
  groupOf: Int32Array,
  G: number,
  kmax: number,
  ctx: EvalContext,
): VectorValue {
  const n = input.n;
  const N = input.metas.length;
  const top = node.op === 'topk';
  const kj = new Int32Array(n);
  for (let j = 0; j < n; j++) kj[j] = Math.max(0, Math.min(Math.trunc(param[j] as number), N));
  const cells = G * n;
  const count = new Int32Array(cells);
  const idx = new Int32Array(cells * kmax);
  const val = new Float64Array(cells * kmax);
  const scratch = new StepData(n);
  for (let i = 0; i < N; i++) {
    ctx.check();
    const d = input.get(i, scratch);
    const g = groupOf[i] as number;
    const dk = d.k;
    const dv = d.v;
    for (let j = 0; j < n; j++) {
      const kind = dk[j];
      if (kind === K_NONE) continue;
      const k = kj[j] as number;
      if (k < 1) continue;
      if (kind === K_HIST) {
        ctx.annos.info(`ignored histogram in ${node.op} aggregation`, node.pos);
        continue;
      }
      const v = dv[j] as number;
      const cell = g * n + j;
      const base = cell * kmax;
      let c = count[cell] as number;
      if (c === k) {
        // Must beat the current k-th (strictly); NaN never beats anything but NaN loses to all.
        const w = val[base + c - 1] as number;
        const beats = v === v && (w !== w || (top ? v > w : v < w));
        if (!beats) continue;
        c--;
      }
      // Insert after every entry that is at least as good (stable for ties).
      let p = c;
      while (p > 0) {
        const w = val[base + p - 1] as number;
        const better = v === v && (w !== w || (top ? v > w : v < w));
        if (!better) break;
        val[base + p] = w;
        idx[base + p] = idx[base + p - 1] as number;
        p--;
      }
      val[base + p] = v;
      idx[base + p] = i;
      count[cell] = c + 1;
    }
  }
  // One output series per chosen input series.
  const outIndex = new Map<number, number>();
  const metas: SeriesMeta[] = [];
  const data: StepData[] = [];
  const outFor = (i: number): StepData => {
    let o = outIndex.get(i);
    if (o === undefined) {
      o = metas.length;
      outIndex.set(i, o);
      metas.push(input.metas[i]!);
      data.push(new StepData(n));
    }
    return data[o]!;
  };
  for (let g = 0; g < G; g++) {
    for (let j = 0; j < n; j++) {
      const cell = g * n + j;
      const base = cell * kmax;
      const c = count[cell] as number;
      for (let x = 0; x < c; x++) {
        const d = outFor(idx[base + x] as number);
        d.v[j] = val[base + x] as number;
        d.k[j] = K_FLOAT;
      }
    }
  }
  return materializedVector(n, metas, data);
}

/** count_values: one series per distinct value (per group), counting the series with that value. */
export function countValues(node: AggNode, input: VectorValue, label: string, ctx: EvalContext): VectorValue {
  if (!isValidLabelName(label)) throw new ExecutionError(`invalid label name ${goQuote(label)}`);
  const n = input.n;
  const grouping = node.without ? node.grouping : [...new Set([...node.grouping, label])].sort();
  const out = new Map<string, { labels: Labels; data: StepData }>();
  const m = materialize(input, ctx);
  const drop = node.without ? new Set([...grouping, METRIC_NAME]) : null;
  const keep = node.without ? null : new Set(grouping);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < m.metas.length; i++) {
      const d = m.data![i]!;
      const k = d.k[j];
      if (k === K_NONE) continue;
      const valueStr = k === K_FLOAT ? goFloatF(d.v[j] as number) : histogramString(d.h![j]!);
      const metric = m.metas[i]!.labels.with(label, valueStr);
      const outLabels = node.without
        ? metric.without(drop!)
        : grouping.length === 0
          ? Labels.EMPTY
          : metric.keep(keep!);
      const key = outLabels.key();
      let e = out.get(key);
      if (e === undefined) out.set(key, (e = { labels: outLabels, data: new StepData(n) }));
      if (e.data.k[j] === K_NONE) {
        e.data.k[j] = K_FLOAT;
        e.data.v[j] = 1;
      } else {
        e.data.v[j] = (e.data.v[j] as number) + 1;
      }
    }
  }
  const metas: SeriesMeta[] = [];
  const data: StepData[] = [];
  for (const e of out.values()) {
    metas.push({ labels: e.labels, dropName: false });
    data.push(e.data);
  }
  return materializedVector(n, metas, data);
}

/** Prometheus FloatHistogram.String(). */
export function histogramString(h: FloatHistogram): string {
  let s = `{count:${goFloatG(h.count)}, sum:${goFloatG(h.sum)}`;
  for (const b of allBucketsUnclipped(h)) {
    if (b.count === 0) continue;
    const lowIncl = b.side < 0 || b.side === 0 || (isCustom(h) && b.index === 0);
    const upIncl = b.side >= 0;
    s += `, ${lowIncl ? '[' : '('}${goFloatG(b.lower)},${goFloatG(b.upper)}${upIncl ? ']' : ')'}:${goFloatG(b.count)}`;
  }
  return `${s}}`;
}

/** Buckets as Prometheus's String() lists them: no clipping at the zero threshold. */
function allBucketsUnclipped(h: FloatHistogram): ReturnType<typeof allBuckets> {
  const bs = allBuckets({ ...h, zeroThreshold: 0, zeroCount: 0 });
  const out = bs.filter((b) => b.side < 0);
  if (h.zeroCount !== 0)
    out.push({ lower: -h.zeroThreshold, upper: h.zeroThreshold, count: h.zeroCount, index: 0, side: 0 });
  for (const b of bs) if (b.side > 0) out.push(b);
  return out;
}

export { K_HIST };
