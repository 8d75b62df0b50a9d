import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketFraction, bucketQuantile, quantileSorted } from './quantile.ts';

test('quantileSorted interpolates between ranks and clamps φ outside [0, 1] to ∓Inf', () => {
  const v = [1, 2, 3, 4];
  assert.equal(quantileSorted(0.5, v), 2.5);
  assert.equal(quantileSorted(0, v), 1);
  assert.equal(quantileSorted(1, v), 4);
  assert.equal(quantileSorted(-0.1, v), -Infinity);
  assert.equal(quantileSorted(1.1, v), Infinity);
  assert.ok(Number.isNaN(quantileSorted(0.5, [])));
});

test('bucketQuantile interpolates linearly inside the bucket holding the rank', () => {
  const buckets = () => [
    { upper: 1, count: 10 },
    { upper: 2, count: 20 },
    { upper: Infinity, count: 20 },
  ];
  assert.deepEqual(bucketQuantile(0.5, buckets()), { value: 1, forced: false });
  assert.equal(bucketQuantile(0.75, buckets()).value, 1.5);
  // The +Inf bucket answers with the highest finite bound.
  assert.equal(bucketQuantile(1, buckets()).value, 2);
});

test('bucketQuantile forces monotonic counts and says so', () => {
  const r = bucketQuantile(0.5, [
    { upper: 1, count: 10 },
    { upper: 2, count: 8 },
    { upper: Infinity, count: 20 },
  ]);
  assert.equal(r.forced, true);
  assert.equal(r.value, 1);
});

test('bucketFraction interpolates the share of observations between two bounds', () => {
  const b = [
    { upper: 1, count: 10 },
    { upper: 2, count: 20 },
    { upper: Infinity, count: 20 },
  ];
  assert.equal(
    bucketFraction(
      1,
      1.5,
      b.map((x) => ({ ...x })),
    ),
    0.25,
  );
  assert.equal(
    bucketFraction(
      -Infinity,
      Infinity,
      b.map((x) => ({ ...x })),
    ),
    1,
  );
});
