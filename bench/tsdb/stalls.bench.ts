/**
 * Event-loop stalls of the engine's background work with many series in the head: the longest
 * time the event loop was blocked (a 5 ms timer that measures its own lateness) during
 *
 *   1. a checkpoint of the whole head,
 *   2. a head cut (block written, head truncated, checkpoint) that leaves every series alive,
 *   3. a flush (the rest of the head into a block, every series leaving the head, compaction of
 *      the two blocks in the worker thread).
 *
 *   node --expose-gc --import tsx bench/tsdb/stalls.bench.ts [series=1000000] [scrapes=15]
 *
 * Ingest keeps running during each phase (one scrape of a tenth of the series every 20 ms), as a
 * server would see it; the stall is what such an append waits for at worst.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openTsdb } from '../../src/tsdb/index.ts';
import { appendOptions, stallProbe, T0, Workload } from './workload.ts';

const series = Number(process.argv[2] ?? 1_000_000);
const scrapes = Number(process.argv[3] ?? 15);
// Scrapes every minute from 10 minutes before a block boundary: the forced cut takes the part
// before the boundary and leaves every series with data after it.
const first = T0 - 10 * 60_000;
const opts = appendOptions(0);
const dir = mkdtempSync(join(tmpdir(), 'tsdb-stalls-'));
const w = new Workload(series);
const db = await openTsdb(dir, { maintenanceIntervalMs: 0, checkpointBytes: 1 });
const t0 = performance.now();
for (let k = 0; k < scrapes; k++) {
  w.tick(first + k * 60_000);
  await Promise.all(w.batches.map((b) => db.append(b, opts)));
}
console.log(
  `ingested ${series} series x ${scrapes} scrapes in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

/** Runs `work` while appending a slice of a newer scrape every 20 ms; returns the longest stall. */
async function measure(name: string, work: () => Promise<void>, scrape: number): Promise<void> {
  w.tick(first + scrape * 60_000);
  const probe = stallProbe();
  let next = 0;
  const step = Math.max(1, Math.floor(w.batches.length / 10));
  const load = setInterval(() => {
    const part = w.batches.slice(next, next + step);
    next += step;
    for (const b of part) void db.append(b, opts);
  }, 20);
  const c0 = process.cpuUsage();
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(c0);
  const worst = probe.stop();
  clearInterval(load);
  // Let the appends in flight finish before the next phase.
  await db.append(w.batches[0]!, opts);
  console.log(
    `${name}: ${Math.round(ms)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU, longest event-loop stall ${Math.round(worst)} ms`,
  );
}

await measure('checkpoint', () => db.maintain(), scrapes);
await measure('head cut', () => db.maintain(true), scrapes + 1);
await measure('flush (cut, every series leaves the head, compaction)', () => db.flush(), scrapes + 2);
console.log(`blocks: ${db.blocks.list.length}, head series left: ${db.head.live}`);
await db.close();
rmSync(dir, { recursive: true, force: true });
