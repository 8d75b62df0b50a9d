import { ExecutionError, Labels, METRIC_NAME, type FloatHistogram } from '../../model/index.ts';
import RE2 from 're2';
import type { EvalContext } from './context.ts';
import { allBuckets, isCustom } from './histogram.ts';
import { kahanInc } from './histogram.ts';
import type { CallNode, PNode } from './plan.ts';
import {
  K_FLOAT,
  K_HIST,
  K_NONE,
  lazyVector,
  materializedVector,
  StepData,
  type Grid,
  type ScalarValue,
  type SeriesMeta,
  type Value,
  type VectorValue,
} from './types.ts';
import { isValidLabelName } from './label-util.ts';
import { materialize, mergeSameLabels, nameDroppedMetas } from './vector-util.ts';

/**
 * Functions over instant vectors and scalars (everything that does not take a range vector).
 * Per-series maps stay lazy; functions that look across series per step materialize their input.
 */

export interface FnEnv {
  readonly node: CallNode;
  readonly grid: Grid;
  readonly ctx: EvalContext;
  readonly args: readonly Value[];
}

function scalarArg(env: FnEnv, i: number): Float64Array {
  const v = env.args[i];
  if (v === undefined || v.type !== 'scalar')
    throw new Error(`argument ${i} of ${env.node.name} is not a scalar`);
  return v.v;
}

function vectorArg(env: FnEnv, i: number): VectorValue {
  const v = env.args[i];
  if (v === undefined || v.type !== 'vector')
    throw new Error(`argument ${i} of ${env.node.name} is not a vector`);
  return v;
}

function stringArg(env: FnEnv, i: number): string {
  const v = env.args[i];
  if (v === undefined || v.type !== 'string')
    throw new Error(`argument ${i} of ${env.node.name} is not a string`);
  return v.v;
}

function scalar(grid: Grid, f: (t: number, j: number) => number): ScalarValue {
  const v = new Float64Array(grid.n);
  for (let j = 0; j < grid.n; j++) v[j] = f(grid.start + j * grid.step, j);
  return { type: 'scalar', v };
}

/**
 * Applies `f` to every float sample (histograms are dropped); the result drops the metric name.
 * `f` gets the value and the step index.
 */
export function mapFloats(env: FnEnv, input: VectorValue, f: (v: number, j: number) => number): VectorValue {
  const scratch = new StepData(input.n);
  const metas = nameDroppedMetas(input.metas, env.ctx);
  const out = lazyVector(input.n, metas, (i, o) => {
    const d = input.get(i, scratch);
    o.reset();
    const n = d.n;
    const k = d.k;
    const v = d.v;
    for (let j = 0; j < n; j++) {
      if (k[j] !== K_FLOAT) continue;
      o.v[j] = f(v[j] as number, j);
      o.k[j] = K_FLOAT;
    }
    return o;
  });
  return env.ctx.opts.delayedNameRemoval ? out : mergeSameLabels(out, env.ctx);
}

/** Applies `f` to every histogram sample (floats are dropped); the name is dropped. */
function mapHistograms(env: FnEnv, input: VectorValue, f: (h: FloatHistogram) => number): VectorValue {
  const scratch = new StepData(input.n);
  const metas = nameDroppedMetas(input.metas, env.ctx);
  const out = lazyVector(input.n, metas, (i, o) => {
    const d = input.get(i, scratch);
    o.reset();
    for (let j = 0; j < d.n; j++) {
      if (d.k[j] !== K_HIST) continue;
      o.v[j] = f(d.h![j]!);
      o.k[j] = K_FLOAT;
    }
    return o;
  });
  return env.ctx.opts.delayedNameRemoval ? out : mergeSameLabels(out, env.ctx);
}

const MATH: Record<string, (v: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  rad: (v) => (v * Math.PI) / 180,
  deg: (v) => (v * 180) / Math.PI,
  sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
};

// ---------------------------------------------------------------------------------------------
// Dates (UTC, from Unix seconds truncated to an integer).

function dateParts(sec: number): Date | null {
  if (!Number.isFinite(sec)) return null;
  const d = new Date(Math.trunc(sec) * 1000);
  return Number.isNaN(d.getTime()) ? null : d;
}

