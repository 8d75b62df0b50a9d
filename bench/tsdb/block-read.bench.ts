/**
 * CPU cost of reading a block: opening it (index read, inflated and parsed) and a full scan (every
 * series' chunks: frames read and inflated, then bulk-decoded as a query does with readFloats).
 *
 *   node --import tsx bench/tsdb/block-read.bench.ts BLOCK_DIR [runs=7]
 *
 * Point it at a block the harness leaves with `--keep` (DATA/tenants/bench/blocks/<ulid>), or one
 * written by bench/tsdb/block-write.bench.ts. Process CPU time (user + system), median of the runs.
 */
import type { FloatColumns } from '../../src/storage/index.ts';
import { DiskBlock } from '../../src/tsdb/block/reader.ts';
import { realFs } from '../../src/tsdb/fs.ts';
import { readChunkFloats } from '../../src/tsdb/query/read-floats.ts';
import { median } from './workload.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: block-read.bench.ts BLOCK_DIR [runs]');
const runs = Number(process.argv[3] ?? 7);

const out: FloatColumns = {
  t: new Float64Array(256),
  v: new Float64Array(256),
  n: 0,
  staleT: new Float64Array(8),
  ns: 0,
};
const open: number[] = [];
const scan: number[] = [];
let samples = 0;
for (let r = 0; r < runs; r++) {
  let u = process.cpuUsage();
  const b = await DiskBlock.open(realFs, dir);
  let d = process.cpuUsage(u);
  open.push((d.user + d.system) / 1000);
  u = process.cpuUsage();
  samples = 0;
  for (const s of await b.allSeries()) {
    readChunkFloats(s.chunks, null, -Infinity, Infinity, out);
    samples += out.n + out.ns;
  }
  d = process.cpuUsage(u);
  scan.push((d.user + d.system) / 1000);
  await b.close();
}
console.log(`open: median ${median(open).toFixed(0)} ms CPU (${open.map((x) => x.toFixed(0)).join(' ')})`);
console.log(
  `full scan of ${samples} samples: median ${median(scan).toFixed(0)} ms CPU (${scan.map((x) => x.toFixed(0)).join(' ')})`,
);
