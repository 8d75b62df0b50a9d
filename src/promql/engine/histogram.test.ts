import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterResetHint, type FloatHistogram } from '../../model/index.ts';
import { addInPlace, detectReset, IncompatibleSchemaError } from './histogram.ts';
import { HistogramMean } from './histogram-acc.ts';
import { trimHistogram } from './histogram-trim.ts';

/** Schema-0 histogram with positive buckets starting at index 0 (bounds (0.5,1], (1,2], (2,4], …). */
function exp(buckets: number[], over: Partial<FloatHistogram> = {}): FloatHistogram {
  const count = buckets.reduce((a, b) => a + b, 0) + (over.zeroCount ?? 0);
  return {
    counterResetHint: CounterResetHint.Unknown,
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: 0,
    count,
    sum: 10,
    positiveSpans: buckets.length > 0 ? [{ offset: 0, length: buckets.length }] : [],
    positiveBuckets: [...buckets],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: [],
    ...over,
  };
}

function custom(bounds: number[], buckets: number[], sum: number): FloatHistogram {
  return {
    ...exp([]),
    schema: -53,
    zeroThreshold: 0,
    count: buckets.reduce((a, b) => a + b, 0),
    sum,
    positiveSpans: [{ offset: 0, length: buckets.length }],
    positiveBuckets: [...buckets],
    customValues: bounds,
  };
}

test('add merges buckets of different schemas at the coarser one and keeps equal hints', () => {
  const a = exp([1, 2], { counterResetHint: CounterResetHint.NotReset });
  const b = { ...exp([1, 1, 1, 1], { counterResetHint: CounterResetHint.NotReset }), schema: 1 };
  // Schema 1 buckets 0..3 are (0.707,1], (1,1.41], (1.41,2], (2,2.83]: at schema 0 they fall into
  // buckets 0, 1, 1, 2.
  addInPlace(a, b);
  assert.equal(a.schema, 0);
  assert.deepEqual(a.positiveBuckets, [2, 4, 1]);
  assert.equal(a.count, 7);
  assert.equal(a.counterResetHint, CounterResetHint.NotReset);
});

test('add refuses to mix exponential and custom buckets', () => {
  assert.throws(() => addInPlace(exp([1]), custom([1], [1, 1], 1)), IncompatibleSchemaError);
});

test('detectReset sees a drop in any bucket even when the count grows', () => {
  assert.equal(detectReset(exp([1, 5]), exp([2, 1])), true);
  assert.equal(detectReset(exp([2, 5]), exp([2, 1])), false);
});

test('HistogramMean keeps small components next to huge cancelling ones (compensated sum)', () => {
  const acc = new HistogramMean(exp([1], { sum: 3.1 }), false);
  acc.add(exp([1], { sum: 1e100 }));
  acc.add(exp([1], { sum: -1e100 }));
  acc.add(exp([1], { sum: 1.3 }));
  const r = acc.result();
  assert.ok(Math.abs(r.sum - 4.4) < 1e-12, `sum ${r.sum}`);
  assert.deepEqual(r.positiveBuckets, [4]);
  const mean = new HistogramMean(exp([2], { sum: 2 }), true);
  mean.add(exp([4], { sum: 6 }));
  const m = mean.result();
  assert.equal(m.sum, 4);
  assert.deepEqual(m.positiveBuckets, [3]);
});

test('trim below a bound inside an exponential bucket interpolates in log space', () => {
  // (1,2] cut at √2 keeps half of its observations; kept sum = Σ count × geometric midpoint.
  const h = trimHistogram(exp([2, 4]), Math.SQRT2, true);
  assert.equal(h.positiveBuckets.length, 2);
  assert.ok(Math.abs(h.positiveBuckets[1]! - 2) < 1e-12, `kept ${h.positiveBuckets[1]}`);
  assert.ok(Math.abs(h.count - 4) < 1e-12);
  const want = 2 * Math.sqrt(0.5) + 2 * Math.sqrt(Math.SQRT2);
  assert.ok(Math.abs(h.sum - want) < 1e-12, `sum ${h.sum}, want ${want}`);
});

test('trim that removes nothing returns the histogram with its original sum', () => {
  const h = trimHistogram(exp([2, 4], { sum: 7.5 }), 10, true);
  assert.equal(h.sum, 7.5);
  assert.equal(h.count, 6);
});

test('trim of custom buckets is linear; the +Inf bucket is dropped by any finite upper cut', () => {
  // Buckets (-Inf,5]:1 (taken as (0,5]), (5,10]:6, (10,+Inf]:2.
  const h = trimHistogram(custom([5, 10], [1, 6, 2], 100), 7.5, true);
  assert.deepEqual(h.positiveBuckets, [1, 3]);
  assert.equal(h.count, 4);
  assert.equal(h.sum, 1 * 2.5 + 3 * 6.25);
  const above = trimHistogram(custom([5, 10], [1, 6, 2], 100), 12, false);
  // Only the +Inf bucket is left, counted at the cut.
  assert.equal(above.count, 2);
  assert.equal(above.sum, 24);
});
