import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnnotationSet, goFloatG, goQuote, positionText } from './annotations.ts';

test('positions are 1-based line:column with the column in UTF-8 bytes', () => {
  assert.equal(positionText('rate(x[5m])', 5), '1:6');
  // "é" is two bytes in UTF-8, one UTF-16 unit.
  assert.equal(positionText('{a="é"} + x', 10), '1:12');
  assert.equal(positionText('sum(\n  rate(x[5m]))', 7), '2:3');
});

test('annotations are deduplicated by text; the first position wins', () => {
  const q = 'rate(foo[5m]) + rate(foo[5m])';
  const a = new AnnotationSet(q);
  a.info('metric might not be a counter', { start: 5, end: 12 });
  a.info('metric might not be a counter', { start: 21, end: 28 });
  a.warn('something', null);
  assert.deepEqual(a.infos, ['PromQL info: metric might not be a counter (1:6)']);
  assert.deepEqual(a.warnings, ['PromQL warning: something']);
});

test('goQuote and goFloatG print like Go', () => {
  assert.equal(goQuote('a"b\\c\n\x01'), '"a\\"b\\\\c\\n\\x01"');
  // Runes Go does not count as printable are escaped too (strconv.Quote, as %q does).
  assert.equal(goQuote('a\u00a0b\u0085'), '"a\\u00a0b\\u0085"');
  assert.equal(goFloatG(1e21), '1e+21');
  assert.equal(goFloatG(0.0001), '0.0001');
  assert.equal(goFloatG(0.00001), '1e-05');
  assert.equal(goFloatG(123456), '123456');
  assert.equal(goFloatG(1234567), '1.234567e+06');
  assert.equal(goFloatG(-Infinity), '-Inf');
  assert.equal(goFloatG(NaN), 'NaN');
});
