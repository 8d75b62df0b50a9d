import type { FloatHistogram } from '../model/index.ts';
import { Labels } from '../model/index.ts';
import type { Matcher } from '../model/index.ts';
import { SampleFlag, type MetricMetadata, type SampleBatch } from '../model/index.ts';
import { checkSeriesLabels } from '../model/index.ts';
import type { AppendOptions, AppendResult, RejectReason, RejectedSample } from './appender.ts';
import { ValueKind, type Querier, type SampleIterator, type Series, type SelectHints } from './querier.ts';
import type { SeriesExemplars, Storage, StorageStats, StoredExemplar } from './storage.ts';

/** How many refused samples an AppendResult names. */
export const MAX_REJECT_EXAMPLES = 5;

interface MemSeries {
  readonly labels: Labels;
  readonly t: number[];
  readonly kind: ValueKind[];
  readonly v: number[];
  readonly h: Array<FloatHistogram | null>;
  readonly st: number[];
  readonly exemplars: StoredExemplar[];
}

/**
 * A simple, obviously-correct storage that keeps everything in JS arrays. It is the reference the
 * real engine is tested against, the storage of the PromQL conformance runner, and a fake for
 * tests of the layers above. Not for production: no compression, no durability.
 *
 * Ingest rules (the reference semantics): per series, a sample newer than the newest stored one is
 * appended; one with the timestamp of a stored sample is a silent duplicate if the value is
 * identical (bit for bit, stale flag included) and refused otherwise; an older one is inserted if
 * it is within `outOfOrderWindowMs` of the series' newest sample, else refused (`out_of_order` when
 * the window is 0, `too_old` otherwise).
 *
 * Like Prometheus's head, a storage that has already written a time range to immutable blocks
 * refuses samples older than its min valid time as `too_old` (Prometheus: "out of bounds"), checked
 * before the out-of-order rule, as Prometheus does. `minValidTime` models that; it is -Infinity unless a test sets it
 * to mirror an engine.
 */
export class MemoryStorage implements Storage {
  private readonly series = new Map<string, MemSeries>();
  private readonly perMetric = new Map<string, number>();
  private readonly meta = new Map<string, MetricMetadata[]>();
  private readonly tombstones: Array<{ matchers: readonly Matcher[]; start: number; end: number }> = [];
  /** Samples before this are refused as `too_old` (see the class comment). */
  minValidTime = -Infinity;

  /** Adds one sample directly, bypassing ingest rules except ordering (tests and the conformance runner). */
  add(labels: Labels, t: number, value: number | FloatHistogram | 'stale', st = NaN): void {
    const s = this.getOrCreate(labels);
    const kind =
      value === 'stale' ? ValueKind.Stale : typeof value === 'number' ? ValueKind.Float : ValueKind.Histogram;
    insertSample(
      s,
      t,
      kind,
      typeof value === 'number' ? value : NaN,
      typeof value === 'object' ? value : null,
      st,
    );
  }

  /** Throws away all data. */
  clear(): void {
    this.series.clear();
    this.perMetric.clear();
    this.meta.clear();
    this.tombstones.length = 0;
  }

