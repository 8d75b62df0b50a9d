import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Labels, Matcher } from '../../model/index.ts';
import { XorWriter } from '../chunk/xor.ts';
import { decodeXor } from '../chunk/xor-bulk.ts';
import { PAGE_PAD } from './chunk-store.ts';
import type { ChunkRef, SeriesData } from '../query/types.ts';
import { rng } from '../test-util.ts';
import { Head } from './head.ts';
import { HeadReader, type PinnedHeadReader } from './read.ts';
import { truncateHead } from './truncate.ts';

/**
 * Open chunks are read in place (ChunkRefs into the slab pages) by pinned readers: whatever the
 * head does after a reader selected (appends, seals, chunks moving up a size class, evacuations,
 * truncation, new series taking regions), the reader still decodes exactly the samples that were
 * there when it selected, until it is closed.
 */

const STEP = 15_000;
const ALL = [new Matcher('=', '__name__', 'm')];

/** Samples of one series as appended: time, value bits. */
interface Model {
  t: number[];
  hi: number[];
  lo: number[];
}

function emptyModel(): Model {
  return { t: [], hi: [], lo: [] };
}

/** Every sample of the chunks (in order) as [t, hi, lo] triples. */
function decodeAll(chunks: readonly ChunkRef[]): number[] {
  const out: number[] = [];
  const sorted = [...chunks].sort((a, b) => a.mint - b.mint);
  for (const c of sorted) {
    const t = new Float64Array(c.count);
    const v = new Float64Array(c.count);
    const v32 = new Int32Array(v.buffer);
    decodeXor(c.buf, c.off, c.len, c.mint, c.count, t, v32, 0);
    for (let i = 0; i < c.count; i++)
      out.push(t[i] as number, v32[2 * i + 1] as number, v32[2 * i] as number);
  }
  return out;
}

function flat(m: Model): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.t.length; i++)
    out.push(m.t[i] as number, (m.hi[i] as number) | 0, (m.lo[i] as number) | 0);
  return out;
}

/** What a query sees: series label `i` → its samples (flattened). */
function answer(data: readonly SeriesData[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const d of data) out.set(d.labels.get('i'), decodeAll(d.chunks));
  return out;
}

function expected(models: ReadonlyMap<string, Model>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [i, m] of models) if (m.t.length > 0) out.set(i, flat(m));
  return out;
}

/** Value bits whose XOR width depends on the series, so chunks climb the size classes at different speeds. */
function valueOf(ref: number, k: number, x: number): [number, number] {
  const bits = (ref * 7) % 33;
  return [0x40000000 | (k & (ref % 3 === 0 ? 0xfff : 0)), bits === 0 ? 0 : x >>> (32 - bits)];
}

