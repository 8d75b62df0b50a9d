/**
 * Remote-write 1.0 encoding, by hand (prompb/remote.proto + types.proto):
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 *
 * Like Prometheus's sender, every sample travels in its own TimeSeries entry with the full label
 * set, so a 2,000-sample request carries 2,000 label sets. The label part of a TimeSeries never
 * changes, so it is encoded once per series (`encodeLabels`) and copied per sample.
 */

const encoder = new TextEncoder();

function varintSize(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes a non-negative integer ≤ 2^53 as a varint at `pos`; returns the new position. */
function putVarint(buf: Uint8Array, pos: number, value: number): number {
  while (value >= 128) {
    buf[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/** Encodes `Label` entries (TimeSeries field 1) for sorted pairs [name, value, name, value, ...]. */
export function encodeLabels(pairs: readonly string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const name = encoder.encode(pairs[i]);
    const value = encoder.encode(pairs[i + 1]);
    const inner = 1 + varintSize(name.length) + name.length + 1 + varintSize(value.length) + value.length;
    const label = new Uint8Array(1 + varintSize(inner) + inner);
    let p = 0;
    label[p++] = 0x0a; // TimeSeries.labels, LEN
    p = putVarint(label, p, inner);
    label[p++] = 0x0a; // Label.name, LEN
    p = putVarint(label, p, name.length);
    label.set(name, p);
    p += name.length;
    label[p++] = 0x12; // Label.value, LEN
    p = putVarint(label, p, value.length);
    label.set(value, p);
    parts.push(label);
    size += label.length;
  }
  const out = new Uint8Array(size);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** Worst-case encoded size of one TimeSeries entry carrying `labelBytes` of labels and one sample. */
export function maxEntrySize(labelBytes: number): number {
  // WriteRequest tag + length (≤ 5) + labels + Sample tag + length + (1 + 8) + (1 + 10).
  return 1 + 5 + labelBytes + 1 + 1 + 9 + 11;
}

/**
 * Accumulates one WriteRequest in a buffer sized for `capacity` samples of at most
 * `maxLabelBytes` label bytes each. `bytes()` is a view into the builder's own buffer, valid until
 * the next `reset()`; it allocates nothing per sample.
 */
export class WriteRequestBuilder {
  readonly capacity: number;
  samples = 0;
  /** Scrape index of the first and last sample in the request (for the senders' time window). */
  firstScrape = -1;
  lastScrape = -1;
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(capacity: number, maxLabelBytes: number) {
    this.capacity = capacity;
    this.buf = new Uint8Array(capacity * maxEntrySize(maxLabelBytes));
    this.view = new DataView(this.buf.buffer);
  }

  /** Appends one TimeSeries {labels, [Sample{value, timestampMs}]}; `timestampMs` ≥ 0. */
  add(labels: Uint8Array, value: number, timestampMs: number, scrape: number): void {
    const sampleSize = 1 + 8 + 1 + varintSize(timestampMs);
    const entrySize = labels.length + 1 + 1 + sampleSize;
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x0a; // WriteRequest.timeseries, LEN
    p = putVarint(buf, p, entrySize);
    buf.set(labels, p);
    p += labels.length;
    buf[p++] = 0x12; // TimeSeries.samples, LEN
    buf[p++] = sampleSize; // < 128, one byte
    buf[p++] = 0x09; // Sample.value, I64
    this.view.setFloat64(p, value, true);
    p += 8;
    buf[p++] = 0x10; // Sample.timestamp, VARINT
    this.pos = putVarint(buf, p, timestampMs);
    if (this.samples === 0) this.firstScrape = scrape;
    this.lastScrape = scrape;
    this.samples++;
  }

  full(): boolean {
    return this.samples >= this.capacity;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
    this.samples = 0;
    this.firstScrape = -1;
    this.lastScrape = -1;
  }
}
