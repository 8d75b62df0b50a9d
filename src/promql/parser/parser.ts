import type {
  AggregateExpr,
  AggregateOp,
  BinaryExpr,
  BinaryOp,
  Call,
  Expr,
  NumberLiteral,
  VectorMatching,
  VectorSelector,
} from './ast.ts';
import { checkAst, typeOf } from './check.ts';
import { checkPositive, parseDurationExpr, parseOffsetDuration, type ParsedDuration } from './durations.ts';
import { ParseError } from './errors.ts';
import { getFunction } from './functions.ts';
import { applyAt, applyOffset, applyRangeModifier, makeMatrixOrSubquery } from './modifiers.ts';
import { T, type Token } from './lexer.ts';
import { parseDuration, parseNumber } from './numbers.ts';
import { parseVectorSelector } from './selectors.ts';
import { Halt, ParseState, type ParseOptions, type RawBinaryModifiers } from './state.ts';
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

const GROUPING_CONTEXT = 'grouping opts';
const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

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
    if (err instanceof RangeError && ps.problems.length === 0) {
      // The parser recurses once per nesting level; thousands of levels exhaust the JS stack.
      ps.addError({ start: 0, end: query.length }, 'expression nests too deeply to parse');
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
  const t = ps.next();
  let seconds = 0;
  try {
    seconds = sign * (t.kind === T.DURATION ? parseDuration(t.text) / 1000 : parseNumber(t.text));
  } catch (err) {
    ps.addError({ start: t.start, end: t.end }, (err as Error).message);
  }
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
      if (ps.is(T.LPAREN)) return parseCall(ps, t, t.text);
      return parseVectorSelector(ps, t);
    case T.PREPROC:
      ps.next();
      if (ps.is(T.LPAREN)) return parseCall(ps, t, t.kw);
      return parseVectorSelector(ps, t);
    case T.AGGR: {
      const after = ps.peek();
      if (
        after.kind === T.LPAREN ||
        (after.kind === T.KEYWORD && (after.kw === 'by' || after.kw === 'without'))
      ) {
        return parseAggregate(ps);
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

/** `(` args `)` after a function name or aggregation; reports a trailing comma but accepts it. */
function parseArgs(ps: ParseState): Expr[] {
  ps.expect(T.LPAREN);
  const args: Expr[] = [];
  if (ps.is(T.RPAREN)) {
    ps.next();
    return args;
  }
  for (;;) {
    args.push(parseBinary(ps, 0));
    if (ps.is(T.RPAREN)) break;
    if (!ps.is(T.COMMA)) ps.unexpected();
    const comma = ps.next();
    if (ps.is(T.RPAREN)) {
      ps.addError(
        { start: comma.start, end: comma.end },
        'trailing commas not allowed in function call args',
      );
      break;
    }
  }
  ps.next();
  return args;
}

function parseCall(ps: ParseState, nameTok: Token, name: string): Call {
  const args = parseArgs(ps);
  let func = getFunction(name);
  const nameRange = { start: nameTok.start, end: nameTok.end };
  if (func === undefined) {
    ps.addError(nameRange, `unknown function with name ${JSON.stringify(name)}`);
    func = { name, argTypes: [], variadic: -1, returnType: 'vector', experimental: false };
  } else if (func.experimental && !ps.experimentalFunctions) {
    ps.addError(nameRange, `function ${JSON.stringify(name)} is not enabled`);
  }
  return { type: 'call', func, args, posRange: { start: nameTok.start, end: ps.lastEnd } };
}

/** `(label, "quoted.label", ...)` after by/without/on/ignoring/group_left/group_right. */
function parseGroupingLabels(ps: ParseState): string[] {
  if (!ps.is(T.LPAREN)) ps.unexpected(GROUPING_CONTEXT, '"("');
  ps.next();
  const labels: string[] = [];
  while (!ps.is(T.RPAREN)) {
    const t = ps.tok;
    let label: string | null = null;
    if (t.kind === T.STRING) label = unquote(t.text);
    else if (t.kind === T.IDENT || t.kind === T.AGGR || t.kind === T.KEYWORD || t.kind === T.PREPROC)
      label = t.text;
    else if (t.kind === T.OP && /^[a-z]/i.test(t.kw)) label = t.text;
    if (label === null || (t.kind !== T.STRING && !LEGACY_LABEL.test(label)) || label === '') {
      ps.unexpected(GROUPING_CONTEXT, 'label');
    }
    ps.next();
    labels.push(label);
    if (ps.is(T.COMMA)) ps.next();
    else if (!ps.is(T.RPAREN)) ps.unexpected(GROUPING_CONTEXT, '"," or ")"');
  }
  ps.next();
  return labels;
}

const PARAM_AGGREGATORS = new Set(['topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio']);

function parseAggregate(ps: ParseState): Expr {
  const opTok = ps.next();
  const op = opTok.kw as AggregateOp;
  let without = false;
  let grouping: string[] | null = null;
  if (ps.is(T.KEYWORD, 'by') || ps.is(T.KEYWORD, 'without')) {
    without = ps.next().kw === 'without';
    grouping = parseGroupingLabels(ps);
  }
  if (!ps.is(T.LPAREN)) ps.unexpected('aggregation');
  const args = parseArgs(ps);
  if (grouping === null && (ps.is(T.KEYWORD, 'by') || ps.is(T.KEYWORD, 'without'))) {
    without = ps.next().kw === 'without';
    grouping = parseGroupingLabels(ps);
  }
  const posRange = { start: opTok.start, end: ps.lastEnd };
  const withParam = PARAM_AGGREGATORS.has(op);
  const want = withParam ? 2 : 1;
  let valid = false;
  if (args.length === 0) {
    ps.addError(posRange, 'no arguments for aggregate expression provided');
  } else if ((op === 'limitk' || op === 'limit_ratio') && !ps.experimentalFunctions) {
    ps.addError(
      posRange,
      `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`,
    );
  } else if (args.length !== want) {
    ps.addError(
      posRange,
      `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
    );
  } else {
    valid = true;
  }
  const node: AggregateExpr = {
    type: 'aggregate',
    op,
    // An invalid aggregation is never returned (the error is thrown); the placeholder keeps the shape.
    expr: valid ? (args[want - 1] as Expr) : { type: 'number', value: 0, duration: false, posRange },
    param: valid && withParam ? (args[0] as Expr) : null,
    grouping: grouping ?? [],
    without,
    hasGrouping: grouping !== null,
    posRange,
  };
  return node;
}

/** `bool`, `on(...)`/`ignoring(...)`, `group_left(...)`/`group_right(...)`, fill modifiers. */
function parseBinaryModifiers(ps: ParseState): RawBinaryModifiers & { returnBool: boolean } {
  let returnBool = false;
  let onOrIgnoring = false;
  let on = false;
  let matchingLabels: string[] = [];
  let group: 'left' | 'right' | null = null;
  let include: string[] = [];
  let fillLeft: number | null = null;
  let fillRight: number | null = null;
  if (ps.is(T.KEYWORD, 'bool')) {
    ps.next();
    returnBool = true;
  }
  if (ps.is(T.KEYWORD, 'on') || ps.is(T.KEYWORD, 'ignoring')) {
    onOrIgnoring = true;
    on = ps.next().kw === 'on';
    matchingLabels = parseGroupingLabels(ps);
    if (ps.is(T.KEYWORD, 'group_left') || ps.is(T.KEYWORD, 'group_right')) {
      group = ps.next().kw === 'group_left' ? 'left' : 'right';
      if (ps.is(T.LPAREN)) include = parseGroupingLabels(ps);
    }
  }
  if (ps.is(T.KEYWORD, 'fill')) {
    ps.next();
    fillLeft = fillRight = parseFillValue(ps);
  } else {
    for (let i = 0; i < 2 && (ps.is(T.KEYWORD, 'fill_left') || ps.is(T.KEYWORD, 'fill_right')); i++) {
      const side = ps.tok.kw;
      if ((side === 'fill_left' && fillLeft !== null) || (side === 'fill_right' && fillRight !== null)) break;
      ps.next();
      const v = parseFillValue(ps);
      if (side === 'fill_left') fillLeft = v;
      else fillRight = v;
    }
  }
  return { returnBool, onOrIgnoring, on, matchingLabels, group, include, fillLeft, fillRight };
}

function parseFillValue(ps: ParseState): number {
  const context = 'fill modifier';
  ps.expect(T.LPAREN, context, 'number');
  let sign = 1;
  if (ps.is(T.OP, '-') || ps.is(T.OP, '+')) sign = ps.next().kw === '-' ? -1 : 1;
  if (!ps.is(T.NUMBER) && !ps.is(T.DURATION)) ps.unexpected(context, 'number');
  const lit = numberLiteral(ps, ps.next());
  ps.expect(T.RPAREN, context, '")"');
  return sign * lit.value;
}

function makeBinary(
  ps: ParseState,
  op: BinaryOp,
  lhs: Expr,
  rhs: Expr,
  mods: RawBinaryModifiers & { returnBool: boolean },
): BinaryExpr {
  const bothVectors = typeOf(lhs) === 'vector' && typeOf(rhs) === 'vector';
  const setOp = op === 'and' || op === 'or' || op === 'unless';
  let matching: VectorMatching | null = null;
  if (bothVectors) {
    const card =
      mods.group === 'left'
        ? 'many-to-one'
        : mods.group === 'right'
          ? 'one-to-many'
          : setOp
            ? 'many-to-many'
            : 'one-to-one';
    matching = {
      card,
      matchingLabels: mods.matchingLabels,
      on: mods.on,
      explicit: mods.onOrIgnoring,
      include: mods.include,
      fillLeft: mods.fillLeft,
      fillRight: mods.fillRight,
    };
  }
  const node: BinaryExpr = {
    type: 'binary',
    op,
    lhs,
    rhs,
    matching,
    returnBool: mods.returnBool,
    posRange: { start: lhs.posRange.start, end: rhs.posRange.end },
  };
  if (!ps.binopFillModifiers && (mods.fillLeft !== null || mods.fillRight !== null)) {
    ps.addError(node.posRange, 'binop fill modifiers are experimental and not enabled');
  }
  ps.binaryModifiers.set(node, mods);
  return node;
}
