import {
  ChunkEncoding,
  ProtoWriter,
  XOR_CHUNK_MAX_SAMPLES,
  XorChunkEncoder,
  crc32c,
} from '../../codec/index.ts';
import { STALE_NAN_HI, STALE_NAN_LO, type FloatHistogram, type Labels } from '../../model/index.ts';

/** Content types of the two remote-read answers (exact strings; clients dispatch on them). */
export const SAMPLES_CONTENT_TYPE = 'application/x-protobuf';
export const STREAMED_CONTENT_TYPE = 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse';

/** Prometheus's default `--storage.remote.read-max-bytes-in-frame`. */
export const DEFAULT_MAX_BYTES_IN_FRAME = 1024 * 1024;

const STALE = new Uint8Array(8);
new DataView(STALE.buffer).setUint32(0, STALE_NAN_LO, true);
new DataView(STALE.buffer).setUint32(4, STALE_NAN_HI, true);

/**
 * Writes a SAMPLES `ReadResponse` (before snappy): one `QueryResult` per query, in query order,
 * each holding remote-write `TimeSeries`. Call in this order: beginResult, then per series
 * beginSeries, samples (time order), endSeries, then endResult; finish at the end. Reusable
 * through `reset()`. The whole message is built in memory (the format needs one snappy block).
 */
export class ReadResponseEncoder {
  private readonly w = new ProtoWriter();

  reset(): this {
    this.w.reset();
    return this;
  }

  /** Bytes written so far (to enforce response-size limits while building). */
  get length(): number {
    return this.w.length;
  }

  beginResult(): void {
    this.w.fork(1); // ReadResponse.results
  }

  endResult(): void {
    this.w.join();
  }

  beginSeries(labels: Labels): void {
    this.w.fork(1); // QueryResult.timeseries
    writeLabels(this.w, labels, 1);
  }

  endSeries(): void {
    this.w.join();
  }

  float(t: number, v: number): void {
    // message Sample { double value = 1; int64 timestamp = 2; }
    this.w.fork(2).double(1, v);
    if (t !== 0) this.w.varint(2, t);
    this.w.join();
  }

  /** A staleness marker, with its exact bit pattern 0x7ff0000000000002. */
  stale(t: number): void {
    this.w.fork(2).fixed64Bytes(1, STALE);
    if (t !== 0) this.w.varint(2, t);
    this.w.join();
  }

  /** A native histogram with float counts (remote-write `Histogram`, the *_float fields). */
  histogram(t: number, h: FloatHistogram): void {
    const w = this.w;
    w.fork(4); // TimeSeries.histograms
    w.double(2, h.count); // count_float
    w.double(3, h.sum);
    if (h.schema !== 0) w.sint(4, h.schema);
    w.double(5, h.zeroThreshold);
    w.double(7, h.zeroCount); // zero_count_float
    spans(w, 8, h.negativeSpans);
    w.packedDoubles(10, h.negativeBuckets); // negative_counts
    spans(w, 11, h.positiveSpans);
    w.packedDoubles(13, h.positiveBuckets); // positive_counts
    if (h.counterResetHint !== 0) w.varint(14, h.counterResetHint);
    if (t !== 0) w.varint(15, t);
    w.packedDoubles(16, h.customValues);
    w.join();
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}

function spans(w: ProtoWriter, field: number, list: FloatHistogram['positiveSpans']): void {
  // message BucketSpan { sint32 offset = 1; uint32 length = 2; }
  for (const s of list) {
    w.fork(field);
    if (s.offset !== 0) w.sint(1, s.offset);
    if (s.length !== 0) w.varint(2, s.length);
    w.join();
  }
}

function writeLabels(w: ProtoWriter, labels: Labels, field: number): void {
  // message Label { string name = 1; string value = 2; }
  const flat = labels.raw();
  for (let i = 0; i < flat.length; i += 2) {
    w.fork(field)
      .string(1, flat[i] as string)
      .string(2, flat[i + 1] as string)
      .join();
  }
}

/** Bytes of a chunk entry beyond its data: tags, lengths, two timestamps and the type. */
const CHUNK_OVERHEAD = 32;

/**
 * Turns one series' float samples into STREAMED_XOR_CHUNKS frames: XOR chunks of up to 120
 * samples, packed into `ChunkedReadResponse` frames of about `maxBytesInFrame` (a series spans
 * several frames when it is big; a frame never holds two series, as in Prometheus).
 *
 * Frame: uvarint(message length) · CRC-32C of the message (4 bytes, big-endian) · message.
 * `add` and `end` return a finished frame (a fresh array the caller owns) or null.
 */
export class ChunkedSeriesFramer {
  private readonly maxBytes: number;
  private readonly chunk = new XorChunkEncoder();
  private readonly w = new ProtoWriter();
  private labels: Labels | null = null;
  private queryIndex = 0;
  private chunksInFrame = 0;
  private frameBytes = 0;

