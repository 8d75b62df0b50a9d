import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { BadDataError } from '../../model/index.ts';
import { lineAndByteColumn, ParseError } from './errors.ts';
import { parseExpr, parseMetricSelector } from './parser.ts';

/** Parses `query`, expecting failure, and returns the error. */
function fail(query: string, options = {}): ParseError {
  try {
    parseExpr(query, options);
  } catch (err) {
    assert.ok(err instanceof ParseError, `${query}: expected ParseError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${query}: parsed, but should have failed`);
}

/**
 * [query, Prometheus's message, 0-based byte offset of the reported position]. The messages and
 * positions are those Prometheus 3.x reports for the same input (its parser tests), so Grafana
 * users see the same text from us.
 */
const CASES: ReadonlyArray<readonly [string, string, number]> = [
  // End of input, stray characters, numbers.
  ['', 'no expression found in input', 0],
  ['# just a comment\n\n', 'no expression found in input', 0],
  ['1+', 'unexpected end of input', 2],
  ['1 /', 'unexpected end of input', 3],
  ['.', "unexpected character: '.'", 0],
  ['2.5.', 'bad number or duration syntax: "2.5."', 0],
  ['100..4', 'bad number or duration syntax: "100.."', 0],
  ['0deadbeef', 'bad number or duration syntax: "0de"', 0],
  ['*1', 'unexpected <op:*>', 0],
  ['*test', 'unexpected <op:*>', 0],
  ['@@', 'unexpected <op:@>', 0],
  ['-=', 'unexpected "="', 1],
  ['++-++-+-+-<', 'unexpected <op:<>', 10],
  ['e-+=/(0)', 'unexpected "="', 3],
  // Brackets.
  ['(1))', "unexpected right parenthesis ')'", 4],
  ['((1)', 'unclosed left parenthesis', 4],
  ['(', 'unclosed left parenthesis', 1],
  ['sum(', 'unclosed left parenthesis', 4],
  ['sum(rate(', 'unclosed left parenthesis', 9],
  ['{', 'unexpected end of input inside braces', 1],
  ['some{', 'unexpected end of input inside braces', 5],
  ['}', "unexpected character: '}'", 0],
  ['some}', "unexpected character: '}'", 4],
  ['foo{bar="baz"}[', 'unexpected end of input in duration expression', 15],
  // Operators and their modifiers.
  ['1 and 1', 'set operator "and" not allowed in binary scalar expression', 0],
  ['1 or 1', 'set operator "or" not allowed in binary scalar expression', 0],
  ['1 unless 1', 'set operator "unless" not allowed in binary scalar expression', 0],
  ['foo and 1', 'set operator "and" not allowed in binary scalar expression', 0],
  ['1 unless foo', 'set operator "unless" not allowed in binary scalar expression', 0],
  ['1 == 1', 'comparisons between scalars must use BOOL modifier', 2],
  ['1 !~ 1', "unexpected character after '!': '~'", 2],
  ['1 =~ 1', "unexpected character after '=': '~'", 2],
  [
    '-"string"',
    'unary expression only allowed on expressions of type scalar or instant vector, got "string"',
    0,
  ],
  [
    '-test[5m]',
    'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"',
    0,
  ],
  ['a - on(b) ignoring(c) d', 'unexpected <ignoring>', 10],
  ['1 or on(bar) foo', 'vector matching only allowed between instant vectors', 0],
  ['foo == on(bar) 10', 'vector matching only allowed between instant vectors', 0],
  ['foo + group_left(baz) bar', 'unexpected <group_left>', 6],
  ['foo and on(bar) group_left(baz) bar', 'no grouping allowed for "and" operation', 0],
  ['foo unless on(bar) group_right(baz) bar', 'no grouping allowed for "unless" operation', 0],
  [
    'http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}',
    'label "instance" must not occur in ON and GROUP clause at once',
    34,
  ],
  ['foo + bool bar', 'bool modifier can only be used on comparison operators', 4],
  ['foo and bool 10', 'bool modifier can only be used on comparison operators', 4],
  ['foo[5m] + 1', 'binary expression must contain only scalar and instant vector types', 0],
  ['a + fill(1) 2', 'filling in missing series only allowed between instant vectors', 0],
  ['a and fill(1) b', 'filling in missing series not allowed for set operators', 0],
  // Selectors.
  ['some_metric{a=b}', 'unexpected identifier "b" in label matching, expected string', 14],
  ['some_metric{a:b="b"}', "unexpected character inside braces: ':'", 13],
  ['foo{a*"b"}', "unexpected character inside braces: '*'", 5],
  ['foo{a>="b"}', "unexpected character inside braces: '>'", 5],
  ['foo{gibberish}', 'unexpected "}" in label matching, expected label matching operator', 13],
  ['foo{1}', "unexpected character inside braces: '1'", 4],
  ['{}', 'vector selector must contain at least one non-empty matcher', 0],
  ['{x=""}', 'vector selector must contain at least one non-empty matcher', 0],
  ['{x=~".*"}', 'vector selector must contain at least one non-empty matcher', 0],
  ['{x!~".+"}', 'vector selector must contain at least one non-empty matcher', 0],
  ['{x!="a"}', 'vector selector must contain at least one non-empty matcher', 0],
  ['foo{__name__="bar"}', 'metric name must not be set twice: "foo" or "bar"', 0],
  ['foo{__name__= =}', 'unexpected "=" in label matching, expected string', 14],
  ['foo{,}', 'unexpected "," in label matching, expected identifier or "}"', 4],
  ['foo{__name__ == "bar"}', 'unexpected "=" in label matching, expected string', 14],
  ['foo{__name__="bar" lol}', 'unexpected identifier "lol" in label matching, expected "," or "}"', 19],
  ['foo{"a"=}', 'unexpected "}" in label matching, expected string', 8],
  ['some_metric{a="\ufffd"}', 'invalid UTF-8 rune', 14],
  ['foo{a=~"(bar"}', 'error parsing regexp: missing closing ): `(bar`', 4],
  ['foo{a!~"a**"}', 'error parsing regexp: invalid nested repetition operator: `**`', 4],
  // Ranges, subqueries, offsets, @.
  ['foo[5mm]', 'bad number or duration syntax: "5mm"', 4],
  ['foo[5m1]', 'bad number or duration syntax: "5m1"', 4],
  ['foo[5m:1m1]', 'bad number or duration syntax: "1m1"', 7],
  ['foo[5y1hs]', 'unknown unit "hs" in duration "5y1hs"', 4],
  ['foo[5m1h]', 'not a valid duration string: "5m1h"', 4],
  ['foo[5m1m]', 'not a valid duration string: "5m1m"', 4],
  ['foo[1.5h]', 'unknown unit "." in duration "1.5h"', 4],
  ['foo[0m]', 'duration must be greater than 0', 4],
  ['foo[-1]', 'duration must be greater than 0', 4],
  ['foo["5m"]', `unexpected character in duration expression: '"'`, 4],
  ['foo[]', 'unexpected "]" in subquery or range selector, expected number, duration, step(), or range()', 4],
  [
    'foo[step]',
    'unexpected "]" in subquery or range selector, expected number, duration, step(), or range()',
    8,
  ],
  ['foo[5s x 5s]', "unexpected character: 'x', expected ':'", 7],
  ['foo[5s s 5s]', "unexpected character: 's', expected ':'", 7],
  ['foo[step()/0d]', 'division by zero', 10],
  ['foo[5s/0d]', 'division by zero', 6],
  ['foo offset (4d/0)', 'division by zero', 14],
  ['foo[5s%0d]', 'modulo by zero', 6],
  ['foo offset 9.5e10', 'duration out of range', 11],
  ['foo[9.5e10]', 'duration out of range', 4],
  ['some_metric[5m] OFFSET 1mm', 'bad number or duration syntax: "1mm"', 23],
  [
    'some_metric[5m] OFFSET',
    'unexpected end of input in offset, expected number, duration, step(), or range()',
    22,
  ],
  ['some_metric OFFSET 1m[5m]', 'no offset modifiers allowed before range', 21],
  ['some_metric offset step()[5m]', 'no offset modifiers allowed before range', 25],
  ['some_metric[5m] @', 'unexpected end of input in @, expected timestamp', 17],
  ['some_metric @ 1234 [5m]', 'no @ modifiers allowed before range', 19],
  ['some_metric @ start() [5m]', 'no @ modifiers allowed before range', 22],
  ['some_metric @ end()[5m]', 'no @ modifiers allowed before range', 19],
  ['(foo + bar)[5m]', 'ranges only allowed for vector selectors', 11],
  ['rate(food[1m])[1h] offset 1h', 'ranges only allowed for vector selectors', 14],
  ['1[5m] smoothed', 'ranges only allowed for vector selectors', 1],
  [
    '1 offset 1d',
    'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    0,
  ],
  ['foo offset 1s offset 2s', 'offset may not be set multiple times', 0],
  ['foo @ 1 @ 2', '@ <timestamp> may not be set multiple times', 0],
  ['foo @ +Inf', 'timestamp out of bounds for @ modifier: +Inf', 0],
  ['foo @ -Inf', 'timestamp out of bounds for @ modifier: -Inf', 0],
  ['foo @ NaN', 'timestamp out of bounds for @ modifier: NaN', 0],
  ['foo @ 9223372036854775808', 'timestamp out of bounds for @ modifier: 9223372036854775808.000000', 0],
  [
    'rate(some_metric[5m]) @ 1234',
    '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    0,
  ],
  ['test[5d] OFFSET 10s [10m:5s]', 'subquery is only allowed on instant vector, got matrix instead', 0],
  ['(foo + bar{nm="val"})[5m:][10m:5s]', 'subquery is only allowed on instant vector, got matrix instead', 0],
  ['foo[5m] anchored smoothed', 'anchored and smoothed modifiers cannot be used together', 0],
  ['foo[5m:] anchored', 'anchored modifier is not supported for subqueries', 0],
  // Aggregations.
  ['sum by ("foo)(some_metric{})', 'unterminated quoted string', 8],
  ['sum without(==)(some_metric)', 'unexpected <op:==> in grouping opts, expected label', 12],
  ['sum without(,)(some_metric)', 'unexpected "," in grouping opts, expected label', 12],
  ['sum without(foo,,)(some_metric)', 'unexpected "," in grouping opts, expected label', 16],
  ['sum by (a b) (x)', 'unexpected identifier "b" in grouping opts, expected "," or ")"', 10],
  ['sum by (a:b) (x)', 'unexpected metric identifier "a:b" in grouping opts, expected label', 8],
  ['sum some_metric by (test)', 'unexpected identifier "some_metric"', 4],
  ['sum (some_metric) by test', 'unexpected identifier "test" in grouping opts, expected "("', 21],
  ['sum by (a) foo', 'unexpected identifier "foo" in aggregation', 11],
  ['sum () by (test)', 'no arguments for aggregate expression provided', 0],
  ['MIN keep_common (some_metric)', 'unexpected identifier "keep_common"', 4],
  ['MIN (some_metric) keep_common', 'unexpected identifier "keep_common"', 18],
  ['sum (some_metric) without (test) by (test)', 'unexpected <by>', 33],
  ['sum without (test) (some_metric) by (test)', 'unexpected <by>', 33],
  ['topk(some_metric)', 'wrong number of arguments for aggregate expression provided, expected 2, got 1', 0],
  ['topk(some_metric,)', 'trailing commas not allowed in function call args', 16],
  ['topk(some_metric, other_metric)', 'expected type scalar in aggregation parameter, got instant vector', 5],
  ['count_values(5, other_metric)', 'expected type string in aggregation parameter, got scalar', 13],
  ['sum(1)', 'expected type instant vector in aggregation expression, got scalar', 4],
  // Functions.
  ['floor()', 'expected 1 argument(s) in call to "floor", got 0', 0],
  ['floor(some_metric, other_metric)', 'expected 1 argument(s) in call to "floor", got 2', 0],
  ['floor(1)', 'expected type instant vector in call to function "floor", got scalar', 6],
  [
    'hour(some_metric, some_metric, some_metric)',
    'expected at most 1 argument(s) in call to "hour", got 3',
    0,
  ],
  ['label_join(x, "a")', 'expected at least 3 argument(s) in call to "label_join", got 2', 0],
  ['time(some_metric)', 'expected 0 argument(s) in call to "time", got 1', 0],
  ['non_existent_function_far_bar()', 'unknown function with name "non_existent_function_far_bar"', 0],
  ['a>b()', 'unknown function with name "b"', 2],
  ['rate(some_metric)', 'expected type range vector in call to function "rate", got instant vector', 5],
  ['rate(avg)', 'expected type range vector in call to function "rate", got instant vector', 5],
  ['rate(x[5m], )', 'trailing commas not allowed in function call args', 10],
  ['rate(x y)', 'unexpected identifier "y"', 7],
  [
    'info(rate(http_request_counter_total{}[5m]), target_info{foo="bar"})',
    'expected label selectors only, got vector selector instead',
    45,
  ],
  [
    'info(http_request_counter_total{namespace="zzz"}, {foo="bar"} == 1)',
    'expected label selectors only',
    50,
  ],
  // Strings.
  ['`\\``', 'unterminated raw string', 3],
  ['"\\', 'escape sequence not terminated', 0],
  ['"\\c"', "unknown escape sequence U+0063 'c'", 0],
  ['"\\x."', "illegal character U+002E '.' in escape sequence", 0],
  ['"\\uD800"', 'escape sequence is an invalid Unicode code point', 0],
  ['"\\U00110000"', 'escape sequence is an invalid Unicode code point', 0],
  ['"\\400"', 'escape sequence is an invalid Unicode code point', 0],
  ['"abc\ndef"', 'unterminated quoted string', 0],
];

describe('parse errors read like Prometheus', () => {
  for (const [query, message, offset] of CASES) {
    it(JSON.stringify(query), () => {
      const err = fail(query);
      assert.equal(err.detail, message);
      assert.equal(err.posRange.start, offset);
      assert.equal(err.message, `1:${offset + 1}: parse error: ${message}`);
    });
  }

  it('reports out-of-range literals with Go strconv wording', () => {
    const nines = '9'.repeat(309);
    assert.equal(
      fail(nines).detail,
      `error parsing number: strconv.ParseFloat: parsing "${nines}": value out of range`,
    );
  });

  it('is a BadDataError carrying every problem found', () => {
    const err = fail('foo and on(bar) group_left(baz) bar');
    assert.ok(err instanceof BadDataError);
    assert.equal(err.kind, 'bad_data');
    assert.deepEqual(
      err.problems.map((p) => p.message),
      ['no grouping allowed for "and" operation', 'set operations must always be many-to-many'],
    );
  });

  it('counts columns in UTF-8 bytes and lines from 1', () => {
    const err = fail('{"ünï"="x"} + =');
    assert.equal(err.message, '1:17: parse error: unexpected "="');
    assert.equal(fail('sum(x) by (a)\n  by (b)').message, '2:3: parse error: unexpected <by>');
    assert.deepEqual(lineAndByteColumn('a😀b', 3), { line: 1, column: 6 });
  });

  it('refuses experimental syntax when it is switched off', () => {
    const off = {
      experimentalFunctions: false,
      durationExpressions: false,
      extendedRangeSelectors: false,
      binopFillModifiers: false,
    };
    const cases: Array<[string, string]> = [
      ['mad_over_time(x[5m])', 'function "mad_over_time" is not enabled'],
      [
        'limitk(1, x)',
        'limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions',
      ],
      ['x[5m+1m]', 'experimental duration expression is not enabled'],
      ['x offset (5m)', 'experimental duration expression is not enabled'],
      ['rate(x[5m] anchored)', 'anchored modifier is experimental and not enabled'],
      ['rate(x[5m] smoothed)', 'smoothed modifier is experimental and not enabled'],
      ['a + fill(0) b', 'binop fill modifiers are experimental and not enabled'],
    ];
    for (const [query, message] of cases) assert.equal(fail(query, off).detail, message, query);
    // Plain literals stay valid without duration expressions.
    assert.doesNotThrow(() => parseExpr('x[5m] offset -1h', off));
  });
});

describe('parseMetricSelector', () => {
  it('returns the matchers of a lone selector, the metric name last', () => {
    const vs = parseMetricSelector('up{job="a", "service.name"=~"api|web"}');
    assert.deepEqual(
      vs.matchers.map((m) => `${m.name}${m.type}${m.value}`),
      ['job=a', 'service.name=~api|web', '__name__=up'],
    );
    assert.deepEqual(
      parseMetricSelector('{"utf8.name"}').matchers.map((m) => `${m.name}${m.type}${m.value}`),
      ['__name__=utf8.name'],
    );
  });

  it('refuses anything but a selector, with Prometheus messages', () => {
    const messages = (text: string): string => {
      try {
        parseMetricSelector(text);
      } catch (err) {
        assert.ok(err instanceof ParseError);
        return err.message;
      }
      return 'parsed';
    };
    assert.equal(messages('up offset 5m'), '1:4: parse error: unexpected <offset>');
    assert.equal(messages('rate(x[5m])'), '1:5: parse error: unexpected "("');
    assert.equal(
      messages('{a=b}'),
      '1:4: parse error: unexpected identifier "b" in label matching, expected string',
    );
    assert.equal(messages(''), '1:1: parse error: unexpected end of input');
  });
});

describe('robustness', () => {
  it('turns runaway nesting into a parse error instead of a stack overflow', () => {
    const deep = '('.repeat(50_000) + 'x' + ')'.repeat(50_000);
    assert.equal(fail(deep).detail, 'expression nests too deeply to parse');
  });

  it('either parses or throws a ParseError for any input (fuzz)', () => {
    const pieces = fc.constantFrom(
      ...[
        'sum',
        'rate',
        'x',
        '{',
        '}',
        '(',
        ')',
        '[',
        ']',
        ',',
        ':',
        '=',
        '=~',
        '!=',
        '"a"',
        "'b'",
        '`c`',
        '5m',
      ],
      ...[
        '1',
        '.5',
        '0x1f',
        '+',
        '-',
        '*',
        '/',
        '^',
        '==',
        'bool',
        'on',
        'by',
        'offset',
        '@',
        'start()',
        ' ',
        '#',
      ],
      ...[
        'step()',
        'min_of',
        'fill',
        'group_left',
        'anchored',
        'and',
        '</',
        'Inf',
        '\n',
        '"\\',
        'é',
        '😀',
        '\ufffd',
      ],
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 25 }), (parts) => {
        const q = parts.join('');
        try {
          parseExpr(q);
        } catch (err) {
          assert.ok(err instanceof ParseError, `${JSON.stringify(q)}: ${String(err)}`);
          assert.match(err.message, /^\d+:\d+: parse error: ./);
        }
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});
