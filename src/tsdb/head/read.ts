import { compareStrings, type Matcher } from '../../model/index.ts';
import { ChunkEncoding } from '../chunk/block-chunk.ts';
import { selectPostings, type PostingsSource } from '../query/postings-query.ts';
import type { BlockReader, ChunkRef, HistArrays, SampleArrays, SeriesData } from '../query/types.ts';
import type { ChunkStore } from './chunk-store.ts';
import type { Head } from './head.ts';
import { lowerBound } from '../search.ts';
import { EMPTY } from './postings.ts';
import { SelectionCache, type Selection } from './selection-cache.ts';
import type { Slicer } from '../slicer.ts';
import { SymbolOrder } from './symbol-order.ts';

/**
 * The head seen through the block read interface. `series()` snapshots what it returns: sealed
 * chunks read from the head chunk files into fresh buffers, the open chunk and out-of-order samples
 * by copy, so later appends never change a query's view. Queries go through `pin()` instead, which
 * reads open chunks in place (see PinnedHeadReader).
 */
export class HeadReader implements BlockReader, PostingsSource {
  private readonly head: Head;
  private sortedValues = new Map<number, { version: number; values: string[] }>();
  private allCache: { version: number; refs: Uint32Array } | null = null;
  /** Sorts series by labels through symbol ranks (see symbol-order.ts). */
  private readonly order = new SymbolOrder();
  private readonly selections = new SelectionCache();

  constructor(head: Head) {
    this.head = head;
  }

  get minTime(): number {
    return this.head.minT;
  }

  get maxTime(): number {
    return this.head.maxT;
  }

  // ---- PostingsSource ----
  nameId(name: string): number {
    const id = this.head.symbols.lookup(name);
    return id >= 0 && this.head.postings.byName.has(id) ? id : -1;
  }

  valueId(nameId: number, value: string): number {
    const id = this.head.symbols.lookup(value);
    return id >= 0 && this.head.postings.byName.get(nameId)?.has(id) === true ? id : -1;
  }

  forEachValue(nameId: number, fn: (valueId: number, value: string) => void): void {
    const values = this.head.postings.byName.get(nameId);
    if (!values) return;
    const strings = this.head.symbols.strings;
    for (const vid of values.keys()) fn(vid, strings[vid] as string);
  }

  postings(nameId: number, valueId: number): Uint32Array {
    return this.head.postings.get(nameId, valueId);
  }

  all(): Uint32Array {
    const h = this.head;
    const c = this.allCache;
    if (c !== null && c.version === h.seriesVersion) return c.refs;
    const refs = new Uint32Array(h.live);
    let k = 0;
    for (let r = 0; r < h.n; r++) if (h.dead[r] === 0) refs[k++] = r;
    this.allCache = { version: h.seriesVersion, refs };
    return refs;
  }

  /** Sorts `refs` by the labels of their series, yielding to the event loop (see SymbolOrder.sortSliced). */
  sortByLabels(refs: Uint32Array, slicer: Slicer): Promise<Uint32Array> {
    return this.order.sortSliced(this.head, refs, slicer);
  }

  /** Series refs matching all matchers (no time filter). */
  select(matchers: readonly Matcher[]): Uint32Array {
    if (this.head.live === 0) return EMPTY;
    return selectPostings(this, matchers);
  }

  // ---- BlockReader ----
  async series(matchers: readonly Matcher[], mint: number, maxt: number): Promise<SeriesData[]> {
    return this.seriesSync(matchers, mint, maxt);
  }

  /**
   * A reader for one query: like this one, but its open chunks are read in place, not copied.
   * Valid until its `close()`, which must be called exactly once.
   */
  pin(): PinnedHeadReader {
    return new PinnedHeadReader(this, this.head.chunks);
  }

  /** `inPlace`: open chunks as ranges of their slab pages (the caller is pinned, see `pin`). */
  seriesSync(matchers: readonly Matcher[], mint: number, maxt: number, inPlace = false): SeriesData[] {
    const h = this.head;
    if (h.maxT < mint || h.minT > maxt) return [];
    // Read in ref order (rows next to each other), then put in label order.
    const sel = this.selection(matchers);
    const from: number[] = [];
    const data = this.seriesOf(sel.refs, mint, maxt, from, inPlace);
    if (data.length < 2) return data;
    const at = new Int32Array(sel.refs.length).fill(-1);
    for (let k = 0; k < data.length; k++) at[sel.rank[from[k] as number] as number] = k;
    const out: SeriesData[] = [];
    for (let r = 0; r < at.length; r++) {
      const k = at[r] as number;
      if (k >= 0) out.push(data[k] as SeriesData);
    }
    return out;
  }

  /** The refs matching `matchers` and their label order, from the cache when still valid. */
  private selection(matchers: readonly Matcher[]): Selection {
    const h = this.head;
    let key = '';
    for (const m of matchers) key += `${m.toString()}\u0000`;
    const hit = this.selections.get(key, h.seriesVersion);
    if (hit !== null) return hit;
    const refs = this.select(matchers).slice();
    if (!isAscending(refs)) refs.sort();
    // Symbol ranks compare faster than strings (see symbol-order.ts).
    const sorted = this.order.sort(h, refs.slice());
    const rank = new Uint32Array(refs.length);
    for (let r = 0; r < sorted.length; r++) {
      rank[lowerBound(refs, sorted[r] as number)] = r;
    }
    const sel = { refs, rank };
    this.selections.set(key, h.seriesVersion, sel);
    return sel;
  }

