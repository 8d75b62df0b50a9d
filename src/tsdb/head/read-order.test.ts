import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { readOrder } from './read-order.ts';

/** The comparator sort readOrder replaces, stable by index on ties. */
function reference(files: number[], offs: number[]): number[] {
  const idx = files.map((_, i) => i);
  return idx.sort((a, b) => files[a]! - files[b]! || offs[a]! - offs[b]! || a - b);
}

function check(files: number[], offs: number[]): void {
  const n = files.length;
  const order = new Uint32Array(n + 3).fill(7);
  readOrder(Uint32Array.from(files), Uint32Array.from(offs), n, order);
  assert.deepEqual([...order.subarray(0, n)], reference(files, offs));
  // Past n nothing is written.
  assert.deepEqual([...order.subarray(n)], [7, 7, 7]);
}

test('readOrder sorts by file, then offset, stably, small and large inputs', () => {
  const row = fc.tuple(
    fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 70_000 })),
    fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff })),
  );
  fc.assert(
    fc.property(
      fc.array(row, { maxLength: 40 }),
      fc.array(row, { minLength: 256, maxLength: 3000 }),
      (a, b) => {
        for (const rows of [a, b])
          check(
            rows.map((r) => r[0]),
            rows.map((r) => r[1]),
          );
      },
    ),
    { numRuns: 60 },
  );
});

test('readOrder: chunks of one series interleaved with another file region', () => {
  const n = 100_000;
  const files: number[] = [];
  const offs: number[] = [];
  for (let i = 0; i < n; i++) {
    files.push(5 + (i & 1));
    offs.push((i >> 1) * 300 + (i & 1) * 70_000_000);
  }
  check(files, offs);
});
