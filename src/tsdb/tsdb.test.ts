import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';

import { Matcher } from '../model/index.ts';
import { openTsdb } from './index.ts';
import { batchOf, dump, labels, OPTS, tempDirs, testHistogram } from './test-util.ts';

const T0 = 1_700_000_000_000;
const dir = tempDirs();

test('appends, queries and survives a reopen bit for bit (stale markers included)', async () => {
  const d = dir();
  const db = await openTsdb(d, { maintenanceIntervalMs: 0 });
  const samples = [];
  for (let i = 0; i < 300; i++) {
    samples.push({
      labels: { __name__: 'up', job: 'a' },
      t: T0 + i * 15_000,
      v: i % 50 === 49 ? ('stale' as const) : i * 1.5,
    });
    samples.push({ labels: { __name__: 'up', job: 'b' }, t: T0 + i * 15_000, v: Math.sin(i) });
  }
  const res = await db.append(batchOf(samples), OPTS);
  assert.equal(res.accepted, 600);
  assert.equal(res.newSeries, 2);
  const before = await dump(await db.querier(-Infinity, Infinity));
  assert.equal(before['up{job="a"}']?.length, 300);
  assert.equal(before['up{job="a"}']?.[49]?.[1], 'stale');
  assert.equal(before['up{job="b"}']?.[7]?.[1], Math.sin(7));
  await db.close();

  const again = await openTsdb(d, { maintenanceIntervalMs: 0 });
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), before);
  // Known series are found again after replay: no new series.
  const r2 = await again.append(
    batchOf([{ labels: { __name__: 'up', job: 'a' }, t: T0 + 300 * 15_000, v: 1 }]),
    OPTS,
  );
  assert.equal(r2.newSeries, 0);
  await again.close();
});

test('ingest rules: duplicates, out-of-order window, future, partial rejection', async () => {
  const db = await openTsdb(dir(), { maintenanceIntervalMs: 0 });
  const L = { __name__: 'm', k: 'v' };
  const now = OPTS.now;
  await db.append(batchOf([{ labels: L, t: now, v: 1 }]), OPTS);
  const r = await db.append(
    batchOf([
      { labels: L, t: now, v: 1 }, // same value: accepted silently
      { labels: L, t: now, v: 2 }, // same t, other value
      { labels: L, t: now - 60_000, v: 3 }, // out of order, within the window
      { labels: L, t: now - 3_600_000, v: 4 }, // beyond the window
      { labels: L, t: now + 3_600_000, v: 5 }, // too far in the future
      { labels: { __name__: 'other' }, t: now, v: 6 },
      { labels: { nolabel: 'x' }, t: now, v: 7 }, // no metric name
    ]),
    OPTS,
  );
  assert.equal(r.accepted, 3);
  assert.equal(r.rejected.get('duplicate_timestamp'), 1);
  assert.equal(r.rejected.get('too_old'), 1);
  assert.equal(r.rejected.get('too_far_in_future'), 1);
  assert.equal(r.rejected.get('invalid_labels'), 1);
  assert.ok(r.examples.some((e) => e.series === 'm{k="v"}' && e.reason === 'duplicate_timestamp'));
  const data = await dump(await db.querier(-Infinity, Infinity));
  assert.deepEqual(data['m{k="v"}'], [
    [now - 60_000, 3],
    [now, 1],
  ]);
  // Without a window, older samples are out of order.
  const r2 = await db.append(batchOf([{ labels: L, t: now - 30_000, v: 1 }]), {
    ...OPTS,
    outOfOrderWindowMs: 0,
  });
  assert.equal(r2.rejected.get('out_of_order'), 1);
  await db.close();
});

