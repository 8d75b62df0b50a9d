import { downscaleBuckets } from './exponential.ts';
import { FloatList, type PointScratch } from './point.ts';

/**
 * Delta → cumulative conversion, per series, in memory (one accumulator per tenant).
 *
 * The rule, for a delta point with interval [start, time] of a series whose last accepted point
 * ended at `last`:
 * - no state (first point, evicted, or idle for longer than `idleMs`): the series (re)starts; its
 *   cumulative start is the point's start and its value the point's delta. After a restart the
 *   cumulative value usually drops, which PromQL reads as a counter reset.
 * - start ≥ last: the point follows the previous one (start = last) or a gap (an interval with no
 *   measurements, which SDKs do not export): the delta is added, the start stays.
 * - time ≤ last: a retry, a duplicate or out of order: the point is rejected.
 * - start < last < time: the intervals overlap (two writers, or a clock jump): rejected.
 * - no start time: we cannot tell which case applies: rejected.
 * - histogram bounds that differ from the series' bounds: the series restarts.
 * Exponential histograms are summed at the lower of the two scales.
 * A point with the no-recorded-value flag passes through untouched (it becomes a stale marker).
 *
 * The map is bounded: at `maxSeries` the least recently updated series is forgotten (it restarts
 * if it comes back). The state lives in one process; after a restart every series restarts.
 */
export class DeltaAccumulator {
  private readonly series = new Map<string, DeltaSeries>();
  private readonly maxSeries: number;
  private readonly idleMs: number;
  private readonly scratch = new FloatList();

  constructor(maxSeries = 100_000, idleMs = 3_600_000) {
    this.maxSeries = maxSeries;
    this.idleMs = idleMs;
  }

  get size(): number {
    return this.series.size;
  }

  /** Makes `p` (a delta point of the series `key`) cumulative in place, or says why it cannot. */
  accumulate(key: string, kind: 'number' | 'histogram' | 'exponential', p: PointScratch): string | null {
    if (Number.isNaN(p.startMs)) return 'it has no start time, so it cannot be accumulated safely';
    if (p.timeMs < p.startMs) return `its start time ${p.startMs} is after its time ${p.timeMs}`;
    let s = this.series.get(key);
    if (s !== undefined && p.timeMs - s.lastMs > this.idleMs) s = undefined;
    if (s !== undefined) {
      if (p.timeMs <= s.lastMs) {
        return `it ends at ${p.timeMs}, not after the previous point of its series (${s.lastMs}): a retry, duplicate or out-of-order point`;
      }
      if (p.startMs < s.lastMs) {
        return `its interval starts at ${p.startMs}, inside the previous point's interval (ending ${s.lastMs})`;
      }
      if (kind === 'histogram' && !sameBounds(s, p)) s = undefined;
      if (s !== undefined && kind === 'exponential' && !mergeable(s, p)) {
        return `its buckets and those of the previous points span more than ${MAX_MERGED_BUCKETS} buckets`;
      }
    }
    if ((p.flags & 1) !== 0) return null;
    if (s === undefined) {
      s = this.start(key, p);
    } else {
      this.series.delete(key); // re-insert below: Map order is our least-recently-updated order
      this.add(s, kind, p);
    }
    this.series.set(key, s);
    s.lastMs = p.timeMs;
    this.writeBack(s, kind, p);
    return null;
  }

  private start(key: string, p: PointScratch): DeltaSeries {
    this.series.delete(key);
    if (this.series.size >= this.maxSeries) {
      const oldest = this.series.keys().next();
      if (oldest.done !== true) this.series.delete(oldest.value);
    }
    return {
      startMs: p.startMs,
      lastMs: p.timeMs,
      value: p.value,
      count: p.count,
      sum: p.sum,
      hasSum: p.hasSum,
      buckets: Float64Array.from(p.bucketCounts.data.subarray(0, p.bucketCounts.length)),
      bounds: Float64Array.from(p.bounds.data.subarray(0, p.bounds.length)),
      scale: p.scale,
      zeroCount: p.zeroCount,
      zeroThreshold: p.zeroThreshold,
      positiveOffset: p.positiveOffset,
      positive: copy(p.positive),
      negativeOffset: p.negativeOffset,
      negative: copy(p.negative),
    };
  }

