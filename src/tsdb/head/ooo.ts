import { lowerBound } from '../search.ts';

/** Out-of-order samples of one series, sorted by time. Plain arrays: out-of-order data is rare. */
export interface OooSamples {
  t: number[];
  hi: number[];
  lo: number[];
}

/**
 * Samples that arrived older than their series' newest sample (within the out-of-order window).
 * They stay here, sorted, until the head is cut into a block, where they are merged with the
 * in-order chunks; queries merge them on the fly.
 */
export class OooStore {
  readonly bySeries = new Map<number, OooSamples>();
  foundHi = 0;
  foundLo = 0;
  /** Samples held, for statistics. */
  size = 0;

  insert(ref: number, t: number, hi: number, lo: number): void {
    let s = this.bySeries.get(ref);
    if (s === undefined) this.bySeries.set(ref, (s = { t: [], hi: [], lo: [] }));
    const i = lowerBound(s.t, t);
    if (s.t[i] === t) {
      s.hi[i] = hi;
      s.lo[i] = lo;
      return;
    }
    s.t.splice(i, 0, t);
    s.hi.splice(i, 0, hi);
    s.lo.splice(i, 0, lo);
    this.size++;
  }

  find(ref: number, t: number): boolean {
    const s = this.bySeries.get(ref);
    if (s === undefined) return false;
    const i = lowerBound(s.t, t);
    if (s.t[i] !== t) return false;
    this.foundHi = s.hi[i] as number;
    this.foundLo = s.lo[i] as number;
    return true;
  }

  has(ref: number): boolean {
    return this.bySeries.has(ref);
  }

  get(ref: number): OooSamples | undefined {
    return this.bySeries.get(ref);
  }

  minT(ref: number): number {
    const s = this.bySeries.get(ref);
    return s === undefined ? Infinity : (s.t[0] as number);
  }

  /** Drops samples before `before`. */
  truncate(ref: number, before: number): void {
    const s = this.bySeries.get(ref);
    if (s === undefined) return;
    const i = lowerBound(s.t, before);
    if (i === 0) return;
    s.t.splice(0, i);
    s.hi.splice(0, i);
    s.lo.splice(0, i);
    this.size -= i;
    if (s.t.length === 0) this.bySeries.delete(ref);
  }
}
