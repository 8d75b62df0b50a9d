import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Lexer, T, type Token } from './lexer.ts';
import { formatDuration, formatFloatF, formatFloatG, parseDuration, parseNumber } from './numbers.ts';
import { goQuote, unquote } from './strings.ts';

/** All tokens of `input` as `kind:text` strings (kw for keywords), up to EOF or an error. */
function lex(input: string): string[] {
  const lexer = new Lexer(input);
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const t: Token = lexer.next();
    const name = Object.entries(T).find(([, v]) => v === t.kind)?.[0] ?? '?';
    if (t.kind === T.EOF) return out;
    out.push(t.kind === T.ERROR ? `ERROR:${t.text}` : t.kw !== '' ? `${name}:${t.kw}` : `${name}:${t.text}`);
    if (t.kind === T.ERROR) return out;
  }
  assert.fail('lexer did not reach the end of input');
}

describe('lexer', () => {
  it('reads every number form', () => {
    for (const n of [
      '1',
      '1.5',
      '.5',
      '5.',
      '3.4e-9',
      '5E3',
      '0x8f',
      '0X_53_AB',
      '1_000_000',
      '.123_456',
      'Inf',
      'nAn',
    ]) {
      assert.deepEqual(lex(n), [`NUMBER:${n}`], n);
    }
  });

  it('reads durations, including concatenated units', () => {
    for (const d of ['5m', '1h30m', '90s', '100ms', '1y', '2w', '3d', '1m30ms']) {
      assert.deepEqual(lex(d), [`DURATION:${d}`], d);
    }
  });

  it('refuses malformed numbers the way Prometheus does', () => {
    assert.deepEqual(lex('1e'), ['ERROR:bad number or duration syntax: "1e"']);
    assert.deepEqual(lex('1__0'), ['ERROR:bad number or duration syntax: "1__"']);
    assert.deepEqual(lex('0x1.5'), ['ERROR:bad number or duration syntax: "0x1."']);
    assert.deepEqual(lex('5mm'), ['ERROR:bad number or duration syntax: "5mm"']);
  });

  it('reads strings in all three quotings', () => {
    assert.deepEqual(lex(`"a\\"b" 'c\\'d' \`e\\f\``), ['STRING:"a\\"b"', "STRING:'c\\'d'", 'STRING:`e\\f`']);
  });

  it('turns keywords into tokens outside braces and into identifiers inside', () => {
    assert.deepEqual(lex('sum by (le) offset bool and'), [
      'AGGR:sum',
      'KEYWORD:by',
      'LPAREN:(',
      'IDENT:le',
      'RPAREN:)',
      'KEYWORD:offset',
      'KEYWORD:bool',
      'OP:and',
    ]);
    assert.deepEqual(lex('{by="x", sum!~"y"}'), [
      'LBRACE:{',
      'IDENT:by',
      'EQL:=',
      'STRING:"x"',
      'COMMA:,',
      'IDENT:sum',
      'OP:!~',
      'STRING:"y"',
      'RBRACE:}',
    ]);
    assert.deepEqual(lex('SUM Offset'), ['AGGR:sum', 'KEYWORD:offset']);
  });

  it('treats fill as a keyword only before a parenthesis', () => {
    assert.deepEqual(lex('fill + fill (0) fill_left'), [
      'IDENT:fill',
      'OP:+',
      'KEYWORD:fill',
      'LPAREN:(',
      'NUMBER:0',
      'RPAREN:)',
      'IDENT:fill_left',
    ]);
  });

  it('reads all operators, the trim operators included', () => {
    assert.deepEqual(lex('a == b != c <= d < e >= f > g </ h >/ i ^ j % k @ 1 atan2 l'), [
      ...['IDENT:a', 'OP:==', 'IDENT:b', 'OP:!=', 'IDENT:c', 'OP:<=', 'IDENT:d', 'OP:<', 'IDENT:e', 'OP:>='],
      ...['IDENT:f', 'OP:>', 'IDENT:g', 'OP:</', 'IDENT:h', 'OP:>/', 'IDENT:i', 'OP:^', 'IDENT:j', 'OP:%'],
      ...['IDENT:k', 'OP:@', 'NUMBER:1', 'OP:atan2', 'IDENT:l'],
    ]);
  });

  it('reads duration expressions inside brackets', () => {
    assert.deepEqual(lex('x[STEP()+1:min_of(range(),5m)]'), [
      'IDENT:x',
      'LBRACKET:[',
      'PREPROC:step',
      'LPAREN:(',
      'RPAREN:)',
      'OP:+',
      'NUMBER:1',
      'COLON::',
      'PREPROC:min_of',
      'LPAREN:(',
      'PREPROC:range',
      'LPAREN:(',
      'RPAREN:)',
      'COMMA:,',
      'DURATION:5m',
      'RPAREN:)',
      'RBRACKET:]',
    ]);
  });

  it('skips comments', () => {
    assert.deepEqual(lex('a # comment\n+ b{# here\nc="d"}'), [
      'IDENT:a',
      'OP:+',
      'IDENT:b',
      'LBRACE:{',
      'IDENT:c',
      'EQL:=',
      'STRING:"d"',
      'RBRACE:}',
    ]);
  });

  it('distinguishes metric identifiers (with a colon) from identifiers', () => {
    assert.deepEqual(lex('job:rate5m rate'), ['METRIC_IDENT:job:rate5m', 'IDENT:rate']);
  });
});

