import { SampleBatch, SampleFlag } from '../../src/model/index.ts';
import type { AppendOptions } from '../../src/storage/index.ts';
import type { TsdbOptions } from '../../src/tsdb/index.ts';

/** The deterministic data of the crash test, shared by the child that writes and the parent that checks. */
export const CRASH_SERIES = 200;
export const CRASH_T0 = 1_800_000_000_000;
export const CRASH_STEP = 2_000;

export const CRASH_TSDB_OPTIONS: TsdbOptions = {
  blockRangeMs: 60_000,
  maxBlockRangeMs: 540_000,
  retentionMs: 1e12,
  maintenanceIntervalMs: 15,
  walSegmentBytes: 256 * 1024,
  walFsync: 'segment',
};

export const CRASH_OPTS: AppendOptions = {
  now: CRASH_T0 + 1e10,
  maxFutureMs: 0,
  outOfOrderWindowMs: 600_000,
  maxSeries: 0,
  maxSeriesPerMetric: 0,
};

export function crashTime(idx: number): number {
  return CRASH_T0 + idx * CRASH_STEP;
}

export function crashIsStale(idx: number, k: number): boolean {
  return (idx + k) % 37 === 0;
}

export function crashValue(idx: number, k: number): number {
  return k % 2 === 0 ? idx * 10 + k : Math.sin(idx * 0.1 + k) * 1000;
}

export function crashBatch(idx: number): SampleBatch {
  const b = new SampleBatch();
  b.resetOwned();
  for (let k = 0; k < CRASH_SERIES; k++) {
    b.addLabelText('__name__', k % 2 === 0 ? 'crash_counter' : 'crash_gauge');
    b.addLabelText('k', String(k));
    const s = b.endSeries();
    const stale = crashIsStale(idx, k);
    b.addSample(s, crashTime(idx), stale ? NaN : crashValue(idx, k), stale ? SampleFlag.Stale : 0);
  }
  return b;
}
