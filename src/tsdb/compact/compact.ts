import type { TsdbFs } from '../fs.ts';
import { DiskBlock } from '../block/reader.ts';
import { writeBlock, type BlockSeries } from '../block/writer.ts';
import type { BlockMeta } from '../block/format.ts';
import type { Tombstones } from '../meta-stores.ts';
import { mergeSeries } from '../query/querier.ts';
import { encodeHistChunks } from '../chunk/histogram.ts';
import { mergeHists, rechunk } from './rechunk.ts';

export interface CompactJob {
  readonly blocksDir: string;
  readonly sources: readonly string[];
  readonly ulid: string;
  readonly compress: boolean;
}

/**
 * Merges source blocks into one new block: series with equal labels are joined, overlapping chunks
 * merged and re-encoded, tombstoned samples dropped for good. Does not remove the sources (the
 * caller swaps blocks once the new one is in place). Loads the sources' chunk data into memory.
 */
export async function compactBlocks(fs: TsdbFs, job: CompactJob, tombstones: Tombstones): Promise<BlockMeta> {
  const blocks: DiskBlock[] = [];
  try {
    for (const id of job.sources) blocks.push(await DiskBlock.open(fs, `${job.blocksDir}/${id}`));
    const parts = await Promise.all(blocks.map((b) => b.allSeries()));
    const mint = Math.min(...blocks.map((b) => b.minTime));
    const maxt = Math.max(...blocks.map((b) => b.maxTime));
    const series: BlockSeries[] = [];
    for (const m of mergeSeries(parts)) {
      const deleted = tombstones.intervals(m.labels, mint, maxt);
      const chunks = rechunk(m.chunks, m.ooo, deleted, mint, maxt);
      const hist = m.hists.length > 0 ? mergeHists(m.hists, deleted, mint, maxt) : null;
      if (chunks.length > 0 || hist !== null)
        series.push({ labels: m.labels, chunks, hist: hist ? encodeHistChunks(hist.t, hist.h) : [] });
    }
    const level = 1 + Math.max(...blocks.map((b) => b.meta.compaction.level));
    const sources = [...new Set(blocks.flatMap((b) => b.meta.compaction.sources))];
    return await writeBlock(fs, job.blocksDir, {
      ulid: job.ulid,
      minTime: mint,
      maxTime: maxt,
      level,
      sources,
      series,
      compress: job.compress,
    });
  } finally {
    for (const b of blocks) await b.close();
  }
}
