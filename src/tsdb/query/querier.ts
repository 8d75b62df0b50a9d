import { compareStrings, Labels, type Matcher } from '../../model/index.ts';
import {
  ValueKind,
  type FloatColumns,
  type Querier,
  type SampleIterator,
  type SelectHints,
  type Series,
} from '../../storage/index.ts';
import type { Tombstones } from '../meta-stores.ts';
import { lowerBound } from '../search.ts';
import { seriesIterator } from './iterators.ts';
import { readChunkFloats, readIteratorFloats } from './read-floats.ts';
import type { BlockReader, ChunkRef, HistArrays, SampleArrays, SeriesData } from './types.ts';

/**
 * A querier over any number of blocks (the head being one of them): series with the same labels in
 * several blocks become one series whose iterator merges their chunks; tombstones hide deleted
 * ranges. `release` is called once on close (blocks use it to know when their files may go, the
 * head to reuse the memory of chunks it read in place). The series it returned must not be read
 * after `close()`.
 */
export class TsdbQuerier implements Querier {
  private readonly readers: readonly BlockReader[];
  private readonly tombstones: Tombstones;
  private readonly mint: number;
  private readonly maxt: number;
  private release: (() => void) | null;

  constructor(
    readers: readonly BlockReader[],
    tombstones: Tombstones,
    mint: number,
    maxt: number,
    release: () => void,
  ) {
    this.readers = readers;
    this.tombstones = tombstones;
    this.mint = mint;
    this.maxt = maxt;
    this.release = release;
  }

  async select(
    matchers: readonly Matcher[],
    hints: SelectHints,
    signal: AbortSignal,
  ): Promise<readonly Series[]> {
    signal.throwIfAborted();
    const mint = Math.max(this.mint, hints.start);
    const maxt = Math.min(this.maxt, hints.end);
    if (mint > maxt) return [];
    const active = this.readers.filter((r) => r.maxTime >= mint && r.minTime <= maxt);
    const parts = await Promise.all(active.map((r) => r.series(matchers, mint, maxt)));
    signal.throwIfAborted();
    const out: Series[] = [];
    const limit = hints.limit ?? 0;
    const nonEmpty = parts.filter((p) => p.length > 0);
    if (nonEmpty.length === 1) {
      // One block (often the head) holds every series: no merging, no copies.
      for (const d of nonEmpty[0] as SeriesData[]) {
        const deleted = this.tombstones.intervals(d.labels, mint, maxt);
        const s = new TsdbSeries(
          this,
          d.labels,
          d.chunks,
          d.ooo === null ? NONE : [d.ooo],
          d.hist === null ? NONE : [d.hist],
          deleted,
          mint,
          maxt,
        );
        // A series whose samples are all outside the range or deleted is not returned.
        if (!s.hasSamples()) continue;
        out.push(s);
        if (limit > 0 && out.length >= limit) break;
      }
      return out;
    }
    for (const m of mergeSeries(nonEmpty)) {
      const deleted = this.tombstones.intervals(m.labels, mint, maxt);
      const s = new TsdbSeries(this, m.labels, m.chunks, m.ooo, m.hists, deleted, mint, maxt);
      if (!s.hasSamples()) continue;
      out.push(s);
      if (limit > 0 && out.length >= limit) break;
    }
    return out;
  }

  async labelNames(matchers: readonly Matcher[], signal: AbortSignal): Promise<readonly string[]> {
    signal.throwIfAborted();
    const lists = await Promise.all(this.overlapping().map((r) => r.labelNames(matchers)));
    return unionSorted(lists);
  }

  async labelValues(
    name: string,
    matchers: readonly Matcher[],
    signal: AbortSignal,
  ): Promise<readonly string[]> {
    signal.throwIfAborted();
    const lists = await Promise.all(this.overlapping().map((r) => r.labelValues(name, matchers)));
    return unionSorted(lists);
  }

