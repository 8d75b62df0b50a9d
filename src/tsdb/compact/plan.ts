/**
 * Compaction and retention planning: pure functions from block metas to decisions, separate from
 * the code that carries them out (so they are tested without files).
 */

export interface PlanBlock {
  readonly ulid: string;
  readonly minTime: number;
  /** Inclusive. */
  readonly maxTime: number;
}

/** Compaction ranges: the block range times 3, 9, 27, ... up to `maxRange`. */
export function compactionRanges(blockRange: number, maxRange: number): number[] {
  const out = [blockRange];
  for (let r = blockRange * 3; r <= maxRange; r *= 3) out.push(r);
  return out;
}

/**
 * Picks one set of blocks to merge, or null.
 *
 * 1. Blocks whose time ranges overlap are merged first (out-of-order data, interrupted runs).
 * 2. Otherwise, for each range above the smallest, blocks that fall in the same aligned window of
 *    that range are merged once the window is complete (the newest block starts at or after its
 *    end, so nothing more will arrive for it) and holds more than one block. With `force` (a
 *    flush), windows that are still filling are merged too.
 */
export function planCompaction(
  blocks: readonly PlanBlock[],
  ranges: readonly number[],
  force = false,
): string[] | null {
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  // 1. overlaps
  let group: PlanBlock[] = [];
  let groupMax = -Infinity;
  for (const b of sorted) {
    if (group.length > 0 && b.minTime <= groupMax) {
      group.push(b);
      groupMax = Math.max(groupMax, b.maxTime);
      continue;
    }
    if (group.length > 1) return group.map((x) => x.ulid);
    group = [b];
    groupMax = b.maxTime;
  }
  if (group.length > 1) return group.map((x) => x.ulid);
  // 2. aligned windows
  if (sorted.length < 2) return null;
  const newest = sorted[sorted.length - 1] as PlanBlock;
  for (const range of ranges.slice(1)) {
    const windows = new Map<number, PlanBlock[]>();
    for (const b of sorted) {
      const w = Math.floor(b.minTime / range) * range;
      if (b.maxTime >= w + range) continue; // larger than this window already
      let list = windows.get(w);
      if (!list) windows.set(w, (list = []));
      list.push(b);
    }
    for (const [w, list] of [...windows].sort((a, b) => a[0] - b[0])) {
      if (list.length < 2) continue;
      if (!force && newest.minTime < w + range) continue; // window still filling
      return list.map((x) => x.ulid);
    }
  }
  return null;
}

/**
 * Blocks that retention removes: those whose newest sample is older than `newest - retention`,
 * where `newest` is the newest sample time of the whole database (as Prometheus does, so a stopped
 * clock or old backfill does not wipe everything).
 */
export function planRetention(blocks: readonly PlanBlock[], newest: number, retention: number): string[] {
  if (!Number.isFinite(newest)) return [];
  const cutoff = newest - retention;
  return blocks.filter((b) => b.maxTime < cutoff).map((b) => b.ulid);
}

/**
 * The head range to cut into a block, or null: the oldest block-range window of the head, once
 * the head spans more than 1.5 block ranges (so recent data, and the out-of-order window, stay in
 * memory).
 */
export function planHeadCut(
  headMin: number,
  headMax: number,
  blockRange: number,
): { mint: number; maxt: number } | null {
  if (!Number.isFinite(headMin) || !Number.isFinite(headMax)) return null;
  if (headMax - headMin <= (blockRange * 3) / 2) return null;
  const mint = Math.floor(headMin / blockRange) * blockRange;
  return { mint, maxt: mint + blockRange - 1 };
}
