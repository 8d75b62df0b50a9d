import type { DurationExpr, PosRange } from './ast.ts';
import { T, type Token } from './lexer.ts';
import { durationOutOfRange, numberTextToMs, parseDuration, parseNumber } from './numbers.ts';
import type { ParseState } from './state.ts';

/**
 * Durations in ranges, subquery steps and offsets: a plain literal (`5m`, `300`, `-7m`) or, with
 * experimental duration expressions, arithmetic over literals, `step()`, `range()`, `min_of(a, b)`
 * and `max_of(a, b)` with PromQL precedence (`^` right-associative and tighter than unary minus).
 */

export const DURATION_EXPECTED = 'number, duration, step(), or range()';

/** A parsed duration: a folded literal (`ms`) or an expression, with the text range it covers. */
export interface ParsedDuration {
  /** Milliseconds of a plain literal; 0 when `expr` is set. */
  readonly ms: number;
  readonly expr: DurationExpr | null;
  readonly posRange: PosRange;
}

interface Node {
  readonly e: DurationExpr;
  readonly start: number;
  readonly end: number;
}

const PREC: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2, '%': 2, '^': 3 };

function literalFrom(ps: ParseState, t: Token): DurationExpr {
  if (t.kind === T.DURATION) {
    let ms = 0;
    try {
      ms = parseDuration(t.text);
    } catch (err) {
      ps.addError({ start: t.start, end: t.end }, (err as Error).message);
    }
    return { type: 'durationLiteral', ms, duration: true };
  }
  let ms = 0;
  try {
    ms = numberTextToMs(t.text);
  } catch (err) {
    ps.addError({ start: t.start, end: t.end }, (err as Error).message);
  }
  if (durationOutOfRange(ms / 1000)) ps.addError({ start: t.start, end: t.end }, 'duration out of range');
  return { type: 'durationLiteral', ms };
}

function negate(e: DurationExpr): DurationExpr {
  if (e.type === 'durationLiteral') {
    return e.duration === true
      ? { type: 'durationLiteral', ms: -e.ms, duration: true }
      : { type: 'durationLiteral', ms: -e.ms };
  }
  return { type: 'durationUnary', op: '-', expr: e };
}

/** A duration function call whose name token is current: `step()`, `range()`, `min_of(a, b)`. */
function parseCall(ps: ParseState, context: string): Node {
  const nameTok = ps.next();
  const name = nameTok.kw !== '' ? nameTok.kw : nameTok.text.toLowerCase();
  ps.expect(T.LPAREN, context, DURATION_EXPECTED);
  if (name === 'step' || name === 'range') {
    ps.expect(T.RPAREN, context, '")"');
    return { e: { type: 'durationCall', func: name }, start: nameTok.start, end: ps.lastEnd };
  }
  const lhs = parseExprNode(ps, 0, context);
  ps.expect(T.COMMA, context, '","');
  const rhs = parseExprNode(ps, 0, context);
  ps.expect(T.RPAREN, context, '")"');
  const func = name === 'min_of' ? 'min_of' : 'max_of';
  return {
    e: { type: 'durationCall2', func, lhs: lhs.e, rhs: rhs.e },
    start: nameTok.start,
    end: ps.lastEnd,
  };
}

function isCallStart(ps: ParseState): boolean {
  const t = ps.tok;
  if (t.kind === T.PREPROC)
    return t.kw === 'step' || t.kw === 'range' || t.kw === 'min_of' || t.kw === 'max_of';
  if (t.kind !== T.IDENT) return false;
  const w = t.text.toLowerCase();
  return (w === 'min_of' || w === 'max_of') && ps.peek().kind === T.LPAREN;
}

/** A literal, a call or a parenthesised expression. */
function parseAtom(ps: ParseState, context: string): Node {
  const t = ps.tok;
  if (t.kind === T.NUMBER || t.kind === T.DURATION) {
    ps.next();
    return { e: literalFrom(ps, t), start: t.start, end: t.end };
  }
  if (isCallStart(ps)) return parseCall(ps, context);
  if (t.kind === T.LPAREN) {
    ps.next();
    const inner = parseExprNode(ps, 0, context);
    ps.expect(T.RPAREN, context, '")"');
    // `((1h))` prints as `(1h)` in Prometheus: parentheses are a flag there, not a node.
    const e: DurationExpr =
      inner.e.type === 'durationParen' ? inner.e : { type: 'durationParen', expr: inner.e };
    return { e, start: t.start, end: ps.lastEnd };
  }
  return ps.unexpected(context, DURATION_EXPECTED);
}