  close(): void {
    const r = this.release;
    this.release = null;
    r?.();
  }

  private overlapping(): BlockReader[] {
    return this.readers.filter((r) => r.maxTime >= this.mint && r.minTime <= this.maxt);
  }
}

interface Merged {
  labels: Labels;
  chunks: ChunkRef[];
  ooo: SampleArrays[];
  hists: HistArrays[];
}

/** Merges per-block series lists (each sorted by labels) into one sorted list. */
export function mergeSeries(parts: readonly SeriesData[][]): Merged[] {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 1)
    return (nonEmpty[0] as SeriesData[]).map((s) => ({
      labels: s.labels,
      chunks: s.chunks.slice(),
      ooo: s.ooo ? [s.ooo] : [],
      hists: s.hist ? [s.hist] : [],
    }));
  return mergeSorted(nonEmpty) ?? mergeByKey(nonEmpty);
}

/**
 * k-way merge of lists sorted by labels: no label keys built (a key is a string of every label
 * of every series of every block). Null when some list turns out not to be strictly sorted.
 */
export function mergeSorted(parts: readonly SeriesData[][]): Merged[] | null {
  const k = parts.length;
  const pos = new Int32Array(k);
  const same = new Uint8Array(k);
  const out: Merged[] = [];
  for (;;) {
    let min: Labels | null = null;
    for (let p = 0; p < k; p++) {
      const part = parts[p] as SeriesData[];
      const i = pos[p] as number;
      same[p] = 0;
      if (i >= part.length) continue;
      const l = (part[i] as SeriesData).labels;
      const c = min === null ? -1 : Labels.compare(l, min);
      if (c < 0) {
        min = l;
        same.fill(0, 0, p);
        same[p] = 1;
      } else if (c === 0) same[p] = 1;
    }
    if (min === null) return out;
    const m: Merged = { labels: min, chunks: [], ooo: [], hists: [] };
    for (let p = 0; p < k; p++) {
      if (same[p] === 0) continue;
      const part = parts[p] as SeriesData[];
      const i = pos[p] as number;
      const s = part[i] as SeriesData;
      for (let c = 0; c < s.chunks.length; c++) m.chunks.push(s.chunks[c] as ChunkRef);
      if (s.ooo) m.ooo.push(s.ooo);
      if (s.hist) m.hists.push(s.hist);
      pos[p] = i + 1;
      if (i + 1 < part.length && Labels.compare((part[i + 1] as SeriesData).labels, s.labels) <= 0)
        return null;
    }
    out.push(m);
  }
}

export function mergeByKey(parts: readonly SeriesData[][]): Merged[] {
  const byKey = new Map<string, Merged>();
  for (const part of parts) {
    for (const s of part) {
      const key = s.labels.key();
      let m = byKey.get(key);
      if (!m) byKey.set(key, (m = { labels: s.labels, chunks: [], ooo: [], hists: [] }));
      for (const c of s.chunks) m.chunks.push(c);
      if (s.ooo) m.ooo.push(s.ooo);
      if (s.hist) m.hists.push(s.hist);
    }
  }
  const out = [...byKey.values()];
  out.sort((a, b) => Labels.compare(a.labels, b.labels));
  return out;
}

function unionSorted(lists: readonly string[][]): string[] {
  if (lists.length === 1) return lists[0] as string[];
  const set = new Set<string>();
  for (const l of lists) for (const s of l) set.add(s);
  return [...set].sort(compareStrings);
}

const NONE: never[] = [];

/** Scratch of TsdbSeries.hasSamples (only its counts are read). */
const probe: FloatColumns = {
  t: new Float64Array(128),
  v: new Float64Array(128),
  n: 0,
  staleT: new Float64Array(8),
  ns: 0,
};

/**
 * One series of a query: its chunks from every block (in any order), out-of-order and histogram
 * samples, and deleted intervals, clipped to [mint, maxt].
 */
