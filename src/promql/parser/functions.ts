import type { FunctionDef, ValueType } from './ast.ts';

/**
 * Every PromQL function of Prometheus 3.x with its signature: the one table the parser type-checks
 * against and the engine dispatches on (the engine keeps the implementations).
 *
 * Arity follows Prometheus: with `variadic` 0 exactly `argTypes.length` arguments; with `variadic`
 * n > 0 the last argument type is optional and may repeat, so between `argTypes.length - 1` and
 * `argTypes.length - 1 + n` arguments; with -1 at least `argTypes.length - 1`, no upper bound.
 * Arguments past the end of `argTypes` take the last type.
 */

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

function def(
  name: string,
  argTypes: ValueType[],
  returnType: ValueType,
  opts: { variadic?: number; experimental?: boolean } = {},
): FunctionDef {
  return Object.freeze({
    name,
    argTypes: Object.freeze(argTypes),
    variadic: opts.variadic ?? 0,
    returnType,
    experimental: opts.experimental ?? false,
  });
}

const EXP = { experimental: true };
const OPTIONAL = { variadic: 1 };

const DEFS: FunctionDef[] = [
  def('abs', [V], V),
  def('absent', [V], V),
  def('absent_over_time', [M], V),
  def('acos', [V], V),
  def('acosh', [V], V),
  def('asin', [V], V),
  def('asinh', [V], V),
  def('atan', [V], V),
  def('atanh', [V], V),
  def('avg_over_time', [M], V),
  def('ceil', [V], V),
  def('changes', [M], V),
  def('clamp', [V, S, S], V),
  def('clamp_max', [V, S], V),
  def('clamp_min', [V, S], V),
  def('cos', [V], V),
  def('cosh', [V], V),
  def('count_over_time', [M], V),
  def('day_of_month', [V], V, OPTIONAL),
  def('day_of_week', [V], V, OPTIONAL),
  def('day_of_year', [V], V, OPTIONAL),
  def('days_in_month', [V], V, OPTIONAL),
  def('deg', [V], V),
  def('delta', [M], V),
  def('deriv', [M], V),
  def('double_exponential_smoothing', [M, S, S], V, EXP),
  def('end', [], S, EXP),
  def('exp', [V], V),
  def('first_over_time', [M], V, EXP),
  def('floor', [V], V),
  def('histogram_avg', [V], V),
  def('histogram_count', [V], V),
  def('histogram_fraction', [S, S, V], V),
  def('histogram_quantile', [S, V], V),
  def('histogram_quantiles', [V, STR, S, S], V, { variadic: 9, experimental: true }),
  def('histogram_stddev', [V], V),
  def('histogram_stdvar', [V], V),
  def('histogram_sum', [V], V),
  def('hour', [V], V, OPTIONAL),
  def('idelta', [M], V),
  def('increase', [M], V),
  def('info', [V, V], V, { variadic: 1, experimental: true }),
  def('irate', [M], V),
  def('label_join', [V, STR, STR, STR], V, { variadic: -1 }),
  def('label_replace', [V, STR, STR, STR, STR], V),
  def('last_over_time', [M], V),
  def('ln', [V], V),
  def('log10', [V], V),
  def('log2', [V], V),
  def('mad_over_time', [M], V, EXP),
  def('max_of', [S, S], S, EXP),
  def('max_over_time', [M], V),
  def('min_of', [S, S], S, EXP),
  def('min_over_time', [M], V),
  def('minute', [V], V, OPTIONAL),
  def('month', [V], V, OPTIONAL),
  def('pi', [], S),
  def('predict_linear', [M, S], V),
  def('present_over_time', [M], V),
  def('quantile_over_time', [S, M], V),
  def('rad', [V], V),
  def('range', [], S, EXP),
  def('rate', [M], V),
  def('resets', [M], V),
  def('round', [V, S], V, OPTIONAL),
  def('scalar', [V], S),
  def('sgn', [V], V),
  def('sin', [V], V),
  def('sinh', [V], V),
  def('sort', [V], V),
  def('sort_by_label', [V, STR], V, { variadic: -1, experimental: true }),
  def('sort_by_label_desc', [V, STR], V, { variadic: -1, experimental: true }),
  def('sort_desc', [V], V),
  def('sqrt', [V], V),
  def('start', [], S, EXP),
  def('start_timestamp', [V], V, EXP),
  def('stddev_over_time', [M], V),
  def('stdvar_over_time', [M], V),
  def('step', [], S, EXP),
  def('sum_over_time', [M], V),
  def('tan', [V], V),
  def('tanh', [V], V),
  def('time', [], S),
  def('timestamp', [V], V),
  def('ts_of_first_over_time', [M], V, EXP),
  def('ts_of_last_over_time', [M], V, EXP),
  def('ts_of_max_over_time', [M], V, EXP),
  def('ts_of_min_over_time', [M], V, EXP),
  def('vector', [S], V),
  def('year', [V], V, OPTIONAL),
];

/** Name → definition for every function (experimental ones included; the parser gates them). */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(DEFS.map((d) => [d.name, d]));

/** The definition of a function by its exact (case-sensitive) name, or undefined. */
export function getFunction(name: string): FunctionDef | undefined {
  return FUNCTIONS.get(name);
}

/** Smallest and largest argument count a call may have (`max` is Infinity for label_join etc.). */
export function arity(f: FunctionDef): { min: number; max: number } {
  const n = f.argTypes.length;
  if (f.variadic === 0) return { min: n, max: n };
  return { min: n - 1, max: f.variadic < 0 ? Infinity : n - 1 + f.variadic };
}

/** The declared type of argument `i`, repeating the last type for variadic tails. */
export function argType(f: FunctionDef, i: number): ValueType | undefined {
  if (i < f.argTypes.length) return f.argTypes[i];
  return f.variadic === 0 ? undefined : f.argTypes[f.argTypes.length - 1];
}
