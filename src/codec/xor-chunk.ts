/**
 * Prometheus's XOR chunk (tsdb/chunkenc "XOR", encoding 1), bit for bit: what remote read's
 * STREAMED_XOR_CHUNKS responses and Prometheus's chunk files carry.
 *
 * ```
 * ┌──────────────────────┬──────────────────────────────────────────────────────────────┐
 * │ num samples: u16 BE  │ bit stream, most significant bit first, last byte zero-padded │
 * └──────────────────────┴──────────────────────────────────────────────────────────────┘
 * sample 0: t as signed varint (zig-zag) bytes, v as its 64 IEEE-754 bits
 * sample 1: Δt = t1 - t0 as unsigned varint bytes, then v as an XOR (below)
 * sample n: dod = Δt_n - Δt_(n-1):
 *   0                        '0'
 *   -8191 ≤ dod ≤ 8192       '10'   + 14 bits (two's complement)
 *   -65535 ≤ dod ≤ 65536     '110'  + 17 bits
 *   -524287 ≤ dod ≤ 524288   '1110' + 20 bits
 *   otherwise                '1111' + 64 bits
 *   then v as an XOR with the previous value, as in every XOR stream (xor-stream.ts)
 * ```
 * The varint bytes are written into the bit stream, not byte-aligned storage (the stream happens to
 * be aligned for samples 0 and 1). The odd ranges of the dod buckets are Prometheus's: a decoder
 * treats a bucket value above 2^(n-1) as negative, so +2^(n-1) fits and -2^(n-1) does not (the
 * stream coder's `dodBias` of 1).
 *
 * Values travel as two uint32 halves of their bits so NaN payloads (the stale marker
 * 0x7ff0000000000002) survive; `appendFloat` is the convenience path for ordinary numbers.
 */

import { BadDataError } from '../model/index.ts';
import { bitsToFloat, floatBits, XorStreamReader, XorStreamWriter } from './xor-stream.ts';
import { unzigzag } from './varint.ts';

/** Chunk encodings of remote read's `Chunk.type` (and Prometheus's chunkenc). */
export const ChunkEncoding = { None: 0, XOR: 1, Histogram: 2, FloatHistogram: 3 } as const;

/** Prometheus cuts head chunks at 120 samples; we cut ours there too. */
export const XOR_CHUNK_MAX_SAMPLES = 120;

/**
 * Builds one XOR chunk in a growable buffer it owns. `bytes()` is a view that is valid until the
 * next `reset()` or append. Appending allocates nothing except when the buffer grows (doubling).
 */
export class XorChunkEncoder {
  /** Bits and values; its buffer holds the whole chunk, the two header bytes included. */
  private readonly w = new XorStreamWriter(1);
  private n = 0;
  private t = 0;
  private tDelta = 0;
  private minT = 0;

  constructor() {
    this.w.reset(new Uint8Array(256), 0);
    this.w.bitPos = 16; // after the two header bytes
  }

  /** Starts a new, empty chunk. */
  reset(): this {
    const w = this.w;
    w.buf.fill(0, 0, (w.bitPos + 7) >>> 3);
    w.reset(w.buf, 0);
    w.bitPos = 16;
    this.n = 0;
    this.t = 0;
    this.tDelta = 0;
    this.minT = 0;
    return this;
  }

  get numSamples(): number {
    return this.n;
  }

  /** Timestamp of the first sample (ms); meaningless while empty. */
  get minTime(): number {
    return this.minT;
  }

  /** Timestamp of the last sample (ms); meaningless while empty. */
  get maxTime(): number {
    return this.t;
  }

  /** Bytes of the chunk so far, header included. */
  get byteLength(): number {
    return (this.w.bitPos + 7) >>> 3;
  }

  appendFloat(t: number, v: number): void {
    floatBits.of(v);
    this.append(t, floatBits.hi, floatBits.lo);
  }

