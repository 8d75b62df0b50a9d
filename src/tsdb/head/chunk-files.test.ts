import assert from 'node:assert/strict';
import { mkdirSync, truncateSync } from 'node:fs';
import { describe, it } from 'node:test';

import { FaultyFs, realFs, type TsdbFs } from '../fs.ts';
import { rng, tempDirs } from '../test-util.ts';
import { HeadChunkCache } from './chunk-cache.ts';
import { HeadChunkFiles } from './chunk-files.ts';
import { ChunkStore } from './chunk-store.ts';
import { readOrder } from './read-order.ts';

const tmp = tempDirs('head-chunk-files-');
const SEG = 4096;

interface Chunk {
  readonly file: number;
  readonly off: number;
  readonly bytes: Uint8Array;
  alive: boolean;
}

/** Head chunk files over a fresh directory, with a model of every chunk appended. */
class Fixture {
  readonly files: HeadChunkFiles;
  readonly chunks: Chunk[] = [];
  readonly rand: () => number;
  readonly dir: string;

  constructor(
    cache: HeadChunkCache | null,
    seed: number,
    fileBytes = 64 * 1024,
    fs: TsdbFs = realFs,
    dir?: string,
  ) {
    this.dir = dir ?? `${tmp()}/chunks_head`;
    mkdirSync(this.dir, { recursive: true });
    this.files = new HeadChunkFiles(fs, this.dir, cache, fileBytes);
    this.rand = rng(seed);
  }

  /** Appends a chunk of random bytes (1..2304 long unless given). */
  append(len = 1 + Math.floor(this.rand() * 2304)): Chunk {
    const bytes = new Uint8Array(len);
    for (let i = 0; i < len; i++) bytes[i] = Math.floor(this.rand() * 256);
    // Appended from the middle of a bigger buffer, as the head seals from its slabs.
    const src = new Uint8Array(len + 16);
    src.set(bytes, 7);
    this.files.append(src, 7, len);
    const c = { file: this.files.file, off: this.files.off, bytes, alive: true };
    this.chunks.push(c);
    return c;
  }

  release(c: Chunk): void {
    c.alive = false;
    this.files.release(c.file);
  }

  /** Reads `list` through readMany and checks every chunk's bytes; returns the buffers. */
  read(list: readonly Chunk[]): { bufs: Uint8Array[]; offs: Uint32Array } {
    const n = list.length;
    const files = new Uint32Array(n);
    const offs = new Uint32Array(n);
    const lens = new Uint16Array(n);
    list.forEach((c, i) => {
      files[i] = c.file;
      offs[i] = c.off;
      lens[i] = c.bytes.length;
    });
    const order = new Uint32Array(n);
    readOrder(files, offs, n, order);
    const bufs = new Array<Uint8Array>(n);
    const outOff = new Uint32Array(n);
    this.files.readMany(files, offs, lens, order, n, bufs, outOff);
    list.forEach((c, i) => check(c, bufs[i] as Uint8Array, outOff[i] as number));
    return { bufs, offs: outOff };
  }
}

function check(c: Chunk, buf: Uint8Array, off: number): void {
  const got = buf.subarray(off, off + c.bytes.length);
  if (Buffer.compare(got, c.bytes) !== 0) {
    assert.fail(`chunk at ${c.file}:${c.off} (${c.bytes.length} bytes) read back different bytes`);
  }
}

function pick<T>(rand: () => number, all: readonly T[], max: number): T[] {
  const out: T[] = [];
  const n = Math.floor(rand() * max) + 1;
  for (let i = 0; i < n && all.length > 0; i++) out.push(all[Math.floor(rand() * all.length)] as T);
  return out;
}

