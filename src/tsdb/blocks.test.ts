import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';

import { Matcher } from '../model/index.ts';
import { openTsdb } from './index.ts';
import { batchOf, dump, labels, OPTS, tempDirs, type TestSample } from './test-util.ts';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (24 * HOUR));
const dir = tempDirs();

/** `hours` of data for `n` series every 60 s, with a stale marker now and then. */
function data(n: number, fromHour: number, hours: number): TestSample[] {
  const out: TestSample[] = [];
  for (let t = T0 + fromHour * HOUR; t < T0 + (fromHour + hours) * HOUR; t += 60_000) {
    for (let i = 0; i < n; i++) {
      out.push({
        labels: { __name__: 'load', host: `h${i}`, dc: i % 2 ? 'a' : 'b' },
        t,
        v: (t / 60_000) % 97 === i ? 'stale' : Math.round(Math.sin(t / 1e6 + i) * 1000) / 10,
      });
    }
  }
  return out;
}

const opts = { ...OPTS, now: T0 + 100 * HOUR };

test('head is cut into blocks, compacted, reopened and queried seamlessly', async () => {
  const d = dir();
  const db = await openTsdb(d, {
    blockRangeMs: HOUR,
    maxBlockRangeMs: 9 * HOUR,
    maintenanceIntervalMs: 0,
    compactInWorker: false,
  });
  await db.append(batchOf(data(10, 0, 7)), opts);
  const before = await dump(await db.querier(-Infinity, Infinity));
  for (let i = 0; i < 5; i++) await db.maintain();
  // The head spanned 7 h; 1 h blocks are cut while it is over 1.5 h long.
  assert.ok(db.head.minValidTime >= T0 + 5 * HOUR, `min valid time ${db.head.minValidTime - T0}`);
  assert.ok(db.blocks.list.length >= 2, `blocks: ${db.blocks.list.length}`);
  assert.deepEqual(await dump(await db.querier(-Infinity, Infinity)), before);
  // A narrow range that spans a block and the head.
  const edge = db.head.minValidTime;
  const narrow = await dump(await db.querier(edge - 5 * 60_000, edge + 5 * 60_000));
  assert.equal(narrow['load{dc="b", host="h0"}']?.length, 11);
  // Samples in a range already cut are refused as too old.
  const late = await db.append(
    batchOf([{ labels: { __name__: 'load', host: 'h0', dc: 'b' }, t: T0 + 60_000 + 1, v: 1 }]),
    opts,
  );
  assert.equal(late.rejected.get('too_old'), 1);
  await db.close();

  const again = await openTsdb(d, {
    blockRangeMs: HOUR,
    maxBlockRangeMs: 9 * HOUR,
    maintenanceIntervalMs: 0,
    compactInWorker: false,
  });
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), before);
  // WAL was checkpointed: only recent segments and one checkpoint remain.
  const wal = readdirSync(`${d}/wal`);
  assert.ok(
    wal.some((n) => n.startsWith('checkpoint.')),
    wal.join(','),
  );
  await again.append(batchOf(data(10, 7, 6)), opts);
  await again.maintain();
  const all = await dump(await again.querier(-Infinity, Infinity));
  assert.equal(all['load{dc="a", host="h1"}']?.length, 13 * 60);
  // Three 1 h blocks in a 3 h window became one.
  assert.ok(
    again.blocks.list.some((b) => b.meta.compaction.level > 1),
    JSON.stringify(again.blocks.list.map((b) => b.meta)),
  );
  await again.close();
});

test('compaction in a worker thread, deletion on disk and retention', async () => {
  const d = dir();
  const db = await openTsdb(d, {
    blockRangeMs: HOUR,
    maxBlockRangeMs: 3 * HOUR,
    retentionMs: 5 * HOUR,
    maintenanceIntervalMs: 0,
  });
  await db.append(batchOf(data(4, 0, 5)), opts);
  await db.deleteSeries([new Matcher('=', 'host', 'h1')], T0, T0 + 2 * HOUR);
  await db.maintain();
  await db.append(batchOf(data(4, 5, 4)), opts);
  await db.maintain();
  assert.deepEqual(db.warnings, []);
  const got = await dump(await db.querier(-Infinity, Infinity));
  const h1 = got['load{dc="a", host="h1"}'] ?? [];
  assert.ok(h1.every(([t]) => t > T0 + 2 * HOUR));
  // Retention: nothing older than newest - 5 h remains in blocks.
  const newest = Math.max(db.head.maxT, db.blocks.maxTime());
  assert.ok(db.blocks.list.every((b) => b.maxTime >= newest - 5 * HOUR));
  assert.ok(db.blocks.list.some((b) => b.meta.compaction.level > 1));
  const stats = db.blocks.list.reduce((a, b) => a + b.meta.stats.numSamples, 0);
  assert.ok(stats > 0);
  await db.close();
});

