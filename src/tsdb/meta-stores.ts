import type { Labels, Matcher, MetricMetadata } from '../model/index.ts';
import type { StoredExemplar } from '../storage/index.ts';

/** Metadata received with writes, by metric family; a family keeps every distinct (type, help, unit). */
export class MetadataStore {
  readonly byFamily = new Map<string, MetricMetadata[]>();

  /** Returns true when `m` is new (the caller then logs it). */
  put(m: MetricMetadata): boolean {
    let list = this.byFamily.get(m.family);
    if (!list) this.byFamily.set(m.family, (list = []));
    if (list.some((x) => x.type === m.type && x.help === m.help && x.unit === m.unit)) return false;
    list.push({ family: m.family, type: m.type, help: m.help, unit: m.unit });
    return true;
  }

  query(metric: string | undefined, limit: number): ReadonlyMap<string, readonly MetricMetadata[]> {
    const out = new Map<string, readonly MetricMetadata[]>();
    const families = metric !== undefined ? [metric] : [...this.byFamily.keys()].sort();
    for (const f of families) {
      const list = this.byFamily.get(f);
      if (list === undefined) continue;
      if (limit > 0 && out.size >= limit) break;
      out.set(f, list);
    }
    return out;
  }
}

/**
 * A bounded, circular exemplar store like Prometheus's: the newest `capacity` exemplars of the
 * tenant, oldest overwritten first. Exemplars are kept by series identity (labels), so they
 * outlive head truncation until overwritten.
 */
export class ExemplarStore {
  private readonly capacity: number;
  /** Grow up to `capacity`, then wrap: an idle tenant costs nothing. */
  private readonly series: Array<Labels | null> = [];
  private readonly items: Array<StoredExemplar | null> = [];
  private next = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(0, capacity);
  }

  private get size(): number {
    return this.items.length;
  }

  /** Adds one exemplar; returns false for an exact duplicate of the series' newest exemplar. */
  add(seriesLabels: Labels, e: StoredExemplar): boolean {
    if (this.capacity === 0) return false;
    const n = this.size;
    if (n > 0) {
      const prev = (this.next + n - 1) % n;
      const p = this.items[prev];
      if (
        p &&
        p.t === e.t &&
        Object.is(p.v, e.v) &&
        p.labels.equals(e.labels) &&
        this.series[prev]?.equals(seriesLabels)
      )
        return false;
    }
    if (n < this.capacity) {
      this.series.push(seriesLabels);
      this.items.push(e);
      this.next = 0;
      return true;
    }
    this.series[this.next] = seriesLabels;
    this.items[this.next] = e;
    this.next = (this.next + 1) % this.capacity;
    return true;
  }

  /** Exemplars in [start, end] of series matching any matcher set, grouped by series, time-ordered. */
  query(
    matcherSets: readonly (readonly Matcher[])[],
    start: number,
    end: number,
  ): Array<{ seriesLabels: Labels; exemplars: StoredExemplar[] }> {
    const groups = new Map<string, { seriesLabels: Labels; exemplars: StoredExemplar[] }>();
    for (let k = 0; k < this.size; k++) {
      const i = (this.next + k) % this.size;
      const e = this.items[i];
      const s = this.series[i];
      if (!e || !s || e.t < start || e.t > end) continue;
      if (!matcherSets.some((ms) => ms.every((m) => m.matches(s.get(m.name))))) continue;
      let g = groups.get(s.key());
      if (!g) groups.set(s.key(), (g = { seriesLabels: s, exemplars: [] }));
      g.exemplars.push(e);
    }
    for (const g of groups.values()) g.exemplars.sort((a, b) => a.t - b.t);
    return [...groups.values()];
  }

  /** Everything held, oldest first (for checkpoints). */
  all(): Array<{ seriesLabels: Labels; e: StoredExemplar }> {
    const out: Array<{ seriesLabels: Labels; e: StoredExemplar }> = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.next + k) % this.size;
      const e = this.items[i];
      const s = this.series[i];
      if (e && s) out.push({ seriesLabels: s, e });
    }
    return out;
  }
}

export interface Tombstone {
  readonly matchers: readonly Matcher[];
  /** Inclusive, milliseconds. */
  readonly start: number;
  readonly end: number;
}

/**
 * Deletion requests. Like the reference model, a tombstone hides every matching sample in its range,
 * whenever it was written; compaction also removes the data for good. Tombstones whose range is
 * wholly older than the retention horizon are dropped.
 */
export class Tombstones {
  list: Tombstone[] = [];

  add(t: Tombstone): void {
    this.list.push(t);
  }

  /** Deleted intervals for a series, as a flat [start0, end0, start1, end1, ...] list, or null. */
  intervals(labels: Labels, mint: number, maxt: number): number[] | null {
    let out: number[] | null = null;
    for (const ts of this.list) {
      if (ts.end < mint || ts.start > maxt) continue;
      if (!ts.matchers.every((m) => m.matches(labels.get(m.name)))) continue;
      (out ??= []).push(ts.start, ts.end);
    }
    return out;
  }

  dropBefore(t: number): void {
    this.list = this.list.filter((x) => x.end >= t);
  }
}
