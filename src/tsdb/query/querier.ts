import { compareStrings, type Labels, type Matcher } from '../../model/index.ts';
import {
  ValueKind,
  type Querier,
  type SampleIterator,
  type SelectHints,
  type Series,
} from '../../storage/index.ts';
import type { Tombstones } from '../meta-stores.ts';
import { seriesIterator } from './iterators.ts';
import type { BlockReader, ChunkRef, HistArrays, SampleArrays, SeriesData } from './types.ts';

/**
 * A querier over any number of blocks (the head being one of them): series with the same labels in
 * several blocks become one series whose iterator merges their chunks; tombstones hide deleted
 * ranges. `release` is called once on close (blocks use it to know when their files may go).
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
    const merged = mergeSeries(parts);
    const out: Series[] = [];
    const limit = hints.limit ?? 0;
    for (const m of merged) {
      const deleted = this.tombstones.intervals(m.labels, mint, maxt);
      const s = new TsdbSeries(m.labels, m.chunks, m.ooo, m.hists, deleted, mint, maxt);
      // A series whose samples are all outside the range or deleted is not returned.
      if (s.iterator().next() === ValueKind.None) continue;
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
  const byKey = new Map<string, Merged>();
  for (const part of nonEmpty) {
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
  out.sort((a, b) => compareLabels(a.labels, b.labels));
  return out;
}

function compareLabels(a: Labels, b: Labels): number {
  const x = a.raw();
  const y = b.raw();
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(x[i] as string, y[i] as string);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

function unionSorted(lists: readonly string[][]): string[] {
  if (lists.length === 1) return lists[0] as string[];
  const set = new Set<string>();
  for (const l of lists) for (const s of l) set.add(s);
  return [...set].sort(compareStrings);
}

class TsdbSeries implements Series {
  readonly labels: Labels;
  private readonly chunks: ChunkRef[];
  private readonly ooo: SampleArrays[];
  private readonly hists: HistArrays[];
  private readonly deleted: number[] | null;
  private readonly mint: number;
  private readonly maxt: number;

  constructor(
    labels: Labels,
    chunks: ChunkRef[],
    ooo: SampleArrays[],
    hists: HistArrays[],
    deleted: number[] | null,
    mint: number,
    maxt: number,
  ) {
    this.labels = labels;
    this.chunks = chunks;
    this.ooo = ooo;
    this.hists = hists;
    this.deleted = deleted;
    this.mint = mint;
    this.maxt = maxt;
  }

  iterator(): SampleIterator {
    return seriesIterator(this.chunks, this.ooo, this.deleted, this.mint, this.maxt, this.hists);
  }
}
