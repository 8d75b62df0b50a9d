import { STALE_NAN_HI, STALE_NAN_LO, type FloatHistogram } from '../../model/index.ts';
import { ValueKind, type SampleIterator } from '../../storage/index.ts';
import { ChunkEncoding } from '../chunk/block-chunk.ts';
import { DecimalReader } from '../chunk/decimal.ts';
import { bitsToFloat, XorReader } from '../chunk/xor.ts';
import type { ChunkRef, HistArrays, SampleArrays } from './types.ts';

/**
 * Sample iterators over encoded chunks. All share one shape: `next()`/`seek()` move, `t`/`v`
 * (and `hi`/`lo`, the exact value bits) read. Stale markers are recognised by their bits and
 * reported as ValueKind.Stale. No allocation per sample.
 */
export interface BitsIterator extends SampleIterator {
  readonly hi: number;
  readonly lo: number;
}

function kindOf(hi: number, lo: number): ValueKind {
  return hi === STALE_NAN_HI && lo === STALE_NAN_LO ? ValueKind.Stale : ValueKind.Float;
}

/** Placeholder until a ChunkListIterator meets its first decimal chunk (never reset or read). */
const NO_DECIMAL = new DecimalReader();

/** Iterates chunks that do not overlap in time, given oldest first, clipped to [mint, maxt]. */
export class ChunkListIterator implements BitsIterator {
  t = 0;
  v = 0;
  hi = 0;
  lo = 0;
  readonly h: FloatHistogram | null = null;
  readonly st = NaN;
  private readonly chunks: readonly ChunkRef[];
  private readonly mint: number;
  private readonly maxt: number;
  private idx = -1;
  private readonly r = new XorReader();
  /**
   * Reader of decimal chunks (blocks), made on the first one: it owns two 1 KiB arrays, and most
   * series (every head series) have none. `dec` says which of the two readers is on the current
   * chunk.
   */
  private d: DecimalReader = NO_DECIMAL;
  private dec = false;
  private kind: ValueKind = ValueKind.None;
  private started = false;

  constructor(chunks: readonly ChunkRef[], mint: number, maxt: number) {
    this.chunks = chunks;
    this.mint = mint;
    this.maxt = maxt;
  }

  next(): ValueKind {
    if (this.started && this.kind === ValueKind.None) return ValueKind.None;
    this.started = true;
    for (;;) {
      if (this.idx < 0 || !(this.dec ? this.d.next() : this.r.next())) {
        if (!this.openNext(-Infinity)) return (this.kind = ValueKind.None);
        continue;
      }
      const t = this.dec ? this.d.t : this.r.t;
      if (t < this.mint) continue;
      if (t > this.maxt) {
        this.idx = this.chunks.length;
        return (this.kind = ValueKind.None);
      }
      this.t = t;
      if (this.dec) {
        this.hi = this.d.vhi;
        this.lo = this.d.vlo;
      } else {
        this.hi = this.r.vhi;
        this.lo = this.r.vlo;
      }
      this.kind = kindOf(this.hi, this.lo);
      this.v = this.kind === ValueKind.Stale ? NaN : bitsToFloat(this.hi, this.lo);
      return this.kind;
    }
  }

  seek(t: number): ValueKind {
    if (this.started && (this.kind === ValueKind.None || this.t >= t)) return this.kind;
    // Skip whole chunks that end before t.
    const cur = this.chunks[this.idx];
    if (cur === undefined || cur.maxt < t) {
      if (!this.openNext(t)) {
        this.started = true;
        return (this.kind = ValueKind.None);
      }
    }
    for (;;) {
      const k = this.next();
      if (k === ValueKind.None || this.t >= t) return k;
    }
  }

