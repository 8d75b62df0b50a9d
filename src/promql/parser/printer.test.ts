import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Expr } from './ast.ts';
import { astToJson, type Json } from './json.ts';
import { parseExpr } from './parser.ts';
import { prettify } from './prettier.ts';
import { exprToString } from './printer.ts';
import { children, mapChildren, walk } from './walk.ts';

const str = (q: string): string => exprToString(parseExpr(q));

describe('exprToString (Prometheus String())', () => {
  const cases: Array<[string, string]> = [
    ['sum without(job, instance) (foo)', 'sum without (job, instance) (foo)'],
    ['sum(foo) by (job)', 'sum by (job) (foo)'],
    ['sum by () (foo)', 'sum(foo)'],
    ['sum without () (foo)', 'sum without () (foo)'],
    ['topk(5, foo)', 'topk(5, foo)'],
    ['count_values("v", foo)', 'count_values("v", foo)'],
    ['sum by ("a.b", c) (foo)', 'sum by ("a.b", c) (foo)'],
    ['a - on(b) c', 'a - on (b) c'],
    ['a - on() c', 'a - on () c'],
    ['a - ignoring(b) c', 'a - ignoring (b) c'],
    ['a - ignoring() c', 'a - c'],
    ['up > bool 0', 'up > bool 0'],
    ['a + on(b) group_left c', 'a + on (b) group_left () c'],
    ['a + ignoring(b) group_right(c, d) e', 'a + ignoring (b) group_right (c, d) e'],
    ['a + fill(0) b', 'a + fill (0) b'],
    ['a + fill_left(1e6) fill_right(-Inf) b', 'a + fill_left (1e+06) fill_right (-Inf) b'],
    ['a and on(x) b or c unless d', 'a and on (x) b or c unless d'],
    ['a </ 2', 'a </ 2'],
    ['foo{c="d",a="b"}', 'foo{a="b",c="d"}'],
    ['{"foo", "a.b"="c"}', '{"a.b"="c",__name__="foo"}'],
    ['foo{a=~"x|y", b!~".+", c!=""}', 'foo{a=~"x|y",b!~".+",c!=""}'],
    ['foo[5m] offset 1h', 'foo[5m] offset 1h'],
    ['foo[300] offset 90m', 'foo[5m] offset 1h30m'],
    ['foo offset -5m', 'foo offset -5m'],
    ['foo @ 1603775019', 'foo @ 1603775019.000'],
    ['foo @ -1.5 offset 1m', 'foo @ -1.500 offset 1m'],
    ['foo offset 1m @ start()', 'foo @ start() offset 1m'],
    ['foo[1h:5m]', 'foo[1h:5m]'],
    ['foo[1h:] @ end()', 'foo[1h:] @ end()'],
    ['rate(x[5m] anchored)', 'rate(x[5m] anchored)'],
    ['rate(x[5m] offset 1m smoothed)', 'rate(x[5m] smoothed offset 1m)'],
    ['x[5m+1m]', 'x[5m + 1m]'],
    ['x[2m*(10+5)]', 'x[2m * (10 + 5)]'],
    ['x offset -(5m)', 'x offset -(5m)'],
    ['x offset (4d / 2)', 'x offset (4d / 2)'],
    ['x[1.5]', 'x[1s500ms]'],
    ['x[1.5 * 2]', 'x[1.5 * 2]'],
    ['x[step()+1ms:max_of(range(), 1s)]', 'x[step() + 1ms:max_of(range(), 1s)]'],
    ['1e3', '1000'],
    ['0x10', '16'],
    ['.5', '0.5'],
    ['1e-7', '0.0000001'],
    ['Inf', '+Inf'],
    ['-inf', '-Inf'],
    ['nan', 'NaN'],
    ['5m', '5m'],
    ['-5m', '-5m'],
    ['-(1)', '-(1)'],
    ['-foo', '-foo'],
    ['"a\\tb\\u00e9\\x00"', '"a\\tbé\\x00"'],
    ['\'single "quote"\'', '"single \\"quote\\""'],
    ['`raw\\path`', '"raw\\\\path"'],
    ['label_replace(up, "dst", "$1", "src", "(.*)")', 'label_replace(up, "dst", "$1", "src", "(.*)")'],
    [
      'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))',
      'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))',
    ],
    ['(a + b) * c', '(a + b) * c'],
  ];
  for (const [q, want] of cases) {
    it(q, () => {
      assert.equal(str(q), want);
      assert.equal(str(want), want, 'printing is stable');
    });
  }
});