test('out-of-order samples are merged into blocks; exemplars and metadata survive checkpoints', async () => {
  const d = dir();
  const o = { blockRangeMs: HOUR, maintenanceIntervalMs: 0, compactInWorker: false };
  const db = await openTsdb(d, o);
  const L = { __name__: 'ooo', k: 'x' };
  const inOrder: TestSample[] = [];
  for (let t = T0; t < T0 + 3 * HOUR; t += 60_000) inOrder.push({ labels: L, t, v: t / 60_000 });
  const batch = batchOf(inOrder);
  batch.metadata.push({ family: 'ooo', type: 2, help: 'a gauge', unit: 'seconds' });
  batch.exemplars.push({ series: 0, labels: labels({ trace_id: 't1' }), t: T0 + 5_000, v: 1 });
  await db.append(batch, opts);
  // Out of order: between the in-order minutes, within the 10 min window before the newest sample.
  const late: TestSample[] = [];
  for (let t = T0 + 3 * HOUR - 9 * 60_000 + 30_000; t < T0 + 3 * HOUR; t += 60_000)
    late.push({ labels: L, t, v: -1 });
  const r = await db.append(batchOf(late), opts);
  assert.equal(r.accepted, late.length);
  const before = await dump(await db.querier(-Infinity, Infinity));
  assert.equal(before['ooo{k="x"}']?.length, inOrder.length + late.length);
  await db.maintain(true);
  await db.maintain(true);
  assert.ok(db.blocks.list.length >= 2);
  assert.deepEqual(await dump(await db.querier(-Infinity, Infinity)), before);
  await db.close();
  const again = await openTsdb(d, o);
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), before);
  assert.equal(again.metadata('ooo', 0).get('ooo')?.[0]?.unit, 'seconds');
  const ex = await again.exemplars([[new Matcher('=', '__name__', 'ooo')]], -Infinity, Infinity);
  assert.equal(ex[0]?.exemplars[0]?.labels.get('trace_id'), 't1');
  await again.close();
});

test("a block's label index answers names, values and selections like the data it was cut from", async () => {
  const d = dir();
  const db = await openTsdb(d, { blockRangeMs: HOUR, maintenanceIntervalMs: 0, compactInWorker: false });
  // Three names with 1, 2 and 40 values; `zone` only on some series (absent label = "").
  const samples: TestSample[] = [];
  for (let i = 0; i < 40; i++) {
    const l: Record<string, string> = {
      __name__: i % 3 ? 'up' : 'down',
      host: `h${i}`,
      dc: i % 2 ? 'a' : 'b',
    };
    if (i % 5 === 0) l['zone'] = `z${i % 4}`;
    samples.push({ labels: l, t: T0 + 60_000, v: i });
  }
  await db.append(batchOf(samples), opts);
  await db.flush();
  assert.equal(db.blocks.list.length, 1);
  const b = db.blocks.list[0]!;
  const hosts = samples.map((s) => s.labels['host']!).sort();
  assert.deepEqual(await b.labelValues('host', []), hosts);
  assert.deepEqual(await b.labelValues('zone', []), ['z0', 'z1', 'z2', 'z3']);
  assert.deepEqual(await b.labelValues('nope', []), []);
  assert.deepEqual(await b.labelNames([]), ['__name__', 'dc', 'host', 'zone']);
  const sel = async (...ms: Matcher[]): Promise<string[]> =>
    (await b.series(ms, -Infinity, Infinity)).map((s) => s.labels.get('host')).sort();
  const want = (f: (l: Record<string, string>) => boolean): string[] =>
    samples
      .filter((s) => f(s.labels))
      .map((s) => s.labels['host']!)
      .sort();
  assert.deepEqual(
    await sel(new Matcher('=', 'dc', 'a')),
    want((l) => l['dc'] === 'a'),
  );
  assert.deepEqual(await sel(new Matcher('=', 'host', 'h7')), ['h7']);
  assert.deepEqual(await sel(new Matcher('=', 'host', 'h99')), []);
  assert.deepEqual(await sel(new Matcher('=', 'dc', 'h7')), [], 'a value of another name');
  assert.deepEqual(
    await sel(new Matcher('!=', 'zone', 'z0')),
    want((l) => l['zone'] !== 'z0'),
  );
  assert.deepEqual(
    await sel(new Matcher('=~', 'host', 'h1.')),
    want((l) => /^h1.$/.test(l['host']!)),
  );
  assert.deepEqual(
    await sel(new Matcher('=', '__name__', 'up'), new Matcher('!~', 'dc', 'a')),
    want((l) => l['__name__'] === 'up' && l['dc'] !== 'a'),
  );
  assert.deepEqual(
    await b.labelValues('zone', [new Matcher('=', 'dc', 'b')]),
    [
      ...new Set(
        samples.filter((s) => s.labels['dc'] === 'b' && s.labels['zone']).map((s) => s.labels['zone']!),
      ),
    ].sort(),
  );
  await db.close();
});
