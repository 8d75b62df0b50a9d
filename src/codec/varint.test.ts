import assert from 'node:assert/strict';
import { test } from 'node:test';

import { putUvarint, unzigzag, zigzag } from './varint.ts';

test('putUvarint writes base-128 groups, least significant first, up to 2^53', () => {
  const out = new Uint8Array(16);
  assert.equal(putUvarint(out, 0, 0), 1);
  assert.deepEqual([...out.subarray(0, 1)], [0]);
  assert.equal(putUvarint(out, 2, 300), 4);
  assert.deepEqual([...out.subarray(2, 4)], [0xac, 0x02]);
  const end = putUvarint(out, 0, 2 ** 53 - 1);
  assert.equal(end, 8);
  let v = 0;
  for (let i = end - 1; i >= 0; i--) v = v * 128 + ((out[i] as number) & 0x7f);
  assert.equal(v, 2 ** 53 - 1);
  // Around the switch from float to int32 arithmetic.
  for (const x of [127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 3]) {
    const n = putUvarint(out, 0, x);
    let y = 0;
    for (let i = n - 1; i >= 0; i--) y = y * 128 + ((out[i] as number) & 0x7f);
    assert.equal(y, x, String(x));
    assert.equal(n, Math.max(1, Math.ceil(Math.log2(x + 1) / 7)), String(x));
  }
});

test('zigzag maps 0, -1, 1, -2, ... to 0, 1, 2, 3, ... and back, past 2^32', () => {
  assert.deepEqual([0, -1, 1, -2, 2].map(zigzag), [0, 1, 2, 3, 4]);
  for (const v of [0, -1, 1, 2 ** 40, -(2 ** 40), 2 ** 51, -(2 ** 51) + 1])
    assert.equal(unzigzag(zigzag(v)), v);
  // Both sides of the int32 fast path's edge (2^32) and of the int32 range.
  for (const v of [2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32)]) {
    assert.equal(unzigzag(zigzag(v)), v, String(v));
    assert.equal(Object.is(unzigzag(zigzag(v)), -0), false);
  }
  for (const u of [0xfffffffd, 0xfffffffe, 0xffffffff, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1])
    assert.equal(zigzag(unzigzag(u)), u, String(u));
});
