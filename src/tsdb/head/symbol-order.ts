import { compareStrings } from '../../model/index.ts';
import type { Slicer } from '../slicer.ts';

/** Elements sorted synchronously at a time before the sliced merge passes. */
const RUN = 2048;

/** What the order needs of the head (structural, so this file does not import head.ts). */
export interface OrderedHead {
  readonly symbols: { readonly strings: readonly string[] };
  readonly lblOff: Uint32Array;
  readonly lblCnt: Uint16Array;
  readonly pairs: Uint32Array;
}

/**
 * Sorts head series by their labels (Labels.compare's order) without comparing strings: every
 * symbol gets its rank among all symbols, so two label sets compare as sequences of small
 * integers. Symbols are append-only with dense ids (see symbols.ts), so the ranks are brought up to
 * date lazily, on the next sort after new symbols appeared: the new ones are sorted and merged in
 * (O(new · log new + all)); a restart starts over.
 */
export class SymbolOrder {
  /** rank[id] for ids below `covered`. */
  private rank = new Uint32Array(0);
  /** Ids below `covered`, in string order. */
  private sorted = new Uint32Array(0);
  private covered = 0;

  /** Sorts `refs` in place by the labels of the series and returns it. */
  sort(head: OrderedHead, refs: Uint32Array): Uint32Array {
    if (refs.length < 2) return refs;
    this.update(head.symbols.strings);
    // A sort written here rather than TypedArray#sort with a comparator: calling a JS comparator
    // from the builtin costs more than the comparison itself; here it is inlined.
    quicksort(refs, 0, refs.length - 1, this.rank, head.lblOff, head.lblCnt, head.pairs);
    return refs;
  }

  /**
   * Like `sort`, with the event loop running between slices of `slicer`'s budget (a head cut sorts
   * every series of the head: a million refs, and after a restart a million new symbols). The head
   * may take new series meanwhile; `refs` must name series that existed when this was called.
   */
  async sortSliced(head: OrderedHead, refs: Uint32Array, slicer: Slicer): Promise<Uint32Array> {
    if (refs.length < 2) return refs;
    await this.updateSliced(head.symbols.strings, slicer);
    // Ranks of the symbols these refs use never change in this array (an update replaces it).
    const rank = this.rank;
    // Arrays the head may replace while we yield (growth, compaction): read afresh in each slice.
    let lblOff = head.lblOff;
    let lblCnt = head.lblCnt;
    let pairs = head.pairs;
    const refresh = (): void => {
      lblOff = head.lblOff;
      lblCnt = head.lblCnt;
      pairs = head.pairs;
    };
    for (let lo = 0; lo < refs.length; lo += RUN) {
      if (slicer.due()) {
        await slicer.yield();
        refresh();
      }
      quicksort(refs, lo, Math.min(refs.length, lo + RUN) - 1, rank, lblOff, lblCnt, pairs);
    }
    return mergePasses(refs, RUN, slicer, (a, b) => compare(a, b, rank, lblOff, lblCnt, pairs), refresh);
  }

  /** Brings the ranks up to date like `update`, sorting the new symbols in slices. */
  private async updateSliced(strings: readonly string[], slicer: Slicer): Promise<void> {
    const n = strings.length;
    const old = this.covered;
    if (n <= old) return;
    const cmp = (a: number, b: number): number => compareStrings(strings[a] as string, strings[b] as string);
    let fresh: Uint32Array = new Uint32Array(n - old);
    for (let i = 0; i < fresh.length; i++) fresh[i] = old + i;
    for (let lo = 0; lo < fresh.length; lo += RUN) {
      await slicer.tick();
      fresh.subarray(lo, Math.min(fresh.length, lo + RUN)).sort(cmp);
    }
    fresh = await mergePasses(fresh, RUN, slicer, cmp, () => undefined);
    await slicer.tick();
    // A synchronous update may have run while we yielded: then only what it left is merged.
    if (this.covered !== old) {
      this.update(strings);
      return;
    }
    const prev = old === 0 ? new Uint32Array(0) : this.sorted;
    const merged = new Uint32Array(n);
    let i = 0;
    let j = 0;
    for (let k = 0; k < n; k++) {
      if ((k & 1023) === 1023 && slicer.due()) await slicer.yield();
      merged[k] =
        j >= fresh.length || (i < prev.length && cmp(prev[i] as number, fresh[j] as number) <= 0)
          ? (prev[i++] as number)
          : (fresh[j++] as number);
    }
    await slicer.tick();
    if (this.covered !== old) {
      this.update(strings);
      return;
    }
    const rank = new Uint32Array(n);
    for (let r = 0; r < n; r++) rank[merged[r] as number] = r;
    this.sorted = merged;
    this.rank = rank;
    this.covered = n;
  }