  async append(batch: SampleBatch, opts: AppendOptions): Promise<AppendResult> {
    const rejected = new Map<RejectReason, number>();
    const examples: RejectedSample[] = [];
    let accepted = 0;
    let acceptedHistograms = 0;
    let newSeries = 0;
    const reject = (reason: RejectReason, labels: Labels | string, t: number, n = 1): void => {
      rejected.set(reason, (rejected.get(reason) ?? 0) + n);
      if (examples.length < MAX_REJECT_EXAMPLES) {
        examples.push({ reason, series: typeof labels === 'string' ? labels : labels.toString(), t });
      }
    };

    // Resolve every series of the batch first; null marks a refused series.
    const resolved: Array<MemSeries | null> = [];
    const refusal: Array<RejectReason | null> = [];
    for (let s = 0; s < batch.seriesCount; s++) {
      let pairs: Array<[string, string]>;
      try {
        pairs = batch.seriesLabelPairs(s);
      } catch {
        resolved.push(null);
        refusal.push('invalid_labels');
        continue;
      }
      const problem = checkSeriesLabels(pairs);
      if (problem !== null) {
        resolved.push(null);
        refusal.push('invalid_labels');
        continue;
      }
      const labels = Labels.from(pairs);
      let series = this.series.get(labels.key()) ?? null;
      let reason: RejectReason | null = null;
      if (series === null) {
        reason = opts.checkNewSeries?.(labels) ?? null;
        if (reason === null && opts.maxSeries > 0 && this.series.size >= opts.maxSeries)
          reason = 'series_limit';
        const metric = labels.metricName();
        if (
          reason === null &&
          opts.maxSeriesPerMetric > 0 &&
          (this.perMetric.get(metric) ?? 0) >= opts.maxSeriesPerMetric
        ) {
          reason = 'metric_series_limit';
        }
        if (reason === null) {
          series = this.getOrCreate(labels);
          newSeries++;
        }
      }
      resolved.push(series);
      refusal.push(reason);
    }

    const maxT = opts.now + opts.maxFutureMs;
    for (let i = 0; i < batch.sampleCount; i++) {
      const si = batch.sampleSeries[i] as number;
      const t = batch.timestamps[i] as number;
      const series = resolved[si] ?? null;
      if (series === null) {
        reject(refusal[si] ?? 'invalid_labels', labelsText(batch, si), t);
        continue;
      }
      const stale = ((batch.flags[i] as number) & SampleFlag.Stale) !== 0;
      const outcome = appendOne(
        series,
        t,
        stale ? ValueKind.Stale : ValueKind.Float,
        batch.values[i] as number,
        null,
        batch.startTimestamps[i] as number,
        maxT,
        opts.outOfOrderWindowMs,
        this.minValidTime,
      );
      if (outcome === null) accepted++;
      else reject(outcome, series.labels, t);
    }
    for (const hs of batch.histograms) {
      const series = resolved[hs.series] ?? null;
      if (series === null) {
        reject(refusal[hs.series] ?? 'invalid_labels', labelsText(batch, hs.series), hs.t);
        continue;
      }
      const kind = hs.h === null ? ValueKind.Stale : ValueKind.Histogram;
      const outcome = appendOne(
        series,
        hs.t,
        kind,
        NaN,
        hs.h,
        NaN,
        maxT,
        opts.outOfOrderWindowMs,
        this.minValidTime,
      );
      if (outcome === null) {
        accepted++;
        acceptedHistograms++;
      } else reject(outcome, series.labels, hs.t);
    }
    let acceptedExemplars = 0;
    for (const ex of batch.exemplars) {
      const series = resolved[ex.series];
      if (!series) continue;
      series.exemplars.push({ labels: ex.labels, t: ex.t, v: ex.v });
      acceptedExemplars++;
    }
    for (const m of batch.metadata) this.putMetadata(m);
    return { accepted, acceptedHistograms, acceptedExemplars, rejected, examples, newSeries };
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    return new MemoryQuerier(this, mint, maxt);
  }

  metadata(metric: string | undefined, limit: number): ReadonlyMap<string, readonly MetricMetadata[]> {
    const out = new Map<string, readonly MetricMetadata[]>();
    for (const [family, list] of [...this.meta].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (metric !== undefined && metric !== family) continue;
      if (limit > 0 && out.size >= limit) break;
      out.set(family, list);
    }
    return out;
  }

  async exemplars(
    matcherSets: readonly (readonly Matcher[])[],
    start: number,
    end: number,
  ): Promise<readonly SeriesExemplars[]> {
    const out: SeriesExemplars[] = [];
    for (const s of this.sortedSeries()) {
      if (!matcherSets.some((ms) => matchesAll(s.labels, ms))) continue;
      const exemplars = s.exemplars.filter((e) => e.t >= start && e.t <= end);
      if (exemplars.length > 0) out.push({ seriesLabels: s.labels, exemplars });
    }
    return out;
  }

  async deleteSeries(matchers: readonly Matcher[], start: number, end: number): Promise<void> {
    this.tombstones.push({ matchers, start, end });
  }

  /** Nothing to write: everything stays in memory. */
  async flush(): Promise<void> {}

