import type { BinaryOp, Expr, NumberLiteral, VectorSelector } from './ast.ts';
import { checkAst } from './check.ts';
import { parseAggregate, parseCall } from './calls.ts';
import {
  checkPositive,
  parseDurationExpr,
  parseOffsetDuration,
  tokenSeconds,
  type ParsedDuration,
} from './durations.ts';
import { ParseError } from './errors.ts';
import { applyAt, applyOffset, applyRangeModifier, makeMatrixOrSubquery } from './modifiers.ts';
import { T, type Token } from './lexer.ts';
import { parseDuration, parseNumber } from './numbers.ts';
import { parseVectorSelector } from './selectors.ts';
import { makeBinary, parseBinaryModifiers } from './operators.ts';
import { Halt, ParseState, type ParseOptions } from './state.ts';
import { unquote } from './strings.ts';

/**
 * The PromQL parser: recursive descent over the lexer's tokens, precedence climbing for binary
 * operators, and Prometheus's checks. Problems that do not derail the grammar (an unknown function,
 * a bad duration) are collected and parsing continues, so the first one reported is the first one
 * Prometheus would report; type checking runs only when parsing found nothing.
 */

/** Binding power of binary operators, low to high; `^` is the only right-associative one. */
const BINARY_PREC: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '</': 3,
  '>/': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};
const POW_PREC = 6;

/** Parses and type-checks a PromQL expression. Throws {@link ParseError}. */
export function parseExpr(query: string, options: ParseOptions = {}): Expr {
  const ps = new ParseState(query, options);
  let expr: Expr | null = null;
  try {
    ps.start();
    if (ps.is(T.EOF)) {
      ps.addError({ start: 0, end: 0 }, 'no expression found in input');
    } else {
      expr = parseBinary(ps, 0);
      if (!ps.is(T.EOF)) ps.unexpected();
    }
    if (expr !== null && ps.problems.length === 0) checkAst(ps, expr);
  } catch (err) {
    if (err instanceof RangeError) {
      // The parser recurses once per nesting level; thousands of levels exhaust the JS stack.
      if (ps.problems.length === 0) {
        ps.addError({ start: 0, end: query.length }, 'expression nests too deeply to parse');
      }
    } else if (!(err instanceof Halt)) {
      throw err;
    }
  }
  if (ps.problems.length > 0 || expr === null) throw new ParseError(query, ps.problems);
  return expr;
}

/**
 * A lone vector selector, for the API's `match[]` (`up{job="a"}`, `{"utf8.name"}`). Returns the
 * matchers including the implied `__name__` one. Like Prometheus, it does not insist on a
 * non-empty matcher; the API layer decides that.
 */
export function parseMetricSelector(text: string): VectorSelector {
  const ps = new ParseState(text, {});
  let vs: VectorSelector | null = null;
  try {
    ps.start();
    const t = ps.tok;
    if (t.kind === T.LBRACE) vs = parseVectorSelector(ps, null);
    else if (isMetricNameToken(t)) vs = parseVectorSelector(ps, ps.next());
    else ps.unexpected();
    if (!ps.is(T.EOF)) ps.unexpected();
  } catch (err) {
    if (!(err instanceof Halt)) throw err;
  }
  if (ps.problems.length > 0 || vs === null) throw new ParseError(text, ps.problems);
  return vs;
}

function isMetricNameToken(t: Token): boolean {
  switch (t.kind) {
    case T.IDENT:
    case T.METRIC_IDENT:
    case T.AGGR:
    case T.PREPROC:
      return true;
    case T.OP:
      return t.kw === 'and' || t.kw === 'or' || t.kw === 'unless';
    case T.KEYWORD:
      return (
        t.kw === 'by' || t.kw === 'without' || t.kw === 'offset' || t.kw === 'anchored' || t.kw === 'smoothed'
      );
    default:
      return false;
  }
}

const parseArg = (ps: ParseState): Expr => parseBinary(ps, 0);

function parseBinary(ps: ParseState, minPrec: number): Expr {
  let lhs = parseUnary(ps);
  for (;;) {
    const t = ps.tok;
    const prec = t.kind === T.OP ? BINARY_PREC[t.kw] : undefined;
    if (prec === undefined || prec < minPrec) return lhs;
    ps.next();
    const mods = parseBinaryModifiers(ps);
    const rhs = parseBinary(ps, t.kw === '^' ? prec : prec + 1);
    lhs = makeBinary(ps, t.kw as BinaryOp, lhs, rhs, mods);
  }
}

