import type { Slicer } from '../slicer.ts';
import { growU32 } from './symbols.ts';

/** A growable sorted list of series refs. Single-series lists are stored as a bare number. */
export class PostingList {
  refs: Uint32Array;
  n: number;

  constructor(first: number, second: number) {
    this.refs = new Uint32Array(4);
    this.refs[0] = Math.min(first, second);
    this.refs[1] = Math.max(first, second);
    this.n = 2;
  }

  /** Adds a ref not in the list, keeping it sorted (a push, unless the ref is a reused smaller one). */
  push(ref: number): void {
    if (this.n === this.refs.length) this.refs = growU32(this.refs, this.n + 1);
    const refs = this.refs;
    if (this.n === 0 || (refs[this.n - 1] as number) < ref) {
      refs[this.n++] = ref;
      return;
    }
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((refs[mid] as number) < ref) lo = mid + 1;
      else hi = mid;
    }
    refs.copyWithin(lo + 1, lo, this.n);
    refs[lo] = ref;
    this.n++;
  }

  view(): Uint32Array {
    return this.refs.subarray(0, this.n);
  }
}

export type Posting = number | PostingList;

/**
 * The head's inverted index: label name symbol → value symbol → refs of the series with that pair,
 * ascending (new series mostly get the highest ref, so adding is mostly a push; a reused ref is
 * inserted in place).
 */
export class PostingsIndex {
  readonly byName = new Map<number, Map<number, Posting>>();
  /** Bumped whenever a new (name, value) pair appears; lets callers cache sorted value lists. */
  version = 0;

  add(name: number, value: number, ref: number): void {
    let values = this.byName.get(name);
    if (values === undefined) this.byName.set(name, (values = new Map()));
    const p = values.get(value);
    if (p === undefined) {
      values.set(value, ref);
      this.version++;
    } else if (typeof p === 'number') values.set(value, new PostingList(p, ref));
    else p.push(ref);
  }

  /** Refs with name=value (empty when none). The array is a view: do not keep it across appends. */
  get(name: number, value: number): Uint32Array {
    const p = this.byName.get(name)?.get(value);
    return p === undefined ? EMPTY : toView(p);
  }

  count(name: number, value: number): number {
    const p = this.byName.get(name)?.get(value);
    return p === undefined ? 0 : typeof p === 'number' ? 1 : p.n;
  }

  /**
   * Rebuilds every list keeping only refs for which `keep` is true (head garbage collection).
   * Returns the number of pairs removed.
   */
  filter(keep: (ref: number) => boolean): number {
    const steps = filtering(this, keep);
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
    }
  }
}

/**
 * Like `filter(keep)`, in slices with the event loop running in between (`slicer`). Each list is
 * filtered in one step; lists may gain refs meanwhile (appends), which `keep` then judges too.
 */
export async function filterSliced(
  index: PostingsIndex,
  keep: (ref: number) => boolean,
  slicer: Slicer,
): Promise<number> {
  const steps = filtering(index, keep);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    if (slicer.due()) await slicer.yield();
  }
}

/**
 * The one filtering loop of `filter` and `filterSliced`: pauses (yields) after every ~1024 refs
 * looked at, and returns the number of pairs removed. A name's value map is dropped when it ends
 * up empty and is still the index's (during a pause, appends may have replaced it).
 */
function* filtering(index: PostingsIndex, keep: (ref: number) => boolean): Generator<void, number> {
  let removed = 0;
  let work = 0;
  for (const [name, values] of index.byName) {
    for (const [value, p] of values) {
      if (typeof p === 'number') {
        if (!keep(p)) {
          values.delete(value);
          removed++;
        }
        work++;
      } else {
        let w = 0;
        for (let i = 0; i < p.n; i++) {
          const r = p.refs[i] as number;
          if (keep(r)) p.refs[w++] = r;
        }
        work += p.n;
        p.n = w;
        if (w === 0) {
          values.delete(value);
          removed++;
        } else if (w === 1) values.set(value, p.refs[0] as number);
      }
      if (work >= 1024) {
        work = 0;
        yield;
      }
    }
    if (values.size === 0 && index.byName.get(name) === values) index.byName.delete(name);
  }
  if (removed > 0) index.version++;
  return removed;
}

export const EMPTY = new Uint32Array(0);
function toView(p: Posting): Uint32Array {
  if (typeof p !== 'number') return p.view();
  const a = new Uint32Array(1);
  a[0] = p;
  return a;
}

/** Intersection of two ascending lists. */
export function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length > b.length) [a, b] = [b, a];
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const x = a[i] as number;
    // gallop in b
    if ((b[j] as number) < x) {
      let step = 1;
      let hi = j + 1;
      while (hi < b.length && (b[hi] as number) < x) {
        j = hi;
        step *= 2;
        hi = j + step;
      }
      if (hi > b.length) hi = b.length;
      let lo = j;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((b[mid] as number) < x) lo = mid + 1;
        else hi = mid;
      }
      j = lo;
    }
    if (j < b.length && b[j] === x) out[n++] = x;
  }
  return out.subarray(0, n);
}

/** Elements of ascending `a` not in ascending `b`. */
export function subtract(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    while (j < b.length && (b[j] as number) < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}

/** Union of ascending lists that are pairwise disjoint (postings of one label name). */
export function unionDisjoint(lists: Uint32Array[]): Uint32Array {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0] as Uint32Array;
  let total = 0;
  for (const l of lists) total += l.length;
  const out = new Uint32Array(total);
  let at = 0;
  for (const l of lists) {
    out.set(l, at);
    at += l.length;
  }
  return out.sort();
}
