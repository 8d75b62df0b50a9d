import type { FloatHistogram } from '../../model/index.ts';
import { lowerBound } from '../search.ts';

/** Native histogram samples of one series, sorted by time; null is a stale marker. */
export interface HistSamples {
  t: number[];
  h: Array<FloatHistogram | null>;
}

/**
 * The head's native histogram samples, per series, as plain objects: histograms are far rarer than
 * floats, so they are kept simple (sorted arrays, any order of arrival) rather than compressed.
 * Blocks store them in histogram chunks (see FORMAT.md).
 */
export class HistStore {
  readonly bySeries = new Map<number, HistSamples>();
  size = 0;
  found: FloatHistogram | null = null;

  insert(ref: number, t: number, h: FloatHistogram | null): void {
    let s = this.bySeries.get(ref);
    if (s === undefined) this.bySeries.set(ref, (s = { t: [], h: [] }));
    const n = s.t.length;
    if (n === 0 || (s.t[n - 1] as number) < t) {
      s.t.push(t);
      s.h.push(h);
      this.size++;
      return;
    }
    const i = lowerBound(s.t, t);
    if (s.t[i] === t) {
      s.h[i] = h;
      return;
    }
    s.t.splice(i, 0, t);
    s.h.splice(i, 0, h);
    this.size++;
  }

  /** True if `ref` has a histogram sample at `t` (left in `found`). */
  find(ref: number, t: number): boolean {
    const s = this.bySeries.get(ref);
    if (s === undefined) return false;
    const i = lowerBound(s.t, t);
    if (s.t[i] !== t) return false;
    this.found = s.h[i] ?? null;
    return true;
  }

  get(ref: number): HistSamples | undefined {
    return this.bySeries.get(ref);
  }

  has(ref: number): boolean {
    return this.bySeries.has(ref);
  }

  lastT(ref: number): number {
    const s = this.bySeries.get(ref);
    return s === undefined ? -Infinity : (s.t[s.t.length - 1] as number);
  }

  minT(ref: number): number {
    const s = this.bySeries.get(ref);
    return s === undefined ? Infinity : (s.t[0] as number);
  }

  truncate(ref: number, before: number): void {
    const s = this.bySeries.get(ref);
    if (s === undefined) return;
    const i = lowerBound(s.t, before);
    if (i === 0) return;
    s.t.splice(0, i);
    s.h.splice(0, i);
    this.size -= i;
    if (s.t.length === 0) this.bySeries.delete(ref);
  }
}