describe('HeadChunkFiles with a cache', () => {
  it('reads the bytes written, for random layouts, appends, flushes and releases', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const cache = new HeadChunkCache({ maxBytes: 40 * (SEG + 4096 + 8), segmentBytes: SEG, idleMs: 0 });
      const f = new Fixture(cache, seed);
      const rand = f.rand;
      const kept: Array<{ chunks: Chunk[]; bufs: Uint8Array[]; offs: Uint32Array }> = [];
      for (let step = 0; step < 600; step++) {
        const a = rand();
        if (a < 0.55) f.append();
        else if (a < 0.62) f.files.flush();
        else if (a < 0.7) {
          const alive = f.chunks.filter((c) => c.alive);
          if (alive.length > 0) f.release(alive[Math.floor(rand() * alive.length)] as Chunk);
        } else {
          const alive = f.chunks.filter((c) => c.alive);
          if (alive.length === 0) continue;
          const list = pick(rand, alive, 60);
          const got = f.read(list);
          if (kept.length < 20) kept.push({ chunks: list, ...got });
        }
        assert.ok(cache.bytes <= cache.maxBytes, `cache holds ${cache.bytes} > ${cache.maxBytes}`);
      }
      // Buffers handed out earlier still hold their chunks' bytes (nothing was overwritten).
      for (const k of kept)
        k.chunks.forEach((c, i) => check(c, k.bufs[i] as Uint8Array, k.offs[i] as number));
      assert.ok(cache.hits > 0 && cache.misses > 0, `hits ${cache.hits}, misses ${cache.misses}`);
      assert.equal(cache.bytes, f.files.cachedBytes());
      f.files.close();
      assert.equal(cache.bytes, 0);
    }
  });

  it('hands out the same segment on a second read (zero copy), chunks straddling segments included', () => {
    const cache = new HeadChunkCache({ segmentBytes: SEG, idleMs: 0 });
    const f = new Fixture(cache, 7, 1 << 20);
    while (f.files.memoryBytes() === 1 << 20 && f.chunks.length < 100) f.append(300);
    f.files.flush();
    const straddling = f.chunks.filter((c) => Math.floor(c.off / SEG) !== Math.floor((c.off + 299) / SEG));
    assert.ok(straddling.length > 3);
    const first = f.read(f.chunks);
    const misses = cache.misses;
    const second = f.read(f.chunks);
    assert.equal(cache.misses, misses, 'the second read read nothing');
    f.chunks.forEach((_, i) => assert.equal(second.bufs[i], first.bufs[i]));
    // Every chunk is in a segment, a straddling one in the segment where it starts.
    const segs = new Set(first.bufs);
    assert.equal(segs.size, Math.ceil((f.chunks.at(-1)!.off + 1) / SEG));
    for (const b of segs) assert.equal(b.length, SEG + 4096 + 8);
  });

  it('reads the unwritten tail fresh and caches it once written', () => {
    const cache = new HeadChunkCache({ segmentBytes: SEG, idleMs: 0 });
    const f = new Fixture(cache, 8, 1 << 20);
    const a = [f.append(1000), f.append(1000)];
    f.read(a);
    assert.equal(cache.bytes, 0, 'bytes still in the write buffer are not cached');
    f.files.flush();
    const b = [f.append(1000), f.append(1000)];
    const r1 = f.read([...a, ...b]);
    assert.equal(cache.bytes, cache.bufferBytes);
    assert.equal(r1.bufs[0], r1.bufs[1]);
    assert.notEqual(r1.bufs[2], r1.bufs[0], 'the tail came from a fresh buffer');
    f.files.flush();
    const r2 = f.read([...a, ...b]);
    // The segment grew in place: the same buffer, earlier bytes unchanged.
    assert.equal(r2.bufs[0], r1.bufs[0]);
    assert.equal(r2.bufs[2], r1.bufs[0]);
    a.forEach((c, i) => check(c, r1.bufs[i] as Uint8Array, r1.offs[i] as number));
  });

  it('never caches bytes kept in memory after a failed write', () => {
    const fs = new FaultyFs(realFs);
    const cache = new HeadChunkCache({ segmentBytes: 4 * SEG, idleMs: 0 });
    const f = new Fixture(cache, 9, 1 << 20, fs);
    const a = [f.append(1500), f.append(1500)];
    f.files.flush();
    fs.plan = { writeError: 'ENOSPC', partialBytes: 700, failFsync: false, pathFilter: '' };
    const b = [f.append(1500), f.append(1500), f.append(1500)];
    f.files.flush();
    fs.plan = { writeError: null, partialBytes: 0, failFsync: false, pathFilter: '' };
    // The failed write left 700 bytes of it in the file, and the rest in memory.
    const r1 = f.read([...a, ...b]);
    assert.equal(r1.bufs[0], r1.bufs[1]);
    for (let i = 2; i < 5; i++) assert.notEqual(r1.bufs[i], r1.bufs[0]);
    const c = [f.append(100)];
    f.files.flush(); // retries the failed write first
    const r2 = f.read([...a, ...b, ...c]);
    for (let i = 1; i < 6; i++) assert.equal(r2.bufs[i], r2.bufs[0]);
  });

  it('drops a deleted file from the cache, and a new file of the same number reads its own bytes', () => {
    const cache = new HeadChunkCache({ segmentBytes: SEG, idleMs: 0 });
    const f = new Fixture(cache, 10, 16 * 1024);
    while (f.files.file === 0) f.append(1000);
    f.files.flush();
    const inFile0 = f.chunks.filter((c) => c.file === 0);
    const inFile1 = f.chunks.filter((c) => c.file === 1);
    f.read(f.chunks);
    const before = f.files.cachedBytes();
    assert.equal(before, cache.bytes);
    assert.ok(before >= 5 * cache.bufferBytes);
    for (const c of inFile0) f.release(c);
    assert.equal(f.files.cachedBytes(), cache.bufferBytes, 'only file 1 is left in the cache');
    f.read(inFile1);
    f.files.close();
    assert.equal(cache.bytes, 0, 'closing drops the rest');

    // Reopened over the same directory (emptied, as on open): file 0 again, other bytes.
    const g = new Fixture(cache, 11, 16 * 1024, realFs, f.dir);
    for (let i = 0; i < 12; i++) g.append(1000);
    g.files.flush();
    g.read(g.chunks);
    g.read(g.chunks);
    assert.ok(cache.bytes > 0);
    g.files.close();
  });

  it('keeps to its byte budget, evicting the least recently used segments', () => {
    const cache = new HeadChunkCache({ maxBytes: 3 * (SEG + 4096 + 8), segmentBytes: SEG, idleMs: 0 });
    const f = new Fixture(cache, 12, 1 << 20);
    for (let i = 0; i < 40; i++) f.append(1000);
    f.files.flush();
    for (let round = 0; round < 3; round++) {
      for (const c of f.chunks) f.read([c]);
      assert.ok(cache.bytes <= cache.maxBytes);
    }
    assert.ok(cache.evictions > 0);
    // The most recently used segment stays.
    const last = f.chunks.at(-1) as Chunk;
    const misses = cache.misses;
    f.read([last]);
    assert.equal(cache.misses, misses);
    // One read wanting more than the budget keeps its first segments rather than cycling through.
    const all = f.read(f.chunks);
    const hits = cache.hits;
    const again = f.read(f.chunks);
    assert.ok(cache.hits - hits >= 3, `a repeated scan hits the segments kept (${cache.hits - hits})`);
    assert.ok(cache.bytes <= cache.maxBytes);
    assert.equal(again.bufs[0], all.bufs[0]);
    // A budget below one segment caches nothing.
    const none = new HeadChunkCache({ maxBytes: SEG, segmentBytes: SEG, idleMs: 0 });
    const g = new Fixture(none, 13, 1 << 20);
    for (let i = 0; i < 10; i++) g.append(500);
    g.files.flush();
    g.read(g.chunks);
    assert.equal(none.bytes, 0);
  });

  it('gives everything back after idleMs without a query read', async () => {
    let now = 1_000_000;
    const cache = new HeadChunkCache({ segmentBytes: SEG, idleMs: 60_000, now: () => now });
    const f = new Fixture(cache, 14, 1 << 20);
    for (let i = 0; i < 20; i++) f.append(1000);
    f.files.flush();
    f.read(f.chunks);
    assert.ok(cache.bytes > 0);
    now += 59_000;
    f.read(f.chunks.slice(0, 1));
    now += 59_000;
    cache.sweep();
    assert.ok(cache.bytes > 0, 'used 59 s ago: kept');
    // Maintenance scans read from the cache but neither fill it nor keep it alive.
    f.files.withoutFill(() => f.read(f.chunks));
    now += 1_001;
    cache.sweep();
    assert.equal(cache.bytes, 0);
    assert.equal(f.files.cachedBytes(), 0);
    assert.equal(cache.scratch(1).size, 1, 'the shared scratch columns went too');
    f.files.withoutFill(() => f.read(f.chunks));
    assert.equal(cache.bytes, 0, 'withoutFill adds nothing');
    cache.stopIdle();

    // With the real timer.
    const timed = new HeadChunkCache({ segmentBytes: SEG, idleMs: 30 });
    const g = new Fixture(timed, 15, 1 << 20);
    for (let i = 0; i < 10; i++) g.append(1000);
    g.files.flush();
    g.read(g.chunks);
    assert.ok(timed.bytes > 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(timed.bytes, 0);
  });

  it('still throws for a damaged file', () => {
    const cache = new HeadChunkCache({ segmentBytes: SEG, idleMs: 0 });
    const f = new Fixture(cache, 16, 1 << 20);
    for (let i = 0; i < 10; i++) f.append(1000);
    f.files.flush();
    truncateSync(`${f.dir}/00000000`, 3000);
    assert.throws(() => f.read(f.chunks.slice(5)), /shorter than expected/);
    f.files.close();
  });
});

