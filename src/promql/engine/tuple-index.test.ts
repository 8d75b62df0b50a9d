import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TupleIndex } from './tuple-index.ts';

function id(idx: TupleIndex, parts: readonly string[]): number {
  idx.begin();
  for (const p of parts) idx.add(p);
  return idx.end();
}

test('equal tuples share an id, different ones get the next dense id', () => {
  const idx = new TupleIndex();
  assert.equal(id(idx, ['a', 'b']), 0);
  assert.equal(idx.fresh, true);
  assert.equal(id(idx, ['a', 'c']), 1);
  assert.equal(id(idx, ['a', 'b']), 0);
  assert.equal(idx.fresh, false);
  assert.equal(idx.size, 2);
});

test('no separator can make tuples collide; a prefix and the empty tuple are tuples of their own', () => {
  const idx = new TupleIndex();
  // Joined with \xff both would read "a\xffb\xff\xff…"-like keys; as tuples they differ.
  const ids = [
    id(idx, ['a\xffb', '']),
    id(idx, ['a', 'b\xff']),
    id(idx, ['a']),
    id(idx, ['a', '']),
    id(idx, []),
    id(idx, ['', '']),
  ];
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(id(idx, ['a']), ids[2]);
  assert.equal(id(idx, []), ids[4]);
});

test('agrees with a joined-key Map over random tuples (seeded, bounded)', () => {
  let s = 12345;
  const rand = (n: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const idx = new TupleIndex();
  const ref = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const parts = Array.from({ length: rand(4) }, () => `v${rand(5)}`);
    const key = JSON.stringify(parts);
    const want = ref.get(key) ?? ref.size;
    ref.set(key, want);
    assert.equal(id(idx, parts), want);
  }
  assert.equal(idx.size, ref.size);
});