class TsdbSeries implements Series {
  /**
   * Keeps the querier reachable while its series are: the storage may release a querier's
   * readers once it is garbage-collected (head chunks are read in place until then).
   */
  readonly querier: TsdbQuerier;
  readonly labels: Labels;
  private readonly chunks: ChunkRef[];
  private readonly ooo: SampleArrays[];
  private readonly hists: HistArrays[];
  private readonly deleted: number[] | null;
  private readonly mint: number;
  private readonly maxt: number;
  /** 1 when the chunks are sorted and do not overlap, 0 when not, -1 until known. */
  private oneRun = -1;

  constructor(
    querier: TsdbQuerier,
    labels: Labels,
    chunks: ChunkRef[],
    ooo: SampleArrays[],
    hists: HistArrays[],
    deleted: number[] | null,
    mint: number,
    maxt: number,
  ) {
    this.querier = querier;
    this.labels = labels;
    this.chunks = chunks;
    this.ooo = ooo;
    this.hists = hists;
    this.deleted = deleted;
    this.mint = mint;
    this.maxt = maxt;
  }

  /**
   * Whether any sample (a stale marker counts) is in range and not deleted. A chunk whose first or
   * last sample is in range answers without decoding anything.
   */
  hasSamples(): boolean {
    if (this.deleted === null && this.ooo.length === 0 && this.hists.length === 0) {
      const mint = this.mint;
      const maxt = this.maxt;
      const chunks = this.chunks;
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i] as ChunkRef;
        if ((c.mint >= mint && c.mint <= maxt) || (c.maxt >= mint && c.maxt <= maxt)) return true;
      }
      // Only chunks reaching past both ends of the range (a short range inside one chunk) are
      // left: decoding them whole in bulk is several times cheaper than the sample iterator.
      if (this.oneRun < 0) this.oneRun = sortedOneRun(chunks) ? 1 : 0;
      if (this.oneRun === 1) {
        readChunkFloats(chunks, null, mint, maxt, probe);
        return probe.n + probe.ns > 0;
      }
    }
    return this.iterator().next() !== ValueKind.None;
  }

  iterator(): SampleIterator {
    return seriesIterator(this.chunks, this.ooo, this.deleted, this.mint, this.maxt, this.hists);
  }

  readFloats(mint: number, maxt: number, out: FloatColumns): boolean {
    const lo = Math.max(mint, this.mint);
    const hi = Math.min(maxt, this.maxt);
    const hists = this.hists;
    for (let i = 0; i < hists.length; i++) if (anyIn((hists[i] as HistArrays).t, lo, hi)) return false;
    if (this.oneRun < 0) this.oneRun = sortedOneRun(this.chunks) ? 1 : 0;
    if (this.oneRun === 1 && this.ooo.length === 0) {
      readChunkFloats(this.chunks, this.deleted, lo, hi, out);
      return true;
    }
    return readIteratorFloats(seriesIterator(this.chunks, this.ooo, this.deleted, lo, hi), out);
  }
}

/** Whether sorted `t` has an element in [lo, hi]. */
function anyIn(t: readonly number[], lo: number, hi: number): boolean {
  const a = lowerBound(t, lo);
  return a < t.length && (t[a] as number) <= hi;
}

/** Sorts chunks by mint (in place, usually already sorted) and says whether none overlap. */
function sortedOneRun(chunks: ChunkRef[]): boolean {
  let sorted = true;
  for (let i = 1; i < chunks.length; i++) {
    if ((chunks[i] as ChunkRef).mint < (chunks[i - 1] as ChunkRef).mint) {
      sorted = false;
      break;
    }
  }
  if (!sorted) chunks.sort((a, b) => a.mint - b.mint);
  for (let i = 1; i < chunks.length; i++) {
    if ((chunks[i] as ChunkRef).mint <= (chunks[i - 1] as ChunkRef).maxt) return false;
  }
  return true;
}