describe('prettify (format_query)', () => {
  it('leaves short expressions on one line', () => {
    assert.equal(prettify(parseExpr('sum(rate(foo[5m])) by (job)')), 'sum by (job) (rate(foo[5m]))');
  });

  it('splits long binary expressions around the operator', () => {
    const q =
      'sum by (job) (rate(http_requests_total{job="api-server",instance="localhost:9090",handler="/api/v1/query"}[5m]))' +
      ' / on (job) group_left sum(rate(foo[5m]))';
    assert.equal(
      prettify(parseExpr(q)),
      [
        '  sum by (job) (',
        '    rate(http_requests_total{handler="/api/v1/query",instance="localhost:9090",job="api-server"}[5m])',
        '  )',
        '/ on (job) group_left ()',
        '  sum(rate(foo[5m]))',
      ].join('\n'),
    );
  });

  it('puts long function arguments one per line', () => {
    const long = 'a_very_long_metric_name_that_takes_space{with_a_label="and a value that is also long"}';
    assert.equal(
      prettify(parseExpr(`label_replace(${long}, "dst", "$1", "src", "(.*)")`)),
      ['label_replace(', `  ${long},`, '  "dst",', '  "$1",', '  "src",', '  "(.*)"', ')'].join('\n'),
    );
    assert.equal(
      prettify(parseExpr(`topk(5, ${long} * 200000)`)),
      ['topk(', '  5,', `  ${long} * 200000`, ')'].join('\n'),
    );
    // The parenthesis is 101 bytes long, its content 99: only the parenthesis splits.
    assert.equal(prettify(parseExpr(`-(${long} + 1234567890)`)), `-(\n  ${long} + 1234567890\n)`);
  });
});

describe('astToJson (parse_query)', () => {
  const j = (q: string): Json => astToJson(parseExpr(q));
  const num = (val: string, duration: boolean): Json => ({ type: 'numberLiteral', val, duration });
  const dur = (op: string, lhs: Json, rhs: Json, wrapped: boolean): Json => ({
    type: 'durationExpr',
    op,
    lhs,
    rhs,
    wrapped,
  });

  it('describes selectors like Prometheus', () => {
    assert.deepEqual(j('foo{a="b"}[5m] offset 1m'), {
      type: 'matrixSelector',
      name: 'foo',
      range: 300000,
      rangeExpr: null,
      offset: 60000,
      offsetExpr: null,
      matchers: [
        { name: 'a', value: 'b', type: '=' },
        { name: '__name__', value: 'foo', type: '=' },
      ],
      timestamp: null,
      startOrEnd: null,
      anchored: false,
      smoothed: false,
    });
  });

  it('describes duration expressions like Prometheus', () => {
    const m = j('foo[5m+1m] offset (10m/2)') as Record<string, Json>;
    assert.deepEqual(m['rangeExpr'], dur('+', num('300', true), num('60', true), false));
    assert.deepEqual(m['offsetExpr'], dur('/', num('600', true), num('2', false), true));
    const s = j('foo[4s+4s:1s*2] offset (5s-8)') as Record<string, Json>;
    assert.deepEqual(s['stepExpr'], dur('*', num('1', true), num('2', false), false));
    assert.equal(s['step'], 0);
    const v = j('foo offset -min_of(5s,step()+8s)') as Record<string, Json>;
    assert.deepEqual(
      v['offsetExpr'],
      dur(
        '-',
        null,
        dur('min_of', num('5', true), dur('+', dur('step', null, null, false), num('8', true), false), false),
        false,
      ),
    );
    assert.deepEqual(
      (j('foo offset +(5)') as Record<string, Json>)['offsetExpr'],
      dur('+', null, num('5', false), true),
    );
  });

  it('describes operators, calls and aggregations', () => {
    assert.deepEqual(j('sum by (a) (rate(x[1m])) > bool on (a) group_left (b) fill(0) y'), {
      type: 'binaryExpr',
      op: '>',
      lhs: {
        type: 'aggregation',
        op: 'sum',
        expr: {
          type: 'call',
          func: { name: 'rate', argTypes: ['matrix'], variadic: 0, returnType: 'vector' },
          args: [j('x[1m]')],
        },
        param: null,
        grouping: ['a'],
        without: false,
      },
      rhs: j('y'),
      matching: {
        card: 'many-to-one',
        labels: ['a'],
        on: true,
        include: ['b'],
        fillValues: { lhs: 0, rhs: 0 },
      },
      bool: true,
    });
    assert.deepEqual(j('-(1e3)'), {
      type: 'unaryExpr',
      op: '-',
      expr: { type: 'parenExpr', expr: { type: 'numberLiteral', val: '1000' } },
    });
    assert.deepEqual(j('"s"'), { type: 'stringLiteral', val: 's' });
    assert.equal((j('x @ 5') as Record<string, Json>)['timestamp'], 5000);
  });
});

describe('walking the tree', () => {
  it('visits every node, parents first, with the path', () => {
    const e = parseExpr('sum(rate(x[5m])) + 1');
    const seen: string[] = [];
    walk(e, (node, path) => {
      seen.push(`${path.length}:${node.type}`);
    });
    assert.deepEqual(seen, [
      '0:binary',
      '1:aggregate',
      '2:call',
      '3:matrixSelector',
      '4:vectorSelector',
      '1:number',
    ]);
    assert.equal(children(e).length, 2);
  });

  it('rewrites children without touching unchanged nodes', () => {
    const e = parseExpr('sum(x) + rate(y[5m])');
    assert.equal(
      mapChildren(e, (c) => c),
      e,
    );
    // Pin every selector with @, as the conformance runner does.
    const pin = (n: Expr): Expr => {
      if (n.type === 'vectorSelector') return { ...n, timestamp: 60_000 };
      if (n.type === 'matrixSelector')
        return { ...n, vectorSelector: { ...n.vectorSelector, timestamp: 60_000 } };
      return mapChildren(n, pin);
    };
    assert.equal(exprToString(pin(e)), 'sum(x @ 60.000) + rate(y[5m] @ 60.000)');
  });
});
