import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { Matcher, type MatchType } from '../../model/index.ts';
import type {
  AggregateOp,
  BinaryExpr,
  BinaryOp,
  DurationExpr,
  Expr,
  SubqueryExpr,
  VectorMatching,
  VectorSelector,
} from './ast.ts';
import { evalConstSeconds } from './durations.ts';
import { getFunction } from './functions.ts';
import { parseExpr } from './parser.ts';
import { prettify } from './prettier.ts';
import { exprToString } from './printer.ts';
import { normalize } from './test-util.ts';

/**
 * Property: random well-typed trees, shaped as the parser would build them, print to text that
 * parses back to the same tree (and prettify to text that does too). The builders below insert
 * parentheses exactly where the parser would have needed them, because Prometheus's printer (and
 * ours) only prints the parentheses that are in the tree.
 */

const P = { start: 0, end: 0 };
const PREC: Record<string, number> = {
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

const paren = (e: Expr): Expr => ({ type: 'paren', expr: e, posRange: P });
const negative = (e: Expr): boolean => e.type === 'number' && (e.value < 0 || Object.is(e.value, -0));

function bin(
  op: BinaryOp,
  lhs: Expr,
  rhs: Expr,
  matching: VectorMatching | null,
  returnBool: boolean,
): BinaryExpr {
  const p = PREC[op] as number;
  if (lhs.type === 'binary' && ((PREC[lhs.op] as number) < p || (PREC[lhs.op] === p && op === '^')))
    lhs = paren(lhs);
  if (op === '^' && (lhs.type === 'unary' || negative(lhs))) lhs = paren(lhs);
  if (rhs.type === 'binary' && ((PREC[rhs.op] as number) < p || (PREC[rhs.op] === p && op !== '^')))
    rhs = paren(rhs);
  return { type: 'binary', op, lhs, rhs, matching, returnBool, posRange: P };
}

function unary(op: '-' | '+', e: Expr): Expr {
  if (e.type === 'number' || (e.type === 'binary' && e.op !== '^')) e = paren(e);
  return { type: 'unary', op, expr: e, posRange: P };
}

/** Duration expressions, with the same precedence rules (`^` 3, `*` 2, `+` 1). */
const DPREC: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2, '%': 2, '^': 3 };
const dparen = (e: DurationExpr): DurationExpr =>
  e.type === 'durationParen' ? e : { type: 'durationParen', expr: e };
function dbin(op: '+' | '-' | '*' | '/' | '%' | '^', lhs: DurationExpr, rhs: DurationExpr): DurationExpr {
  const p = DPREC[op] as number;
  if (
    lhs.type === 'durationBinary' &&
    ((DPREC[lhs.op] as number) < p || (DPREC[lhs.op] === p && op === '^'))
  ) {
    lhs = dparen(lhs);
  }
  if (op === '^' && (lhs.type === 'durationUnary' || (lhs.type === 'durationLiteral' && lhs.ms <= 0)))
    lhs = dparen(lhs);
  if (
    rhs.type === 'durationBinary' &&
    ((DPREC[rhs.op] as number) < p || (DPREC[rhs.op] === p && op !== '^'))
  ) {
    rhs = dparen(rhs);
  }
  // A constant zero divisor is a parse error ("division by zero"), so avoid generating one.
  if ((op === '/' || op === '%') && evalConstSeconds(rhs) === 0) op = '+';
  return { type: 'durationBinary', op, lhs, rhs };
}
function dneg(e: DurationExpr): DurationExpr {
  if (e.type === 'durationLiteral' || (e.type === 'durationBinary' && e.op !== '^')) e = dparen(e);
  return { type: 'durationUnary', op: '-', expr: e };
}

