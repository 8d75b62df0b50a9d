import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Matcher } from '../../model/index.ts';
import { openTsdb } from '../index.ts';
import { batchOf, OPTS, tempDirs } from '../test-util.ts';
import { FrameCache } from './frame-cache.ts';

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);

test('least recently used frames go first once the budget is reached; owners are apart', () => {
  const c = new FrameCache({ maxBytes: 300, idleMs: 0 });
  const a = c.owner();
  const b = c.owner();
  c.put(a, 1, bytes(100, 1));
  c.put(b, 1, bytes(100, 2));
  c.put(a, 2, bytes(100, 3));
  assert.equal(c.get(a, 1)?.[0], 1, 'a:1 is now the most recent');
  assert.equal(c.get(b, 1)?.[0], 2, 'same frame number, other owner');
  c.put(a, 3, bytes(100, 4)); // over budget: a:2 (least recent) goes
  assert.equal(c.get(a, 2), undefined);
  assert.equal(c.bytes, 300);
  assert.equal(c.evictions, 1);
  assert.deepEqual([c.get(a, 1)?.[0], c.get(b, 1)?.[0], c.get(a, 3)?.[0]], [1, 2, 4]);
  // Larger than the whole budget: not kept.
  c.put(a, 9, bytes(301));
  assert.equal(c.get(a, 9), undefined);
  c.drop(a);
  assert.equal(c.get(a, 1), undefined);
  assert.equal(c.get(b, 1)?.[0], 2);
  assert.equal(c.bytes, 100);
});

test('everything is given back once idle', async () => {
  let now = 0;
  const c = new FrameCache({ maxBytes: 1000, idleMs: 20, now: () => now });
  const o = c.owner();
  c.put(o, 1, bytes(10));
  now = 15;
  assert.ok(c.get(o, 1), 'a read keeps it alive');
  now = 30;
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(c.bytes, 10, 'used 15 ms ago at the first check: kept');
  now = 100;
  // The next check is at most ~6 ms away; wait for it (bounded: 100 × 20 ms).
  for (let i = 0; i < 100 && c.bytes > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(c.bytes, 0);
  assert.equal(c.get(o, 1), undefined);
});

test('blocks keep inflated frames in the cache between queries and drop them when closed', async () => {
  const dirs = tempDirs();
  const cache = new FrameCache({ maxBytes: 64 * 1024 * 1024, idleMs: 0 });
  const o = {
    maintenanceIntervalMs: 0,
    blockRangeMs: 60_000,
    compactInWorker: false,
    blockFrameCache: cache,
  };
  const db = await openTsdb(dirs(), o);
  const T0 = OPTS.now - 3_600_000;
  const samples = [];
  for (let i = 0; i < 200; i++)
    for (let k = 0; k < 20; k++)
      samples.push({ labels: { __name__: 'fc', k: String(k) }, t: T0 + i * 10_000, v: i * k });
  await db.append(batchOf(samples), OPTS);
  await db.flush();
  const read = async (): Promise<number> => {
    const q = await db.querier(-Infinity, Infinity);
    const s = await q.select(
      [new Matcher('=', '__name__', 'fc')],
      { start: -Infinity, end: Infinity },
      new AbortController().signal,
    );
    q.close();
    return s.length;
  };
  assert.equal(await read(), 20);
  const misses = cache.misses;
  assert.ok(cache.bytes > 0, 'frames kept');
  assert.equal(await read(), 20);
  assert.equal(cache.misses, misses, 'the second query inflated nothing');
  assert.ok(cache.hits > 0);
  await db.close();
  assert.equal(cache.bytes, 0, 'closed blocks leave nothing behind');
});
