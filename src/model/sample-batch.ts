import { BadDataError } from './errors.ts';
import type { FloatHistogram } from './histogram.ts';
import type { Labels } from './labels.ts';

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Bits of `SampleBatch.flags`. */
export const SampleFlag = {
  /** The sample is a staleness marker; its value column holds a NaN of no meaning. */
  Stale: 1,
} as const;

/** Prometheus metric types, numbered as in remote write. */
export const MetricType = {
  Unknown: 0,
  Counter: 1,
  Gauge: 2,
  Histogram: 3,
  GaugeHistogram: 4,
  Summary: 5,
  Info: 6,
  StateSet: 7,
} as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

export interface MetricMetadata {
  readonly family: string;
  readonly type: MetricType;
  readonly help: string;
  readonly unit: string;
}

export interface Exemplar {
  readonly series: number;
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
}

export interface HistogramSample {
  readonly series: number;
  readonly t: number;
  /** null for a stale histogram marker. */
  readonly h: FloatHistogram | null;
  /** Start (created) timestamp in ms; NaN or absent when unknown (as `startTimestamps` for floats). */
  readonly startTimestamp?: number;
}

/**
 * Decoded samples of one write request, stored by column and reused between requests. This is
 * what every ingest protocol produces and what the storage `Appender` consumes.
 *
 * Labels are not strings yet: each label is four offsets into `source` (name start, name end,
 * value start, value end), so storage can hash those bytes to find a known series and decode text
 * only for new series. Decoders point `source` at the request body (`reset`); translators that
 * build labels themselves write them into the batch's own buffer (`resetOwned` + `addLabelText`).
 *
 * Lifetime: everything here, `source` included, stays valid only until the next reset.
 */
export class SampleBatch {
  seriesCount = 0;
  labelCount = 0;
  sampleCount = 0;

  /** `labelEnd[s]` is one past the index of the last label of series `s`. */
  labelEnd = new Uint32Array(64);
  labels = new Uint32Array(256);
  sampleSeries = new Uint32Array(256);
  timestamps = new Float64Array(256);
  values = new Float64Array(256);
  /** SampleFlag bits per sample. */
  flags = new Uint8Array(256);
  /** Start (created) timestamp of each sample in ms, NaN when unknown. */
  startTimestamps = new Float64Array(256);

  /** Rare kinds of data, kept as plain objects. */
  histograms: HistogramSample[] = [];
  exemplars: Exemplar[] = [];
  metadata: MetricMetadata[] = [];

  private external: Uint8Array = EMPTY;
  private owned: Uint8Array = EMPTY;
  private ownedLength = 0;
  private ownsSource = false;

  /** The bytes label offsets point into. */
  get source(): Uint8Array {
    return this.ownsSource ? this.owned : this.external;
  }

  /** Starts a batch whose label offsets point into `source` (a decoder's input). */
  reset(source: Uint8Array): void {
    this.external = source;
    this.ownsSource = false;
    this.clear();
  }

  /** Starts a batch whose labels are written with `addLabelText` into the batch's own buffer. */
  resetOwned(): void {
    this.external = EMPTY;
    this.ownsSource = true;
    this.ownedLength = 0;
    this.clear();
  }

  addLabel(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const i = this.labelCount * 4;
    if (i + 4 > this.labels.length) this.labels = grow(this.labels, i + 4);
    this.labels[i] = nameStart;
    this.labels[i + 1] = nameEnd;
    this.labels[i + 2] = valueStart;
    this.labels[i + 3] = valueEnd;
    this.labelCount++;
  }

  /** Adds a label from text; only after `resetOwned`. */
  addLabelText(name: string, value: string): void {
    if (!this.ownsSource) throw new Error('addLabelText needs a batch started with resetOwned()');
    const nameStart = this.ownedLength;
    this.writeText(name);
    const valueStart = this.ownedLength;
    this.writeText(value);
    this.addLabel(nameStart, valueStart, valueStart, this.ownedLength);
  }

  /**
   * Closes the current series. Labels added since the previous call belong to series number
   * `seriesCount`, which this returns.
   */
  endSeries(): number {
    if (this.seriesCount + 1 > this.labelEnd.length)
      this.labelEnd = grow(this.labelEnd, this.seriesCount + 1);
    this.labelEnd[this.seriesCount] = this.labelCount;
    return this.seriesCount++;
  }

  /** Index of the first label of series `s`. */
  labelStart(s: number): number {
    return s === 0 ? 0 : (this.labelEnd[s - 1] ?? 0);
  }

  addSample(series: number, timestamp: number, value: number, flags = 0, startTimestamp = NaN): void {
    const i = this.sampleCount;
    if (i === this.values.length) {
      this.sampleSeries = grow(this.sampleSeries, i + 1);
      this.timestamps = grow(this.timestamps, i + 1);
      this.values = grow(this.values, i + 1);
      this.flags = grow(this.flags, i + 1);
      this.startTimestamps = grow(this.startTimestamps, i + 1);
    }
    this.sampleSeries[i] = series;
    this.timestamps[i] = timestamp;
    this.values[i] = value;
    this.flags[i] = flags;
    this.startTimestamps[i] = startTimestamp;
    this.sampleCount++;
  }

  /**
   * Decodes one label's text. This allocates, so it is for new series, errors and tests.
   * Throws BadDataError when the bytes are not valid UTF-8.
   */
  labelText(label: number): [name: string, value: string] {
    const o = label * 4;
    const src = this.source;
    const at = (k: number): number => this.labels[o + k] ?? 0;
    try {
      return [utf8.decode(src.subarray(at(0), at(1))), utf8.decode(src.subarray(at(2), at(3)))];
    } catch {
      throw new BadDataError('label name or value is not valid UTF-8');
    }
  }

  /** All labels of series `s` as text pairs, in the order they were added. Allocates. */
  seriesLabelPairs(s: number): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const end = this.labelEnd[s] ?? 0;
    for (let l = this.labelStart(s); l < end; l++) out.push(this.labelText(l));
    return out;
  }

  private clear(): void {
    this.seriesCount = 0;
    this.labelCount = 0;
    this.sampleCount = 0;
    this.histograms.length = 0;
    this.exemplars.length = 0;
    this.metadata.length = 0;
  }

  private writeText(text: string): void {
    // A UTF-16 code unit never takes more than three UTF-8 bytes.
    const need = this.ownedLength + text.length * 3;
    if (need > this.owned.length) {
      const bigger = new Uint8Array(Math.max(need, this.owned.length * 2, 4096));
      bigger.set(this.owned.subarray(0, this.ownedLength));
      this.owned = bigger;
    }
    // ASCII fast path (most label names and values): for short strings a byte loop is several times
    // cheaper than encodeInto plus the subarray view it needs. Non-ASCII rest goes to encodeInto.
    const owned = this.owned;
    let at = this.ownedLength;
    let i = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      owned[at++] = c;
    }
    if (i < text.length) at += encoder.encodeInto(text.slice(i), owned.subarray(at)).written;
    this.ownedLength = at;
  }
}

/** Returns a copy of `a` with at least `need` items of capacity (doubling). */
function grow<T extends Uint32Array | Float64Array | Uint8Array>(a: T, need: number): T {
  let capacity = Math.max(a.length * 2, 16);
  while (capacity < need) capacity *= 2;
  const grown = new (a.constructor as new (length: number) => T)(capacity);
  grown.set(a);
  return grown;
}