/** No lone surrogates (in `u` mode a class of surrogates only matches unpaired ones). */
const wellFormed = (s: string): boolean => !/[\uD800-\uDFFF]/u.test(s);
const text = fc.string({ unit: 'binary', maxLength: 6 }).filter(wellFormed);
const labelName = fc.oneof(
  fc.constantFrom('job', 'instance', 'le', 'a_b', '_x9', 'on', 'bool', 'sum', 'offset', 'inf', 'NaN'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }).filter((s) => s !== '__name__'),
);
const labels = fc.uniqueArray(labelName, { maxLength: 3 });
const metricName = fc.constantFrom(
  'up',
  'http_requests_total',
  'job:rate5m',
  'sum',
  'by',
  'offset',
  'start',
  'step',
  'and',
  'anchored',
  'fill',
  'min',
);

const matcher = fc.oneof(
  fc.record({ type: fc.constantFrom<MatchType>('=', '!='), name: labelName, value: text }),
  fc.record({
    type: fc.constantFrom<MatchType>('=~', '!~'),
    name: labelName,
    value: fc.constantFrom('.*', '.+', 'a|b', '(x)?', '[0-9]+', 'é.*', '\\.'),
  }),
);

const durLiteral = fc.oneof(
  fc.record({
    type: fc.constant('durationLiteral' as const),
    ms: fc.integer({ min: 1, max: 400 }).map((x) => x * 60_000),
    duration: fc.constant(true),
  }),
  fc.record({
    type: fc.constant('durationLiteral' as const),
    ms: fc.integer({ min: -5_000_000, max: 90_000_000 }),
  }),
);
const durExpr: fc.Memo<DurationExpr> = fc.memo((n) => {
  const leaf = fc.oneof(
    durLiteral,
    fc.constantFrom<DurationExpr>(
      { type: 'durationCall', func: 'step' },
      { type: 'durationCall', func: 'range' },
    ),
  );
  if (n <= 1) return leaf;
  return fc.oneof(
    leaf,
    fc
      .tuple(fc.constantFrom('+', '-', '*', '/', '%', '^' as const), durExpr(), durExpr())
      .map(([op, l, r]) => dbin(op, l, r)),
    durExpr().map(dparen),
    durExpr().map(dneg),
    fc
      .tuple(fc.constantFrom('min_of' as const, 'max_of' as const), durExpr(), durExpr())
      .map(([func, lhs, rhs]): DurationExpr => ({ type: 'durationCall2', func, lhs, rhs })),
  );
});
/** What the parser keeps as an expression: anything but a bare literal. */
const durNonLiteral = durExpr(3).map((e) => (e.type === 'durationLiteral' ? dparen(e) : e));
/** What may follow `offset` as an expression: an atom, possibly negated. */
const offsetExpr = durNonLiteral.map((e) =>
  e.type === 'durationBinary' || e.type === 'durationUnary' ? dparen(e) : e,
);
const offset = fc.oneof(
  fc.constant({ offset: 0, offsetExpr: null }),
  fc.integer({ min: -1e9, max: 1e9 }).map((ms) => ({ offset: ms, offsetExpr: null })),
  offsetExpr.map((e) => ({ offset: 0, offsetExpr: e })),
  offsetExpr.map((e) => ({ offset: 0, offsetExpr: dneg(e) })),
);
const at = fc.oneof(
  fc.constant({ timestamp: null, startOrEnd: null }),
  fc.integer({ min: -1e12, max: 1e12 }).map((ms) => ({ timestamp: ms, startOrEnd: null })),
  fc.constantFrom('start' as const, 'end' as const).map((w) => ({ timestamp: null, startOrEnd: w })),
);

const selector = fc
  .record({
    name: fc.oneof(metricName, fc.constant('')),
    metricValue: text.filter((s) => s !== ''),
    ms: fc.array(matcher, { maxLength: 3 }),
  })
  .map(({ name, metricValue, ms }): VectorSelector => {
    const matchers = ms.map((m) => new Matcher(m.type, m.name, m.value));
    matchers.push(new Matcher('=', '__name__', name !== '' ? name : metricValue));
    return {
      type: 'vectorSelector',
      name,
      matchers,
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      anchored: false,
      smoothed: false,
      posRange: P,
    };
  });