  constructor(maxBytesInFrame = DEFAULT_MAX_BYTES_IN_FRAME) {
    this.maxBytes = maxBytesInFrame;
  }

  begin(queryIndex: number, labels: Labels): void {
    this.queryIndex = queryIndex;
    this.labels = labels;
    this.chunk.reset();
    this.startFrame();
  }

  /** Adds a sample with value bits hi:lo (time order, increasing). */
  add(t: number, hi: number, lo: number): Uint8Array | null {
    let frame: Uint8Array | null = null;
    if (this.chunk.numSamples >= XOR_CHUNK_MAX_SAMPLES) frame = this.cutChunk();
    this.chunk.append(t, hi, lo);
    return frame;
  }

  addFloat(t: number, v: number): Uint8Array | null {
    F64[0] = v;
    return this.add(t, U32[1] as number, U32[0] as number);
  }

  addStale(t: number): Uint8Array | null {
    return this.add(t, STALE_NAN_HI, STALE_NAN_LO);
  }

  /** Ends the series: the last frame, or null when the series had no samples at all. */
  end(): Uint8Array | null {
    if (this.chunk.numSamples > 0) this.writeChunk();
    const frame = this.chunksInFrame > 0 ? this.finishFrame() : null;
    this.labels = null;
    return frame;
  }

  /** Closes the current chunk; returns a frame if that filled one. */
  private cutChunk(): Uint8Array | null {
    this.writeChunk();
    this.chunk.reset();
    if (this.frameBytes < this.maxBytes) return null;
    const frame = this.finishFrame();
    this.startFrame();
    return frame;
  }

  private startFrame(): void {
    this.w.reset();
    this.w.fork(1); // ChunkedReadResponse.chunked_series
    if (this.labels !== null) writeLabels(this.w, this.labels, 1);
    this.chunksInFrame = 0;
    this.frameBytes = this.w.length;
  }

  private writeChunk(): void {
    // message Chunk { int64 min_time_ms = 1; int64 max_time_ms = 2; Encoding type = 3; bytes data = 4; }
    const c = this.chunk;
    const w = this.w.fork(2);
    if (c.minTime !== 0) w.varint(1, c.minTime);
    if (c.maxTime !== 0) w.varint(2, c.maxTime);
    w.varint(3, ChunkEncoding.XOR);
    w.bytes(4, c.bytes());
    w.join();
    this.chunksInFrame++;
    this.frameBytes += c.byteLength + CHUNK_OVERHEAD;
  }

  private finishFrame(): Uint8Array {
    this.w.join();
    if (this.queryIndex !== 0) this.w.varint(2, this.queryIndex);
    return frame(this.w.finish());
  }
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** Wraps a message in a remote-read frame: uvarint length, big-endian CRC-32C, the bytes. */
export function frame(message: Uint8Array): Uint8Array {
  let n = 1;
  while (message.length >= 2 ** (7 * n)) n++;
  const out = new Uint8Array(n + 4 + message.length);
  let v = message.length;
  for (let i = 0; i < n; i++) {
    out[i] = (v & 0x7f) | (i < n - 1 ? 0x80 : 0);
    v = Math.floor(v / 128);
  }
  new DataView(out.buffer).setUint32(n, crc32c(message), false);
  out.set(message, n + 4);
  return out;
}
