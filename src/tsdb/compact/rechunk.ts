import { ValueKind } from '../../storage/index.ts';
import { ChunkEncoding } from '../chunk/block-chunk.ts';
import { MAX_SAMPLE_BYTES, XorWriter } from '../chunk/xor.ts';
import { MAX_CHUNK_SAMPLES } from '../head/head.ts';
import { seriesIterator } from '../query/iterators.ts';
import type { ChunkRef, HistArrays, SampleArrays } from '../query/types.ts';
import type { FloatHistogram } from '../../model/index.ts';

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
    out.push({
      buf: scratch.slice(0, len),
      off: 0,
      mint: first,
      maxt: writer.t,
      count: writer.count,
      len,
      enc: ChunkEncoding.Xor,
    });
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

/**
 * Merges histogram sample lists (each sorted) into one, keeping [mint, maxt] minus deleted
 * intervals; at equal timestamps the first list wins. Null when nothing is left.
 */
export function mergeHists(
  lists: readonly HistArrays[],
  deleted: readonly number[] | null,
  mint: number,
  maxt: number,
): HistArrays | null {
  const t: number[] = [];
  const h: Array<FloatHistogram | null> = [];
  const pos = lists.map(() => 0);
  for (let guard = 0; guard < 1e8; guard++) {
    let best = -1;
    for (let k = 0; k < lists.length; k++) {
      const l = lists[k] as HistArrays;
      const p = pos[k] as number;
      if (
        p < l.t.length &&
        (best < 0 || (l.t[p] as number) < ((lists[best] as HistArrays).t[pos[best] as number] as number))
      )
        best = k;
    }
    if (best < 0) break;
    const l = lists[best] as HistArrays;
    const ts = l.t[pos[best] as number] as number;
    const hv = l.h[pos[best] as number] ?? null;
    for (let k = 0; k < lists.length; k++) {
      const o = lists[k] as HistArrays;
      while ((pos[k] as number) < o.t.length && o.t[pos[k] as number] === ts) pos[k] = (pos[k] as number) + 1;
    }
    if (ts < mint || ts > maxt || isDeleted(deleted, ts)) continue;
    t.push(ts);
    h.push(hv);
  }
  return t.length === 0 ? null : { t, h };
}

function isDeleted(iv: readonly number[] | null, t: number): boolean {
  if (iv === null) return false;
  for (let i = 0; i < iv.length; i += 2)
    if (t >= (iv[i] as number) && t <= (iv[i + 1] as number)) return true;
  return false;
}