const DATE: Record<string, (d: Date) => number> = {
  minute: (d) => d.getUTCMinutes(),
  hour: (d) => d.getUTCHours(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_month: (d) => d.getUTCDate(),
  day_of_year: (d) =>
    Math.floor(
      (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) /
        86400000,
    ) + 1,
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

function dateValue(name: string, sec: number): number {
  const d = dateParts(sec);
  return d === null ? NaN : (DATE[name] as (d: Date) => number)(d);
}

// ---------------------------------------------------------------------------------------------

/** Evaluates a call of a function that takes no range vector. Returns null if `name` is not one. */
export function evalInstantFunction(env: FnEnv): Value | null {
  const { node, grid, ctx } = env;
  const name = node.name;
  const math = MATH[name];
  if (math !== undefined) return mapFloats(env, vectorArg(env, 0), math);
  if (DATE[name] !== undefined) {
    if (env.args.length === 0) {
      return vectorOf(grid, (t) => dateValue(name, Math.trunc(t / 1000)));
    }
    return mapFloats(env, vectorArg(env, 0), (v) => dateValue(name, v));
  }
  switch (name) {
    case 'time':
      return scalar(grid, (t) => t / 1000);
    case 'pi':
      return scalar(grid, () => Math.PI);
    case 'start':
      return scalar(grid, () => ctx.opts.queryStart / 1000);
    case 'end':
      return scalar(grid, () => ctx.opts.queryEnd / 1000);
    case 'range':
      return scalar(grid, () => (ctx.opts.queryEnd - ctx.opts.queryStart) / 1000);
    case 'step':
      return scalar(grid, () => ctx.opts.queryStep / 1000);
    case 'min_of':
    case 'max_of': {
      const a = scalarArg(env, 0);
      const b = scalarArg(env, 1);
      return scalar(grid, (_t, j) =>
        (name === 'min_of' ? Math.min : Math.max)(a[j] as number, b[j] as number),
      );
    }
    case 'vector': {
      const s = scalarArg(env, 0);
      return vectorOf(grid, (_t, j) => s[j] as number);
    }
    case 'scalar':
      return scalarOf(vectorArg(env, 0));
    case 'round': {
      const to = env.args.length > 1 ? scalarArg(env, 1) : null;
      return mapFloats(env, vectorArg(env, 0), (v, j) => {
        const inv = 1 / (to === null ? 1 : (to[j] as number));
        return Math.floor(v * inv + 0.5) / inv;
      });
    }
    case 'clamp':
    case 'clamp_min':
    case 'clamp_max': {
      const lo = name === 'clamp_max' ? null : scalarArg(env, 1);
      const hi = name === 'clamp' ? scalarArg(env, 2) : name === 'clamp_max' ? scalarArg(env, 1) : null;
      return clampDropEmpty(env, lo, hi);
    }
    case 'timestamp':
      return timestampOf(env, vectorArg(env, 0));
    case 'histogram_count':
      return mapHistograms(env, vectorArg(env, 0), (h) => h.count);
    case 'histogram_sum':
      return mapHistograms(env, vectorArg(env, 0), (h) => h.sum);
    case 'histogram_avg':
      return mapHistograms(env, vectorArg(env, 0), (h) => h.sum / h.count);
    case 'histogram_stddev':
      return mapHistograms(env, vectorArg(env, 0), (h) => Math.sqrt(histogramVariance(h)));
    case 'histogram_stdvar':
      return mapHistograms(env, vectorArg(env, 0), histogramVariance);
    case 'sort':
    case 'sort_desc':
    case 'sort_by_label':
    case 'sort_by_label_desc':
      return sortFunction(env);
    case 'label_replace':
      return labelReplace(env);
    case 'label_join':
      return labelJoin(env);
    case 'absent':
      return absent(env);
  }
  return null;
}

/** clamp*: like mapFloats, but a step where max < min yields nothing. */
function clampDropEmpty(env: FnEnv, lo: Float64Array | null, hi: Float64Array | null): VectorValue {
  const input = vectorArg(env, 0);
  const scratch = new StepData(input.n);
  const metas = nameDroppedMetas(input.metas, env.ctx);
  const out = lazyVector(input.n, metas, (i, o) => {
    const d = input.get(i, scratch);
    o.reset();
    for (let j = 0; j < d.n; j++) {
      if (d.k[j] !== K_FLOAT) continue;
      const mn = lo === null ? -Infinity : (lo[j] as number);
      const mx = hi === null ? Infinity : (hi[j] as number);
      if (mx < mn) continue;
      o.v[j] = Math.max(mn, Math.min(mx, d.v[j] as number));
      o.k[j] = K_FLOAT;
    }
    return o;
  });
  return env.ctx.opts.delayedNameRemoval ? out : mergeSameLabels(out, env.ctx);
}

/** One series `{}` with a value per step. */
export function vectorOf(grid: Grid, f: (t: number, j: number) => number): VectorValue {
  const d = new StepData(grid.n);
  for (let j = 0; j < grid.n; j++) {
    d.v[j] = f(grid.start + j * grid.step, j);
    d.k[j] = K_FLOAT;
  }
  return materializedVector(grid.n, [{ labels: Labels.EMPTY, dropName: false }], [d]);
}

function scalarOf(input: VectorValue): ScalarValue {
  const n = input.n;
  const v = new Float64Array(n);
  const found = new Uint8Array(n);
  const scratch = new StepData(n);
  for (let i = 0; i < input.metas.length; i++) {
    const d = input.get(i, scratch);
    for (let j = 0; j < n; j++) {
      if (d.k[j] !== K_FLOAT) continue;
      if (found[j] === 0) {
        found[j] = 1;
        v[j] = d.v[j] as number;
      } else {
        found[j] = 2;
      }
    }
  }
  for (let j = 0; j < n; j++) if (found[j] !== 1) v[j] = NaN;
  return { type: 'scalar', v };
}

/** timestamp() of a computed vector: every sample is stamped with the evaluation time. */
function timestampOf(env: FnEnv, input: VectorValue): VectorValue {
  const scratch = new StepData(input.n);
  const metas = nameDroppedMetas(input.metas, env.ctx);
  const grid = env.grid;
  const out = lazyVector(input.n, metas, (i, o) => {
    const d = input.get(i, scratch);
    o.reset();
    for (let j = 0; j < d.n; j++) {
      if (d.k[j] === K_NONE) continue;
      o.v[j] = (grid.start + j * grid.step) / 1000;
      o.k[j] = K_FLOAT;
    }
    return o;
  });
  return env.ctx.opts.delayedNameRemoval ? out : mergeSameLabels(out, env.ctx);
}

/** Population variance of a native histogram, observations at bucket means (Prometheus histogramVariance). */
export function histogramVariance(h: FloatHistogram): number {
  const mean = h.sum / h.count;
  let variance = 0;
  let c = 0;
  const custom = isCustom(h);
  for (const b of allBuckets(h)) {
    if (b.count === 0) continue;
    let val: number;
    if (custom) val = (b.upper + b.lower) / 2;
    else if (b.lower <= 0 && b.upper >= 0) val = 0;
    else {
      val = Math.sqrt(b.upper * b.lower);
      if (b.upper < 0) val = -val;
    }
    const delta = val - mean;
    [variance, c] = kahanInc(b.count * delta * delta, variance, c);
  }
  variance += c;
  return variance / h.count;
}

// ---------------------------------------------------------------------------------------------
// Sorting (only meaningful for instant queries; range results are always sorted by labels).

/** facette/natsort Compare: is a < b in natural order? */
export function natLess(a: string, b: string): boolean {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < ca.length; i++) {
    if (i >= cb.length) return false;
    const x = ca[i] as string;
    const y = cb[i] as string;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      const xi = Number(x);
      const yi = Number(y);
      if (xi === yi) {
        if (i === ca.length - 1) return true;
        if (i === cb.length - 1) return false;
        continue;
      }
      return xi < yi;
    }
    if (x === y) {
      if (i === ca.length - 1) return true;
      if (i === cb.length - 1) return false;
      continue;
    }
    return x < y;
  }
  return false;
}