describe('head open chunks read in place', () => {
  it('a pinned reader keeps the samples it selected while regions are freed and reused', async () => {
    const head = new Head(1_000_000 * STEP);
    const reader = new HeadReader(head);
    const models = new Map<string, Model>();
    const series = 3000;
    let x = 12345;
    const append = (ref: number, k: number): void => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const [hi, lo] = valueOf(ref, k, x);
      head.append(ref, k * STEP, hi, lo);
      const m = models.get(head.labelsOf(ref).get('i')) as Model;
      m.t.push(k * STEP);
      m.hi.push(hi);
      m.lo.push(lo);
    };
    for (let i = 0; i < series; i++) {
      head.create(Labels.fromObject({ __name__: 'm', i: String(i) }));
      models.set(String(i), emptyModel());
    }
    for (let k = 0; k < 12; k++) for (let ref = 0; ref < series; ref++) append(ref, k);

    const q = reader.pin();
    const want = expected(models);
    const data = await q.series(ALL, -Infinity, Infinity);
    const movedBefore = head.chunks.moved;
    // 1. Every chunk grows (most move up one or more size classes; sparse slabs are evacuated).
    for (let k = 12; k < 60; k++) for (let ref = 0; ref < series; ref++) append(ref, k);
    assert.ok(head.chunks.moved > movedBefore, 'an evacuation ran while the reader was pinned');
    // 2. A third of them are sealed, a third dropped with their series; new series take regions.
    for (let ref = 0; ref < series; ref += 3) head.sealOpen(ref);
    const dropped = Array.from({ length: series / 3 }, (_, j) => 3 * j + 1);
    for (const ref of dropped) head.dropOpen(ref);
    head.retire(dropped);
    for (const ref of dropped) (models.get(String(ref)) as Model).t.length = 0;
    for (let i = series; i < 2 * series; i++) {
      const ref = head.create(Labels.fromObject({ __name__: 'm', i: String(i) }));
      models.set(String(i), emptyModel());
      for (let k = 60; k < 80; k++) append(ref, k);
    }
    assert.deepEqual(answer(data), want);
    assert.ok(head.chunks.retired > 0, 'freed regions wait for the reader');

    // After close, the retired regions are reused (the store stops growing).
    q.close();
    assert.equal(head.chunks.retired, 0);
    assert.equal(head.chunks.pinned, 0);
    const held = head.chunks.memoryBytes();
    for (let ref = 0; ref < 2 * series; ref++) if (head.dead[ref] === 0) head.sealOpen(ref);
    for (let ref = series; ref < 2 * series; ref++) for (let k = 80; k < 84; k++) append(ref, k);
    assert.ok(
      head.chunks.memoryBytes() <= held,
      `${head.chunks.memoryBytes()} B held after reuse, ${held} B before`,
    );
  });

  it('freed regions are reused at once when no reader is pinned, and after the last unpin otherwise', () => {
    const head = new Head(1_000_000 * STEP);
    const ch = head.chunks;
    ch.reserve(19, 0);
    const [p0, o0] = [ch.rp, ch.ro];
    ch.reserve(19, 1);
    ch.release(p0, o0);
    assert.equal(ch.retired, 0);
    ch.reserve(19, 2);
    assert.deepEqual([ch.rp, ch.ro], [p0, o0], 'reused at once');

    const a = ch.pin();
    ch.release(p0, o0);
    const b = ch.pin(); // pinned after the release: never saw the region
    ch.reserve(19, 3);
    assert.notDeepEqual([ch.rp, ch.ro], [p0, o0], 'not reused while a reads');
    const [p3, o3] = [ch.rp, ch.ro];
    ch.release(p3, o3); // seen by a and b
    assert.equal(ch.retired, 2);
    ch.unpin(a);
    assert.equal(ch.retired, 1, 'the first region only waited for a');
    ch.reserve(19, 4);
    assert.deepEqual([ch.rp, ch.ro], [p0, o0]);
    ch.reserve(19, 5);
    assert.notDeepEqual([ch.rp, ch.ro], [p3, o3], 'b still pins the second');
    ch.unpin(b);
    assert.equal(ch.retired, 0);
    ch.reserve(19, 6);
    assert.deepEqual([ch.rp, ch.ro], [p3, o3]);
    assert.throws(() => ch.unpin(b), /not pinned/);
  });

  it('the retire list drains under continuously overlapping readers', () => {
    const head = new Head(1_000_000 * STEP);
    const ch = head.chunks;
    const series = 500;
    for (let i = 0; i < series; i++) head.create(Labels.fromObject({ __name__: 'm', i: String(i) }));
    let prev = ch.pin();
    let peak = 0;
    for (let k = 0; k < 400; k++) {
      // Each series' chunk is sealed every 10 samples: a steady stream of freed regions.
      for (let ref = 0; ref < series; ref++) {
        if (k % 10 === 0) head.sealOpen(ref);
        head.append(ref, k * STEP, 0x40000000, (k * 2654435761) >>> (ref % 32));
      }
      // A new reader starts before the previous one ends: there is always one pinned.
      const next = ch.pin();
      ch.unpin(prev);
      prev = next;
      peak = Math.max(peak, ch.retired);
    }
    assert.ok(peak <= 2 * series, `at most two rounds of regions wait (peak ${peak})`);
    ch.unpin(prev);
    assert.equal(ch.retired, 0);
  });

  it('a chunk filling the last region of a page decodes in place', () => {
    const ch = new Head(STEP).chunks;
    // 32-byte regions: take them until one is the last of its page.
    for (let owner = 0; ; owner++) {
      ch.reserve(19, owner);
      if (ch.ro + 32 === (ch.pages[ch.rp] as Uint8Array).length - PAGE_PAD) break;
    }
    const page = ch.pages[ch.rp] as Uint8Array;
    const w = new XorWriter();
    w.reset(page, ch.ro);
    // 64 + 68 + 77 bits (a 64-bit timestamp jump and a value changing all its bits), then repeats.
    w.append(1000, 0x12345678, 0x9abcdef0);
    w.append(1000 + 2 ** 40, 0xedcba987, 0x65432101);
    w.append(2000 + 2 ** 41, 0xedcba987, 0x65432101);
    const len = w.byteLength;
    // Without the page's spare bytes the decoder would have to copy this chunk first.
    assert.ok(ch.ro + len + 8 > page.length - PAGE_PAD, `${len} bytes at ${ch.ro} of ${page.length}`);
    assert.ok(ch.ro + len + 8 <= page.length, 'the page has room for the peeks past it: no copy');
    assert.deepEqual(
      decodeAll([{ buf: page, off: ch.ro, len, mint: 1000, maxt: 2000 + 2 ** 41, count: 3, enc: 0 }]),
      [
        1000,
        0x12345678,
        0x9abcdef0 | 0,
        1000 + 2 ** 40,
        0xedcba987 | 0,
        0x65432101,
        2000 + 2 ** 41,
        0xedcba987 | 0,
        0x65432101,
      ],
    );
  });

  it('queries read open chunks in their slab pages, not copies', async () => {
    const head = new Head(1_000_000 * STEP);
    const ref = head.create(Labels.fromObject({ __name__: 'm', i: '0' }));
    head.append(ref, 0, 1, 2);
    const q = new HeadReader(head).pin();
    const data = await q.series(ALL, -Infinity, Infinity);
    assert.equal((data[0] as SeriesData).chunks[0]?.buf, head.openPage(ref));
    q.close();
    await assert.rejects(q.series(ALL, -Infinity, Infinity), /after close/);
    // Unpinned readers (head cuts) copy.
    const copy = new HeadReader(head).seriesSync(ALL, -Infinity, Infinity);
    assert.notEqual((copy[0] as SeriesData).chunks[0]?.buf, head.openPage(ref));
  });

  it('randomised appends, seals, truncations and overlapping queries agree with a model', async () => {
    for (const seed of [1, 2, 3]) await randomRun(seed);
  });
});

