import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Matcher, type FloatHistogram } from '../../model/index.ts';
import { ValueKind, type FloatColumns } from '../../storage/index.ts';
import { ChunkEncoding } from '../chunk/block-chunk.ts';
import { openTsdb, type Tsdb } from '../index.ts';
import { batchOf, OPTS, tempDirs, testHistogram, type TestSample } from '../test-util.ts';
import { INDEX_VERSION } from './format.ts';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (24 * HOUR));
const opts = { ...OPTS, now: T0 + 100 * HOUR };
const dir = tempDirs();
const signal = new AbortController().signal;
const all = [new Matcher('=~', '__name__', '.+')];

/**
 * testdata/v2 is a blocks directory written at commit c108cbf (index version 2, XOR chunks only,
 * raw index) from `samples(T0)`: `openTsdb(d, { blockRangeMs: HOUR, ... })`, append, `flush()`.
 */
const V2 = fileURLToPath(new URL('./testdata/v2', import.meta.url));

/** One hour of every-minute samples from `t0`: the data of the v2 fixture (do not change). */
function samples(t0: number): TestSample[] {
  const out: TestSample[] = [];
  let c = 1_000_000;
  let cents = 2287.59;
  let x = 12345;
  for (let k = 0; k < 60; k++) {
    const t = t0 + k * 60_000 + (k % 3 === 1 ? 7 : 0);
    x = (x * 1103515245 + 12345) % 2147483648;
    c += 900 + (x % 300);
    cents = Math.round((cents + 8 + (x % 1000) / 97) * 100) / 100;
    out.push({ labels: { __name__: 'requests_total', job: 'api' }, t, v: c });
    out.push({ labels: { __name__: 'cpu_seconds_total', job: 'api' }, t, v: cents });
    out.push({ labels: { __name__: 'up', job: 'api' }, t, v: 1 });
    out.push({
      labels: { __name__: 'latency_sum', job: 'api' },
      t,
      v: k === 30 ? 'stale' : k === 31 ? NaN : k === 32 ? -0 : x / 7,
    });
    out.push({ labels: { __name__: 'native', job: 'api' }, t, v: testHistogram(k) });
  }
  return out;
}

type Row = [number, number | 'stale' | FloatHistogram];

/** The samples as the querier should return them, by series name. */
function expected(list: readonly TestSample[]): Map<string, Row[]> {
  const m = new Map<string, Row[]>();
  for (const s of list) {
    const name = s.labels['__name__'] as string;
    let rows = m.get(name);
    if (!rows) m.set(name, (rows = []));
    rows.push([s.t, s.v === 'stale-hist' ? 'stale' : s.v]);
  }
  return m;
}

/** Every series through the iterator and (floats) through readFloats, which must agree. */
async function read(db: Tsdb): Promise<Map<string, Row[]>> {
  const q = await db.querier(-Infinity, Infinity);
  const out = new Map<string, Row[]>();
  const cols: FloatColumns = {
    t: new Float64Array(1),
    v: new Float64Array(1),
    n: 0,
    staleT: new Float64Array(1),
    ns: 0,
  };
  for (const s of await q.select(all, { start: -Infinity, end: Infinity }, signal)) {
    const rows: Row[] = [];
    const floats: Row[] = [];
    const it = s.iterator();
    for (let k = it.next(); k !== ValueKind.None; k = it.next()) {
      const v =
        k === ValueKind.Stale ? 'stale' : k === ValueKind.Histogram ? { ...(it.h as FloatHistogram) } : it.v;
      rows.push([it.t, v]);
      if (k !== ValueKind.Histogram) floats.push([it.t, v]);
    }
    if (s.readFloats!(-Infinity, Infinity, cols)) {
      const got: Row[] = [];
      for (let i = 0; i < cols.n; i++) got.push([cols.t[i] as number, cols.v[i] as number]);
      for (let i = 0; i < cols.ns; i++) got.push([cols.staleT[i] as number, 'stale']);
      got.sort((a, b) => a[0] - b[0]);
      assert.deepEqual(got, floats, `${s.labels}: readFloats`);
    }
    out.set(s.labels.get('__name__'), rows);
  }
  q.close();
  return out;
}

/** Encodings of the float chunks in the tsdb's blocks, by series name. */
async function encodings(db: Tsdb): Promise<Map<string, Set<number>>> {
  const out = new Map<string, Set<number>>();
  for (const b of db.blocks.list) {
    for (const s of await b.allSeries()) {
      if (s.chunks.length === 0) continue;
      const name = s.labels.get('__name__');
      let set = out.get(name);
      if (!set) out.set(name, (set = new Set()));
      for (const c of s.chunks) set.add(c.enc);
    }
  }
  return out;
}

function copyFixture(): string {
  const d = dir();
  cpSync(V2, d, { recursive: true });
  return d;
}

test('a version 2 block (XOR chunks, raw index) is still read bit for bit', async () => {
  const d = copyFixture();
  const [ulid] = readdirSync(`${d}/blocks`);
  const db = await openTsdb(d, { blockRangeMs: HOUR, maintenanceIntervalMs: 0, compactInWorker: false });
  assert.equal(db.blocks.list.length, 1);
  assert.equal(db.blocks.list[0]?.meta.ulid, ulid);
  assert.deepEqual(
    await encodings(db),
    new Map([
      ['cpu_seconds_total', new Set([ChunkEncoding.Xor])],
      ['latency_sum', new Set([ChunkEncoding.Xor])],
      ['requests_total', new Set([ChunkEncoding.Xor])],
      ['up', new Set([ChunkEncoding.Xor])],
    ]),
  );
  assert.deepEqual(await read(db), expected(samples(T0)));
  await db.close();
});

