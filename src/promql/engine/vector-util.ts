import { ExecutionError } from '../../model/index.ts';
import type { EvalContext } from './context.ts';
import { METRIC_NAME, NameDroppedMeta, type Labels } from './label-util.ts';
import { K_NONE, materializedVector, StepData, type SeriesMeta, type VectorValue } from './types.ts';

export const SAME_LABELSET = 'vector cannot contain metrics with the same labelset';

/** Every series' data, computed once (and accounted against the sample limit). */
export function materialize(vec: VectorValue, ctx: EvalContext): VectorValue {
  if (vec.data !== null) return vec;
  const data: StepData[] = [];
  let points = 0;
  for (let i = 0; i < vec.metas.length; i++) {
    const d = vec.get(i, new StepData(vec.n));
    points += d.count();
    data.push(d);
  }
  ctx.hold(points);
  ctx.release(points);
  return materializedVector(vec.n, vec.metas as SeriesMeta[], data);
}

/**
 * The metas of a function result: with delayed name removal the labels stay and the series is
 * marked; otherwise the name is dropped now.
 */
export function nameDroppedMetas(metas: readonly SeriesMeta[], ctx: EvalContext): SeriesMeta[] {
  if (ctx.opts.delayedNameRemoval) return metas.map((m) => ({ labels: m.labels, dropName: true }));
  const out: SeriesMeta[] = metas.map((m) => NameDroppedMeta.of(m));
  markUniqueAfterNameDrop(metas, out);
  return out;
}

/**
 * Metas arrays known to hold distinct labels: a vector's series are distinct, and dropping
 * `__name__` keeps them distinct when they all had the same name, which is the common case
 * (`rate(x[5m])`, `x * 2`). Spares building a key string per series.
 */
const KNOWN_UNIQUE = new WeakSet<readonly SeriesMeta[]>();

/** Marks `out` (the input's metas with names dropped) as distinct when the input's names all agree. */
export function markUniqueAfterNameDrop(
  input: ArrayLike<{ readonly labels: Labels }>,
  out: readonly SeriesMeta[],
): void {
  if (input.length === 0) return;
  const name = input[0]!.labels.get(METRIC_NAME);
  for (let i = 1; i < input.length; i++) if (input[i]!.labels.get(METRIC_NAME) !== name) return;
  KNOWN_UNIQUE.add(out);
}

/** Marks metas the caller knows to be distinct (e.g. a vector's own labels, unchanged). */
export function markUnique(metas: readonly SeriesMeta[]): void {
  KNOWN_UNIQUE.add(metas);
}

function duplicateGroups(metas: readonly SeriesMeta[]): number[][] | null {
  if (KNOWN_UNIQUE.has(metas)) return null;
  const seen = new Map<string, number[]>();
  let dup = false;
  for (let i = 0; i < metas.length; i++) {
    const key = metas[i]!.labels.key();
    const g = seen.get(key);
    if (g === undefined) seen.set(key, [i]);
    else {
      g.push(i);
      dup = true;
    }
  }
  return dup ? [...seen.values()] : null;
}

/**
 * Series with identical labels are merged into one, step by step; two values at the same step are
 * an error (Prometheus's per-step check in rangeEval and mergeSeriesWithSameLabelset). Lazy vectors
 * without duplicate labels pass through untouched.
 */
export function mergeSameLabels(vec: VectorValue, ctx: EvalContext): VectorValue {
  const groups = duplicateGroups(vec.metas);
  if (groups === null) return vec;
  const m = materialize(vec, ctx);
  const metas: SeriesMeta[] = [];
  const data: StepData[] = [];
  for (const g of groups) {
    const first = g[0]!;
    metas.push(m.metas[first]!);
    if (g.length === 1) {
      data.push(m.data![first]!);
      continue;
    }
    const merged = new StepData(m.n);
    for (const i of g) {
      const d = m.data![i]!;
      for (let j = 0; j < m.n; j++) {
        const k = d.k[j] as number;
        if (k === K_NONE) continue;
        if (merged.k[j] !== K_NONE) throw new ExecutionError(SAME_LABELSET);
        merged.k[j] = k;
        merged.v[j] = d.v[j] as number;
        if (d.h !== null && d.h[j] !== null) merged.setHist(j, d.h[j]!);
      }
    }
    data.push(merged);
  }
  return materializedVector(m.n, metas, data);
}

/**
 * Prometheus's check after a range-vector function: two non-empty output series with the same
 * labels are an error, whatever their steps.
 */
export function rejectSameLabels(vec: VectorValue, ctx: EvalContext): VectorValue {
  const groups = duplicateGroups(vec.metas);
  if (groups === null) return vec;
  const m = materialize(vec, ctx);
  for (const g of groups) {
    let nonEmpty = 0;
    for (const i of g) if (m.data![i]!.any()) nonEmpty++;
    if (nonEmpty > 1) throw new ExecutionError(SAME_LABELSET);
  }
  // Drop empty duplicates so the remaining series are unique.
  const metas: SeriesMeta[] = [];
  const data: StepData[] = [];
  const keep = new Set<number>();
  for (const g of groups) {
    const nonEmpty = g.filter((i) => m.data![i]!.any());
    keep.add(nonEmpty[0] ?? g[0]!);
  }
  for (let i = 0; i < m.metas.length; i++) {
    if (!keep.has(i)) continue;
    metas.push(m.metas[i]!);
    data.push(m.data![i]!);
  }
  return materializedVector(m.n, metas, data);
}