  /**
   * The data of the given series refs in [mint, maxt], unsorted (series without any left out).
   * Sealed chunks are read from the head chunk files in one batch (nearby chunks share a read).
   * `from` (optional) receives, per returned series, its index in `refs`.
   *
   * Open chunks are copied, unless `inPlace`: then a ChunkRef points straight into the chunk's slab
   * page, which is safe only while the caller holds a pin on the chunk store taken before this call
   * (the region is not reused while pinned; appends only add bits after the `count` samples the
   * ChunkRef names, and the decoders read exactly `count` samples).
   */
  seriesOf(refs: Uint32Array, mint: number, maxt: number, from?: number[], inPlace = false): SeriesData[] {
    const h = this.head;
    const ch = h.chunks;
    // 1. Which sealed chunks: rows[perSeries[i] .. perSeries[i + 1]) belong to refs[i].
    let rows = new Int32Array(Math.max(16, refs.length));
    const perSeries = new Uint32Array(refs.length + 1);
    let n = 0;
    for (let i = 0; i < refs.length; i++) {
      perSeries[i] = n;
      for (let row = h.firstChunk[refs[i] as number] as number; row >= 0; row = ch.next[row] as number) {
        if ((ch.maxt[row] as number) < mint) continue;
        if ((ch.mint[row] as number) > maxt) break;
        if (n === rows.length) {
          const grown = new Int32Array(rows.length * 2);
          grown.set(rows);
          rows = grown;
        }
        rows[n++] = row;
      }
    }
    perSeries[refs.length] = n;
    // Open chunks are copied (appends go on, and their slab regions are reused), all into one
    // buffer, each at a multiple of 4: one allocation per call instead of one per series. The 8
    // spare bytes at the end let the bulk decoder read past the last chunk (see chunk/xor-bulk.ts).
    let openTotal = 0;
    for (let i = 0; !inPlace && i < refs.length; i++) {
      const ref = refs[i] as number;
      if (
        h.u8[ref * 64 + 60] === 1 &&
        (h.f64[ref * 8 + 1] as number) <= maxt &&
        (h.f64[ref * 8 + 0] as number) >= mint
      )
        openTotal += (h.openBytes(ref) + 3) & ~3;
    }
    const openBuf = new Uint8Array(openTotal + 8);
    const open32 = new Int32Array(openBuf.buffer, 0, openBuf.length >>> 2);
    let lastPage: Uint8Array | null = null;
    let lastPage32: Int32Array = open32;
    let openAt = 0;
    const anyOoo = h.ooo.bySeries.size > 0;
    const bufs = new Array<Uint8Array>(n);
    const offs = new Uint32Array(n);
    ch.fetch(rows, n, bufs, offs);
    // 2. Assemble.
    const out: SeriesData[] = [];
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i] as number;
      const first = perSeries[i] as number;
      const sealed = (perSeries[i + 1] as number) - first;
      const open =
        h.u8[ref * 64 + 60] === 1 &&
        (h.f64[ref * 8 + 1] as number) <= maxt &&
        (h.f64[ref * 8 + 0] as number) >= mint;
      // Exactly sized (an array grown by push reserves room for 17 elements): one per series and
      // query, all alive until the query ends.
      const chunks = new Array<ChunkRef>(sealed + (open ? 1 : 0));
      for (let k = first; k < first + sealed; k++) {
        const row = rows[k] as number;
        chunks[k - first] = {
          buf: bufs[k] as Uint8Array,
          off: offs[k] as number,
          mint: ch.mint[row] as number,
          maxt: ch.maxt[row] as number,
          count: ch.count[row] as number,
          len: ch.len[row] as number,
          enc: ChunkEncoding.Xor,
        };
      }
      if (open && inPlace) {
        chunks[sealed] = {
          buf: h.openPage(ref),
          off: h.openOff(ref),
          mint: h.f64[ref * 8 + 1] as number,
          maxt: h.f64[ref * 8 + 0] as number,
          count: h.u16[ref * 32 + 26] as number,
          len: h.openBytes(ref),
          enc: ChunkEncoding.Xor,
        };
      } else if (open) {
        const start = h.openOff(ref);
        const len = h.openBytes(ref);
        const page = h.openPage(ref);
        const words = (len + 3) >>> 2;
        if ((start & 3) === 0 && start + 4 * words <= page.length) {
          // Word by word (regions are aligned): four times fewer loads and stores.
          if (page !== lastPage) {
            lastPage = page;
            lastPage32 = new Int32Array(page.buffer, page.byteOffset, page.length >>> 2);
          }
          const src = start >>> 2;
          const dst = openAt >>> 2;
          // Longer chunks through memcpy (twice as fast as the loop from about 16 words on).
          if (words >= 16) open32.set(lastPage32.subarray(src, src + words), dst);
          else for (let w = 0; w < words; w++) open32[dst + w] = lastPage32[src + w] as number;
        } else {
          for (let b = 0; b < len; b++) openBuf[openAt + b] = page[start + b] as number;
        }
        chunks[sealed] = {
          buf: openBuf,
          off: openAt,
          mint: h.f64[ref * 8 + 1] as number,
          maxt: h.f64[ref * 8 + 0] as number,
          count: h.u16[ref * 32 + 26] as number,
          len,
          enc: ChunkEncoding.Xor,
        };
        openAt += (len + 3) & ~3;
      }
      const ooo = anyOoo ? copyOoo(h.ooo.get(ref), mint, maxt) : null;
      const hist = h.hists.size > 0 ? copyHist(h.hists.get(ref), mint, maxt) : null;
      if (chunks.length === 0 && ooo === null && hist === null) continue;
      out.push({ labels: h.labelsOf(ref), chunks, ooo, hist });
      from?.push(i);
    }
    return out;
  }

  async labelNames(matchers: readonly Matcher[]): Promise<string[]> {
    const h = this.head;
    const strings = h.symbols.strings;
    if (matchers.length === 0)
      return [...h.postings.byName.keys()].map((id) => strings[id] as string).sort(compareStrings);
    const refs = this.select(matchers);
    const names = new Set<number>();
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i] as number;
      const off = h.lblOff[ref] as number;
      const end = off + 2 * (h.lblCnt[ref] as number);
      for (let p = off; p < end; p += 2) names.add(h.pairs[p] as number);
    }
    return [...names].map((id) => strings[id] as string).sort(compareStrings);
  }

  async labelValues(name: string, matchers: readonly Matcher[]): Promise<string[]> {
    const h = this.head;
    const nameId = this.nameId(name);
    if (nameId < 0) return [];
    if (matchers.length === 0) {
      const cached = this.sortedValues.get(nameId);
      if (cached && cached.version === h.postings.version) return cached.values;
      const values: string[] = [];
      this.forEachValue(nameId, (_, v) => values.push(v));
      values.sort(compareStrings);
      this.sortedValues.set(nameId, { version: h.postings.version, values });
      return values;
    }
    const refs = this.select(matchers);
    const ids = new Set<number>();
    for (let i = 0; i < refs.length; i++) {
      const v = h.valueSym(refs[i] as number, nameId);
      if (v >= 0) ids.add(v);
    }
    const strings = h.symbols.strings;
    return [...ids].map((id) => strings[id] as string).sort(compareStrings);
  }
}