  private update(strings: readonly string[]): void {
    const n = strings.length;
    if (n < this.covered) this.covered = 0; // never happens (symbols are append-only); be safe
    const old = this.covered;
    if (n === old) return;
    const fresh = new Uint32Array(n - old);
    for (let i = 0; i < fresh.length; i++) fresh[i] = old + i;
    fresh.sort((a, b) => compareStrings(strings[a] as string, strings[b] as string));
    this.merge(strings, fresh, n);
  }

  /** Merges `fresh` (ids from `covered` up to `n`, sorted) into the order. */
  private merge(strings: readonly string[], fresh: Uint32Array, n: number): void {
    if (this.covered === 0) this.sorted = new Uint32Array(0);
    // Merge: each new symbol's place in the old order by binary search (few new ones, many old).
    const merged = new Uint32Array(n);
    const prev = this.sorted;
    let from = 0;
    let k = 0;
    for (let j = 0; j < fresh.length; j++) {
      const s = strings[fresh[j] as number] as string;
      let lo = from;
      let hi = prev.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareStrings(strings[prev[mid] as number] as string, s) < 0) lo = mid + 1;
        else hi = mid;
      }
      merged.set(prev.subarray(from, lo), k);
      k += lo - from;
      from = lo;
      merged[k++] = fresh[j] as number;
    }
    merged.set(prev.subarray(from), k);
    const rank = new Uint32Array(n);
    for (let r = 0; r < n; r++) rank[merged[r] as number] = r;
    this.sorted = merged;
    this.rank = rank;
    this.covered = n;
  }
}

/** Labels.compare over interned ids: ranks instead of strings (equal ids are equal strings). */
function compare(
  a: number,
  b: number,
  rank: Uint32Array,
  lblOff: Uint32Array,
  lblCnt: Uint16Array,
  pairs: Uint32Array,
): number {
  let pa = lblOff[a] as number;
  let pb = lblOff[b] as number;
  const na = 2 * (lblCnt[a] as number);
  const nb = 2 * (lblCnt[b] as number);
  const end = pa + (na < nb ? na : nb);
  for (; pa < end; pa++, pb++) {
    const x = pairs[pa] as number;
    const y = pairs[pb] as number;
    if (x !== y) return (rank[x] as number) - (rank[y] as number);
  }
  return na - nb;
}

/** Quicksort (median of three, insertion sort below 16 elements) of refs[lo..hi]. */
function quicksort(
  refs: Uint32Array,
  lo: number,
  hi: number,
  rank: Uint32Array,
  lblOff: Uint32Array,
  lblCnt: Uint16Array,
  pairs: Uint32Array,
): void {
  while (hi - lo >= 16) {
    const mid = (lo + hi) >>> 1;
    // Median of three into refs[mid].
    if (compare(refs[mid] as number, refs[lo] as number, rank, lblOff, lblCnt, pairs) < 0)
      swap(refs, mid, lo);
    if (compare(refs[hi] as number, refs[lo] as number, rank, lblOff, lblCnt, pairs) < 0) swap(refs, hi, lo);
    if (compare(refs[hi] as number, refs[mid] as number, rank, lblOff, lblCnt, pairs) < 0)
      swap(refs, hi, mid);
    const pivot = refs[mid] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (compare(refs[i] as number, pivot, rank, lblOff, lblCnt, pairs) < 0) i++;
      while (compare(refs[j] as number, pivot, rank, lblOff, lblCnt, pairs) > 0) j--;
      if (i <= j) {
        swap(refs, i, j);
        i++;
        j--;
      }
    }
    // Recurse into the smaller part, loop on the larger (bounded stack).
    if (j - lo < hi - i) {
      quicksort(refs, lo, j, rank, lblOff, lblCnt, pairs);
      lo = i;
    } else {
      quicksort(refs, i, hi, rank, lblOff, lblCnt, pairs);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const x = refs[i] as number;
    let j = i - 1;
    while (j >= lo && compare(refs[j] as number, x, rank, lblOff, lblCnt, pairs) > 0) {
      refs[j + 1] = refs[j] as number;
      j--;
    }
    refs[j + 1] = x;
  }
}

function swap(a: Uint32Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/**
 * Bottom-up merge sort passes over `a`, whose runs of `run` elements are sorted, yielding to the
 * event loop when `slicer` says so (`resume` runs after each yield). Returns the sorted array
 * (`a` or a buffer of the same length).
 */
async function mergePasses(
  a: Uint32Array,
  run: number,
  slicer: Slicer,
  cmp: (x: number, y: number) => number,
  resume: () => void,
): Promise<Uint32Array> {
  let src: Uint32Array = a;
  let dst: Uint32Array = new Uint32Array(a.length);
  const n = a.length;
  for (let width = run; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        if ((k & 1023) === 1023 && slicer.due()) {
          await slicer.yield();
          resume();
        }
        dst[k] =
          j >= hi || (i < mid && cmp(src[i] as number, src[j] as number) <= 0)
            ? (src[i++] as number)
            : (src[j++] as number);
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}