  /** Opens the next chunk whose maxt >= max(t, mint). */
  private openNext(t: number): boolean {
    const lo = Math.max(t, this.mint);
    for (;;) {
      this.idx++;
      const c = this.chunks[this.idx];
      if (c === undefined) return false;
      if (c.maxt < lo) continue;
      if (c.mint > this.maxt) {
        this.idx = this.chunks.length;
        return false;
      }
      this.dec = c.enc === ChunkEncoding.Decimal;
      if (this.dec) {
        if (this.d === NO_DECIMAL) this.d = new DecimalReader();
        this.d.reset(c.buf, c.off, c.len, c.mint, c.count);
      } else this.r.reset(c.buf, c.off, c.mint, c.count);
      return true;
    }
  }
}

/** Iterates sorted sample arrays (out-of-order data) within [mint, maxt]. */
export class ArrayIterator implements BitsIterator {
  t = 0;
  v = 0;
  hi = 0;
  lo = 0;
  readonly h: FloatHistogram | null = null;
  readonly st = NaN;
  private i = -1;
  private kind: ValueKind = ValueKind.None;
  private readonly s: SampleArrays;
  private readonly mint: number;
  private readonly maxt: number;

  constructor(s: SampleArrays, mint: number, maxt: number) {
    this.s = s;
    this.mint = mint;
    this.maxt = maxt;
  }

  next(): ValueKind {
    const s = this.s;
    for (;;) {
      this.i++;
      if (this.i >= s.t.length) return (this.kind = ValueKind.None);
      const t = s.t[this.i] as number;
      if (t < this.mint) continue;
      if (t > this.maxt) {
        this.i = s.t.length;
        return (this.kind = ValueKind.None);
      }
      this.t = t;
      this.hi = s.hi[this.i] as number;
      this.lo = s.lo[this.i] as number;
      this.kind = kindOf(this.hi, this.lo);
      this.v = this.kind === ValueKind.Stale ? NaN : bitsToFloat(this.hi, this.lo);
      return this.kind;
    }
  }

  seek(t: number): ValueKind {
    if (this.i >= 0 && (this.kind === ValueKind.None || this.t >= t)) return this.kind;
    for (;;) {
      const k = this.next();
      if (k === ValueKind.None || this.t >= t) return k;
    }
  }
}

/** Iterates native histogram samples within [mint, maxt]; `h` is the sample (not copied). */
export class HistArrayIterator implements BitsIterator {
  t = 0;
  readonly v = NaN;
  readonly hi = 0;
  readonly lo = 0;
  h: FloatHistogram | null = null;
  readonly st = NaN;
  private i = -1;
  private kind: ValueKind = ValueKind.None;
  private readonly s: HistArrays;
  private readonly mint: number;
  private readonly maxt: number;

  constructor(s: HistArrays, mint: number, maxt: number) {
    this.s = s;
    this.mint = mint;
    this.maxt = maxt;
  }

  next(): ValueKind {
    const s = this.s;
    for (;;) {
      this.i++;
      if (this.i >= s.t.length) return (this.kind = ValueKind.None);
      const t = s.t[this.i] as number;
      if (t < this.mint) continue;
      if (t > this.maxt) {
        this.i = s.t.length;
        return (this.kind = ValueKind.None);
      }
      this.t = t;
      this.h = s.h[this.i] ?? null;
      this.kind = this.h === null ? ValueKind.Stale : ValueKind.Histogram;
      return this.kind;
    }
  }

  seek(t: number): ValueKind {
    if (this.i >= 0 && (this.kind === ValueKind.None || this.t >= t)) return this.kind;
    for (;;) {
      const k = this.next();
      if (k === ValueKind.None || this.t >= t) return k;
    }
  }
}

/**
 * Merges iterators by time. When several stand on the same timestamp the first one (in the order
 * given) wins and the others skip it.
 */
export class MergeIterator implements BitsIterator {
  t = 0;
  v = 0;
  hi = 0;
  lo = 0;
  h: FloatHistogram | null = null;
  readonly st = NaN;
  private readonly its: BitsIterator[];
  private readonly kinds: ValueKind[];
  private started = false;
  private kind: ValueKind = ValueKind.None;

  constructor(its: BitsIterator[]) {
    this.its = its;
    this.kinds = its.map(() => ValueKind.None);
  }

