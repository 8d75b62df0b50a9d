import { ValueKind } from '../../storage/index.ts';
import { MAX_SAMPLE_BYTES, XorWriter } from '../chunk/xor.ts';
import { MAX_CHUNK_SAMPLES } from '../head/head.ts';
import { seriesIterator } from '../query/iterators.ts';
import type { ChunkRef, SampleArrays } from '../query/types.ts';

const scratch = new Uint8Array(MAX_CHUNK_SAMPLES * MAX_SAMPLE_BYTES);
const writer = new XorWriter();

/**
 * The chunks to write for one series in [mint, maxt]: its chunks as they are when they already fit
 * (sorted, not overlapping, inside the range, nothing deleted, no out-of-order samples), otherwise
 * the merged, filtered samples re-encoded into new chunks of at most MAX_CHUNK_SAMPLES samples.
 * Value bits are copied exactly, so stale markers survive.
 */
export function rechunk(
  chunks: ChunkRef[],
  ooo: readonly SampleArrays[],
  deleted: readonly number[] | null,
  mint: number,
  maxt: number,
): ChunkRef[] {
  chunks.sort((a, b) => a.mint - b.mint);
  let reusable = ooo.length === 0 && deleted === null;
  for (let i = 0; reusable && i < chunks.length; i++) {
    const c = chunks[i] as ChunkRef;
    if (c.mint < mint || c.maxt > maxt) reusable = false;
    if (i > 0 && (chunks[i - 1] as ChunkRef).maxt >= c.mint) reusable = false;
  }
  if (reusable) return chunks;
  const out: ChunkRef[] = [];
  const it = seriesIterator(chunks, ooo, deleted, mint, maxt);
  let first = 0;
  writer.reset(scratch, 0);
  const flush = (): void => {
    if (writer.count === 0) return;
    const len = writer.byteLength;
    out.push({ buf: scratch.slice(0, len), off: 0, mint: first, maxt: writer.t, count: writer.count, len });
    scratch.fill(0, 0, len);
    writer.reset(scratch, 0);
  };
  for (let k = it.next(), guard = 0; k !== ValueKind.None && guard < 1e9; k = it.next(), guard++) {
    if (writer.count === MAX_CHUNK_SAMPLES) flush();
    if (writer.count === 0) first = it.t;
    writer.append(it.t, it.hi, it.lo);
  }
  flush();
  return out;
}
