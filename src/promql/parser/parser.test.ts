import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { BinaryExpr, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from './ast.ts';
import { parseExpr } from './parser.ts';
import { exprToString } from './printer.ts';

/** A fully parenthesised rendering that shows how the parser grouped things. */
function shape(e: Expr): string {
  switch (e.type) {
    case 'binary':
      return `(${shape(e.lhs)} ${e.op} ${shape(e.rhs)})`;
    case 'unary':
      return `(${e.op}${shape(e.expr)})`;
    case 'paren':
      return `[${shape(e.expr)}]`;
    case 'number':
      return String(e.value);
    case 'call':
      return `${e.func.name}(${e.args.map(shape).join(', ')})`;
    case 'aggregate':
      return `${e.op}(${e.param !== null ? shape(e.param) + ', ' : ''}${shape(e.expr)})`;
    default:
      return exprToString(e);
  }
}

const p = (q: string): Expr => parseExpr(q);
function as<T extends Expr['type']>(e: Expr, type: T): Extract<Expr, { type: T }> {
  assert.equal(e.type, type);
  return e as Extract<Expr, { type: T }>;
}

describe('precedence and associativity', () => {
  const cases: Array<[string, string]> = [
    ['-2 ^ 2', '(-(2 ^ 2))'],
    ['2 ^ 3 ^ 2', '(2 ^ (3 ^ 2))'],
    ['-2 * 3', '(-2 * 3)'],
    ['2 * -3 ^ 2', '(2 * (-(3 ^ 2)))'],
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['8 / 4 / 2', '((8 / 4) / 2)'],
    ['1 + 2 == bool 3', '((1 + 2) == 3)'],
    ['a or b and c', '(a or (b and c))'],
    ['a and b unless c', '((a and b) unless c)'],
    ['a + b or c > d', '((a + b) or (c > d))'],
    ['a atan2 b * c', '((a atan2 b) * c)'],
    ['a </ 1 + 2', '(a </ (1 + 2))'],
    ['- - 1', '1'],
    ['+1', '1'],
    ['-(1)', '(-[1])'],
    ['(1 + 2) * 3', '([(1 + 2)] * 3)'],
    ['-a ^ 2', '(-(a ^ 2))'],
  ];
  for (const [q, want] of cases) {
    it(q, () => assert.equal(shape(p(q)), want));
  }

  it('folds a unary minus into a number literal, keeping its position', () => {
    const n = as(p('-1'), 'number');
    assert.equal(n.value, -1);
    assert.deepEqual(n.posRange, { start: 0, end: 2 });
  });

  it('binds offset, @ and ranges tighter than any operator', () => {
    assert.equal(shape(p('a + b offset 5m')), '(a + b offset 5m)');
    assert.equal(shape(p('x offset 100 + 2')), '(x offset 1m40s + 2)');
    assert.equal(shape(p('x offset -2 ^ 2')), '(x offset -2s ^ 2)');
    assert.equal(shape(p('x offset -step()*2')), '(x offset -step() * 2)');
    assert.equal(shape(p('-x offset 5m')), '(-x offset 5m)');
  });
});

describe('literals', () => {
  it('keeps durations written as numbers printable as durations', () => {
    const n = as(p('5m'), 'number');
    assert.equal(n.value, 300);
    assert.equal(n.duration, true);
    assert.equal(as(p('1h30m'), 'number').value, 5400);
  });

  it('reads Inf and NaN in any case, hex and octal', () => {
    assert.equal(as(p('inF'), 'number').value, Infinity);
    assert.equal(as(p('-Inf'), 'number').value, -Infinity);
    assert.ok(Number.isNaN(as(p('NAN'), 'number').value));
    assert.equal(as(p('0x8f'), 'number').value, 143);
    assert.equal(as(p('0755'), 'number').value, 493);
    assert.equal(as(p('1_000'), 'number').value, 1000);
  });

  it('decodes strings', () => {
    assert.equal(as(p('"a\\tb"'), 'string').value, 'a\tb');
    assert.equal(as(p('`raw\\t`'), 'string').value, 'raw\\t');
  });
});

describe('selectors', () => {
  it('builds matchers, the name last', () => {
    const vs = as(p('up{job="a",instance!="b",path=~"/api.*",code!~"5..",}'), 'vectorSelector');
    assert.equal(vs.name, 'up');
    assert.deepEqual(
      vs.matchers.map((m) => `${m.name}${m.type}${m.value}`),
      ['job=a', 'instance!=b', 'path=~/api.*', 'code!~5..', '__name__=up'],
    );
    assert.deepEqual(vs.posRange, { start: 0, end: 53 });
  });

  it('accepts quoted UTF-8 metric and label names', () => {
    const vs = as(p('{"http.server.duration", "service.name"="api"}'), 'vectorSelector');
    assert.equal(vs.name, '');
    assert.deepEqual(
      vs.matchers.map((m) => `${m.name}${m.type}${m.value}`),
      ['__name__=http.server.duration', 'service.name=api'],
    );
    const agg = as(p('sum by ("a.b", c) ({"x.y"})'), 'aggregate');
    assert.deepEqual(agg.grouping, ['a.b', 'c']);
  });

  it('lets keywords that cannot start anything else be metric names', () => {
    for (const name of [
      'sum',
      'by',
      'without',
      'offset',
      'start',
      'end',
      'step',
      'range',
      'and',
      'anchored',
      'min',
    ]) {
      assert.equal(as(p(name), 'vectorSelector').name, name, name);
    }
    assert.equal(shape(p('foo * sum')), '(foo * sum)');
    assert.equal(as(p('sum(sum)'), 'aggregate').expr.type, 'vectorSelector');
    assert.equal(as(p('offset{step="1s"}[5m]'), 'matrixSelector').vectorSelector.name, 'offset');
    assert.equal(shape(p('fill + fill(0) other')), '(fill + other)');
  });

  it('reads ranges, offsets, @ and the extended range modifiers', () => {
    const m = as(p('foo[5m] offset -1h @ 123.4567 anchored'), 'matrixSelector') as MatrixSelector;
    assert.equal(m.range, 300_000);
    assert.equal(m.vectorSelector.offset, -3_600_000);
    assert.equal(m.vectorSelector.timestamp, 123_457);
    assert.equal(m.vectorSelector.anchored, true);
    assert.deepEqual(m.posRange, { start: 0, end: 38 });
    const vs = as(p('foo @ end() offset 1m'), 'vectorSelector') as VectorSelector;
    assert.equal(vs.startOrEnd, 'end');
    assert.equal(vs.offset, 60_000);
    assert.equal(as(p('foo @ -3.3335'), 'vectorSelector').timestamp, -3334);
    assert.equal(as(p('foo @ 1m'), 'vectorSelector').timestamp, 60_000);
    assert.equal(as(p('foo offset 1.5'), 'vectorSelector').offset, 1500);
    assert.equal(as(p('foo[100]'), 'matrixSelector').range, 100_000);
  });

  it('reads subqueries with and without a step', () => {
    const s = as(p('rate(x[1m])[5m:30s] offset 1m @ start()'), 'subquery') as SubqueryExpr;
    assert.equal(s.range, 300_000);
    assert.equal(s.step, 30_000);
    assert.equal(s.offset, 60_000);
    assert.equal(s.startOrEnd, 'start');
    assert.equal(as(p('x[5m:]'), 'subquery').step, 0);
    const nested = as(p('max_over_time(sum(x)[10m:1m])[1h:]'), 'subquery');
    assert.equal(nested.expr.type, 'call');
  });
});

describe('duration expressions', () => {
  it('keeps arithmetic as an expression, literals in ms', () => {
    const m = as(p('x[5m+1m]'), 'matrixSelector');
    assert.equal(m.range, 0);
    assert.deepEqual(m.rangeExpr, {
      type: 'durationBinary',
      op: '+',
      lhs: { type: 'durationLiteral', ms: 300_000, duration: true },
      rhs: { type: 'durationLiteral', ms: 60_000, duration: true },
    });
    assert.deepEqual(as(p('x[-5m+35m]'), 'matrixSelector').rangeExpr, {
      type: 'durationBinary',
      op: '+',
      lhs: { type: 'durationLiteral', ms: -300_000, duration: true },
      rhs: { type: 'durationLiteral', ms: 2_100_000, duration: true },
    });
  });

  it('reads step(), range(), min_of and max_of in ranges, steps and offsets', () => {
    const s = as(p('x[max_of(step(), 1m):range() / 2] offset -(min_of(step(), 1s))'), 'subquery');
    assert.equal(s.rangeExpr?.type, 'durationCall2');
    assert.equal(s.stepExpr?.type, 'durationBinary');
    assert.deepEqual(s.offsetExpr, {
      type: 'durationUnary',
      op: '-',
      expr: {
        type: 'durationParen',
        expr: {
          type: 'durationCall2',
          func: 'min_of',
          lhs: { type: 'durationCall', func: 'step' },
          rhs: { type: 'durationLiteral', ms: 1000, duration: true },
        },
      },
    });
  });

  it('gives unary minus its place below ^ and collapses nested parentheses', () => {
    assert.deepEqual(as(p('x[-2^2]'), 'matrixSelector').rangeExpr, {
      type: 'durationUnary',
      op: '-',
      expr: {
        type: 'durationBinary',
        op: '^',
        lhs: { type: 'durationLiteral', ms: 2000 },
        rhs: { type: 'durationLiteral', ms: 2000 },
      },
    });
    assert.equal(exprToString(p('x[((1h))]')), 'x[(1h)]');
  });
});

describe('operators and their modifiers', () => {
  it('records vector matching', () => {
    const b = as(p('a / on(x, y,) group_left(z) b'), 'binary') as BinaryExpr;
    assert.deepEqual(b.matching, {
      card: 'many-to-one',
      matchingLabels: ['x', 'y'],
      on: true,
      explicit: true,
      include: ['z'],
      fillLeft: null,
      fillRight: null,
    });
    assert.equal(as(p('a and b'), 'binary').matching?.card, 'many-to-many');
    assert.equal(as(p('a - ignoring(x) group_right b'), 'binary').matching?.card, 'one-to-many');
    assert.equal(as(p('a + 1'), 'binary').matching, null);
    assert.equal(as(p('a > bool b'), 'binary').returnBool, true);
  });

  it('reads fill modifiers', () => {
    const fill = (q: string): [number | null, number | null] => {
      const m = as(p(q), 'binary').matching;
      return [m?.fillLeft ?? null, m?.fillRight ?? null];
    };
    assert.deepEqual(fill('a + fill(0) b'), [0, 0]);
    assert.deepEqual(fill('a + fill_left(1) b'), [1, null]);
    assert.deepEqual(fill('a + fill_right(-Inf) b'), [null, -Infinity]);
    assert.deepEqual(fill('a + on(x) group_left fill_right(2) fill_left(1) b'), [1, 2]);
    assert.deepEqual(fill('a == bool fill(30) b'), [30, 30]);
  });
});

describe('aggregations and functions', () => {
  it('accepts the grouping before or after the arguments', () => {
    const before = as(p('sum without (a, b) (x)'), 'aggregate');
    const after = as(p('sum(x) without (a, b)'), 'aggregate');
    assert.deepEqual([before.without, before.grouping], [true, ['a', 'b']]);
    assert.deepEqual([after.without, after.grouping], [true, ['a', 'b']]);
    assert.deepEqual(after.posRange, { start: 0, end: 21 });
    assert.equal(as(p('sum by () (x)'), 'aggregate').hasGrouping, true);
    assert.deepEqual(as(p('sum without(and, by, avg, count, alert, on)(x)'), 'aggregate').grouping, [
      'and',
      'by',
      'avg',
      'count',
      'alert',
      'on',
    ]);
  });

  it('reads parameters', () => {
    assert.equal(shape(p('topk(5, x)')), 'topk(5, x)');
    assert.equal(shape(p('count_values("v", x)')), 'count_values("v", x)');
    assert.equal(shape(p('quantile(0.9, x)')), 'quantile(0.9, x)');
    assert.equal(shape(p('limitk(2, x)')), 'limitk(2, x)');
    assert.equal(shape(p('limit_ratio(0.5, x)')), 'limit_ratio(0.5, x)');
  });

  it('type-checks variadic and optional arguments', () => {
    assert.equal(as(p('round(x)'), 'call').args.length, 1);
    assert.equal(as(p('round(x, 5)'), 'call').args.length, 2);
    assert.equal(as(p('label_join(x, "d", ",", "a", "b", "c")'), 'call').args.length, 6);
    assert.equal(as(p('histogram_quantiles(x, "q", 0.1, 0.5, 0.9)'), 'call').args.length, 5);
    assert.equal(as(p('sort_by_label(x, "a", "b")'), 'call').args.length, 3);
    assert.equal(as(p('info(x, {k8s_cluster_name=~".+"})'), 'call').args.length, 2);
    assert.equal(as(p('year()'), 'call').args.length, 0);
    assert.equal(shape(p('step() + start() - end() * range()')), '((step() + start()) - (end() * range()))');
    assert.equal(shape(p('min_of(3, max_of(1, 2))')), 'min_of(3, max_of(1, 2))');
  });

  it('gives calls and aggregations their source positions', () => {
    const c = as(p('  rate(x[5m])  '), 'call');
    assert.deepEqual(c.posRange, { start: 2, end: 13 });
    assert.deepEqual(c.args[0]?.posRange, { start: 7, end: 12 });
  });
});
