/**
 * CPU cost of writing a block (what a head cut or a compaction pays in writeBlock): the series of
 * an existing block are read into memory once and written again `runs` times into a temporary
 * directory.
 *
 *   node --import tsx bench/tsdb/block-write.bench.ts BLOCK_DIR [runs=5]
 *
 * Point it at a block the harness leaves with `--keep` (DATA/tenants/bench/blocks/<ulid>).
 * Reports process CPU time (user + system, zlib's thread pool included) per run, median, and the
 * written block's bytes per sample.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { median } from './workload.ts';

import { DiskBlock } from '../../src/tsdb/block/reader.ts';
import { newUlid } from '../../src/tsdb/block/format.ts';
import { writeBlock } from '../../src/tsdb/block/writer.ts';
import { encodeHistChunks } from '../../src/tsdb/chunk/histogram.ts';
import { realFs } from '../../src/tsdb/fs.ts';

const src = process.argv[2];
if (!src) throw new Error('usage: block-write.bench.ts BLOCK_DIR [runs]');
const runs = Number(process.argv[3] ?? 5);

const block = await DiskBlock.open(realFs, src);
const series = (await block.allSeries()).map((s) => ({
  labels: s.labels,
  chunks: s.chunks,
  hist: s.hist ? encodeHistChunks(s.hist.t, s.hist.h) : [],
}));
await block.close();
const out = mkdtempSync(join(tmpdir(), 'block-write-bench-'));
const cpu: number[] = [];
try {
  for (let r = 0; r < runs; r++) {
    const u = process.cpuUsage();
    const meta = await writeBlock(realFs, out, {
      ulid: newUlid(),
      minTime: block.minTime,
      maxTime: block.maxTime,
      level: 1,
      sources: [],
      series,
      compress: true,
    });
    const d = process.cpuUsage(u);
    cpu.push((d.user + d.system) / 1000);
    const s = meta.stats;
    console.log(
      `run ${r + 1}: ${cpu[r]?.toFixed(0)} ms CPU, ${((s.indexBytes + s.chunkFileBytes) / s.numSamples).toFixed(3)} B/sample`,
    );
    rmSync(join(out, meta.ulid), { recursive: true, force: true });
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(`median ${median(cpu).toFixed(0)} ms CPU for ${block.meta.stats.numSamples} samples`);
