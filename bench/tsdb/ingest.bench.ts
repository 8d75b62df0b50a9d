/**
 * Engine ingest benchmark: append cost per sample for known series (the steady state of
 * remote_write), memory per active series, and bytes per sample on disk after a head cut.
 *
 *   node --expose-gc --import tsx bench/tsdb/ingest.bench.ts [series=100000] [scrapes=60]
 *
 * Prints the median of the per-scrape timings. Append time includes the WAL encoding and the
 * group-committed write() (fsync policy 'interval').
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openTsdb } from '../../src/tsdb/index.ts';
import { appendOptions, gc, median, stallProbe, T0, Workload } from './workload.ts';

const series = Number(process.argv[2] ?? 100_000);
const scrapes = Number(process.argv[3] ?? 60);
const dir = mkdtempSync(join(tmpdir(), 'tsdb-bench-'));
const opts = appendOptions();

const w = new Workload(series);
gc();
const rssBefore = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed;
const db = await openTsdb(dir, { maintenanceIntervalMs: 0 });

let t = T0;
// First scrape creates the series.
w.tick(t);
let t1 = performance.now();
await Promise.all(w.batches.map((b) => db.append(b, opts)));
const createMs = performance.now() - t1;

const perScrapeNs: number[] = [];
const cpuNs: number[] = [];
for (let k = 1; k < scrapes; k++) {
  t += 15_000;
  w.tick(t);
  const c0 = process.cpuUsage();
  t1 = performance.now();
  // Remote write sends requests concurrently: append them all, then await (group commit).
  await Promise.all(w.batches.map((b) => db.append(b, opts)));
  const wall = performance.now() - t1;
  const c = process.cpuUsage(c0);
  perScrapeNs.push((wall * 1e6) / w.samplesPerTick);
  cpuNs.push(((c.user + c.system) * 1e3) / w.samplesPerTick);
}
gc();
const mem = process.memoryUsage();
const headBytes = db.head.memoryBytes();
console.log(`series=${series} scrapes=${scrapes} samples=${series * scrapes}`);
console.log(`create: ${((createMs * 1e6) / series).toFixed(0)} ns/series (first scrape, new series)`);
console.log(
  `append: median ${median(perScrapeNs).toFixed(0)} ns/sample wall, ${median(cpuNs).toFixed(0)} ns/sample CPU, best scrape ${Math.min(...cpuNs).toFixed(0)} ns/sample CPU (known series, incl. WAL write)`,
);
console.log(
  `memory: rss +${((mem.rss - rssBefore) / series).toFixed(0)} B/series, heap +${((mem.heapUsed - heapBefore) / series).toFixed(0)} B/series, arrayBuffers ${(mem.arrayBuffers / series).toFixed(0)} B/series, head estimate ${(headBytes / series).toFixed(0)} B/series (${scrapes} samples each)`,
);

// Disk: cut the head into a block and look at the chunk bytes.
const probe = stallProbe();
const cut0 = performance.now();
await db.maintain(true);
const worst = probe.stop();
console.log(
  `head cut to a block: ${Math.round(performance.now() - cut0)} ms, longest event-loop stall ${Math.round(worst)} ms`,
);
let numSamples = 0;
let chunkBytes = 0;
let fileBytes = 0;
let indexBytes = 0;
for (const b of db.blocks.list) {
  numSamples += b.meta.stats.numSamples;
  chunkBytes += b.meta.stats.chunkBytes;
  fileBytes += b.meta.stats.chunkFileBytes;
  indexBytes += b.meta.stats.indexBytes;
}
console.log(
  `disk: ${numSamples} samples in blocks, XOR ${(chunkBytes / numSamples).toFixed(2)} B/sample, after deflate ${(fileBytes / numSamples).toFixed(2)} B/sample, with index ${((fileBytes + indexBytes) / numSamples).toFixed(2)} B/sample`,
);
let walBytes = 0;
for (const n of readdirSync(join(dir, 'wal'))) {
  const p = join(dir, 'wal', n);
  if (statSync(p).isFile()) walBytes += statSync(p).size;
}
console.log(`wal: ${(walBytes / (series * scrapes)).toFixed(2)} B/sample in live segments`);
await db.close();
rmSync(dir, { recursive: true, force: true });
