import assert from 'node:assert/strict';
import { test } from 'node:test';

import { lowerBound } from './search.ts';

test('lowerBound finds the first element >= x, within [lo, hi) when given', () => {
  const a = [1, 3, 3, 5];
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((x) => lowerBound(a, x)),
    [0, 0, 1, 1, 3, 3, 4],
  );
  assert.equal(lowerBound([], 7), 0);
  assert.equal(lowerBound(new Uint32Array([2, 4, 6, 8]), 5, 1, 3), 2);
  assert.equal(lowerBound(new Float64Array([2, 4, 6, 8]), 9, 1, 3), 3);
  assert.equal(lowerBound(new Float64Array([2, 4, 6, 8]), 0, 1, 3), 1);
});
