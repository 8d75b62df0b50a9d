import type { TsdbFs } from './fs.ts';
import { sharedFrameCache, type FrameCache } from './block/frame-cache.ts';
import { sharedHeadChunkCache, type HeadChunkCache } from './head/chunk-cache.ts';
import type { FsyncPolicy } from './wal/wal.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Settings of one tenant's engine. Everything is optional; defaults are in `resolveOptions`. */
export interface TsdbOptions {
  /** Data older than this (by block max time) is deleted. Default 30 days. */
  readonly retentionMs?: number;
  /** Range of the blocks cut from the head, and head chunk alignment. Default 2 h. */
  readonly blockRangeMs?: number;
  /** Largest block compaction produces. Default min(31 d, retention / 10), at least the block range. */
  readonly maxBlockRangeMs?: number;
  /** WAL segment size in bytes. Default 128 MiB. */
  readonly walSegmentBytes?: number;
  /** See FsyncPolicy. Default 'interval'. */
  readonly walFsync?: FsyncPolicy;
  /** Default 1000 ms. */
  readonly walFsyncIntervalMs?: number;
  /** Exemplars kept (circular). Default 100 000. */
  readonly maxExemplars?: number;
  /** Snapshot the head into a WAL checkpoint this often (if anything was written). Default 30 min. */
  readonly checkpointIntervalMs?: number;
  /** ... or once this many WAL bytes were written since the last one. Default 512 MiB. */
  readonly checkpointBytes?: number;
  /**
   * ... or once the WAL grew by at least this many bytes and by at least the size of the last
   * checkpoint: replay after a crash then reads at most about one checkpoint's worth of WAL, and
   * checkpoints cost at most as many bytes as the WAL. Default 32 MiB.
   */
  readonly checkpointMinBytes?: number;
  /** How often the background loop looks for head cuts, compactions and retention. Default 60 s; 0 = never (tests call `maintain`). */
  readonly maintenanceIntervalMs?: number;
  /** Compact blocks in a worker thread (default true); false runs compaction inline (tests). */
  readonly compactInWorker?: boolean;
  /** Deflate block chunk frames (second-stage compression). Default true. */
  readonly compressBlocks?: boolean;
  /**
   * Cache of head chunk file bytes for queries, shared by the engines given the same one. Default:
   * the process-wide one (64 MiB, see HeadChunkCache); null reads the files on every query.
   */
  readonly headChunkCache?: HeadChunkCache | null;
  /**
   * Where blocks keep inflated chunk frames between queries: by default the process-wide one
   * (64 MiB, see FrameCache); null inflates them again for every query.
   */
  readonly blockFrameCache?: FrameCache | null;
  /** The file system seam (tests inject faults). */
  readonly fs?: TsdbFs;
  /** Clock for retention, ms. Default Date.now. */
  readonly now?: () => number;
}

export interface ResolvedOptions {
  readonly retentionMs: number;
  readonly blockRangeMs: number;
  readonly maxBlockRangeMs: number;
  readonly walSegmentBytes: number;
  readonly walFsync: FsyncPolicy;
  readonly walFsyncIntervalMs: number;
  readonly maxExemplars: number;
  readonly checkpointIntervalMs: number;
  readonly checkpointBytes: number;
  readonly checkpointMinBytes: number;
  readonly maintenanceIntervalMs: number;
  readonly compactInWorker: boolean;
  readonly compressBlocks: boolean;
  readonly headChunkCache: HeadChunkCache | null;
  readonly blockFrameCache: FrameCache | null;
  readonly now: () => number;
}

export function resolveOptions(o: TsdbOptions): ResolvedOptions {
  const retentionMs = o.retentionMs ?? 30 * DAY;
  const blockRangeMs = o.blockRangeMs ?? 2 * HOUR;
  return {
    retentionMs,
    blockRangeMs,
    maxBlockRangeMs: Math.max(
      blockRangeMs,
      o.maxBlockRangeMs ?? Math.min(31 * DAY, Math.floor(retentionMs / 10)),
    ),
    walSegmentBytes: o.walSegmentBytes ?? 128 * 1024 * 1024,
    walFsync: o.walFsync ?? 'interval',
    walFsyncIntervalMs: o.walFsyncIntervalMs ?? 1000,
    maxExemplars: o.maxExemplars ?? 100_000,
    checkpointIntervalMs: o.checkpointIntervalMs ?? 30 * 60_000,
    checkpointBytes: o.checkpointBytes ?? 512 * 1024 * 1024,
    checkpointMinBytes: o.checkpointMinBytes ?? 32 * 1024 * 1024,
    maintenanceIntervalMs: o.maintenanceIntervalMs ?? 60_000,
    compactInWorker: o.compactInWorker ?? true,
    compressBlocks: o.compressBlocks ?? true,
    headChunkCache: o.headChunkCache === undefined ? sharedHeadChunkCache() : o.headChunkCache,
    blockFrameCache: o.blockFrameCache === undefined ? sharedFrameCache() : o.blockFrameCache,
    now: o.now ?? Date.now,
  };
}
