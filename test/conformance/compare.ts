import { Labels, type FloatHistogram } from '../../src/model/index.ts';
import type { QueryResult, SeriesPoints } from '../../src/promql/index.ts';
import { compactInPlace, copyHistogram, isCustom } from '../../src/promql/engine/histogram.ts';
import type { EvalCmd } from './script.ts';
import type { Slot } from './series.ts';

/**
 * Comparing a query result with an eval's expectations (FORMAT.md §9). Returns null when they
 * agree, else a short explanation of the first difference.
 */

const MIN_NORMAL = 2.2250738585072014e-308;

export function floatsEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const eps = 1e-6;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < eps * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

function bucketMap(spans: FloatHistogram['positiveSpans'], buckets: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  let idx = 0;
  let b = 0;
  for (const s of spans) {
    idx += s.offset;
    for (let k = 0; k < s.length; k++) {
      const c = buckets[b++] ?? 0;
      if (c !== 0) m.set(idx, c);
      idx++;
    }
  }
  return m;
}

export function histogramsMatch(exp: FloatHistogram, act: FloatHistogram, checkHint: boolean): boolean {
  const a = compactInPlace(copyHistogram(exp));
  const b = compactInPlace(copyHistogram(act));
  if (a.schema !== b.schema) return false;
  if (!floatsEqual(a.count, b.count) || !floatsEqual(a.sum, b.sum) || !floatsEqual(a.zeroCount, b.zeroCount))
    return false;
  if (a.zeroThreshold !== b.zeroThreshold) return false;
  if (isCustom(a)) {
    if (a.customValues.length !== b.customValues.length) return false;
    for (let i = 0; i < a.customValues.length; i++) if (a.customValues[i] !== b.customValues[i]) return false;
  }
  for (const pos of [true, false]) {
    const x = pos
      ? bucketMap(a.positiveSpans, a.positiveBuckets)
      : bucketMap(a.negativeSpans, a.negativeBuckets);
    const y = pos
      ? bucketMap(b.positiveSpans, b.positiveBuckets)
      : bucketMap(b.negativeSpans, b.negativeBuckets);
    if (x.size !== y.size) return false;
    for (const [k, v] of x) {
      const w = y.get(k);
      if (w === undefined || !floatsEqual(v, w)) return false;
    }
  }
  if (checkHint && a.counterResetHint !== b.counterResetHint) return false;
  return true;
}

export function histText(h: FloatHistogram): string {
  const pos = [...bucketMap(h.positiveSpans, h.positiveBuckets)].map(([i, c]) => `${i}:${c}`).join(' ');
  const neg = [...bucketMap(h.negativeSpans, h.negativeBuckets)].map(([i, c]) => `${i}:${c}`).join(' ');
  return `{{schema:${h.schema} count:${h.count} sum:${h.sum} z:${h.zeroCount}/${h.zeroThreshold} hint:${h.counterResetHint} pos:[${pos}] neg:[${neg}]${isCustom(h) ? ` cv:[${h.customValues.join(' ')}]` : ''}}}`;
}

function slotText(s: Slot): string {
  switch (s.kind) {
    case 'empty':
      return '_';
    case 'stale':
      return 'stale';
    case 'float':
      return String(s.v);
    case 'hist':
      return histText(s.h);
  }
}

function slotMatches(s: Slot, v: number | FloatHistogram): boolean {
  if (s.kind === 'float') return typeof v === 'number' && floatsEqual(s.v, v);
  if (s.kind === 'hist') return typeof v !== 'number' && histogramsMatch(s.h, v, s.checkHint);
  return false;
}

/** Points of one result series as (t, value) in time order. */
function points(sp: SeriesPoints): Array<{ t: number; v: number | FloatHistogram }> {
  const out: Array<{ t: number; v: number | FloatHistogram }> = [];
  for (let i = 0; i < sp.floatTimes.length; i++)
    out.push({ t: sp.floatTimes[i] as number, v: sp.floatValues[i] as number });
  for (let i = 0; i < sp.histogramTimes.length; i++)
    out.push({ t: sp.histogramTimes[i] as number, v: sp.histograms[i]! });
  return out.sort((a, b) => a.t - b.t);
}