test('blocks store exact decimals as decimal chunks and everything else as XOR, bit for bit', async () => {
  const d = dir();
  const o = { blockRangeMs: HOUR, maintenanceIntervalMs: 0, compactInWorker: false };
  const db = await openTsdb(d, o);
  // Plus a series of three chunks (120, 120, 60 samples) with a stale marker in the middle one.
  const mixed: TestSample[] = [];
  for (let k = 0; k < 300; k++)
    mixed.push({
      labels: { __name__: 'mixed', job: 'api' },
      t: T0 + k * 10_000,
      v: k === 150 ? 'stale' : k * 3,
    });
  const data = [...samples(T0), ...mixed].sort((a, b) => a.t - b.t);
  assert.equal((await db.append(batchOf(data), opts)).accepted, data.length);
  await db.flush();
  assert.equal(db.blocks.list.length, 1);
  const enc = await encodings(db);
  assert.deepEqual(enc.get('requests_total'), new Set([ChunkEncoding.Decimal]));
  assert.deepEqual(enc.get('cpu_seconds_total'), new Set([ChunkEncoding.Decimal]));
  assert.deepEqual(enc.get('up'), new Set([ChunkEncoding.Decimal]));
  // Stale marker, NaN and -0 in its only chunk.
  assert.deepEqual(enc.get('latency_sum'), new Set([ChunkEncoding.Xor]));
  assert.deepEqual(enc.get('mixed'), new Set([ChunkEncoding.Decimal, ChunkEncoding.Xor]));
  const want = expected(data);
  assert.deepEqual(await read(db), want);
  // A range that starts in the first (decimal) chunk and ends in the last one.
  const q = await db.querier(T0 + 1_000_000, T0 + 2_500_000);
  const cols: FloatColumns = {
    t: new Float64Array(1),
    v: new Float64Array(1),
    n: 0,
    staleT: new Float64Array(1),
    ns: 0,
  };
  const [m] = await q.select(
    [new Matcher('=', '__name__', 'mixed')],
    { start: T0 + 1_000_000, end: T0 + 2_500_000 },
    signal,
  );
  assert.equal(m?.readFloats!(T0 + 1_000_000, T0 + 2_500_000, cols), true);
  assert.deepEqual(
    Array.from(cols.t.subarray(0, cols.n)),
    mixed.filter((x) => x.v !== 'stale' && x.t >= T0 + 1_000_000 && x.t <= T0 + 2_500_000).map((x) => x.t),
  );
  assert.deepEqual(
    Array.from(cols.v.subarray(0, cols.n)),
    mixed.filter((x) => x.v !== 'stale' && x.t >= T0 + 1_000_000 && x.t <= T0 + 2_500_000).map((x) => x.v),
  );
  assert.deepEqual(Array.from(cols.staleT.subarray(0, cols.ns)), [T0 + 1_500_000]);
  q.close();
  await db.close();
  const again = await openTsdb(d, o);
  assert.deepEqual(await read(again), want);
  const dirs = readdirSync(`${d}/blocks`);
  assert.equal(readFileSync(`${d}/blocks/${dirs[0]}/index`)[4], INDEX_VERSION);
  await again.close();
});

test('compaction merges a version 2 block with new blocks, through deletions too', async () => {
  const d = copyFixture();
  const o = {
    blockRangeMs: HOUR,
    maxBlockRangeMs: 3 * HOUR,
    maintenanceIntervalMs: 0,
    compactInWorker: false,
  };
  const db = await openTsdb(d, o);
  const later = [...samples(T0 + HOUR), ...samples(T0 + 2 * HOUR)];
  assert.equal((await db.append(batchOf(later), opts)).accepted, later.length);
  // A deletion across the old and the new data makes compaction decode and re-encode the chunks.
  await db.deleteSeries([new Matcher('=', '__name__', 'requests_total')], T0 + 50 * 60_000, T0 + 70 * 60_000);
  await db.flush();
  assert.deepEqual(db.warnings, []);
  assert.equal(db.blocks.list.length, 1, JSON.stringify(db.blocks.list.map((b) => b.meta)));
  const merged = db.blocks.list[0];
  assert.ok(merged && merged.meta.compaction.level > 1);
  assert.ok(merged.meta.compaction.sources.includes(readdirSync(`${V2}/blocks`)[0] as string));
  const want = expected([...samples(T0), ...later]);
  want.set(
    'requests_total',
    (want.get('requests_total') ?? []).filter(([t]) => t < T0 + 50 * 60_000 || t > T0 + 70 * 60_000),
  );
  assert.deepEqual(await read(db), want);
  const enc = await encodings(db);
  assert.deepEqual(enc.get('requests_total'), new Set([ChunkEncoding.Decimal]));
  assert.deepEqual(enc.get('cpu_seconds_total'), new Set([ChunkEncoding.Decimal]));
  await db.close();
  const again = await openTsdb(d, o);
  assert.deepEqual(await read(again), want);
  await again.close();
});