test('series limits and the checkNewSeries hook apply to new series only', async () => {
  const db = await openTsdb(dir(), { maintenanceIntervalMs: 0 });
  const t = OPTS.now;
  const r = await db.append(
    batchOf([
      { labels: { __name__: 'a', i: '1' }, t, v: 1 },
      { labels: { __name__: 'a', i: '2' }, t, v: 1 },
      { labels: { __name__: 'b', i: '1' }, t, v: 1 },
      { labels: { __name__: 'c', bad: 'yes' }, t, v: 1 },
    ]),
    {
      ...OPTS,
      maxSeries: 10,
      maxSeriesPerMetric: 1,
      checkNewSeries: (l) => (l.get('bad') === 'yes' ? 'label_value_too_long' : null),
    },
  );
  assert.equal(r.accepted, 2);
  assert.equal(r.rejected.get('metric_series_limit'), 1);
  assert.equal(r.rejected.get('label_value_too_long'), 1);
  const b2 = batchOf([
    { labels: { __name__: 'z' }, t, v: 1 },
    { labels: { __name__: 'a', i: '1' }, t: t + 1, v: 1 },
  ]);
  // One exemplar on the refused new series, one on the existing one: only the second is stored.
  for (const series of [0, 1])
    b2.exemplars.push({ series, labels: labels({ trace_id: `t${series}` }), t, v: 1 });
  const r2 = await db.append(b2, { ...OPTS, maxSeries: 2 });
  assert.equal(r2.rejected.get('series_limit'), 1);
  assert.equal(r2.accepted, 1);
  assert.equal(r2.acceptedExemplars, 1);
  await db.close();
});

test('matchers, label names and values, deletion, metadata and exemplars', async () => {
  const d = dir();
  const db = await openTsdb(d, { maintenanceIntervalMs: 0 });
  const t = OPTS.now - 100_000;
  const samples = [];
  for (let i = 0; i < 20; i++)
    samples.push({ labels: { __name__: 'http', code: String(200 + (i % 4)), inst: `i${i}` }, t, v: i });
  const batch = batchOf(samples);
  batch.metadata.push({ family: 'http', type: 1, help: 'requests', unit: '' });
  batch.exemplars.push({
    series: 0,
    labels: labels({ trace_id: 'abc' }),
    t,
    v: 1,
  });
  const r = await db.append(batch, OPTS);
  assert.deepEqual([r.accepted, r.acceptedHistograms, r.acceptedExemplars], [20, 0, 1]);
  const q = await db.querier(-Infinity, Infinity);
  const sig = new AbortController().signal;
  const m = (type: '=' | '!=' | '=~' | '!~', n: string, v: string): Matcher => new Matcher(type, n, v);
  assert.equal((await q.select([m('=', 'code', '200')], { start: -Infinity, end: Infinity }, sig)).length, 5);
  assert.equal(
    (await q.select([m('=~', 'code', '200|201')], { start: -Infinity, end: Infinity }, sig)).length,
    10,
  );
  assert.equal(
    (await q.select([m('=~', 'code', '20[12]')], { start: -Infinity, end: Infinity }, sig)).length,
    10,
  );
  assert.equal(
    (
      await q.select(
        [m('=', '__name__', 'http'), m('!=', 'code', '200')],
        { start: -Infinity, end: Infinity },
        sig,
      )
    ).length,
    15,
  );
  assert.equal(
    (
      await q.select(
        [m('=', '__name__', 'http'), m('!~', 'code', '20[01]')],
        { start: -Infinity, end: Infinity },
        sig,
      )
    ).length,
    10,
  );
  assert.equal(
    (
      await q.select(
        [m('=', '__name__', 'http'), m('=', 'missing', '')],
        { start: -Infinity, end: Infinity },
        sig,
      )
    ).length,
    20,
  );
  assert.equal(
    (
      await q.select(
        [m('=', '__name__', 'http'), m('!=', 'missing', '')],
        { start: -Infinity, end: Infinity },
        sig,
      )
    ).length,
    0,
  );
  assert.deepEqual(await q.labelNames([], sig), ['__name__', 'code', 'inst']);
  assert.deepEqual(await q.labelValues('code', [], sig), ['200', '201', '202', '203']);
  assert.deepEqual(await q.labelValues('inst', [m('=', 'code', '203')], sig), [
    'i11',
    'i15',
    'i19',
    'i3',
    'i7',
  ]);
  q.close();

  await db.deleteSeries([m('=', 'code', '200')], -Infinity, Infinity);
  const after1 = await dump(await db.querier(-Infinity, Infinity));
  assert.equal(Object.keys(after1).length, 15);
  assert.equal(db.metadata(undefined, 0).get('http')?.[0]?.help, 'requests');
  assert.equal((await db.exemplars([[m('=', '__name__', 'http')]], -Infinity, Infinity)).length, 1);
  await db.close();

  const again = await openTsdb(d, { maintenanceIntervalMs: 0 });
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), after1);
  assert.equal(again.metadata('http', 0).size, 1);
  assert.equal(
    (await again.exemplars([[m('=', '__name__', 'http')]], -Infinity, Infinity))[0]?.exemplars[0]?.labels.get(
      'trace_id',
    ),
    'abc',
  );
  assert.equal(again.stats(10).numSeries, 20);
  await again.close();
});

