import type { BinaryExpr, BinaryOp, Expr, VectorMatching } from './ast.ts';
import { typeOf } from './check.ts';
import { tokenSeconds } from './durations.ts';
import { T } from './lexer.ts';
import type { ParseState, RawBinaryModifiers } from './state.ts';
import { unquote } from './strings.ts';

/**
 * Label lists and the modifiers of binary operators: `by (...)`, `on (...)`, `group_left (...)`,
 * `bool`, `fill(v)`, and building a BinaryExpr with the vector matching Prometheus would record.
 */

const GROUPING_CONTEXT = 'grouping opts';
const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `(label, "quoted.label", ...)` after by/without/on/ignoring/group_left/group_right. */
export function parseGroupingLabels(ps: ParseState): string[] {
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

/** `bool`, `on(...)`/`ignoring(...)`, `group_left(...)`/`group_right(...)`, fill modifiers. */
export function parseBinaryModifiers(ps: ParseState): RawBinaryModifiers & { returnBool: boolean } {
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
  const value = tokenSeconds(ps, ps.next());
  ps.expect(T.RPAREN, context, '")"');
  return sign * value;
}

export function makeBinary(
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
