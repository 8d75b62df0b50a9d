import { crc32 } from 'node:zlib';

import { putUvarint, unzigzag, zigzag } from '../../codec/index.ts';

/**
 * WAL and checkpoint records (layout in ../FORMAT.md, "WAL record"). A record is
 * `type u8 | length u32le | crc32 u32le | payload`; the CRC covers the type, the length and the
 * payload, so a torn or overwritten tail is detected on replay.
 */
export const RecordType = {
  Series: 1,
  Samples: 2,
  Tombstone: 3,
  Metadata: 4,
  Exemplars: 5,
  Histograms: 6,
  /** Checkpoints only: encoded head chunks of one series (see FORMAT.md). */
  Chunks: 7,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export const RECORD_HEADER = 9;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A growable byte buffer that records are encoded into. Reused; `reset` empties it. */
export class RecordWriter {
  buf = new Uint8Array(4096);
  pos = 0;
  private recStart = -1;

  reset(): void {
    this.pos = 0;
    this.recStart = -1;
  }

  /** Gives back a buffer that grew far beyond `keep` bytes (after a burst, e.g. many new series). */
  shrink(keep: number): void {
    if (this.buf.length > 4 * keep && this.pos === 0) this.buf = new Uint8Array(keep);
  }

  /** Bytes written so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  begin(type: RecordType): void {
    this.ensure(RECORD_HEADER);
    this.recStart = this.pos;
    this.buf[this.pos] = type;
    this.pos += RECORD_HEADER;
  }

  /** Closes the record opened by `begin`; a record with an empty payload is dropped. */
  end(): void {
    const start = this.recStart;
    const len = this.pos - start - RECORD_HEADER;
    if (len === 0) {
      this.pos = start;
    } else {
      writeU32(this.buf, start + 1, len);
      const crc = crc32(
        this.buf.subarray(start + RECORD_HEADER, this.pos),
        crc32(this.buf.subarray(start, start + 5)),
      );
      writeU32(this.buf, start + 5, crc);
    }
    this.recStart = -1;
  }

  /** Payload bytes of the open record. */
  recordLength(): number {
    return this.pos - this.recStart - RECORD_HEADER;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned varint of an integer in [0, 2^53). */
  uvarint(v: number): void {
    this.ensure(10);
    this.pos = putUvarint(this.buf, this.pos, v);
  }

  /** Zigzag varint of an integer in (-2^52, 2^52). */
  varint(v: number): void {
    this.uvarint(zigzag(v));
  }

  /** A float as its two bit halves, little-endian (lo first): exact bits, NaN payloads included. */
  bits(hi: number, lo: number): void {
    this.ensure(8);
    writeU32(this.buf, this.pos, lo);
    writeU32(this.buf, this.pos + 4, hi);
    this.pos += 8;
  }

  /** One Samples-record entry: uvarint ref, zigzag varint dt, value bits (hot path, fused). */
  sample(ref: number, dt: number, hi: number, lo: number): void {
    if (this.pos + 28 > this.buf.length) this.ensure(28);
    const b = this.buf;
    let p = this.pos;
    while (ref >= 0x80) {
      b[p++] = (ref & 0x7f) | 0x80;
      ref >>>= 7;
    }
    b[p++] = ref;
    let z = dt < 0 ? -2 * dt - 1 : 2 * dt;
    if (z < 0x80000000) {
      while (z >= 0x80) {
        b[p++] = (z & 0x7f) | 0x80;
        z >>>= 7;
      }
      b[p++] = z;
    } else {
      while (z >= 0x80) {
        b[p++] = (z % 128) | 0x80;
        z = Math.floor(z / 128);
      }
      b[p++] = z;
    }
    b[p] = lo & 0xff;
    b[p + 1] = (lo >>> 8) & 0xff;
    b[p + 2] = (lo >>> 16) & 0xff;
    b[p + 3] = lo >>> 24;
    b[p + 4] = hi & 0xff;
    b[p + 5] = (hi >>> 8) & 0xff;
    b[p + 6] = (hi >>> 16) & 0xff;
    b[p + 7] = hi >>> 24;
    this.pos = p + 8;
  }

  f64(v: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytesOf(src: Uint8Array, start: number, end: number): void {
    this.uvarint(end - start);
    this.ensure(end - start);
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  str(s: string): void {
    this.ensure(5 + s.length * 3);
    const at = this.pos;
    // Reserve a 1-byte length for short strings, else re-encode with the exact varint.
    const n = encoder.encodeInto(s, this.buf.subarray(at + 5)).written;
    this.uvarint(n);
    this.buf.copyWithin(this.pos, at + 5, at + 5 + n);
    this.pos += n;
  }
}

/** Reads the fields of one record payload. */
export class RecordReader {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  private view: DataView = new DataView(new ArrayBuffer(8));

  reset(buf: Uint8Array, start: number, end: number): void {
    if (buf !== this.buf) this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  u8(): number {
    return this.buf[this.pos++] as number;
  }

  uvarint(): number {
    const b = this.buf;
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = b[this.pos++] as number;
      if (x === undefined || this.pos > this.end) throw new Error('varint runs past the record');
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }

  varint(): number {
    return unzigzag(this.uvarint());
  }

  /** Reads 8 raw bytes: lo then hi, into `hi`/`lo`. */
  bits(): void {
    this.lo = this.view.getUint32(this.pos, true);
    this.hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
  }
  hi = 0;
  lo = 0;

  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.uvarint();
    if (this.pos + n > this.end) throw new Error('string runs past the record');
    const s = decoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

/**
 * Scans records in `buf` from `start`. Calls `fn(type, payloadStart, payloadEnd)` for each intact
 * record and returns the offset just past the last intact one; a torn or corrupt record stops the
 * scan (the caller decides whether that is a tail to cut or corruption to report).
 */
export function scanRecords(
  buf: Uint8Array,
  start: number,
  fn: (type: number, from: number, to: number) => void,
): number {
  let p = start;
  while (p + RECORD_HEADER <= buf.length) {
    const type = buf[p] as number;
    const len = readU32(buf, p + 1);
    if (type < RecordType.Series || type > RecordType.Chunks || len === 0) break;
    const end = p + RECORD_HEADER + len;
    if (end > buf.length) break;
    const crc = crc32(buf.subarray(p + RECORD_HEADER, end), crc32(buf.subarray(p, p + 5)));
    if (crc !== readU32(buf, p + 5)) break;
    fn(type, p + RECORD_HEADER, end);
    p = end;
  }
  return p;
}

export function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

export function readU32(b: Uint8Array, at: number): number {
  return (
    ((b[at] as number) |
      ((b[at + 1] as number) << 8) |
      ((b[at + 2] as number) << 16) |
      ((b[at + 3] as number) << 24)) >>>
    0
  );
}
