/**
 * Compares query answers across systems: same series (by label set), same timestamps, values equal
 * within a relative tolerance (sums over many series differ in the last bits with the order of
 * addition). Metadata answers (label values, series) compare as sorted sets.
 */

type Points = [number, number][];

/** An answer reduced to what must agree: label set → points, or a sorted list. */
export type Normalized =
  | { readonly kind: 'series'; readonly resultType: string; readonly series: ReadonlyMap<string, Points> }
  | { readonly kind: 'list'; readonly items: readonly string[] };

function labelKey(metric: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(metric)
      .sort()
      .map((k) => [k, metric[k]]),
  );
}

function num(text: string): number {
  // Prometheus's API writes NaN/±Inf as strings; Number() understands "NaN", "+Inf" needs help.
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function normalize(body: string): Normalized {
  const parsed = JSON.parse(body) as { status?: string; data?: unknown };
  if (parsed.status !== 'success') throw new Error(`not a success answer: ${body.slice(0, 200)}`);
  const data = parsed.data;
  if (Array.isArray(data)) {
    const items = data.map((d) => (typeof d === 'string' ? d : labelKey(d as Record<string, string>)));
    return { kind: 'list', items: items.sort() };
  }
  const { resultType, result } = data as { resultType: string; result: unknown };
  const series = new Map<string, Points>();
  if (resultType === 'scalar' || resultType === 'string') {
    const [t, v] = result as [number, string];
    series.set('{}', [[t, num(v)]]);
  } else {
    for (const r of result as {
      metric: Record<string, string>;
      value?: [number, string];
      values?: [number, string][];
    }[]) {
      const points = (r.values ?? (r.value === undefined ? [] : [r.value])).map(
        ([t, v]): [number, number] => [t, num(v)],
      );
      series.set(labelKey(r.metric), points);
    }
  }
  return { kind: 'series', resultType, series };
}

export interface Comparison {
  readonly equal: boolean;
  /** Empty when equal; otherwise the first differences, e.g. "3 series only in A". */
  readonly detail: string;
  /** Largest relative value difference among matched points (0 when none). */
  readonly maxRelDiff: number;
}

function relDiff(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** Compares `a` against the reference `ref`; values agree when their relative difference ≤ rtol. */
export function compare(a: Normalized, ref: Normalized, rtol = 1e-6): Comparison {
  if (a.kind === 'list' || ref.kind === 'list') {
    if (a.kind !== ref.kind)
      return { equal: false, detail: `answer kinds differ (${a.kind} vs ${ref.kind})`, maxRelDiff: 0 };
    const left = new Set((a as { items: readonly string[] }).items);
    const right = new Set((ref as { items: readonly string[] }).items);
    const onlyA = [...left].filter((x) => !right.has(x));
    const onlyRef = [...right].filter((x) => !left.has(x));
    const equal = onlyA.length === 0 && onlyRef.length === 0;
    return {
      equal,
      detail: equal
        ? ''
        : `${onlyA.length} items only here, ${onlyRef.length} only in the reference (of ${right.size})`,
      maxRelDiff: 0,
    };
  }
  const problems: string[] = [];
  if (a.resultType !== ref.resultType) problems.push(`resultType ${a.resultType} vs ${ref.resultType}`);
  const onlyA = [...a.series.keys()].filter((k) => !ref.series.has(k));
  const onlyRef = [...ref.series.keys()].filter((k) => !a.series.has(k));
  if (onlyA.length > 0 || onlyRef.length > 0) {
    problems.push(
      `${onlyA.length} series only here, ${onlyRef.length} only in the reference (of ${ref.series.size})`,
    );
  }
  let maxRel = 0;
  let pointProblems = 0;
  let worst = '';
  for (const [key, points] of a.series) {
    const other = ref.series.get(key);
    if (other === undefined) continue;
    const byTime = new Map(other.map(([t, v]) => [t, v]));
    if (points.length !== other.length) pointProblems++;
    for (const [t, v] of points) {
      const w = byTime.get(t);
      if (w === undefined) continue;
      const d = relDiff(v, w);
      if (d > maxRel) {
        maxRel = d;
        worst = `${key} @${t}: ${v} vs ${w}`;
      }
    }
  }
  if (pointProblems > 0) problems.push(`${pointProblems} series with a different number of points`);
  if (maxRel > rtol) problems.push(`max relative difference ${maxRel.toPrecision(3)} (${worst})`);
  return { equal: problems.length === 0, detail: problems.join('; '), maxRelDiff: maxRel };
}
