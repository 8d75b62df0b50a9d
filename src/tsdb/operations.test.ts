import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readdirSync } from 'node:fs';

import { Matcher } from '../model/index.ts';
import { openTsdb, realFs, type TsdbFs } from './index.ts';
import { batchOf, dump, OPTS, tempDirs, type TestSample } from './test-util.ts';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (24 * HOUR));
const dir = tempDirs();
const opts = { ...OPTS, now: T0 + 100 * HOUR };

function data(n: number, fromMs: number, toMs: number): TestSample[] {
  const out: TestSample[] = [];
  for (let t = fromMs; t < toMs; t += 60_000)
    for (let i = 0; i < n; i++)
      out.push({ labels: { __name__: 'm', i: `${i}` }, t, v: (t / 60_000) * (i + 1) });
  return out;
}

test('flush writes the whole head into blocks, compacts them and keeps every sample queryable', async () => {
  const d = dir();
  const db = await openTsdb(d, { blockRangeMs: 2 * HOUR, maintenanceIntervalMs: 0, compactInWorker: false });
  // 3 h 10 min: spans two 2 h windows (one of them cut by the normal rule would need 3 h more).
  await db.append(batchOf(data(5, T0 + 22 * HOUR, T0 + 25 * HOUR + 10 * 60_000)), opts);
  const before = await dump(await db.querier(-Infinity, Infinity));
  await db.flush();
  assert.equal(db.head.live, 0, 'the head is empty');
  assert.equal(db.head.chunks.live, 0);
  // 22:00-24:00 and 00:00-01:10 are different 6 h windows but one 18 h window: merged into one block.
  assert.equal(
    db.blocks.list.length,
    1,
    db.blocks.list.map((b) => `${b.minTime - T0}..${b.maxTime - T0}`).join(),
  );
  assert.deepEqual(await dump(await db.querier(-Infinity, Infinity)), before);
  // Flushing an empty head is a no-op.
  await db.flush();
  assert.equal(db.blocks.list.length, 1);
  // Newer samples still go in; the flushed range is closed.
  const late = await db.append(batchOf(data(1, T0 + 25 * HOUR, T0 + 25 * HOUR + 60_000)), opts);
  assert.equal(late.accepted, 0);
  const fresh = await db.append(batchOf(data(1, T0 + 26 * HOUR, T0 + 26 * HOUR + 60_000)), opts);
  assert.equal(fresh.accepted, 1);
  await db.close();
  const again = await openTsdb(d, { maintenanceIntervalMs: 0, compactInWorker: false });
  const after = await dump(await again.querier(-Infinity, T0 + 25 * HOUR + 10 * 60_000));
  assert.deepEqual(after, before);
  await again.close();
});

test('a second open of one directory is refused while the first is open, and allowed after close', async () => {
  const d = dir();
  const db = await openTsdb(d, { maintenanceIntervalMs: 0 });
  await assert.rejects(openTsdb(d, { maintenanceIntervalMs: 0 }), /in use by process \d+ \(this process\)/);
  await db.close();
  const again = await openTsdb(d, { maintenanceIntervalMs: 0 });
  await again.close();
});

test('a lock left by a process that is gone is taken over', async () => {
  const d = dir();
  const { writeFileSync } = await import('node:fs');
  // Process ids are below 2^22 on Linux; this one is not running.
  writeFileSync(`${d}/lock`, '4194303\n');
  const db = await openTsdb(d, { maintenanceIntervalMs: 0 });
  await db.close();
});

test('setRetentionMs applies at run time', async () => {
  const d = dir();
  const db = await openTsdb(d, {
    blockRangeMs: 2 * HOUR,
    retentionMs: 1000 * HOUR,
    maxBlockRangeMs: 2 * HOUR, // no compaction: two blocks stay two
    maintenanceIntervalMs: 0,
    compactInWorker: false,
  });
  await db.append(batchOf(data(2, T0, T0 + 2 * HOUR)), opts);
  await db.flush();
  await db.append(batchOf(data(2, T0 + 10 * HOUR, T0 + 12 * HOUR)), opts);
  await db.flush();
  assert.equal(db.blocks.list.length, 2);
  db.setRetentionMs(5 * HOUR);
  await db.maintain();
  assert.equal(db.blocks.list.length, 1, 'the old block is past the new retention');
  assert.equal(db.retentionMs, 5 * HOUR);
  await db.close();
});