test('concurrent appends are group-committed and all acknowledged', async () => {
  const d = dir();
  const db = await openTsdb(d, { maintenanceIntervalMs: 0 });
  const all = [];
  for (let k = 0; k < 50; k++)
    all.push(db.append(batchOf([{ labels: { __name__: 'g', k: String(k) }, t: OPTS.now, v: k }]), OPTS));
  const results = await Promise.all(all);
  assert.equal(
    results.reduce((a, r) => a + r.accepted, 0),
    50,
  );
  await db.close();
  const again = await openTsdb(d, { maintenanceIntervalMs: 0 });
  assert.equal(Object.keys(await dump(await again.querier(-Infinity, Infinity))).length, 50);
  await again.close();
});

test('periodic checkpoints snapshot the head and drop old WAL segments', async () => {
  const d = dir();
  const o = { maintenanceIntervalMs: 0, walSegmentBytes: 4096, checkpointBytes: 8192 };
  const db = await openTsdb(d, o);
  for (let i = 0; i < 200; i++) {
    const samples = [];
    for (let k = 0; k < 10; k++)
      samples.push({
        labels: { __name__: 'cp', k: String(k) },
        t: T0 + i * 15_000,
        v: i % 13 === 0 ? ('stale' as const) : i * k,
      });
    // one out-of-order sample now and then
    if (i % 50 === 49)
      samples.push({ labels: { __name__: 'cp', k: '0' }, t: T0 + i * 15_000 - 7_000, v: -1 });
    await db.append(batchOf(samples), { ...OPTS, now: T0 + 1e9 });
    if (i % 60 === 59) await db.maintain();
  }
  const before = await dump(await db.querier(-Infinity, Infinity));
  const wal = readdirSync(`${d}/wal`);
  assert.ok(
    wal.some((n) => n.startsWith('checkpoint.')),
    wal.join(),
  );
  assert.ok(wal.filter((n) => /^\d{8}$/.test(n)).length < 10, wal.join());
  await db.close();
  const again = await openTsdb(d, o);
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), before);
  // Appends continue in order after a replay that loaded chunks.
  const r = await again.append(
    batchOf([
      { labels: { __name__: 'cp', k: '3' }, t: T0 + 200 * 15_000, v: 1 },
      { labels: { __name__: 'cp', k: '3' }, t: T0 + 199 * 15_000, v: 597 },
    ]),
    { ...OPTS, now: T0 + 1e9 },
  );
  assert.equal(r.accepted, 2);
  await again.close();
});

