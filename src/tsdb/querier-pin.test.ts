import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { Matcher } from '../model/index.ts';
import type { Series } from '../storage/index.ts';
import { openTsdb, type Tsdb } from './index.ts';
import { batchOf, OPTS, tempDirs } from './test-util.ts';

// A full collection on demand (the safety net below runs on garbage collection).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const T0 = 1_700_000_000_000;
const dir = tempDirs();
const UP = [new Matcher('=', '__name__', 'up')];

async function withData(): Promise<Tsdb> {
  const db = await openTsdb(dir(), { maintenanceIntervalMs: 0 });
  const samples = [];
  for (let i = 0; i < 50; i++)
    for (const job of ['a', 'b']) samples.push({ labels: { __name__: 'up', job }, t: T0 + i * 15_000, v: i });
  await db.append(batchOf(samples), OPTS);
  return db;
}

/** Collects garbage and lets finalization callbacks run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Selects through a querier that is never closed; returns its series, or nothing. */
async function leak(db: Tsdb, keep: boolean): Promise<readonly Series[] | null> {
  const q = await db.querier(-Infinity, Infinity);
  const series = await q.select(UP, { start: -Infinity, end: Infinity }, new AbortController().signal);
  assert.equal(series.length, 2);
  return keep ? series : null;
}

test('a querier pins the head from creation to close', async () => {
  const db = await withData();
  const q = await db.querier(-Infinity, Infinity);
  assert.equal(db.head.chunks.pinned, 1);
  await q.select(UP, { start: -Infinity, end: Infinity }, new AbortController().signal);
  q.close();
  q.close();
  assert.equal(db.head.chunks.pinned, 0);
  await collect();
  assert.equal(db.unclosedQueriers, 0, 'a closed querier is not counted when collected');
  await db.close();
});

test('a querier never closed is unpinned once it and its series are garbage', async () => {
  const db = await withData();
  await leak(db, false);
  await collect();
  assert.equal(db.head.chunks.pinned, 0);
  assert.equal(db.unclosedQueriers, 1);

  // Its series keep it (and so the pin) alive: their chunks are read in place.
  let series = await leak(db, true);
  await collect();
  assert.equal(db.head.chunks.pinned, 1);
  assert.equal(series?.length, 2);
  series = null;
  await collect();
  assert.equal(db.head.chunks.pinned, 0);
  assert.equal(db.unclosedQueriers, 2);
  await db.close();
});