const instantSelector = fc.tuple(selector, offset, at).map(([vs, o, a]): Expr => ({ ...vs, ...o, ...a }));
const matrix = fc
  .tuple(
    selector,
    fc.oneof(fc.integer({ min: 1, max: 1e9 }), durNonLiteral),
    offset,
    at,
    fc.constantFrom('', 'anchored', 'smoothed'),
  )
  .map(([vs, range, o, a, mod]): Expr => ({
    type: 'matrixSelector',
    vectorSelector: { ...vs, ...o, ...a, anchored: mod === 'anchored', smoothed: mod === 'smoothed' },
    range: typeof range === 'number' ? range : 0,
    rangeExpr: typeof range === 'number' ? null : range,
    posRange: P,
  }));

const num = fc.oneof(
  fc.double().map((value): Expr => ({ type: 'number', value, duration: false, posRange: P })),
  fc
    .integer({ min: -1e7, max: 1e7 })
    .map((ms): Expr => ({ type: 'number', value: ms / 1000, duration: true, posRange: P })),
);
const str = text.map((value): Expr => ({ type: 'string', value, posRange: P }));
const call = (name: string, args: Expr[]): Expr => ({
  type: 'call',
  func: getFunction(name)!,
  args,
  posRange: P,
});

const scalar: fc.Memo<Expr> = fc.memo((n) => {
  if (n <= 1) return num;
  return fc.oneof(
    num,
    fc.constantFrom('time', 'pi', 'step', 'start').map((f) => call(f, [])),
    vector().map((v) => call('scalar', [v])),
    fc.tuple(scalar(), scalar()).map(([a, b]) => call('min_of', [a, b])),
    scalar().map(paren),
    scalar().map((e) => unary('-', e)),
    fc
      .tuple(
        fc.constantFrom<BinaryOp>('+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '<', '>=', '</'),
        scalar(),
        scalar(),
      )
      .map(([op, a, b]) => bin(op, a, b, null, op === '==' || op === '!=' || op === '<' || op === '>=')),
  );
});

function matching(
  op: BinaryOp,
  m: { kind: number; on: boolean; labels: string[]; include: string[]; fill: number; fl: number; fr: number },
): VectorMatching {
  const setOp = op === 'and' || op === 'or' || op === 'unless';
  const explicit = m.kind > 0;
  const group = explicit && !setOp ? ([null, 'left', 'right'] as const)[m.kind % 3] : null;
  const matchingLabels = explicit ? m.labels : [];
  const include = group !== null ? m.include.filter((l) => !(m.on && matchingLabels.includes(l))) : [];
  const fill = setOp ? 0 : m.fill;
  return {
    card:
      group === 'left'
        ? 'many-to-one'
        : group === 'right'
          ? 'one-to-many'
          : setOp
            ? 'many-to-many'
            : 'one-to-one',
    matchingLabels,
    on: explicit && m.on,
    explicit,
    include,
    fillLeft: fill === 1 || fill === 3 ? m.fl : null,
    fillRight: fill === 2 || fill === 3 ? m.fr : fill === 1 ? m.fl : null,
  };
}

const matchingArb = fc.record({
  kind: fc.integer({ min: 0, max: 5 }),
  on: fc.boolean(),
  labels,
  include: labels,
  fill: fc.integer({ min: 0, max: 3 }),
  fl: fc.double(),
  fr: fc.double(),
});

const AGGREGATORS: AggregateOp[] = [
  'sum',
  'avg',
  'count',
  'min',
  'max',
  'group',
  'stddev',
  'topk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
];

const vector: fc.Memo<Expr> = fc.memo((n) => {
  if (n <= 1) return instantSelector;
  return fc.oneof(
    instantSelector,
    vector().map(paren),
    vector().map((v) => unary('-', v)),
    vector().map((v) => unary('+', v)),
    matrixArb().map((m) => call('rate', [m])),
    fc.tuple(scalar(), matrixArb()).map(([s, m]) => call('quantile_over_time', [s, m])),
    fc.tuple(scalar(), vector()).map(([s, v]) => call('histogram_quantile', [s, v])),
    fc.tuple(vector(), str, str, str, str).map((args) => call('label_replace', args)),
    fc.tuple(vector(), fc.array(str, { maxLength: 2 })).map(([v, s]) => call('sort_by_label', [v, ...s])),
    fc
      .tuple(vector(), fc.option(scalar(), { nil: undefined }))
      .map(([v, s]) => call('round', s === undefined ? [v] : [v, s])),
    fc.constant(call('days_in_month', [])),
    fc
      .record({
        op: fc.constantFrom(...AGGREGATORS),
        expr: vector(),
        param: scalar(),
        sparam: str,
        by: fc.integer({ min: 0, max: 2 }),
        labels,
      })
      .map(({ op, expr, param, sparam, by, labels: grouping }): Expr => {
        const withParam = ['topk', 'quantile', 'limitk', 'limit_ratio'].includes(op);
        return {
          type: 'aggregate',
          op,
          expr,
          param: op === 'count_values' ? sparam : withParam ? param : null,
          grouping: by === 0 ? [] : grouping,
          without: by === 2,
          hasGrouping: by !== 0,
          posRange: P,
        };
      }),
    fc
      .tuple(
        fc.constantFrom<BinaryOp>('+', '*', '^', 'atan2', '==', '>', '</', 'and', 'or', 'unless'),
        vector(),
        vector(),
        matchingArb,
        fc.boolean(),
      )
      .map(([op, a, b, m, bool]) => bin(op, a, b, matching(op, m), bool && (op === '==' || op === '>'))),
    fc
      .tuple(
        fc.constantFrom<BinaryOp>('-', '/', '!=', '<=', '>/'),
        vector(),
        scalar(),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([op, v, s, swap, bool]) => {
        const [a, b] = swap ? [s, v] : [v, s];
        return bin(op, a, b, null, bool && (op === '!=' || op === '<='));
      }),
  );
});

const matrixArb: fc.Memo<Expr> = fc.memo((n) => {
  if (n <= 1) return matrix;
  return fc.oneof(
    matrix,
    fc
      .tuple(
        vector(),
        fc.oneof(fc.integer({ min: 1, max: 1e9 }), durNonLiteral),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1e7 }), durNonLiteral),
        offset,
        at,
      )
      .map(([e, range, step, o, a]): Expr => {
        // Only a primary can take a subquery suffix without parentheses.
        const expr = e.type === 'binary' || e.type === 'unary' ? paren(e) : e;
        const node: SubqueryExpr = {
          type: 'subquery',
          expr,
          range: typeof range === 'number' ? range : 0,
          rangeExpr: typeof range === 'number' ? null : range,
          step: typeof step === 'number' ? step : 0,
          stepExpr: typeof step === 'number' ? null : step,
          ...o,
          ...a,
          posRange: P,
        };
        return node;
      }),
  );
});

describe('printer round-trip (property)', () => {
  it('prints random parser-shaped trees to text that parses back to the same tree', () => {
    fc.assert(
      fc.property(fc.oneof(scalar(4), vector(4), matrixArb(3)), (e) => {
        const printed = exprToString(e);
        const parsed = parseExpr(printed);
        assert.deepEqual(normalize(parsed), normalize(e), printed);
        assert.equal(exprToString(parsed), printed);
        assert.deepEqual(normalize(parseExpr(prettify(e))), normalize(e), prettify(e));
      }),
      { numRuns: 400, seed: 20260821 },
    );
  });
});
