/**
 * Where the bytes of a blocks directory go.
 *
 *   node --import tsx bench/tsdb/block-bytes.ts BLOCKS_DIR
 *
 * Per block and in total: bytes per sample of the index and of the chunks file, and how many
 * float chunks (and samples) are XOR or decimal. Point it at the blocks directory the harness
 * leaves with `--keep` (DATA/tenants/bench/blocks).
 */
import { readdirSync, statSync } from 'node:fs';

import { ChunkEncoding } from '../../src/tsdb/chunk/block-chunk.ts';
import { DiskBlock } from '../../src/tsdb/block/reader.ts';
import { realFs } from '../../src/tsdb/fs.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: block-bytes.ts BLOCKS_DIR');

let samples = 0;
let indexBytes = 0;
let chunkFileBytes = 0;
const chunks = [0, 0];
const chunkSamples = [0, 0];
const chunkRaw = [0, 0];
for (const name of readdirSync(dir).sort()) {
  const bdir = `${dir}/${name}`;
  if (!statSync(bdir).isDirectory() || name.endsWith('.tmp')) continue;
  const b = await DiskBlock.open(realFs, bdir);
  const ix = statSync(`${bdir}/index`).size;
  const cf = statSync(`${bdir}/chunks`).size;
  const n = b.meta.stats.numSamples;
  console.log(
    `${name}: ${n} samples, index ${(ix / n).toFixed(3)} B/sample, chunks ${(cf / n).toFixed(3)} B/sample`,
  );
  samples += n;
  indexBytes += ix;
  chunkFileBytes += cf;
  for (const s of await b.allSeries()) {
    for (const c of s.chunks) {
      chunks[c.enc] = (chunks[c.enc] as number) + 1;
      chunkSamples[c.enc] = (chunkSamples[c.enc] as number) + c.count;
      chunkRaw[c.enc] = (chunkRaw[c.enc] as number) + c.len;
    }
  }
  await b.close();
}
const ps = (x: number): string => (x / samples).toFixed(3);
console.log(`total: ${samples} samples, ${ps(indexBytes + chunkFileBytes)} B/sample`);
console.log(`  index ${ps(indexBytes)} B/sample, chunks file ${ps(chunkFileBytes)} B/sample`);
for (const [name, enc] of Object.entries(ChunkEncoding)) {
  const s = chunkSamples[enc] as number;
  console.log(
    `  ${name}: ${chunks[enc]} chunks, ${s} samples, ${s > 0 ? ((chunkRaw[enc] as number) / s).toFixed(3) : '-'} raw B/sample`,
  );
}
