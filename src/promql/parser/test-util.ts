import type { Expr } from './ast.ts';

/**
 * Test helper: a plain-data view of a tree for equality checks. Positions are dropped, matchers
 * become sorted `name<op>value` strings (printing sorts them), functions become their names, NaN
 * becomes a string, and the two flags the printer cannot reproduce (Prometheus loses them too:
 * `by ()` vs nothing, `ignoring ()` vs nothing) are dropped.
 */
export function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'posRange' || k === 'hasGrouping' || k === 'explicit') continue;
      if (k === 'matchers') {
        out[k] = (x as Array<{ name: string; type: string; value: string }>)
          .map((m) => `${m.name}${m.type}${m.value}`)
          .sort();
      } else if (k === 'func') {
        out[k] = (x as { name: string }).name;
      } else {
        out[k] = normalize(x);
      }
    }
    return out;
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (Object.is(v, -0)) return '-0';
  }
  return v;
}

export function sameTree(a: Expr, b: Expr): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}
