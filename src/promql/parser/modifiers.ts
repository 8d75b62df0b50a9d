import type { DurationExpr, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from './ast.ts';
import type { ParsedDuration } from './durations.ts';
import { formatFixed6, roundHalfAwayFromZero } from './numbers.ts';
import type { ParseState } from './state.ts';

/**
 * The postfix modifiers — `[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed` — applied
 * to the expression they follow, with Prometheus's rules and messages. Nodes are immutable, so each
 * returns a new node; on a rule violation it records the problem and returns its input.
 */

const TWO_POW_63 = 9223372036854775808;

/** `expr[range]` (subquery false) or `expr[range:step]` / `expr[range:]` (subquery true). */
export function makeMatrixOrSubquery(
  ps: ParseState,
  expr: Expr,
  bracketStart: number,
  subquery: boolean,
  range: ParsedDuration,
  step: ParsedDuration | null,
): Expr {
  const posRange = { start: expr.posRange.start, end: ps.lastEnd };
  if (subquery) {
    const node: SubqueryExpr = {
      type: 'subquery',
      expr,
      range: range.ms,
      rangeExpr: range.expr,
      step: step?.ms ?? 0,
      stepExpr: step?.expr ?? null,
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      posRange,
    };
    return node;
  }
  const bracketRange = { start: bracketStart, end: ps.lastEnd };
  if (expr.type !== 'vectorSelector') {
    ps.addError(bracketRange, 'ranges only allowed for vector selectors');
    return expr;
  }
  if (expr.offset !== 0 || expr.offsetExpr !== null) {
    ps.addError(bracketRange, 'no offset modifiers allowed before range');
  } else if (expr.timestamp !== null || expr.startOrEnd !== null) {
    ps.addError(bracketRange, 'no @ modifiers allowed before range');
  }
  const node: MatrixSelector = {
    type: 'matrixSelector',
    vectorSelector: expr,
    range: range.ms,
    rangeExpr: range.expr,
    posRange,
  };
  return node;
}

/** The node an `offset`/`@` applies to: the selector itself, the selector of a range, a subquery. */
type Target = VectorSelector | SubqueryExpr;

function target(expr: Expr): Target | null {
  if (expr.type === 'vectorSelector' || expr.type === 'subquery') return expr;
  if (expr.type === 'matrixSelector') return expr.vectorSelector;
  return null;
}

interface Patch {
  readonly offset?: number;
  readonly offsetExpr?: DurationExpr | null;
  readonly timestamp?: number | null;
  readonly startOrEnd?: 'start' | 'end' | null;
  readonly anchored?: boolean;
  readonly smoothed?: boolean;
}

/** Rebuilds `expr` with `patch` applied to its target and its end moved to the last token read. */
function rebuild(ps: ParseState, expr: Expr, patch: Patch): Expr {
  const end = ps.lastEnd;
  if (expr.type === 'matrixSelector') {
    return {
      ...expr,
      vectorSelector: { ...expr.vectorSelector, ...patch },
      posRange: { start: expr.posRange.start, end },
    };
  }
  return { ...expr, ...patch, posRange: { start: expr.posRange.start, end } } as Expr;
}

export function applyOffset(ps: ParseState, expr: Expr, d: ParsedDuration): Expr {
  const t = target(expr);
  if (t === null) {
    ps.addError(
      expr.posRange,
      'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    );
    return expr;
  }
  if (t.offset !== 0 || t.offsetExpr !== null) {
    ps.addError(expr.posRange, 'offset may not be set multiple times');
    return expr;
  }
  return rebuild(ps, expr, { offset: d.ms, offsetExpr: d.expr });
}

/** `@ <seconds>` (seconds set) or `@ start()` / `@ end()` (startOrEnd set). */
export function applyAt(
  ps: ParseState,
  expr: Expr,
  seconds: number | null,
  startOrEnd: 'start' | 'end' | null,
): Expr {
  if (seconds !== null && !(seconds < TWO_POW_63 && seconds > -TWO_POW_63)) {
    ps.addError(expr.posRange, `timestamp out of bounds for @ modifier: ${formatFixed6(seconds)}`);
  }
  const t = target(expr);
  if (t === null) {
    ps.addError(
      expr.posRange,
      '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    );
    return expr;
  }
  if (t.timestamp !== null || t.startOrEnd !== null) {
    ps.addError(expr.posRange, '@ <timestamp> may not be set multiple times');
    return expr;
  }
  const timestamp = seconds === null ? null : roundHalfAwayFromZero(seconds * 1000);
  return rebuild(ps, expr, { timestamp, startOrEnd });
}

/** `anchored` / `smoothed` after a range selector (experimental extended range selectors). */
export function applyRangeModifier(ps: ParseState, expr: Expr, kw: 'anchored' | 'smoothed'): Expr {
  if (!ps.extendedRangeSelectors) {
    ps.addError(expr.posRange, `${kw} modifier is experimental and not enabled`);
    return expr;
  }
  if (expr.type === 'subquery') {
    ps.addError(expr.posRange, `${kw} modifier is not supported for subqueries`);
    return expr;
  }
  if (expr.type !== 'vectorSelector' && expr.type !== 'matrixSelector') {
    ps.addError(expr.posRange, `${kw} modifier not implemented`);
    return expr;
  }
  const vs = expr.type === 'vectorSelector' ? expr : expr.vectorSelector;
  if ((kw === 'anchored' && vs.smoothed) || (kw === 'smoothed' && vs.anchored)) {
    ps.addError(expr.posRange, 'anchored and smoothed modifiers cannot be used together');
  }
  return rebuild(ps, expr, kw === 'anchored' ? { anchored: true } : { smoothed: true });
}
