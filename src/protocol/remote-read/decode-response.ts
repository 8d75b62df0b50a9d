import { ProtoReader, WireType, crc32c, XorChunkDecoder } from '../../codec/index.ts';
import { BadDataError, isStaleBytes } from '../../model/index.ts';
import { labelPair } from '../remote-write/label-pair.ts';

/**
 * Readers for remote-read *responses*: what a client (or our tests) does with our answers. Not on
 * a hot path; they build plain objects. Values are kept with their stale flag, since a stale
 * marker's bits cannot travel as a JS number.
 */

export interface DecodedSample {
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
}

export interface DecodedSeries {
  readonly labels: Record<string, string>;
  readonly samples: DecodedSample[];
  /** Histogram samples: timestamp and the raw field numbers present (tests check shapes only). */
  readonly histograms: Array<{ t: number; count: number; sum: number }>;
}

/** Decodes a SAMPLES `ReadResponse` (after snappy) into one list of series per query. */
export function decodeReadResponse(bytes: Uint8Array): DecodedSeries[][] {
  const r = new ProtoReader().reset(bytes);
  const results: DecodedSeries[][] = [];
  while (r.next()) {
    if (r.field !== 1) {
      r.skip();
      continue;
    }
    const outer = r.enter();
    const series: DecodedSeries[] = [];
    while (r.next()) {
      if (r.field === 1) series.push(timeSeries(r));
      else r.skip();
    }
    r.exit(outer);
    results.push(series);
  }
  return results;
}

function timeSeries(r: ProtoReader): DecodedSeries {
  const outer = r.enter();
  const out: DecodedSeries = { labels: {}, samples: [], histograms: [] };
  while (r.next()) {
    if (r.field === 1) {
      const [n, v] = labelPair(r);
      out.labels[n] = v;
    } else if (r.field === 2) {
      out.samples.push(sample(r));
    } else if (r.field === 4) {
      out.histograms.push(histogram(r));
    } else r.skip();
  }
  r.exit(outer);
  return out;
}

function sample(r: ProtoReader): DecodedSample {
  const o = r.enter();
  let t = 0;
  let v = 0;
  let stale = false;
  while (r.next()) {
    if (r.field === 1) {
      stale = r.wireType === WireType.Fixed64 && isStaleBytes(r.buf, r.pos);
      v = r.double();
    } else if (r.field === 2) t = r.int64();
    else r.skip();
  }
  r.exit(o);
  return { t, v, stale };
}

function histogram(r: ProtoReader): { t: number; count: number; sum: number } {
  const o = r.enter();
  const h = { t: 0, count: 0, sum: 0 };
  while (r.next()) {
    if (r.field === 2) h.count = r.double();
    else if (r.field === 1) h.count = r.uint64();
    else if (r.field === 3) h.sum = r.double();
    else if (r.field === 15) h.t = r.int64();
    else r.skip();
  }
  r.exit(o);
  return h;
}

export interface DecodedChunk {
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly type: number;
  readonly data: Uint8Array;
}

export interface DecodedFrame {
  readonly queryIndex: number;
  readonly series: Array<{ labels: Record<string, string>; chunks: DecodedChunk[] }>;
}

/**
 * Splits a STREAMED_XOR_CHUNKS body into its `ChunkedReadResponse` frames, checking each frame's
 * CRC-32C. Throws BadDataError on a bad checksum or a truncated frame.
 */
export function decodeChunkedFrames(body: Uint8Array): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  let pos = 0;
  while (pos < body.length) {
    let length = 0;
    let scale = 1;
    for (;;) {
      const b = body[pos++];
      if (b === undefined) throw new BadDataError('remote read frame: truncated length');
      length += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) break;
    }
    if (pos + 4 + length > body.length) throw new BadDataError('remote read frame: truncated');
    const crc = new DataView(body.buffer, body.byteOffset + pos, 4).getUint32(0, false);
    const message = body.subarray(pos + 4, pos + 4 + length);
    if (crc32c(message) !== crc) throw new BadDataError('remote read frame: CRC-32C mismatch');
    frames.push(chunkedReadResponse(message));
    pos += 4 + length;
  }
  return frames;
}

function chunkedReadResponse(bytes: Uint8Array): DecodedFrame {
  const r = new ProtoReader().reset(bytes);
  let queryIndex = 0;
  const series: DecodedFrame['series'] = [];
  while (r.next()) {
    if (r.field === 2) queryIndex = r.int64();
    else if (r.field === 1) {
      const o = r.enter();
      const s: DecodedFrame['series'][number] = { labels: {}, chunks: [] };
      while (r.next()) {
        if (r.field === 1) {
          const [n, v] = labelPair(r);
          s.labels[n] = v;
        } else if (r.field === 2) {
          s.chunks.push(chunk(r));
        } else r.skip();
      }
      r.exit(o);
      series.push(s);
    } else r.skip();
  }
  return { queryIndex, series };
}

function chunk(r: ProtoReader): DecodedChunk {
  const c = r.enter();
  let minTimeMs = 0;
  let maxTimeMs = 0;
  let type = 0;
  let data = new Uint8Array(0);
  while (r.next()) {
    if (r.field === 1) minTimeMs = r.int64();
    else if (r.field === 2) maxTimeMs = r.int64();
    else if (r.field === 3) type = r.uint32();
    else if (r.field === 4) {
      r.bytes();
      data = r.buf.slice(r.start, r.end);
    } else r.skip();
  }
  r.exit(c);
  return { minTimeMs, maxTimeMs, type, data };
}

/** The samples of XOR chunks, in order. */
export function decodeXorChunks(chunks: readonly DecodedChunk[]): DecodedSample[] {
  const out: DecodedSample[] = [];
  const dec = new XorChunkDecoder();
  for (const c of chunks) {
    dec.reset(c.data);
    while (dec.next()) out.push({ t: dec.t, v: dec.v, stale: dec.isStale });
  }
  return out;
}
