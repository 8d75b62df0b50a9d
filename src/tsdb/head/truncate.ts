import { Slicer } from '../slicer.ts';
import type { Head } from './head.ts';

/** Series per slice of the chunk-dropping pass (the event loop may run between slices). */
const SLICE = 1024;

/**
 * Drops chunks and out-of-order samples entirely before `before`, and series left without data
 * whose newest sample is before `before`. Returns the refs of removed series.
 *
 * The caller has already moved the head's min valid time to at least `before`, so appends that
 * run in between never add data this drops. Chunks are dropped in slices with the event loop
 * running in between; deciding which series go, and taking them out of the postings and the
 * lookup table, is one synchronous step (an append must never find a series being removed).
 */
export async function truncateHead(head: Head, before: number): Promise<number[]> {
  const slicer = new Slicer();
  for (let from = 0; from < head.n; from += SLICE) {
    dropBefore(head, before, from, Math.min(head.n, from + SLICE));
    await slicer.tick();
  }
  return removeEmpty(head, before);
}

function dropBefore(head: Head, before: number, from: number, to: number): void {
  const ch = head.chunks;
  for (let ref = from; ref < to; ref++) {
    if (head.dead[ref] === 1) continue;
    let row = head.firstChunk[ref] as number;
    while (row >= 0 && (ch.maxt[row] as number) < before) {
      const nx = ch.next[row] as number;
      ch.drop(row);
      row = nx;
    }
    head.firstChunk[ref] = row;
    if (row < 0) head.lastChunk[ref] = -1;
    if (head.u8[ref * 64 + 60] === 1 && (head.f64[ref * 8 + 0] as number) < before) head.dropOpen(ref);
    head.ooo.truncate(ref, before);
    head.hists.truncate(ref, before);
  }
}

function removeEmpty(head: Head, before: number): number[] {
  const removed: number[] = [];
  for (let ref = 0; ref < head.n; ref++) {
    if (
      head.dead[ref] === 0 &&
      (head.firstChunk[ref] as number) < 0 &&
      head.u8[ref * 64 + 60] === 0 &&
      !head.ooo.has(ref) &&
      !head.hists.has(ref) &&
      (head.f64[ref * 8 + 0] as number) < before
    )
      removed.push(ref);
  }
  if (removed.length > 0) {
    head.retire(removed);
    head.postings.filter((r) => head.dead[r] === 0);
    head.rebuildTable();
  }
  if (before > head.minValidTime) head.minValidTime = before;
  recomputeMinT(head);
  return removed;
}

function recomputeMinT(head: Head): void {
  let min = Infinity;
  const ch = head.chunks;
  for (let ref = 0; ref < head.n; ref++) {
    if (head.dead[ref] === 1) continue;
    const row = head.firstChunk[ref] as number;
    if (row >= 0) min = Math.min(min, ch.mint[row] as number);
    else if (head.u8[ref * 64 + 60] === 1) min = Math.min(min, head.f64[ref * 8 + 1] as number);
    const hm = head.hists.minT(ref);
    if (hm < min) min = hm;
    const o = head.ooo.minT(ref);
    if (o < min) min = o;
  }
  head.minT = min;
  if (min === Infinity) head.maxT = -Infinity;
}
