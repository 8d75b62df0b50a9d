import { goQuote } from './annotations.ts';
import type { RangeWindow } from './range-eval.ts';

/** Annotations and start-timestamp helpers shared by the range-vector functions. */

export function warnMixed(w: RangeWindow): void {
  w.ctx.annos.warn(
    `encountered a mix of histograms and floats for metric name ${goQuote(w.metricName())}`,
    w.pos,
  );
}

export function infoHistIgnored(w: RangeWindow): void {
  w.ctx.annos.info(
    `ignored histograms in a range containing both floats and histograms for metric name ${goQuote(w.metricName())}`,
    w.pos,
  );
}

export function warnMixedSchemas(w: RangeWindow): void {
  w.ctx.annos.warn(
    `vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${goQuote(w.metricName())}`,
    w.pos,
  );
}

export function infoReconciled(w: RangeWindow, op: string): void {
  w.ctx.annos.info(`mismatched custom buckets were reconciled during ${op}`, w.pos);
}

/** Start timestamp as Prometheus stores it: 0 = unknown. */
export function st(a: Float64Array, i: number): number {
  const v = a[i] as number;
  return Number.isNaN(v) ? 0 : v;
}

/**
 * Did a counter restart between two samples, judging by their start timestamps (0 = unknown)?
 * ST ≥ T is invalid or OTel's "unknown start" and never a reset; an ST pointing exactly at the
 * previous sample is a delta point (a reset) only if the previous ST was known and sensible.
 */
export function isStartTimestampReset(prevSt: number, prevT: number, curSt: number, curT: number): boolean {
  if (curSt === 0 || curSt >= curT) return false;
  if (curSt < prevT) return false;
  if (curSt > prevT) return true;
  if (prevSt > prevT) return false;
  return prevSt !== 0 && prevSt !== prevT;
}

/** A start timestamp that reaches back before the previous sample (but is not that sample's ST). */
export function startTimeOverlap(prevSt: number, prevT: number, curSt: number): boolean {
  return curSt !== 0 && curSt < prevT && curSt !== prevSt;
}

export function warnOverlap(w: RangeWindow): void {
  w.ctx.annos.warn(
    `sample has start time that overlaps with previous sample timestamp for metric ${goQuote(w.metricName())}`,
    w.pos,
  );
}

/** Go's sort.Search over [0, n) on a predicate. */
export function search(n: number, pred: (i: number) => boolean): number {
  let i = 0;
  let j = n;
  while (i < j) {
    const h = (i + j) >>> 1;
    if (!pred(h)) i = h + 1;
    else j = h;
  }
  return i;
}

/** Linear interpolation at t; for counters a decrease means a reset, so the line starts at 0. */
export function interpolate(
  t1: number,
  y1: number,
  t2: number,
  y2: number,
  t: number,
  isCounter: boolean,
): number {
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + ((y2 - y1) * (t - t1)) / (t2 - t1);
}