/**
 * One seeded run: a few hundred series, and a random mix of appends (in rounds), seals, series
 * created and truncations while up to four queries are open; each query's answer (decoded when it
 * closes) must equal the model as it was when the query selected.
 */
async function randomRun(seed: number): Promise<void> {
  const rand = rng(seed);
  const head = new Head(40 * STEP);
  const reader = new HeadReader(head);
  const models = new Map<string, Model>();
  let nextName = 0;
  const addSeries = (): void => {
    const name = String(nextName++);
    head.create(Labels.fromObject({ __name__: 'm', i: name }));
    models.set(name, emptyModel());
  };
  for (let i = 0; i < 400; i++) addSeries();
  let now = 0;
  let x = seed * 7919;
  const open: Array<{ q: PinnedHeadReader; data: SeriesData[]; want: Map<string, number[]> }> = [];
  let checked = 0;
  const closeOne = (): void => {
    const at = Math.floor(rand() * open.length);
    const o = open[at] as (typeof open)[number];
    open.splice(at, 1);
    assert.deepEqual(answer(o.data), o.want, `seed ${seed}: a query's answer changed before it closed`);
    o.q.close();
    checked++;
  };
  for (let op = 0; op < 400; op++) {
    const r = rand();
    if (r < 0.5) {
      // A round of appends to most series.
      now++;
      for (let ref = 0; ref < head.n; ref++) {
        if (head.dead[ref] === 1 || rand() < 0.2) continue;
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        const [hi, lo] = valueOf(ref + (now % 5), now, x);
        const t = now * STEP + (rand() < 0.1 ? Math.floor(rand() * 1000) : 0);
        head.append(ref, t, hi, lo);
        const m = models.get(head.labelsOf(ref).get('i')) as Model;
        m.t.push(t);
        m.hi.push(hi);
        m.lo.push(lo);
      }
    } else if (r < 0.6) {
      for (let ref = 0; ref < head.n; ref++) if (head.dead[ref] === 0 && rand() < 0.3) head.sealOpen(ref);
    } else if (r < 0.65) {
      for (let i = 0; i < 50; i++) addSeries();
    } else if (r < 0.7) {
      // Truncation: chunks (open ones too) entirely before `before` go, and series left empty.
      const before = (now - 20) * STEP;
      if (before > head.minValidTime) head.minValidTime = before;
      await truncateHead(head, before);
      syncModelAfterTruncate(head, models);
    } else if (r < 0.85) {
      if (open.length < 4) {
        const q = reader.pin();
        const want = expected(models);
        open.push({ q, data: await q.series(ALL, -Infinity, Infinity), want });
      }
    } else if (open.length > 0) closeOne();
  }
  while (open.length > 0) closeOne();
  assert.ok(checked >= 20, `seed ${seed}: only ${checked} queries checked`);
  assert.equal(head.chunks.retired, 0);
  assert.equal(head.chunks.pinned, 0);
}

/**
 * After a truncation: which samples a series keeps depends on chunk boundaries, so the model takes
 * the head's answer (read unpinned, by copy) as its new state; removed series leave the model. The
 * queries open across the truncation still compare against the model as it was when they selected.
 */
function syncModelAfterTruncate(head: Head, models: Map<string, Model>): void {
  const reader = new HeadReader(head);
  const now = new Map<string, Model>();
  for (const d of reader.seriesSync(ALL, -Infinity, Infinity)) {
    const f = decodeAll(d.chunks);
    const m = emptyModel();
    for (let i = 0; i < f.length; i += 3) {
      m.t.push(f[i] as number);
      m.hi.push(f[i + 1] as number);
      m.lo.push(f[i + 2] as number);
    }
    now.set(d.labels.get('i'), m);
  }
  for (const [name, m] of models) {
    const after = now.get(name);
    // The truncated view must be a suffix of what the model had.
    if (after === undefined) {
      m.t.length = m.hi.length = m.lo.length = 0;
      continue;
    }
    const drop = m.t.length - after.t.length;
    assert.ok(drop >= 0);
    assert.deepEqual(flat(after), flat({ t: m.t.slice(drop), hi: m.hi.slice(drop), lo: m.lo.slice(drop) }));
    m.t.splice(0, drop);
    m.hi.splice(0, drop);
    m.lo.splice(0, drop);
  }
}
