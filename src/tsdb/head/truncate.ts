import type { Head } from './head.ts';

/**
 * Drops chunks and out-of-order samples entirely before `before`, and series left without data
 * whose newest sample is before `before`. Returns the refs of removed series.
 */
export function truncateHead(head: Head, before: number): number[] {
  const removed: number[] = [];
  const ch = head.chunks;
  for (let ref = 0; ref < head.n; ref++) {
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
    if (
      row < 0 &&
      head.u8[ref * 64 + 60] === 0 &&
      !head.ooo.has(ref) &&
      !head.hists.has(ref) &&
      (head.f64[ref * 8 + 0] as number) < before
    ) {
      removed.push(ref);
    }
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