function sortFunction(env: FnEnv): VectorValue {
  const name = env.node.name;
  const input = vectorArg(env, 0);
  const floatsOnly = name === 'sort' || name === 'sort_desc';
  if (env.grid.n !== 1) {
    if (!floatsOnly) return input;
    const scratch = new StepData(input.n);
    return lazyVector(input.n, input.metas, (i, o) => {
      const d = input.get(i, scratch);
      o.reset();
      for (let j = 0; j < d.n; j++) {
        if (d.k[j] !== K_FLOAT) continue;
        o.v[j] = d.v[j] as number;
        o.k[j] = K_FLOAT;
      }
      return o;
    });
  }
  const m = materialize(input, env.ctx);
  let idx: number[] = [];
  for (let i = 0; i < m.metas.length; i++) {
    const k = m.data![i]!.k[0];
    if (k === K_NONE || (floatsOnly && k !== K_FLOAT)) continue;
    idx.push(i);
  }
  const val = (i: number): number => m.data![i]!.v[0] as number;
  if (name === 'sort') {
    // Ascending, NaN last.
    idx.sort((a, b) => {
      const x = val(a);
      const y = val(b);
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
      if (Number.isNaN(y)) return -1;
      return x - y;
    });
  } else if (name === 'sort_desc') {
    idx.sort((a, b) => {
      const x = val(a);
      const y = val(b);
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
      if (Number.isNaN(y)) return -1;
      return y - x;
    });
  } else {
    const names: string[] = [];
    for (let a = 1; a < env.args.length; a++) names.push(stringArg(env, a));
    const desc = name === 'sort_by_label_desc';
    idx.sort((a, b) => {
      const la = m.metas[a]!.labels;
      const lb = m.metas[b]!.labels;
      for (const l of names) {
        const x = la.get(l);
        const y = lb.get(l);
        if (x === y) continue;
        const less = natLess(x, y);
        return desc ? (less ? 1 : -1) : less ? -1 : 1;
      }
      const c = Labels.compare(la, lb);
      return desc ? -c : c;
    });
  }
  idx = idx.filter((i) => i !== undefined);
  return materializedVector(
    1,
    idx.map((i) => m.metas[i]!),
    idx.map((i) => m.data![i]!),
  );
}