function valText(v: number | FloatHistogram): string {
  return typeof v === 'number' ? String(v) : histText(v);
}

/** Compares a matrix against expected series with one slot per step from `start`. */
function compareMatrix(
  matrix: readonly SeriesPoints[],
  expected: EvalCmd['series'],
  start: number,
  step: number,
  end: number,
): string | null {
  for (let i = 1; i < matrix.length; i++) {
    if (Labels.compare(matrix[i - 1]!.labels, matrix[i]!.labels) >= 0)
      return `matrix not sorted: ${matrix[i - 1]!.labels} before ${matrix[i]!.labels}`;
  }
  const byKey = new Map<string, SeriesPoints>();
  for (const s of matrix) byKey.set(s.labels.key(), s);
  const nSteps = step > 0 ? Math.floor((end - start) / step) + 1 : 1;
  const expectedKeys = new Set<string>();
  for (const e of expected) {
    if (e.slots.length > nSteps)
      return `expected series ${e.labels} lists ${e.slots.length} values for ${nSteps} steps`;
    expectedKeys.add(e.labels.key());
    const got = byKey.get(e.labels.key());
    const want: Array<{ t: number; s: Slot }> = [];
    e.slots.forEach((s, i) => {
      if (s.kind !== 'empty') want.push({ t: start + i * step, s });
    });
    if (got === undefined) {
      if (want.length === 0) continue;
      return `missing series ${e.labels}`;
    }
    const pts = points(got);
    if (pts.length !== want.length) {
      return `series ${e.labels}: got ${pts.length} points [${pts.map((p) => `${p.t}:${valText(p.v)}`).join(' ')}], want ${want.length} [${want.map((w) => `${w.t}:${slotText(w.s)}`).join(' ')}]`;
    }
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i]!;
      const w = want[i]!;
      if (p.t !== w.t || !slotMatches(w.s, p.v)) {
        return `series ${e.labels}: point ${i} got ${p.t}:${valText(p.v)}, want ${w.t}:${slotText(w.s)}`;
      }
    }
  }
  for (const s of matrix) {
    if (!expectedKeys.has(s.labels.key()))
      return `unexpected series ${s.labels} [${points(s)
        .map((p) => `${p.t}:${valText(p.v)}`)
        .join(' ')}]`;
  }
  return null;
}

/**
 * Compares the value of a result with the eval's expected data. `asRangeMode` compares the points
 * at `at` of a consistency range query instead.
 */
export function compareValue(cmd: EvalCmd, res: QueryResult): string | null {
  const v = res.value;
  if (cmd.range) {
    if (v.type !== 'matrix') return `expected a matrix, got ${v.type}`;
    return compareMatrix(v.matrix, cmd.series, cmd.start, cmd.step, cmd.end);
  }
  if (cmd.scalar !== null) {
    if (v.type !== 'scalar') return `expected scalar ${cmd.scalar}, got ${v.type}`;
    return floatsEqual(cmd.scalar, v.v) ? null : `scalar: got ${v.v}, want ${cmd.scalar}`;
  }
  if (cmd.string !== null) {
    if (v.type !== 'string') return `expected string, got ${v.type}`;
    return v.v === cmd.string
      ? null
      : `string: got ${JSON.stringify(v.v)}, want ${JSON.stringify(cmd.string)}`;
  }
  if (cmd.rangeVector !== null) {
    if (v.type !== 'matrix') return `expected a range vector, got ${v.type}`;
    return compareMatrix(
      v.matrix,
      cmd.series,
      cmd.rangeVector.start,
      cmd.rangeVector.step,
      cmd.rangeVector.end,
    );
  }
  if (v.type !== 'vector') return `expected a vector, got ${v.type}`;
  for (const e of cmd.series) {
    if (e.slots.length !== 1) return `expected series ${e.labels} must have exactly one value`;
  }
  const got = v.vector;
  if (got.length !== cmd.series.length) {
    return `got ${got.length} series, want ${cmd.series.length}: got [${got.map((s) => `${s.labels} ${s.h === null ? s.v : histText(s.h)}`).join(', ')}]`;
  }
  for (let i = 0; i < cmd.series.length; i++) {
    const e = cmd.series[i]!;
    const s = cmd.ordered ? got[i]! : got.find((x) => x.labels.equals(e.labels));
    if (s === undefined || !s.labels.equals(e.labels)) {
      return cmd.ordered
        ? `position ${i}: got ${got[i]?.labels}, want ${e.labels}`
        : `missing series ${e.labels}; got [${got.map((x) => x.labels.toString()).join(', ')}]`;
    }
    const val = s.h === null ? s.v : s.h;
    if (!slotMatches(e.slots[0]!, val))
      return `series ${e.labels}: got ${valText(val)}, want ${slotText(e.slots[0]!)}`;
  }
  return null;
}

