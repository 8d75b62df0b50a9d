import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Labels } from '../../model/index.ts';
import { ChunkEncoding } from '../chunk/block-chunk.ts';
import { mergeByKey, mergeSeries, mergeSorted } from './querier.ts';
import type { ChunkRef, SeriesData } from './types.ts';

function chunk(mint: number): ChunkRef {
  return { buf: new Uint8Array(0), off: 0, len: 0, mint, maxt: mint, count: 1, enc: ChunkEncoding.Xor };
}

function series(pod: string, mint: number): SeriesData {
  return {
    labels: Labels.fromObject({ __name__: 'up', pod }),
    chunks: [chunk(mint)],
    ooo: null,
    hist: null,
  };
}

function summary(parts: SeriesData[][]): Array<[string, number[]]> {
  return mergeSeries(parts).map((m) => [m.labels.get('pod'), m.chunks.map((c) => c.mint)]);
}

test('mergeSeries: sorted lists merge by labels, chunks in list order', () => {
  const a = [series('a', 1), series('c', 1), series('d', 1)];
  const b = [series('b', 2), series('c', 2), series('e', 2)];
  const c = [series('c', 3), series('d', 3)];
  assert.deepEqual(summary([a, [], b, c]), [
    ['a', [1]],
    ['b', [2]],
    ['c', [1, 2, 3]],
    ['d', [1, 3]],
    ['e', [2]],
  ]);
});

test('mergeSeries: a list out of order or with repeats still merges (by key)', () => {
  const a = [series('c', 1), series('a', 1)];
  const b = [series('a', 2), series('a', 3), series('b', 2)];
  assert.deepEqual(summary([a, b]), [
    ['a', [1, 2, 3]],
    ['b', [2]],
    ['c', [1]],
  ]);
});

test('mergeSorted takes sorted lists (the fast path) and refuses others; it agrees with mergeByKey', () => {
  const a = [series('a', 1), series('c', 1), series('d', 1)];
  const b = [series('b', 2), series('c', 2), series('e', 2)];
  const sorted = mergeSorted([a, b]);
  assert.notEqual(sorted, null, 'sorted lists take the merge');
  const key = (ms: ReturnType<typeof mergeByKey>): Array<[string, number[]]> =>
    ms.map((m) => [m.labels.get('pod'), m.chunks.map((c) => c.mint)]);
  assert.deepEqual(key(sorted ?? []), key(mergeByKey([a, b])));
  assert.equal(mergeSorted([[series('c', 1), series('a', 1)], b]), null, 'out of order falls back');
  assert.equal(mergeSorted([[series('a', 1), series('a', 2)], b]), null, 'repeats fall back');
});