  stats(limit: number): StorageStats {
    let minTime = Infinity;
    let maxTime = -Infinity;
    const byName = new Map<string, number>();
    const valuesByLabel = new Map<string, Set<string>>();
    const pairs = new Map<string, number>();
    let numLabelPairs = 0;
    for (const s of this.series.values()) {
      if (s.t.length > 0) {
        minTime = Math.min(minTime, s.t[0] as number);
        maxTime = Math.max(maxTime, s.t[s.t.length - 1] as number);
      }
      const metric = s.labels.metricName();
      byName.set(metric, (byName.get(metric) ?? 0) + 1);
      s.labels.forEach((n, v) => {
        let set = valuesByLabel.get(n);
        if (!set) valuesByLabel.set(n, (set = new Set()));
        set.add(v);
        const pair = `${n}=${v}`;
        pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
      });
    }
    for (const set of valuesByLabel.values()) numLabelPairs += set.size;
    const top = (m: Map<string, number>) =>
      [...m]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, limit)
        .map(([name, value]) => ({ name, value }));
    const memory = new Map<string, number>();
    for (const [n, set] of valuesByLabel) {
      let bytes = 0;
      for (const v of set) bytes += v.length;
      memory.set(n, bytes);
    }
    return {
      numSeries: this.series.size,
      numLabelPairs,
      chunkCount: 0,
      minTime: Number.isFinite(minTime) ? minTime : 0,
      maxTime: Number.isFinite(maxTime) ? maxTime : 0,
      seriesCountByMetricName: top(byName),
      labelValueCountByLabelName: top(new Map([...valuesByLabel].map(([n, s]) => [n, s.size]))),
      memoryInBytesByLabelName: top(memory),
      seriesCountByLabelValuePair: top(pairs),
    };
  }

  async close(): Promise<void> {}

  /** Series sorted by labels, for queriers. */
  sortedSeries(): MemSeries[] {
    return [...this.series.values()].sort((a, b) => Labels.compare(a.labels, b.labels));
  }

  /** True if the sample of `labels` at `t` was deleted. */
  isDeleted(labels: Labels, t: number): boolean {
    for (const ts of this.tombstones) {
      if (t >= ts.start && t <= ts.end && matchesAll(labels, ts.matchers)) return true;
    }
    return false;
  }

  private getOrCreate(labels: Labels): MemSeries {
    const key = labels.key();
    let s = this.series.get(key);
    if (!s) {
      s = { labels, t: [], kind: [], v: [], h: [], st: [], exemplars: [] };
      this.series.set(key, s);
      const metric = labels.metricName();
      this.perMetric.set(metric, (this.perMetric.get(metric) ?? 0) + 1);
    }
    return s;
  }

  private putMetadata(m: MetricMetadata): void {
    let list = this.meta.get(m.family);
    if (!list) this.meta.set(m.family, (list = []));
    if (!list.some((x) => x.type === m.type && x.help === m.help && x.unit === m.unit)) list.push(m);
  }
}

function labelsText(batch: SampleBatch, s: number): string {
  try {
    return Labels.from(batch.seriesLabelPairs(s)).toString();
  } catch {
    return '<undecodable labels>';
  }
}

function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) if (!m.matches(labels.get(m.name))) return false;
  return true;
}

/** Applies the reference ingest rules; returns null when stored (or a silent duplicate). */
function appendOne(
  s: MemSeries,
  t: number,
  kind: ValueKind,
  v: number,
  h: FloatHistogram | null,
  st: number,
  maxT: number,
  oooWindow: number,
  minValidTime: number,
): RejectReason | null {
  if (t > maxT) return 'too_far_in_future';
  const n = s.t.length;
  const last = n === 0 ? -Infinity : (s.t[n - 1] as number);
  if (t < minValidTime) return 'too_old';
  if (t < last && t < last - oooWindow) return oooWindow > 0 ? 'too_old' : 'out_of_order';
  const i = lowerBound(s.t, t);
  if (i < n && s.t[i] === t) {
    const same =
      s.kind[i] === kind &&
      (kind === ValueKind.Stale ||
        (kind === ValueKind.Float && sameFloat(s.v[i] as number, v)) ||
        (kind === ValueKind.Histogram && JSON.stringify(s.h[i]) === JSON.stringify(h)));
    return same ? null : 'duplicate_timestamp';
  }
  insertSample(s, t, kind, v, h, st);
  return null;
}