function parseUnary(ps: ParseState): Expr {
  if (ps.is(T.OP, '-') || ps.is(T.OP, '+')) {
    const op = ps.next();
    // Unary operators bind like `*`, so `-2 ^ 2` is `-(2 ^ 2)` while `-2 * 3` is `(-2) * 3`.
    const operand = parseBinary(ps, POW_PREC);
    if (operand.type === 'number') {
      const value = op.kw === '-' ? -operand.value : operand.value;
      return { ...operand, value, posRange: { start: op.start, end: operand.posRange.end } };
    }
    return {
      type: 'unary',
      op: op.kw as '-' | '+',
      expr: operand,
      posRange: { start: op.start, end: operand.posRange.end },
    };
  }
  return parsePostfix(ps, parsePrimary(ps));
}

/** `[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed`: they bind tightest of all. */
function parsePostfix(ps: ParseState, expr: Expr): Expr {
  for (;;) {
    const t = ps.tok;
    if (t.kind === T.LBRACKET) {
      ps.next();
      const range = parseDurationExpr(ps, 'subquery or range selector');
      checkPositive(ps, range);
      if (ps.is(T.RBRACKET)) {
        ps.next();
        expr = makeMatrixOrSubquery(ps, expr, t.start, false, range, null);
      } else if (ps.is(T.COLON)) {
        ps.next();
        let step: ParsedDuration | null = null;
        if (!ps.is(T.RBRACKET)) {
          step = parseDurationExpr(ps, 'subquery selector');
          checkPositive(ps, step);
          if (!ps.is(T.RBRACKET)) ps.unexpected('subquery selector', '"]"');
        }
        ps.next();
        expr = makeMatrixOrSubquery(ps, expr, t.start, true, range, step);
      } else {
        ps.unexpected('subquery or range', '":" or "]"');
      }
    } else if (t.kind === T.KEYWORD && t.kw === 'offset') {
      ps.next();
      expr = applyOffset(ps, expr, parseOffsetDuration(ps));
    } else if (t.kind === T.OP && t.kw === '@') {
      ps.next();
      expr = parseAt(ps, expr);
    } else if (t.kind === T.KEYWORD && (t.kw === 'anchored' || t.kw === 'smoothed')) {
      ps.next();
      expr = applyRangeModifier(ps, expr, t.kw);
    } else {
      return expr;
    }
  }
}

function parseAt(ps: ParseState, expr: Expr): Expr {
  const context = '@';
  if (ps.is(T.PREPROC, 'start') || ps.is(T.PREPROC, 'end')) {
    const which = ps.next().kw as 'start' | 'end';
    ps.expect(T.LPAREN, context, 'timestamp');
    ps.expect(T.RPAREN, context, 'timestamp');
    return applyAt(ps, expr, null, which);
  }
  let sign = 1;
  if (ps.is(T.OP, '-') || ps.is(T.OP, '+')) sign = ps.next().kw === '-' ? -1 : 1;
  if (!ps.is(T.NUMBER) && !ps.is(T.DURATION)) ps.unexpected(context, 'timestamp');
  const seconds = sign * tokenSeconds(ps, ps.next());
  return applyAt(ps, expr, seconds, null);
}

function parsePrimary(ps: ParseState): Expr {
  const t = ps.tok;
  switch (t.kind) {
    case T.NUMBER:
    case T.DURATION:
      ps.next();
      return numberLiteral(ps, t);
    case T.STRING:
      ps.next();
      return { type: 'string', value: unquote(t.text), posRange: { start: t.start, end: t.end } };
    case T.LPAREN: {
      ps.next();
      const inner = parseBinary(ps, 0);
      ps.expect(T.RPAREN);
      return { type: 'paren', expr: inner, posRange: { start: t.start, end: ps.lastEnd } };
    }
    case T.LBRACE:
      return parseVectorSelector(ps, null);
    case T.IDENT:
      ps.next();
      if (ps.is(T.LPAREN)) return parseCall(ps, t, t.text, parseArg);
      return parseVectorSelector(ps, t);
    case T.PREPROC:
      ps.next();
      if (ps.is(T.LPAREN)) return parseCall(ps, t, t.kw, parseArg);
      return parseVectorSelector(ps, t);
    case T.AGGR: {
      const after = ps.peek();
      if (
        after.kind === T.LPAREN ||
        (after.kind === T.KEYWORD && (after.kw === 'by' || after.kw === 'without'))
      ) {
        return parseAggregate(ps, parseArg);
      }
      return parseVectorSelector(ps, ps.next());
    }
  }
  if (isMetricNameToken(t)) return parseVectorSelector(ps, ps.next());
  return ps.unexpected();
}

function numberLiteral(ps: ParseState, t: Token): NumberLiteral {
  let value = 0;
  const duration = t.kind === T.DURATION;
  try {
    value = duration ? parseDuration(t.text) / 1000 : parseNumber(t.text);
  } catch (err) {
    ps.addError({ start: t.start, end: t.end }, (err as Error).message);
  }
  return { type: 'number', value, duration, posRange: { start: t.start, end: t.end } };
}