test('native histograms are stored, survive restarts and block cuts, and share the series timeline', async () => {
  const d = dir();
  const o = { maintenanceIntervalMs: 0, blockRangeMs: 60_000, compactInWorker: false };
  const db = await openTsdb(d, o);
  const L = { __name__: 'latency', job: 'x' };
  const samples = [];
  for (let i = 0; i < 20; i++)
    samples.push({ labels: L, t: T0 + i * 10_000, v: i === 7 ? ('stale-hist' as const) : testHistogram(i) });
  const r = await db.append(batchOf(samples), { ...OPTS, now: T0 + 1e9 });
  assert.equal(r.accepted, 20);
  assert.equal(r.acceptedHistograms, 20); // the stale marker of a histogram series counts as one
  // Same timestamp: a float is another kind, the same histogram is a silent duplicate.
  const r2 = await db.append(
    batchOf([
      { labels: L, t: T0 + 10_000, v: 1 },
      { labels: L, t: T0 + 20_000, v: testHistogram(2) },
      { labels: L, t: T0 + 30_000, v: testHistogram(4) },
    ]),
    { ...OPTS, now: T0 + 1e9 },
  );
  assert.equal(r2.accepted, 1);
  assert.equal(r2.acceptedHistograms, 1);
  assert.equal(r2.rejected.get('duplicate_timestamp'), 2);
  const before = await dump(await db.querier(-Infinity, Infinity));
  const rows = before['latency{job="x"}'] ?? [];
  assert.equal(rows.length, 20);
  assert.deepEqual(rows[3]?.[1], testHistogram(3));
  assert.equal(rows[7]?.[1], 'stale');
  await db.close();
  const again = await openTsdb(d, o);
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), before);
  await again.maintain(true);
  assert.ok(again.blocks.list.length > 0);
  assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), before);
  await again.close();
  const third = await openTsdb(d, o);
  assert.deepEqual(await dump(await third.querier(-Infinity, Infinity)), before);
  await third.close();
});

test('a restart does not cut the open chunks: replay of a checkpoint reopens them and appends go on in them', async () => {
  const d = dir();
  const o = { maintenanceIntervalMs: 0, walSegmentBytes: 4096, checkpointBytes: 1024 };
  const write = async (db: Awaited<ReturnType<typeof openTsdb>>, from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) {
      const samples = [];
      for (let k = 0; k < 10; k++)
        samples.push({ labels: { __name__: 'oc', k: String(k) }, t: T0 + i * 15_000, v: Math.sqrt(i * k) });
      await db.append(batchOf(samples), { ...OPTS, now: T0 + 1e9 });
    }
  };
  const shape = (db: Awaited<ReturnType<typeof openTsdb>>): Array<[number, number]> => {
    const h = db.head;
    const out: Array<[number, number]> = [];
    for (let ref = 0; ref < h.n; ref++) {
      let sealed = 0;
      for (let row = h.firstChunk[ref] as number; row >= 0; row = h.chunks.next[row] as number) sealed++;
      out.push([sealed, h.openCount(ref)]);
    }
    return out;
  };
  // 60 samples per series (15 min): far from a block boundary and from a full chunk.
  const db = await openTsdb(d, o);
  await write(db, 0, 30);
  await db.maintain();
  assert.ok(readdirSync(`${d}/wal`).some((n) => n.startsWith('checkpoint.')));
  await write(db, 30, 40);
  await db.close();
  const again = await openTsdb(d, o);
  await write(again, 40, 60);
  const before = await dump(await again.querier(-Infinity, Infinity));
  assert.equal(before['oc{k="3"}']?.length, 60);
  // Every series still has its one open chunk of 60 samples, nothing sealed.
  assert.deepEqual(
    shape(again),
    Array.from({ length: 10 }, () => [0, 60]),
  );
  await again.close();
  // And a second restart (checkpoint + WAL again) reads back the same samples.
  const third = await openTsdb(d, o);
  assert.deepEqual(await dump(await third.querier(-Infinity, Infinity)), before);
  await third.close();
});