/**
 * The head for one query (from `HeadReader.pin`): open chunks are read in place, in their slab
 * pages, and the chunk store keeps every region freed meanwhile unused until `close()`. Labels and
 * values come from the shared HeadReader.
 */
export class PinnedHeadReader implements BlockReader {
  private readonly reader: HeadReader;
  private readonly chunks: ChunkStore;
  private pinId: number;

  constructor(reader: HeadReader, chunks: ChunkStore) {
    this.reader = reader;
    this.chunks = chunks;
    this.pinId = chunks.pin();
  }

  get minTime(): number {
    return this.reader.minTime;
  }

  get maxTime(): number {
    return this.reader.maxTime;
  }

  async series(matchers: readonly Matcher[], mint: number, maxt: number): Promise<SeriesData[]> {
    if (this.pinId === 0) throw new Error('the head reader was used after close()');
    return this.reader.seriesSync(matchers, mint, maxt, true);
  }

  labelNames(matchers: readonly Matcher[]): Promise<string[]> {
    return this.reader.labelNames(matchers);
  }

  labelValues(name: string, matchers: readonly Matcher[]): Promise<string[]> {
    return this.reader.labelValues(name, matchers);
  }

  /** Unpins (once; later calls do nothing): the ChunkRefs it returned must not be read after this. */
  close(): void {
    const id = this.pinId;
    if (id === 0) return;
    this.pinId = 0;
    this.chunks.unpin(id);
  }
}

function isAscending(a: Uint32Array): boolean {
  for (let i = 1; i < a.length; i++) if ((a[i] as number) < (a[i - 1] as number)) return false;
  return true;
}

function copyOoo(s: SampleArrays | undefined, mint: number, maxt: number): SampleArrays | null {
  if (s === undefined) return null;
  const from = lowerBound(s.t, mint);
  let to = lowerBound(s.t, maxt);
  if (to < s.t.length && s.t[to] === maxt) to++;
  if (to <= from) return null;
  return { t: s.t.slice(from, to), hi: s.hi.slice(from, to), lo: s.lo.slice(from, to) };
}

function copyHist(s: HistArrays | undefined, mint: number, maxt: number): HistArrays | null {
  if (s === undefined) return null;
  const from = lowerBound(s.t, mint);
  let to = lowerBound(s.t, maxt);
  if (to < s.t.length && s.t[to] === maxt) to++;
  if (to <= from) return null;
  return { t: s.t.slice(from, to), h: s.h.slice(from, to) };
}