function parseUnary(ps: ParseState, context: string): Node {
  if (ps.is(T.OP, '-') || ps.is(T.OP, '+')) {
    const op = ps.next();
    const operand = parseExprNode(ps, PREC['^'] as number, context);
    const e = op.kw === '-' ? negate(operand.e) : operand.e;
    return { e, start: op.start, end: operand.end };
  }
  return parseAtom(ps, context);
}

function parseExprNode(ps: ParseState, minPrec: number, context: string): Node {
  let lhs = parseUnary(ps, context);
  for (;;) {
    const t = ps.tok;
    const prec = t.kind === T.OP ? PREC[t.kw] : undefined;
    if (prec === undefined || prec < minPrec) return lhs;
    ps.next();
    const rhs = parseExprNode(ps, t.kw === '^' ? prec : prec + 1, context);
    const op = t.kw as '+' | '-' | '*' | '/' | '%' | '^';
    if ((op === '/' || op === '%') && evalConstSeconds(rhs.e) === 0) {
      ps.addError({ start: t.start, end: t.end }, op === '/' ? 'division by zero' : 'modulo by zero');
    }
    lhs = { e: { type: 'durationBinary', op, lhs: lhs.e, rhs: rhs.e }, start: lhs.start, end: rhs.end };
  }
}

function finish(ps: ParseState, node: Node): ParsedDuration {
  const posRange = { start: node.start, end: node.end };
  if (node.e.type === 'durationLiteral') return { ms: Math.trunc(node.e.ms), expr: null, posRange };
  if (!ps.durationExpressions) ps.addError(posRange, 'experimental duration expression is not enabled');
  return { ms: 0, expr: node.e, posRange };
}

/** A full duration expression, as inside `[...]` (range or subquery range/step). */
export function parseDurationExpr(ps: ParseState, context: string): ParsedDuration {
  return finish(ps, parseExprNode(ps, 0, context));
}

/**
 * The duration after `offset`: one optionally signed atom (`5m`, `-7m`, `step()`, `(1h / 2)`),
 * so `x offset 5m + 1` adds 1 to `x offset 5m` as in Prometheus.
 */
export function parseOffsetDuration(ps: ParseState): ParsedDuration {
  const context = 'offset';
  if (ps.is(T.OP, '-') || ps.is(T.OP, '+')) {
    const op = ps.next();
    const atom = parseAtom(ps, context);
    const e = op.kw === '-' ? negate(atom.e) : atom.e;
    return finish(ps, { e, start: op.start, end: atom.end });
  }
  return finish(ps, parseAtom(ps, context));
}

/**
 * The value in seconds of an expression without `step()`/`range()`, or null when it depends on the
 * query. Arithmetic is Go's float64: `%` is math.Mod (sign of the dividend), `^` is math.Pow.
 */
export function evalConstSeconds(e: DurationExpr): number | null {
  switch (e.type) {
    case 'durationLiteral':
      return e.ms / 1000;
    case 'durationParen':
      return evalConstSeconds(e.expr);
    case 'durationUnary': {
      const v = evalConstSeconds(e.expr);
      return v === null ? null : e.op === '-' ? -v : v;
    }
    case 'durationCall':
      return null;
    case 'durationCall2': {
      const a = evalConstSeconds(e.lhs);
      const b = evalConstSeconds(e.rhs);
      if (a === null || b === null) return null;
      if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
      return e.func === 'min_of' ? Math.min(a, b) : Math.max(a, b);
    }
    case 'durationBinary': {
      const a = evalConstSeconds(e.lhs);
      const b = evalConstSeconds(e.rhs);
      if (a === null || b === null) return null;
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '%':
          return a % b;
        case '^':
          return Math.pow(a, b);
      }
    }
  }
}

/**
 * Records "duration must be greater than 0" for a plain literal range or step that is ≤ 0. Like
 * Prometheus, expressions (`[-2^2]`, `[5m-10m]`) are left to the engine, which evaluates them.
 */
export function checkPositive(ps: ParseState, d: ParsedDuration): void {
  if (d.expr === null && !(d.ms > 0)) ps.addError(d.posRange, 'duration must be greater than 0');
}

/** The value of a signed NUMBER or DURATION token in seconds (for `@` timestamps). */
export function tokenSeconds(ps: ParseState, t: Token): number {
  try {
    return t.kind === T.DURATION ? parseDuration(t.text) / 1000 : parseNumber(t.text);
  } catch (err) {
    ps.addError({ start: t.start, end: t.end }, (err as Error).message);
    return 0;
  }
}