describe('ChunkStore over cached head chunk files', () => {
  it('fetch and read return the sealed bytes, and memoryBytes counts the cache', () => {
    const cache = new HeadChunkCache({ segmentBytes: SEG, idleMs: 0 });
    const dir = `${tmp()}/chunks_head`;
    mkdirSync(dir);
    const files = new HeadChunkFiles(realFs, dir, cache, 32 * 1024);
    const store = new ChunkStore(() => undefined, files);
    const rand = rng(17);
    const want: Uint8Array[] = [];
    const rows: number[] = [];
    for (let i = 0; i < 200; i++) {
      const len = 20 + Math.floor(rand() * 600);
      const b = new Uint8Array(len);
      for (let k = 0; k < len; k++) b[k] = Math.floor(rand() * 256);
      rows.push(store.seal(b, 0, len, i, i, 1));
      want.push(b);
    }
    files.flush();
    const mem0 = store.memoryBytes();
    for (let pass = 0; pass < 2; pass++) {
      const n = rows.length;
      const bufs = new Array<Uint8Array>(n);
      const offs = new Uint32Array(n);
      store.fetch(Int32Array.from(rows), n, bufs, offs);
      for (let i = 0; i < n; i++) {
        const w = want[i] as Uint8Array;
        assert.deepEqual(bufs[i]!.subarray(offs[i]!, offs[i]! + w.length), w);
        assert.deepEqual(store.read(rows[i]!), w);
      }
    }
    assert.ok(cache.hits > 0);
    assert.equal(files.cachedBytes(), cache.bytes);
    assert.ok(store.memoryBytes() - mem0 >= cache.bytes, 'memoryBytes counts the cached segments');
    files.close();
  });
});