describe('string literals', () => {
  it('decodes every escape form', () => {
    assert.equal(unquote(`"\\a\\b\\f\\n\\r\\t\\v\\\\\\""`), '\x07\b\f\n\r\t\v\\"');
    assert.equal(unquote(`'\\''`), "'");
    assert.equal(unquote(`"\\u70ac \\U0001F600 \\x41 \\101"`), '炬 😀 A A');
    // Byte escapes form UTF-8 sequences, as in Go.
    assert.equal(unquote(`"\\xe2\\x98\\xba"`), '☺');
    assert.equal(unquote(`"\\342\\230\\272"`), '☺');
    // Raw strings keep backslashes and newlines.
    assert.equal(unquote('`a\\n\nb`'), 'a\\n\nb');
  });

  it('quotes like Go strconv.Quote', () => {
    assert.equal(goQuote('plain'), '"plain"');
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote('\x07\n\t\x00\x7f'), '"\\a\\n\\t\\x00\\x7f"');
    assert.equal(goQuote('ü☺😀'), '"ü☺😀"');
    assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
    assert.equal(goQuote('\ufffd'), '"\\ufffd"');
  });
});

describe('numbers and durations', () => {
  it('parses number literals like Go ParseInt then ParseFloat', () => {
    assert.equal(parseNumber('0755'), 493);
    assert.equal(parseNumber('0x8f'), 143);
    assert.equal(parseNumber('0X_53_AB'), 0x53ab);
    assert.equal(parseNumber('09'), 9);
    assert.equal(parseNumber('1_000.5'), 1000.5);
    assert.equal(parseNumber('Inf'), Infinity);
    assert.ok(Number.isNaN(parseNumber('NaN')));
    assert.throws(() => parseNumber('0xffffffffffffffffff'), /invalid syntax/);
  });

  it('parses and formats Prometheus durations', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(
      parseDuration('1y2w3d4h5m6s7ms'),
      365 * 86_400_000 + 14 * 86_400_000 + 3 * 86_400_000 + 14_706_007,
    );
    assert.equal(parseDuration('0'), 0);
    assert.throws(() => parseDuration('1m1h'), /not a valid duration string: "1m1h"/);
    assert.throws(() => parseDuration('5x'), /unknown unit "x" in duration "5x"/);
    assert.throws(() => parseDuration(''), /empty duration string/);
    assert.throws(() => parseDuration('300y'), /duration out of range/);
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(1500), '1s500ms');
    assert.equal(formatDuration(90 * 86_400_000), '90d');
    assert.equal(formatDuration(14 * 86_400_000), '2w');
    assert.equal(formatDuration(365 * 86_400_000), '1y');
  });

  it('formats floats like Go', () => {
    assert.equal(formatFloatF(1e21), '1000000000000000000000');
    assert.equal(formatFloatF(1e-7), '0.0000001');
    assert.equal(formatFloatF(-2.5), '-2.5');
    assert.equal(formatFloatF(Infinity), '+Inf');
    assert.equal(formatFloatF(-0), '-0');
    assert.equal(formatFloatG(1e6), '1e+06');
    assert.equal(formatFloatG(123456), '123456');
    assert.equal(formatFloatG(0.00001), '1e-05');
    assert.equal(formatFloatG(NaN), 'NaN');
  });
});