  next(): ValueKind {
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.its.length; i++) this.kinds[i] = (this.its[i] as BitsIterator).next();
    } else if (this.kind !== ValueKind.None) {
      const t = this.t;
      for (let i = 0; i < this.its.length; i++) {
        if (this.kinds[i] !== ValueKind.None && (this.its[i] as BitsIterator).t === t)
          this.kinds[i] = (this.its[i] as BitsIterator).next();
      }
    } else return ValueKind.None;
    return this.pick();
  }

  seek(t: number): ValueKind {
    if (this.started && (this.kind === ValueKind.None || this.t >= t)) return this.kind;
    this.started = true;
    for (let i = 0; i < this.its.length; i++) this.kinds[i] = (this.its[i] as BitsIterator).seek(t);
    return this.pick();
  }

  private pick(): ValueKind {
    let best = -1;
    for (let i = 0; i < this.its.length; i++) {
      if (this.kinds[i] === ValueKind.None) continue;
      if (best < 0 || (this.its[i] as BitsIterator).t < (this.its[best] as BitsIterator).t) best = i;
    }
    if (best < 0) return (this.kind = ValueKind.None);
    const it = this.its[best] as BitsIterator;
    this.t = it.t;
    this.v = it.v;
    this.hi = it.hi;
    this.lo = it.lo;
    this.h = it.h;
    this.kind = this.kinds[best] as ValueKind;
    return this.kind;
  }
}

/** Hides samples inside deleted intervals ([start, end] pairs, inclusive). */
export class DeletedFilter implements BitsIterator {
  private readonly inner: BitsIterator;
  private readonly iv: readonly number[];

  constructor(inner: BitsIterator, intervals: readonly number[]) {
    this.inner = inner;
    this.iv = intervals;
  }

  get t(): number {
    return this.inner.t;
  }
  get v(): number {
    return this.inner.v;
  }
  get hi(): number {
    return this.inner.hi;
  }
  get lo(): number {
    return this.inner.lo;
  }
  get h(): FloatHistogram | null {
    return this.inner.h;
  }
  get st(): number {
    return NaN;
  }

  next(): ValueKind {
    return this.skip(this.inner.next());
  }

  seek(t: number): ValueKind {
    return this.skip(this.inner.seek(t));
  }

  private skip(k: ValueKind): ValueKind {
    while (k !== ValueKind.None && this.deleted(this.inner.t)) k = this.inner.next();
    return k;
  }

  private deleted(t: number): boolean {
    const iv = this.iv;
    for (let i = 0; i < iv.length; i += 2)
      if (t >= (iv[i] as number) && t <= (iv[i + 1] as number)) return true;
    return false;
  }
}

/**
 * Builds the iterator for one series from its chunks (from any number of blocks, in any order)
 * and out-of-order arrays: chunks are sorted and split into runs that do not overlap; one run is
 * iterated directly, several are merged.
 */
export function seriesIterator(
  chunks: ChunkRef[],
  ooo: readonly SampleArrays[],
  deleted: readonly number[] | null,
  mint: number,
  maxt: number,
  hists: readonly HistArrays[] = [],
): BitsIterator {
  const its: BitsIterator[] = [];
  if (chunks.length > 0) {
    chunks.sort((a, b) => a.mint - b.mint);
    const runs: ChunkRef[][] = [];
    for (const c of chunks) {
      let placed = false;
      for (const run of runs) {
        if ((run[run.length - 1] as ChunkRef).maxt < c.mint) {
          run.push(c);
          placed = true;
          break;
        }
      }
      if (!placed) runs.push([c]);
    }
    for (const run of runs) its.push(new ChunkListIterator(run, mint, maxt));
  }
  for (const o of ooo) its.push(new ArrayIterator(o, mint, maxt));
  for (const h of hists) its.push(new HistArrayIterator(h, mint, maxt));
  const it = its.length === 1 ? (its[0] as BitsIterator) : new MergeIterator(its);
  return deleted === null ? it : new DeletedFilter(it, deleted);
}