function sameFloat(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

function insertSample(
  s: MemSeries,
  t: number,
  kind: ValueKind,
  v: number,
  h: FloatHistogram | null,
  st: number,
): void {
  const i = lowerBound(s.t, t);
  if (i < s.t.length && s.t[i] === t) {
    s.kind[i] = kind;
    s.v[i] = v;
    s.h[i] = h;
    s.st[i] = st;
    return;
  }
  s.t.splice(i, 0, t);
  s.kind.splice(i, 0, kind);
  s.v.splice(i, 0, v);
  s.h.splice(i, 0, h);
  s.st.splice(i, 0, st);
}

function lowerBound(a: readonly number[], t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class MemoryQuerier implements Querier {
  private readonly store: MemoryStorage;
  private readonly mint: number;
  private readonly maxt: number;

  constructor(store: MemoryStorage, mint: number, maxt: number) {
    this.store = store;
    this.mint = mint;
    this.maxt = maxt;
  }

  async select(
    matchers: readonly Matcher[],
    hints: SelectHints,
    signal: AbortSignal,
  ): Promise<readonly Series[]> {
    signal.throwIfAborted();
    const mint = Math.max(this.mint, hints.start);
    const maxt = Math.min(this.maxt, hints.end);
    const out: Series[] = [];
    for (const s of this.store.sortedSeries()) {
      if (!matchesAll(s.labels, matchers)) continue;
      const series = new MemSeriesView(this.store, s, mint, maxt);
      if (!series.hasSamples()) continue;
      out.push(series);
      if (hints.limit !== undefined && hints.limit > 0 && out.length >= hints.limit) break;
    }
    return out;
  }

  async labelNames(matchers: readonly Matcher[], signal: AbortSignal): Promise<readonly string[]> {
    const names = new Set<string>();
    for (const s of await this.select(matchers, { start: this.mint, end: this.maxt }, signal)) {
      s.labels.forEach((n) => names.add(n));
    }
    return [...names].sort();
  }

  async labelValues(
    name: string,
    matchers: readonly Matcher[],
    signal: AbortSignal,
  ): Promise<readonly string[]> {
    const values = new Set<string>();
    for (const s of await this.select(matchers, { start: this.mint, end: this.maxt }, signal)) {
      const v = s.labels.get(name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }

  close(): void {}
}

class MemSeriesView implements Series {
  readonly labels: Labels;
  private readonly idx: number[] = [];
  private readonly s: MemSeries;

  constructor(store: MemoryStorage, s: MemSeries, mint: number, maxt: number) {
    this.s = s;
    this.labels = s.labels;
    for (let i = lowerBound(s.t, mint); i < s.t.length && (s.t[i] as number) <= maxt; i++) {
      if (!store.isDeleted(s.labels, s.t[i] as number)) this.idx.push(i);
    }
  }

  hasSamples(): boolean {
    return this.idx.length > 0;
  }

  iterator(): SampleIterator {
    return new MemIterator(this.s, this.idx);
  }
}

class MemIterator implements SampleIterator {
  t = 0;
  v = 0;
  h: FloatHistogram | null = null;
  st = NaN;
  private pos = -1;
  private kind: ValueKind = ValueKind.None;

  private readonly s: MemSeries;
  private readonly idx: readonly number[];

  constructor(s: MemSeries, idx: readonly number[]) {
    this.s = s;
    this.idx = idx;
  }

  next(): ValueKind {
    if (this.pos < this.idx.length) this.pos++;
    return this.load();
  }

  seek(t: number): ValueKind {
    if (this.pos < 0) this.pos = 0;
    else if (this.kind !== ValueKind.None && this.t >= t) return this.kind;
    while (this.pos < this.idx.length && (this.s.t[this.idx[this.pos] as number] as number) < t) this.pos++;
    return this.load();
  }

  private load(): ValueKind {
    const i = this.idx[this.pos];
    if (i === undefined) {
      this.kind = ValueKind.None;
      return this.kind;
    }
    this.t = this.s.t[i] as number;
    this.v = this.s.v[i] as number;
    this.h = this.s.h[i] ?? null;
    this.st = this.s.st[i] as number;
    this.kind = this.s.kind[i] as ValueKind;
    return this.kind;
  }
}
