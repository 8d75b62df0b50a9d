export { openTsdb, Tsdb } from './tsdb.ts';
export type { TsdbOptions } from './options.ts';
export type { FsyncPolicy } from './wal/wal.ts';
export { FaultyFs, realFs, type FaultPlan, type TsdbFs } from './fs.ts';