// ---------------------------------------------------------------------------------------------
// label_replace, label_join

/** Go regexp Expand over a match (numbered and named groups). */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  let out = '';
  let rest = template;
  for (;;) {
    const i = rest.indexOf('$');
    if (i < 0) break;
    out += rest.slice(0, i);
    rest = rest.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ex = extractName(rest);
    if (ex === null) {
      out += '$';
      continue;
    }
    rest = ex.rest;
    if (ex.num >= 0) {
      const g = m[ex.num];
      if (ex.num < m.length && g !== undefined) out += g;
    } else {
      const g = m.groups?.[ex.name];
      if (g !== undefined) out += g;
    }
  }
  return out + rest;
}

function extractName(str: string): { name: string; num: number; rest: string } | null {
  if (str === '') return null;
  let brace = false;
  if (str[0] === '{') {
    brace = true;
    str = str.slice(1);
  }
  const m = /^[\p{L}\p{Nd}_]+/u.exec(str);
  if (m === null) return null;
  const name = m[0];
  let i = name.length;
  if (brace) {
    if (str[i] !== '}') return null;
    i++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 48 || c > 57 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (c - 48);
  }
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, rest: str.slice(i) };
}

function relabel(env: FnEnv, input: VectorValue, dst: string, f: (l: Labels) => Labels | null): VectorValue {
  const metas: SeriesMeta[] = input.metas.map((m) => {
    const l = f(m.labels);
    if (l === null) return m;
    return { labels: l, dropName: dst === METRIC_NAME ? false : m.dropName };
  });
  const out: VectorValue =
    input.data !== null
      ? materializedVector(input.n, metas, input.data as StepData[])
      : lazyVector(input.n, metas, (i, o) => input.get(i, o));
  return mergeSameLabels(out, env.ctx);
}

function labelReplace(env: FnEnv): VectorValue {
  const input = vectorArg(env, 0);
  const dst = stringArg(env, 1);
  const repl = stringArg(env, 2);
  const src = stringArg(env, 3);
  const regexStr = stringArg(env, 4);
  let re: RE2;
  try {
    re = new RE2(`^(?s:${regexStr})$`, 'u');
  } catch {
    throw new ExecutionError(`invalid regular expression in label_replace(): ${regexStr}`);
  }
  if (!isValidLabelName(dst))
    throw new ExecutionError(`invalid destination label name in label_replace(): ${dst}`);
  return relabel(env, input, dst, (l) => {
    const m = re.exec(l.get(src));
    if (m === null) return null;
    return l.with(dst, expandTemplate(repl, m));
  });
}

function labelJoin(env: FnEnv): VectorValue {
  const input = vectorArg(env, 0);
  const dst = stringArg(env, 1);
  const sep = stringArg(env, 2);
  const srcs: string[] = [];
  for (let i = 3; i < env.args.length; i++) {
    const s = stringArg(env, i);
    if (!isValidLabelName(s)) throw new ExecutionError(`invalid source label name in label_join(): ${s}`);
    srcs.push(s);
  }
  if (!isValidLabelName(dst))
    throw new ExecutionError(`invalid destination label name in label_join(): ${dst}`);
  return relabel(env, input, dst, (l) => l.with(dst, srcs.map((s) => l.get(s)).join(sep)));
}

// ---------------------------------------------------------------------------------------------
// absent

/** Labels of absent()/absent_over_time(): the `=` matchers of a plain selector argument. */
export function absentLabels(arg: PNode): Labels {
  const sel = arg.k === 'vsel' ? arg : arg.k === 'msel' ? arg.vs : null;
  if (sel === null) return Labels.EMPTY;
  const map = new Map<string, string>();
  const has = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !has.has(m.name)) {
      map.set(m.name, m.value);
      has.add(m.name);
    } else {
      map.delete(m.name);
    }
  }
  return Labels.fromMap(map);
}

function absent(env: FnEnv): VectorValue {
  const input = vectorArg(env, 0);
  const n = input.n;
  const present = new Uint8Array(n);
  const scratch = new StepData(n);
  for (let i = 0; i < input.metas.length; i++) {
    const d = input.get(i, scratch);
    for (let j = 0; j < n; j++) if (d.k[j] !== K_NONE) present[j] = 1;
  }
  const d = new StepData(n);
  for (let j = 0; j < n; j++) {
    if (present[j] === 0) {
      d.v[j] = 1;
      d.k[j] = K_FLOAT;
    }
  }
  return materializedVector(n, [{ labels: absentLabels(env.node.args[0]!), dropName: false }], [d]);
}

export { K_HIST };
