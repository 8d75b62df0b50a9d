export { openTsdb, Tsdb } from './tsdb.ts';
export type { TsdbOptions } from './options.ts';
export {
  DEFAULT_CACHE_BYTES as DEFAULT_HEAD_CHUNK_CACHE_BYTES,
  HeadChunkCache,
  sharedHeadChunkCache,
  type HeadChunkCacheOptions,
} from './head/chunk-cache.ts';
export {
  DEFAULT_FRAME_CACHE_BYTES,
  FrameCache,
  sharedFrameCache,
  type FrameCacheOptions,
} from './block/frame-cache.ts';
export type { FsyncPolicy } from './wal/wal.ts';
export { FaultyFs, realFs, type FaultPlan, type TsdbFs } from './fs.ts';
