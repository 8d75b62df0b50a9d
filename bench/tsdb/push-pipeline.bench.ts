/**
 * The remote-write ingest path in one process, on the harness's own workload (bench/harness: same
 * catalogue, same request bytes): snappy → remote write 1.0 decode → tsdb append + WAL commit, with
 * the harness's C senders each keeping one request in flight. No HTTP, no harness process, so the
 * CPU figure is steadier than the harness's (which also counts the HTTP server's work).
 *
 *   node --expose-gc --import tsx bench/tsdb/push-pipeline.bench.ts [targets=2400] [backfill=2h] [rounds=1] [end=window|now]
 *
 * Where the data ends decides how much of it is still in open chunks afterwards (chunks are cut at
 * multiples of the 2 h block range). `window` (default) places the backfill right after such a
 * boundary, so every series ends with a full open chunk: the most memory. `now` ends the data
 * just before the current time, as the harness does, so the figure depends on the time of day.
 *
 * Prints CPU-seconds per million samples over the backfill (process.cpuUsage, user + system) and
 * the memory the process holds afterwards per series (first round only): RSS, V8 heap, array
 * buffers — as the backfill left them, after a full GC, and after the memory-reducing collection
 * the server runs once a burst is over.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MemoryReducer } from '../../src/app/memory-reducer.ts';
import { ProtoReader, SnappyDecoder } from '../../src/codec/index.ts';
import { SampleBatch } from '../../src/model/index.ts';
import { decodeWriteRequest } from '../../src/protocol/index.ts';
import { openTsdb } from '../../src/tsdb/index.ts';
import { parseDuration } from '../harness/options.ts';
import { generateWorkload } from '../harness/workload.ts';
import { gc, median } from './workload.ts';

const targets = Number(process.argv[2] ?? 2400);
const backfillMs = parseDuration(process.argv[3] ?? '2h');
const rounds = Number(process.argv[4] ?? 1);
const end = process.argv[5] ?? 'window';
const BLOCK_RANGE_MS = 2 * 3_600_000;
const intervalMs = 60_000;
// 'window': scrape 0 one interval after a block-range boundary, the backfill's last scrape before
// the next one (the sustained scrape, not sent here, would be the first after it).
const boundary = Math.floor((Date.now() - backfillMs - 3 * intervalMs) / BLOCK_RANGE_MS) * BLOCK_RANGE_MS;
const notAfterMs = end === 'now' ? Date.now() : boundary + backfillMs + intervalMs + 1;
const MiB = 1024 * 1024;

const work = mkdtempSync(join(tmpdir(), 'push-pipeline-'));
const w = generateWorkload(
  {
    targets,
    families: 8,
    intervalMs,
    backfillMs,
    sustainedScrapes: 1,
    samplesPerRequest: 2000,
    senders: 4,
    seed: 1,
    notAfterMs,
  },
  join(work, 'requests.bin'),
);
const file = readFileSync(w.path);
console.log(
  `workload: ${w.series} series, ${w.backfillSamples} samples in ${w.backfill.flat().length} requests ` +
    `(${(w.compressedBytes / MiB).toFixed(1)} MiB snappy), generated in ${w.generateSeconds.toFixed(1)} s`,
);

const cpuPerM: number[] = [];
for (let round = 0; round < rounds; round++) {
  const dir = join(work, `db-${round}`);
  gc();
  const before = process.memoryUsage();
  const db = await openTsdb(dir, { maintenanceIntervalMs: 0 });
  const snappy = new SnappyDecoder(64 * MiB);
  const reader = new ProtoReader();
  const batch = new SampleBatch();
  const opts = {
    now: Date.now(),
    maxFutureMs: 600_000,
    outOfOrderWindowMs: 0,
    maxSeries: 0,
    maxSeriesPerMetric: 0,
  };

  // Senders advance in lock step (the harness keeps them within 5 minutes of each other).
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const longest = Math.max(...w.backfill.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    const pending: Promise<unknown>[] = [];
    for (const list of w.backfill) {
      const req = list[i];
      if (req === undefined) continue;
      const body = file.subarray(req.offset, req.offset + req.length);
      decodeWriteRequest(reader.reset(snappy.decode(body)), batch);
      pending.push(db.append(batch, opts));
    }
    await Promise.all(pending);
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const wall = (performance.now() - t0) / 1000;
  cpuPerM.push(seconds / (w.backfillSamples / 1e6));
  const held = process.memoryUsage();
  gc();
  const live = process.memoryUsage();
  const per = (a: number, b: number): string => ((a - b) / w.series).toFixed(0);
  console.log(
    `round ${round + 1}: ${(seconds / (w.backfillSamples / 1e6)).toFixed(3)} CPU-s per M samples ` +
      `(user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s, wall ${wall.toFixed(1)} s)`,
  );
  // Memory only for the first round: a closed Tsdb's buffers are not all collected by the next
  // round's start (not chased yet), so later rounds' deltas are meaningless.
  if (round > 0) {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    continue;
  }
  console.log(
    `  per series after the backfill: rss +${per(held.rss, before.rss)} B, heapUsed +${per(held.heapUsed, before.heapUsed)} B, ` +
      `heapTotal +${per(held.heapTotal, before.heapTotal)} B, arrayBuffers +${per(held.arrayBuffers, before.arrayBuffers)} B`,
  );
  console.log(
    `  after a full GC:                rss +${per(live.rss, before.rss)} B, heapUsed +${per(live.heapUsed, before.heapUsed)} B, ` +
      `heapTotal +${per(live.heapTotal, before.heapTotal)} B, arrayBuffers +${per(live.arrayBuffers, before.arrayBuffers)} B, ` +
      `head estimate ${(db.head.memoryBytes() / w.series).toFixed(0)} B`,
  );
  // What the server does once a burst is over (src/app/memory-reducer.ts).
  let took = 0;
  await new MemoryReducer({ onReduce: (r) => (took = r.ms) }).reduceNow();
  const reduced = process.memoryUsage();
  console.log(
    `  after a memory-reducing GC:     rss +${per(reduced.rss, before.rss)} B, heapTotal +${per(reduced.heapTotal, before.heapTotal)} B ` +
      `(took ${took.toFixed(0)} ms)`,
  );
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`median CPU-s per M samples over ${rounds} round(s): ${median(cpuPerM).toFixed(3)}`);
rmSync(work, { recursive: true, force: true });
