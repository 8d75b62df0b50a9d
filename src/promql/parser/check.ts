import type { BinaryExpr, Call, Expr, PosRange, ValueType } from './ast.ts';
import { argType, arity } from './functions.ts';
import type { ParseState } from './state.ts';
import { goQuote } from './strings.ts';

/**
 * Prometheus's parse-time type checks (its `checkAST`), in the same order, so the first problem
 * reported is the one Prometheus reports. Children are checked before their parent's own rules.
 */

/** Types of composite nodes, so chains of parentheses or operators are not re-walked. */
const cachedTypes = new WeakMap<Expr, ValueType>();

/** The type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'aggregate':
    case 'vectorSelector':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'call':
      return e.func.returnType;
    case 'paren':
    case 'unary':
    case 'stepInvariant':
    case 'binary': {
      let t = cachedTypes.get(e);
      if (t === undefined) {
        t =
          e.type !== 'binary'
            ? typeOf(e.expr)
            : typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar'
              ? 'scalar'
              : 'vector';
        cachedTypes.set(e, t);
      }
      return t;
    }
  }
}

/** The names Prometheus uses for types in messages. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

export function checkAst(ps: ParseState, expr: Expr): ValueType {
  return check(ps, expr);
}

function expectType(ps: ParseState, node: Expr, want: ValueType, context: string): void {
  const t = check(ps, node);
  if (t !== want) {
    ps.addError(
      node.posRange,
      `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`,
    );
  }
}

/** Checks `n` and its children; returns its type (computed from the children, so linear). */
function check(ps: ParseState, n: Expr): ValueType {
  switch (n.type) {
    case 'aggregate':
      expectType(ps, n.expr, 'vector', 'aggregation expression');
      if (n.param !== null) {
        expectType(ps, n.param, n.op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter');
      }
      return 'vector';
    case 'binary':
      return checkBinary(ps, n);
    case 'call':
      checkCall(ps, n);
      return n.func.returnType;
    case 'paren':
    case 'stepInvariant':
      return check(ps, n.expr);
    case 'unary': {
      const t = check(ps, n.expr);
      if (t !== 'scalar' && t !== 'vector') {
        ps.addError(
          n.posRange,
          `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documentedType(t))}`,
        );
      }
      return t;
    }
    case 'subquery': {
      const t = check(ps, n.expr);
      if (t !== 'vector')
        ps.addError(n.posRange, `subquery is only allowed on instant vector, got ${t} instead`);
      return 'matrix';
    }
    case 'matrixSelector':
      check(ps, n.vectorSelector);
      return 'matrix';
    case 'vectorSelector':
      if (n.name !== '') {
        // The name written before the braces is the last matcher; another __name__ conflicts.
        for (let i = 0; i < n.matchers.length - 1; i++) {
          const m = n.matchers[i];
          if (m !== undefined && m.name === '__name__') {
            ps.addError(
              n.posRange,
              `metric name must not be set twice: ${goQuote(n.name)} or ${goQuote(m.value)}`,
            );
          }
        }
      } else if (!ps.labelOnlySelectors.has(n) && n.matchers.every((m) => m.matchesEmpty)) {
        // Selecting every series by accident (a typo in `{job=~".*"}`) is refused.
        ps.addError(n.posRange, 'vector selector must contain at least one non-empty matcher');
      }
      return 'vector';
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
  }
}

/** Where the operator of a binary expression starts and ends (for bool/comparison messages). */
function opRange(ps: ParseState, n: BinaryExpr): PosRange {
  let start = n.lhs.posRange.end;
  while (start < n.rhs.posRange.start && /\s/.test(ps.input[start] ?? '')) start++;
  let end = n.rhs.posRange.start;
  while (end > start && /\s/.test(ps.input[end - 1] ?? '')) end--;
  return { start, end };
}

function checkBinary(ps: ParseState, n: BinaryExpr): ValueType {
  const lt = check(ps, n.lhs);
  const rt = check(ps, n.rhs);
  const type: ValueType = lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
  const mods = ps.binaryModifiers.get(n);
  const setOp = SET_OPS.has(n.op);
  if (n.returnBool && !COMPARISONS.has(n.op)) {
    ps.addError(opRange(ps, n), 'bool modifier can only be used on comparison operators');
  }
  if (COMPARISONS.has(n.op) && !n.returnBool && lt === 'scalar' && rt === 'scalar') {
    ps.addError(opRange(ps, n), 'comparisons between scalars must use BOOL modifier');
  }
  if (mods === undefined) return type; // built outside the parser: nothing more to check
  if (mods.on) {
    for (const l1 of mods.matchingLabels) {
      for (const l2 of mods.include) {
        if (l1 === l2)
          ps.addError(opRange(ps, n), `label ${goQuote(l1)} must not occur in ON and GROUP clause at once`);
      }
    }
  }
  if (lt !== 'scalar' && lt !== 'vector') {
    ps.addError(n.lhs.posRange, 'binary expression must contain only scalar and instant vector types');
  }
  if (rt !== 'scalar' && rt !== 'vector') {
    ps.addError(n.rhs.posRange, 'binary expression must contain only scalar and instant vector types');
  }
  const fill = mods.fillLeft !== null || mods.fillRight !== null;
  if (lt !== 'vector' || rt !== 'vector') {
    if (mods.matchingLabels.length > 0)
      ps.addError(n.posRange, 'vector matching only allowed between instant vectors');
    if (fill) ps.addError(n.posRange, 'filling in missing series only allowed between instant vectors');
  } else if (setOp) {
    if (mods.group !== null) ps.addError(n.posRange, `no grouping allowed for ${goQuote(n.op)} operation`);
    if (mods.group !== null) ps.addError(n.posRange, 'set operations must always be many-to-many');
    if (fill) ps.addError(n.posRange, 'filling in missing series not allowed for set operators');
  }
  if ((lt === 'scalar' || rt === 'scalar') && setOp) {
    ps.addError(n.posRange, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
  }
  return type;
}

function checkCall(ps: ParseState, n: Call): void {
  const f = n.func;
  const { min, max } = arity(f);
  const got = n.args.length;
  if (f.variadic === 0) {
    if (got !== min)
      ps.addError(n.posRange, `expected ${min} argument(s) in call to ${goQuote(f.name)}, got ${got}`);
  } else if (got < min) {
    ps.addError(n.posRange, `expected at least ${min} argument(s) in call to ${goQuote(f.name)}, got ${got}`);
  } else if (got > max) {
    ps.addError(n.posRange, `expected at most ${max} argument(s) in call to ${goQuote(f.name)}, got ${got}`);
  }
  const second = n.args[1];
  if (f.name === 'info' && second !== undefined) {
    const t = typeOf(second);
    if (t !== 'vector') {
      ps.addError(
        n.posRange,
        `expected type instant vector in call to function ${goQuote(f.name)}, got ${documentedType(t)}`,
      );
    }
    if (second.type === 'vectorSelector' && second.name !== '') {
      ps.addError(second.posRange, 'expected label selectors only, got vector selector instead');
    } else if (second.type === 'vectorSelector') {
      ps.labelOnlySelectors.add(second);
    } else {
      ps.addError(second.posRange, 'expected label selectors only');
    }
  }
  for (let i = 0; i < n.args.length; i++) {
    const want = argType(f, i);
    if (want === undefined) break;
    const arg = n.args[i] as Expr;
    const t = check(ps, arg);
    if (t !== want) {
      ps.addError(
        arg.posRange,
        `expected type ${documentedType(want)} in call to function ${goQuote(f.name)}, got ${documentedType(t)}`,
      );
    }
  }
}
