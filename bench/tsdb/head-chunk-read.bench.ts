/**
 * Reading sealed head chunks, as a query does (ChunkStore.fetch over one chunk per series), with and
 * without the head chunk cache, alternating.
 *
 *   node --expose-gc --import tsx bench/tsdb/head-chunk-read.bench.ts [series=100000] [bytes=180] [runs=20] [segmentKiB=256]
 *
 * Seals `series` chunks of about `bytes` bytes each (the harness's sealed chunk: ~66 samples of a
 * counter at 60 s) into head chunk files on disk, then fetches all of them `runs` times per mode.
 * Prints per fetch: CPU ms (process.cpuUsage, median), bytes of new ArrayBuffers (external memory
 * a query makes the GC deal with), and the cache's figures.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { realFs } from '../../src/tsdb/fs.ts';
import { HeadChunkCache } from '../../src/tsdb/head/chunk-cache.ts';
import { HeadChunkFiles } from '../../src/tsdb/head/chunk-files.ts';
import { ChunkStore } from '../../src/tsdb/head/chunk-store.ts';
import { rng } from '../../src/tsdb/test-util.ts';
import { gc, median } from './workload.ts';

const series = Number(process.argv[2] ?? 100_000);
const bytes = Number(process.argv[3] ?? 180);
const runs = Number(process.argv[4] ?? 20);
const segmentKiB = Number(process.argv[5] ?? 256);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function open(dir: string, cache: HeadChunkCache | null): { store: ChunkStore; rows: Int32Array } {
  mkdirSync(dir);
  const store = new ChunkStore(() => undefined, new HeadChunkFiles(realFs, dir, cache));
  const rand = rng(1);
  const src = new Uint8Array(4096);
  for (let i = 0; i < src.length; i++) src[i] = Math.floor(rand() * 256);
  const rows = new Int32Array(series);
  for (let s = 0; s < series; s++) {
    const len = bytes - 20 + Math.floor(rand() * 40);
    rows[s] = store.seal(src, Math.floor(rand() * 2000), len, 0, 1, 66);
  }
  store.files.flush();
  return { store, rows };
}

const root = mkdtempSync(join(tmpdir(), 'head-chunk-read-'));
try {
  const cache = new HeadChunkCache({ idleMs: 0, segmentBytes: segmentKiB * 1024 });
  const modes = [
    { name: 'files (no cache)', ...open(join(root, 'a'), null), cache: null },
    { name: `cache ${cache.maxBytes >> 20} MiB/${segmentKiB} KiB`, ...open(join(root, 'b'), cache), cache },
  ];
  console.log(`${series} sealed chunks of ~${bytes} B (${((series * bytes) / 1048576).toFixed(1)} MiB)`);
  const bufs = new Array<Uint8Array>(series);
  const offs = new Uint32Array(series);
  const cpu = modes.map(() => [] as number[]);
  const ab = modes.map(() => [] as number[]);
  const first = modes.map(() => 0);
  for (let r = 0; r <= runs; r++) {
    for (let m = 0; m < modes.length; m++) {
      const mode = modes[m]!;
      gc();
      const a0 = process.memoryUsage().arrayBuffers;
      const c0 = cpuMs();
      mode.store.fetch(mode.rows, series, bufs, offs);
      const c = cpuMs() - c0;
      const a = process.memoryUsage().arrayBuffers - a0;
      bufs.fill(undefined as unknown as Uint8Array);
      if (r === 0) first[m] = c;
      else {
        cpu[m]!.push(c);
        ab[m]!.push(a);
      }
    }
  }
  for (let m = 0; m < modes.length; m++) {
    console.log(
      `${modes[m]!.name.padEnd(18)} first ${first[m]!.toFixed(1).padStart(6)} ms, warm median ${median(cpu[m]!).toFixed(2).padStart(6)} ms CPU, ` +
        `${(median(ab[m]!) / 1048576).toFixed(1)} MiB new array buffers per fetch`,
    );
  }
  console.log(
    `cache: ${(cache.bytes / 1048576).toFixed(1)} MiB held, ${cache.hits} hits, ${cache.misses} misses`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