/** The points at time `at` of a range query, compared like an instant result. */
export function compareRangeAt(cmd: EvalCmd, res: QueryResult, at: number): string | null {
  const v = res.value;
  if (v.type !== 'matrix') return `range query returned ${v.type}`;
  for (let i = 1; i < v.matrix.length; i++) {
    if (Labels.compare(v.matrix[i - 1]!.labels, v.matrix[i]!.labels) >= 0)
      return 'range query matrix not sorted';
  }
  const got: Array<{ labels: Labels; v: number | FloatHistogram }> = [];
  for (const s of v.matrix) {
    for (const p of points(s)) if (p.t === at) got.push({ labels: s.labels, v: p.v });
  }
  if (cmd.scalar !== null) {
    if (got.length !== 1 || !got[0]!.labels.equals(Labels.EMPTY))
      return `range mode: expected one {} series, got ${got.length}`;
    const g = got[0]!.v;
    return typeof g === 'number' && floatsEqual(cmd.scalar, g)
      ? null
      : `range mode: scalar got ${valText(g)}, want ${cmd.scalar}`;
  }
  if (got.length !== cmd.series.length)
    return `range mode: got ${got.length} series at T, want ${cmd.series.length}`;
  for (const e of cmd.series) {
    const s = got.find((x) => x.labels.equals(e.labels));
    if (s === undefined) return `range mode: missing series ${e.labels}`;
    if (!slotMatches(e.slots[0]!, s.v))
      return `range mode: series ${e.labels} got ${valText(s.v)}, want ${slotText(e.slots[0]!)}`;
  }
  return null;
}

/** Checks warnings and infos against the eval's expect lines (FORMAT.md §9.5). */
export function compareAnnotations(cmd: EvalCmd, res: QueryResult): string | null {
  for (const kind of ['warn', 'info'] as const) {
    const got = kind === 'warn' ? res.annotations.warnings : res.annotations.infos;
    const no = kind === 'warn' ? cmd.noWarn : cmd.noInfo;
    const exp = cmd.annos.filter((a) => a.kind === kind);
    if (no) {
      if (got.length > 0) return `expected no ${kind} annotations, got ${JSON.stringify(got)}`;
      continue;
    }
    if (exp.length === 0) continue;
    const matches = (a: (typeof exp)[number], text: string): boolean =>
      a.msg !== null ? text === a.msg : a.regex !== null ? a.regex.test(text) : true;
    for (const a of exp) {
      if (!got.some((t) => matches(a, t))) {
        return `expected ${kind} ${a.msg ?? a.regex ?? '(any)'}, got ${JSON.stringify(got)}`;
      }
    }
    for (const t of got) {
      if (!exp.some((a) => matches(a, t))) return `unexpected ${kind} annotation ${JSON.stringify(t)}`;
    }
  }
  return null;
}
