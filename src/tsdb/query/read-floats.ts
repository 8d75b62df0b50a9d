import { STALE_NAN_HI, STALE_NAN_LO } from '../../model/index.ts';
import { ValueKind, type FloatColumns } from '../../storage/index.ts';
import { ChunkEncoding } from '../chunk/block-chunk.ts';
import { decodeDecimal } from '../chunk/decimal.ts';
import { decodedStale, decodeXor } from '../chunk/xor-bulk.ts';
import { lowerBound } from '../search.ts';
import type { BitsIterator } from './iterators.ts';
import type { ChunkRef } from './types.ts';

/**
 * Series.readFloats for the TSDB: a series' float samples in [mint, maxt] as columns, decoded a
 * whole chunk at a time (see chunk/xor-bulk.ts and chunk/decimal.ts) straight into the caller's
 * arrays. Stale markers
 * are moved to `staleT`, deleted intervals (tombstones) are dropped.
 */

let viewOf: Float64Array | null = null;
let view32: Int32Array = new Int32Array(0);

/** An Int32Array over the same bytes as `v` (two words per float, low word first), cached. */
function int32View(v: Float64Array): Int32Array {
  if (v !== viewOf) {
    viewOf = v;
    view32 = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  }
  return view32;
}

function ensure(out: FloatColumns, n: number): void {
  if (out.t.length >= n) return;
  const cap = Math.max(n, out.t.length * 2);
  out.t = new Float64Array(cap);
  out.v = new Float64Array(cap);
}

function pushStale(out: FloatColumns, t: number): void {
  if (out.ns === out.staleT.length) {
    const a = new Float64Array(Math.max(8, out.ns * 2));
    a.set(out.staleT);
    out.staleT = a;
  }
  out.staleT[out.ns++] = t;
}

function isDeleted(iv: readonly number[], t: number): boolean {
  for (let i = 0; i < iv.length; i += 2)
    if (t >= (iv[i] as number) && t <= (iv[i + 1] as number)) return true;
  return false;
}

/** First index in [lo, hi) of sorted `a` with a[i] > x. */
function upperBound(a: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Reads chunks that are sorted by time and do not overlap (one run, the common case). Chunks
 * outside [mint, maxt] are not decoded; only the first and the last decoded chunk can hold samples
 * outside it, which are cut off afterwards.
 */
export function readChunkFloats(
  chunks: readonly ChunkRef[],
  deleted: readonly number[] | null,
  mint: number,
  maxt: number,
  out: FloatColumns,
): void {
  out.n = 0;
  out.ns = 0;
  let first = -1;
  let last = -1;
  let cap = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i] as ChunkRef;
    if (c.maxt < mint) continue;
    if (c.mint > maxt) break;
    if (first < 0) first = i;
    last = i;
    cap += c.count;
  }
  if (first < 0) return;
  ensure(out, cap);
  const t = out.t;
  const v32 = int32View(out.v);
  let n = 0;
  let stale = 0;
  for (let i = first; i <= last; i++) {
    const c = chunks[i] as ChunkRef;
    if (c.enc === ChunkEncoding.Xor) {
      decodeXor(c.buf, c.off, c.len, c.mint, c.count, t, v32, n);
      stale += decodedStale;
    } else decodeDecimal(c.buf, c.off, c.len, c.mint, c.count, t, out.v, n);
    n += c.count;
  }
  const a = (chunks[first] as ChunkRef).mint < mint ? lowerBound(t, mint, 0, n) : 0;
  const z = (chunks[last] as ChunkRef).maxt > maxt ? upperBound(t, a, n, maxt) : n;
  if (stale === 0 && deleted === null) {
    if (a > 0) {
      t.copyWithin(0, a, z);
      out.v.copyWithin(0, a, z);
    }
    out.n = z - a;
    return;
  }
  // Rare: stale markers or deletions, filtered in place.
  let k = 0;
  for (let i = a; i < z; i++) {
    const ti = t[i] as number;
    if (deleted !== null && isDeleted(deleted, ti)) continue;
    const lo = v32[2 * i] as number;
    const hi = v32[2 * i + 1] as number;
    if (hi === STALE_NAN_HI && lo === STALE_NAN_LO) {
      pushStale(out, ti);
      continue;
    }
    t[k] = ti;
    v32[2 * k] = lo;
    v32[2 * k + 1] = hi;
    k++;
  }
  out.n = k;
}

/**
 * Reads through a sample iterator (overlapping chunks, out-of-order samples): the iterator already
 * merges, clips and applies deletions. Returns false at the first histogram.
 */
export function readIteratorFloats(it: BitsIterator, out: FloatColumns): boolean {
  out.n = 0;
  out.ns = 0;
  let n = 0;
  for (let k = it.next(); k !== ValueKind.None; k = it.next()) {
    if (k === ValueKind.Stale) {
      pushStale(out, it.t);
      continue;
    }
    if (k !== ValueKind.Float) return false;
    if (n === out.t.length) {
      const t = new Float64Array(Math.max(64, n * 2));
      t.set(out.t);
      out.t = t;
      const v = new Float64Array(t.length);
      v.set(out.v);
      out.v = v;
    }
    const v32 = int32View(out.v);
    out.t[n] = it.t;
    v32[2 * n] = it.lo;
    v32[2 * n + 1] = it.hi;
    n++;
  }
  out.n = n;
  return true;
}
