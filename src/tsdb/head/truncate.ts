import { Slicer } from '../slicer.ts';
import type { Head } from './head.ts';
import { filterSliced } from './postings.ts';

/** Series per slice of the chunk-dropping and removal passes (the event loop may run between slices). */
const SLICE = 1024;

/**
 * Drops chunks and out-of-order samples entirely before `before`, and series left without data
 * whose newest sample is before `before`. Returns the refs of removed series.
 *
 * The caller has already moved the head's min valid time to at least `before`, so appends that
 * run in between never add data this drops. Everything runs in slices with the event loop (and
 * appends) going on in between. A series is judged empty and removed from the lookup table in one
 * synchronous step, so an append finds it whole or not at all (then it creates a new series under
 * another ref); the postings lose removed refs afterwards, also in slices (meanwhile they may name
 * removed refs, whose rows hold no data, so readers skip them).
 */
export async function truncateHead(head: Head, before: number): Promise<number[]> {
  const slicer = new Slicer();
  const removed: number[] = [];
  for (let from = 0; from < head.n; from += SLICE) {
    const to = Math.min(head.n, from + SLICE);
    dropBefore(head, before, from, to);
    removeEmpty(head, before, from, to, removed);
    await slicer.tick();
  }
  if (removed.length > 0) {
    await filterSliced(head.postings, (r) => head.dead[r] === 0, slicer);
    head.afterRemoval();
  }
  if (before > head.minValidTime) head.minValidTime = before;
  recomputeMinT(head);
  return removed;
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

function removeEmpty(head: Head, before: number, from: number, to: number, removed: number[]): void {
  for (let ref = from; ref < to; ref++) {
    if (
      head.dead[ref] === 0 &&
      (head.firstChunk[ref] as number) < 0 &&
      head.u8[ref * 64 + 60] === 0 &&
      (head.f64[ref * 8 + 0] as number) < before &&
      !head.ooo.has(ref) &&
      !head.hists.has(ref)
    ) {
      head.remove(ref);
      removed.push(ref);
    }
  }
}

/** The head's min time from what is left: typed-array columns, then the (few) out-of-order and histogram series. */
function recomputeMinT(head: Head): void {
  let min = Infinity;
  const ch = head.chunks;
  for (let ref = 0; ref < head.n; ref++) {
    if (head.dead[ref] === 1) continue;
    const row = head.firstChunk[ref] as number;
    if (row >= 0) min = Math.min(min, ch.mint[row] as number);
    else if (head.u8[ref * 64 + 60] === 1) min = Math.min(min, head.f64[ref * 8 + 1] as number);
  }
  for (const ref of head.ooo.bySeries.keys()) {
    if (head.dead[ref] === 1) continue;
    const o = head.ooo.minT(ref);
    if (o < min) min = o;
  }
  for (const ref of head.hists.bySeries.keys()) {
    if (head.dead[ref] === 1) continue;
    const hm = head.hists.minT(ref);
    if (hm < min) min = hm;
  }
  head.minT = min;
  if (min === Infinity) head.maxT = -Infinity;
}