  private add(s: DeltaSeries, kind: 'number' | 'histogram' | 'exponential', p: PointScratch): void {
    if (kind === 'number') {
      s.value += p.value;
      return;
    }
    s.count += p.count;
    s.sum += p.sum;
    s.hasSum &&= p.hasSum;
    if (kind === 'histogram') {
      for (let i = 0; i < s.buckets.length; i++)
        s.buckets[i] = (s.buckets[i] as number) + p.bucketCounts.at(i);
      return;
    }
    s.zeroCount += p.zeroCount;
    s.zeroThreshold = Math.max(s.zeroThreshold, p.zeroThreshold);
    const scale = Math.min(s.scale, p.scale);
    s.positiveOffset = this.merge(
      s.positiveOffset,
      s.positive,
      s.scale - scale,
      p.positiveOffset,
      p.positive,
      p.scale - scale,
    );
    s.negativeOffset = this.merge(
      s.negativeOffset,
      s.negative,
      s.scale - scale,
      p.negativeOffset,
      p.negative,
      p.scale - scale,
    );
    s.scale = scale;
  }

  /** Sums two dense bucket runs after lowering both to a common scale; the result goes into `into`. */
  private merge(
    intoOffset: number,
    into: FloatList,
    intoShift: number,
    addOffset: number,
    add: FloatList,
    addShift: number,
  ): number {
    const a = new FloatList();
    const aOffset = downscaleBuckets(intoOffset, into, intoShift, a);
    const b = this.scratch;
    const bOffset = downscaleBuckets(addOffset, add, addShift, b);
    if (a.length === 0 && b.length === 0) {
      into.length = 0;
      return 0;
    }
    const first = a.length === 0 ? bOffset : b.length === 0 ? aOffset : Math.min(aOffset, bOffset);
    const end = Math.max(aOffset + a.length, bOffset + b.length);
    into.length = 0;
    for (let i = first; i < end; i++) {
      const x = i >= aOffset && i < aOffset + a.length ? a.at(i - aOffset) : 0;
      const y = i >= bOffset && i < bOffset + b.length ? b.at(i - bOffset) : 0;
      into.push(x + y);
    }
    return first;
  }

  private writeBack(s: DeltaSeries, kind: 'number' | 'histogram' | 'exponential', p: PointScratch): void {
    p.startMs = s.startMs;
    if (kind === 'number') {
      p.value = s.value;
      return;
    }
    p.count = s.count;
    p.sum = s.sum;
    p.hasSum = s.hasSum;
    if (kind === 'histogram') {
      for (let i = 0; i < s.buckets.length && i < p.bucketCounts.length; i++) {
        p.bucketCounts.data[i] = s.buckets[i] as number;
      }
      return;
    }
    p.scale = s.scale;
    p.zeroCount = s.zeroCount;
    p.zeroThreshold = s.zeroThreshold;
    p.positiveOffset = s.positiveOffset;
    copyInto(s.positive, p.positive);
    p.negativeOffset = s.negativeOffset;
    copyInto(s.negative, p.negative);
  }
}

interface DeltaSeries {
  startMs: number;
  lastMs: number;
  value: number;
  count: number;
  sum: number;
  hasSum: boolean;
  buckets: Float64Array;
  bounds: Float64Array;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positiveOffset: number;
  positive: FloatList;
  negativeOffset: number;
  negative: FloatList;
}

/** Summing two exponential histograms allocates their combined bucket range; keep it bounded. */
const MAX_MERGED_BUCKETS = 4096;

function mergeable(s: DeltaSeries, p: PointScratch): boolean {
  const scale = Math.min(s.scale, p.scale);
  const span = (offset: number, len: number, from: number): [number, number] => [
    offset >> (from - scale),
    (offset + Math.max(len, 1) - 1) >> (from - scale),
  ];
  for (const [a, b] of [
    [span(s.positiveOffset, s.positive.length, s.scale), span(p.positiveOffset, p.positive.length, p.scale)],
    [span(s.negativeOffset, s.negative.length, s.scale), span(p.negativeOffset, p.negative.length, p.scale)],
  ] as const) {
    if (Math.max(a[1], b[1]) - Math.min(a[0], b[0]) >= MAX_MERGED_BUCKETS) return false;
  }
  return true;
}

function sameBounds(s: DeltaSeries, p: PointScratch): boolean {
  if (s.bounds.length !== p.bounds.length || s.buckets.length !== p.bucketCounts.length) return false;
  for (let i = 0; i < s.bounds.length; i++) if (s.bounds[i] !== p.bounds.at(i)) return false;
  return true;
}

function copy(list: FloatList): FloatList {
  const out = new FloatList();
  copyInto(list, out);
  return out;
}

function copyInto(from: FloatList, to: FloatList): void {
  to.length = 0;
  for (let i = 0; i < from.length; i++) to.push(from.at(i));
}