test('refs of series that left the head are reused after the next checkpoint, and the data stays right', async () => {
  const d = dir();
  const db = await openTsdb(d, { blockRangeMs: 2 * HOUR, maintenanceIntervalMs: 0, compactInWorker: false });
  const churn = (gen: number, from: number, to: number): TestSample[] => {
    const out: TestSample[] = [];
    for (let t = from; t < to; t += 60_000)
      for (let i = 0; i < 600; i++)
        out.push({ labels: { __name__: 'pod_up', pod: `g${gen}-${i}` }, t, v: gen });
    return out;
  };
  // Generation 0 lives for an hour, then the head is flushed: its series leave the head.
  await db.append(batchOf(churn(0, T0, T0 + HOUR)), opts);
  await db.flush();
  assert.equal(db.head.live, 0);
  const n = db.head.n;
  // Generations 1..3, each after the previous one was flushed away: the refs are reused (and the
  // label ids of the removed series are compacted away on the way).
  for (let gen = 1; gen <= 3; gen++) {
    await db.append(batchOf(churn(gen, T0 + gen * 2 * HOUR, T0 + gen * 2 * HOUR + HOUR)), opts);
    assert.equal(db.head.n, n, `generation ${gen} reused the refs`);
    await db.flush();
  }
  await db.append(batchOf(churn(4, T0 + 8 * HOUR, T0 + 8 * HOUR + 10 * 60_000)), opts);
  const before = await dump(await db.querier(-Infinity, Infinity));
  assert.equal(Object.keys(before).length, 3000);
  assert.equal(before['pod_up{pod="g4-7"}']?.length, 10);
  // Five generations of 600 series × 2 labels = 12,000 label ids were written; compaction keeps
  // the array near the live ones.
  assert.ok(db.head.pairs.length < 8000, `label id array of ${db.head.pairs.length}`);
  // Postings over reused refs intersect right (lists stay sorted).
  const some = await dump(await db.querier(-Infinity, Infinity), [
    new Matcher('=', '__name__', 'pod_up'),
    new Matcher('=~', 'pod', 'g4-1.*'),
  ]);
  assert.equal(Object.keys(some).length, 111);
  assert.equal(before['pod_up{pod="g0-7"}']?.length, 60);
  await db.close();
  const again = await openTsdb(d, { maintenanceIntervalMs: 0, compactInWorker: false });
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), before);
  await again.close();
});

test('close finishes removing blocks replaced by compaction, so a reopen never finds one half deleted', async () => {
  const d = dir();
  // Slow deletes, as on a loaded machine: the removal is still running when close is called.
  const slowFs: TsdbFs = {
    ...realFs,
    rm: async (path) => {
      await new Promise((r) => setTimeout(r, 100));
      await realFs.rm(path);
    },
  };
  const o = {
    blockRangeMs: 2 * HOUR,
    maxBlockRangeMs: 6 * HOUR,
    maintenanceIntervalMs: 0,
    compactInWorker: false,
  };
  const db = await openTsdb(d, { ...o, fs: slowFs });
  await db.append(batchOf(data(3, T0, T0 + 10 * HOUR)), opts);
  for (let i = 0; i < 6; i++) await db.maintain();
  const want = await dump(await db.querier(-Infinity, Infinity));
  await db.close();
  const names = readdirSync(`${d}/blocks`);
  assert.deepEqual(
    names.filter((n) => n.endsWith('.tmp')),
    [],
    'no removal left behind',
  );
  const again = await openTsdb(d, o);
  assert.deepEqual(again.warnings, []);
  assert.equal(again.blocks.list.length, names.length);
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), want);
  await again.close();
});

test('postings stay sorted when refs are reused', async () => {
  const { PostingsIndex } = await import('./head/postings.ts');
  const p = new PostingsIndex();
  for (const r of [5, 9, 2, 7, 0, 11, 3]) p.add(1, 1, r);
  assert.deepEqual([...p.get(1, 1)], [0, 2, 3, 5, 7, 9, 11]);
  p.add(1, 2, 8);
  p.add(1, 2, 4);
  assert.deepEqual([...p.get(1, 2)], [4, 8]);
});