  /**
   * Appends a sample whose value has the bit pattern `hi:lo`. `t` must be an integer (ms) greater
   * than the previous sample's, and the chunk must hold fewer than 65535 samples.
   */
  append(t: number, hi: number, lo: number): void {
    this.ensure(20);
    const w = this.w;
    if (this.n === 0) {
      this.varint(t < 0 ? -2 * t - 1 : 2 * t); // zig-zag
      w.bits(hi, 32);
      w.bits(lo, 32);
      this.minT = t;
    } else if (this.n === 1) {
      this.tDelta = t - this.t;
      this.varint(this.tDelta);
      w.writeValue(hi, lo);
    } else {
      const delta = t - this.t;
      w.writeDod(delta - this.tDelta);
      this.tDelta = delta;
      w.writeValue(hi, lo);
    }
    this.t = t;
    w.vhi = hi;
    w.vlo = lo;
    this.n++;
    w.buf[0] = this.n >>> 8;
    w.buf[1] = this.n & 0xff;
  }

  /** The chunk bytes: a view into the encoder's buffer, valid until the next reset or append. */
  bytes(): Uint8Array {
    return this.w.buf.subarray(0, this.byteLength);
  }

  /** Unsigned varint (up to 2^53), written into the bit stream byte by byte. */
  private varint(v: number): void {
    while (v >= 0x80) {
      this.w.bits((v % 128) | 0x80, 8);
      v = Math.floor(v / 128);
    }
    this.w.bits(v, 8);
  }

  /** Makes room for `bytes` more bytes; the new part of the buffer is zero. */
  private ensure(bytes: number): void {
    const w = this.w;
    const need = (w.bitPos >>> 3) + bytes + 1;
    if (need <= w.buf.length) return;
    let capacity = w.buf.length * 2;
    while (capacity < need) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(w.buf.subarray(0, (w.bitPos + 7) >>> 3));
    w.buf = bigger;
  }
}

/**
 * Reads an XOR chunk. A cursor like the storage iterators: `next()` returns false at the end and
 * leaves `t`, `vhi`/`vlo` (the value's bits) and `v` on the object. Throws BadDataError on a
 * truncated chunk. The bytes are borrowed, not copied; keep them unchanged while reading.
 */
export class XorChunkDecoder {
  t = 0;
  v = 0;
  vhi = 0;
  vlo = 0;
  private readonly r = new XorStreamReader(1);
  private bitLength = 0;
  private total = 0;
  private read = 0;
  private tDelta = 0;

  reset(chunk: Uint8Array): this {
    if (chunk.length < 2) throw new BadDataError(`XOR chunk of ${chunk.length} bytes has no header`);
    this.r.reset(chunk, 0, 0, 0);
    this.r.bitPos = 16;
    this.bitLength = chunk.length * 8;
    this.total = ((chunk[0] as number) << 8) | (chunk[1] as number);
    this.read = 0;
    this.tDelta = 0;
    return this;
  }

  /** Samples the header announces. */
  get numSamples(): number {
    return this.total;
  }

  /** True when positioned on the stale marker's exact bits. */
  get isStale(): boolean {
    return this.vhi === 0x7ff00000 && this.vlo === 0x00000002;
  }

  next(): boolean {
    if (this.read >= this.total) return false;
    const r = this.r;
    if (this.read === 0) {
      const z = this.varint();
      this.t = unzigzag(z);
      r.vhi = r.bits(32);
      r.vlo = r.bits(32);
    } else if (this.read === 1) {
      this.tDelta = this.varint();
      this.t += this.tDelta;
      r.readValue();
    } else {
      this.tDelta += r.readDod();
      this.t += this.tDelta;
      r.readValue();
    }
    // Bits past the end read as zeros: a sample that needed any makes the chunk truncated.
    if (r.bitPos > this.bitLength) {
      throw new BadDataError(`XOR chunk truncated after ${this.read} of ${this.total} samples`);
    }
    this.vhi = r.vhi;
    this.vlo = r.vlo;
    this.v = bitsToFloat(this.vhi, this.vlo);
    this.read++;
    return true;
  }

  private varint(): number {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = this.r.bits(8);
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new BadDataError('XOR chunk: varint longer than 10 bytes');
  }
}
