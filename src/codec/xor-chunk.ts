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
 *   then v as an XOR with the previous value x = bits(v) ^ bits(prev):
 *   x = 0                    '0'
 *   fits the previous window '10' + the window's bits of x
 *   else                     '11' + leading zeros (5 bits, at most 31) + significant bit count
 *                             (6 bits, 64 written as 0) + the significant bits
 * ```
 * The varint bytes are written into the bit stream, not byte-aligned storage (the stream happens to
 * be aligned for samples 0 and 1). The odd ranges of the dod buckets are Prometheus's: a decoder
 * treats a bucket value above 2^(n-1) as negative, so +2^(n-1) fits and -2^(n-1) does not.
 *
 * Values travel as two uint32 halves of their bits so NaN payloads (the stale marker
 * 0x7ff0000000000002) survive; `appendFloat` is the convenience path for ordinary numbers.
 */

import { BadDataError } from '../model/index.ts';

/** Chunk encodings of remote read's `Chunk.type` (and Prometheus's chunkenc). */
export const ChunkEncoding = { None: 0, XOR: 1, Histogram: 2, FloatHistogram: 3 } as const;

/** Prometheus cuts head chunks at 120 samples; we cut ours there too. */
export const XOR_CHUNK_MAX_SAMPLES = 120;

const TWO32 = 4294967296;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Builds one XOR chunk in a growable buffer it owns. `bytes()` is a view that is valid until the
 * next `reset()` or append. Appending allocates nothing except when the buffer grows (doubling).
 */
export class XorChunkEncoder {
  private buf = new Uint8Array(256);
  private bitPos = 16; // after the two header bytes
  private n = 0;
  private t = 0;
  private tDelta = 0;
  private vhi = 0;
  private vlo = 0;
  private leading = 0xff;
  private trailing = 0;
  private minT = 0;

  /** Starts a new, empty chunk. */
  reset(): this {
    this.buf.fill(0, 0, (this.bitPos + 7) >>> 3);
    this.bitPos = 16;
    this.n = 0;
    this.t = 0;
    this.tDelta = 0;
    this.vhi = 0;
    this.vlo = 0;
    this.leading = 0xff;
    this.trailing = 0;
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
    return (this.bitPos + 7) >>> 3;
  }

  appendFloat(t: number, v: number): void {
    f64[0] = v;
    this.append(t, u32[1] as number, u32[0] as number);
  }

  /**
   * Appends a sample whose value has the bit pattern `hi:lo`. `t` must be an integer (ms) greater
   * than the previous sample's, and the chunk must hold fewer than 65535 samples.
   */
  append(t: number, hi: number, lo: number): void {
    this.ensure(20);
    if (this.n === 0) {
      this.varint(t < 0 ? -2 * t - 1 : 2 * t); // zig-zag
      this.bits(hi, 32);
      this.bits(lo, 32);
      this.minT = t;
    } else if (this.n === 1) {
      this.tDelta = t - this.t;
      this.varint(this.tDelta);
      this.value(hi, lo);
    } else {
      const delta = t - this.t;
      const dod = delta - this.tDelta;
      if (dod === 0) {
        this.bits(0, 1);
      } else if (dod >= -8191 && dod <= 8192) {
        this.bits(0b10, 2);
        this.bits(dod & 0x3fff, 14);
      } else if (dod >= -65535 && dod <= 65536) {
        this.bits(0b110, 3);
        this.bits(dod & 0x1ffff, 17);
      } else if (dod >= -524287 && dod <= 524288) {
        this.bits(0b1110, 4);
        this.bits(dod & 0xfffff, 20);
      } else {
        this.bits(0b1111, 4);
        const dhi = Math.floor(dod / TWO32);
        this.bits(dhi >>> 0, 32);
        this.bits((dod - dhi * TWO32) >>> 0, 32);
      }
      this.tDelta = delta;
      this.value(hi, lo);
    }
    this.t = t;
    this.vhi = hi;
    this.vlo = lo;
    this.n++;
    this.buf[0] = this.n >>> 8;
    this.buf[1] = this.n & 0xff;
  }

  /** The chunk bytes: a view into the encoder's buffer, valid until the next reset or append. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.byteLength);
  }

  private value(hi: number, lo: number): void {
    const xhi = (hi ^ this.vhi) >>> 0;
    const xlo = (lo ^ this.vlo) >>> 0;
    if (xhi === 0 && xlo === 0) {
      this.bits(0, 1);
      return;
    }
    let leading = xhi !== 0 ? Math.clz32(xhi) : 32 + Math.clz32(xlo);
    const trailing = xlo !== 0 ? ctz32(xlo) : 32 + ctz32(xhi);
    if (leading >= 32) leading = 31;
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      this.bits(0b10, 2);
      this.shifted(xhi, xlo, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sig = 64 - leading - trailing;
    this.bits(0b11, 2);
    this.bits(leading, 5);
    this.bits(sig & 63, 6);
    this.shifted(xhi, xlo, trailing, sig);
  }

  /** Writes the low `n` bits of (hi:lo) >>> shift, n in 1..64. */
  private shifted(hi: number, lo: number, shift: number, n: number): void {
    if (shift >= 32) {
      lo = hi >>> (shift - 32);
      hi = 0;
    } else if (shift > 0) {
      lo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
      hi = hi >>> shift;
    }
    if (n > 32) {
      this.bits(hi, n - 32);
      this.bits(lo, 32);
    } else {
      this.bits(lo, n);
    }
  }

  /** Unsigned varint (up to 2^53), written into the bit stream byte by byte. */
  private varint(v: number): void {
    while (v >= 0x80) {
      this.bits((v % 128) | 0x80, 8);
      v = Math.floor(v / 128);
    }
    this.bits(v, 8);
  }

  /** Writes the low `n` bits of `v` (n in 1..32), most significant first. */
  private bits(v: number, n: number): void {
    const buf = this.buf;
    while (n > 0) {
      const free = 8 - (this.bitPos & 7);
      const take = free < n ? free : n;
      const part = (v >>> (n - take)) & ((1 << take) - 1);
      buf[this.bitPos >>> 3] = (buf[this.bitPos >>> 3] as number) | (part << (free - take));
      this.bitPos += take;
      n -= take;
    }
  }

  /** Makes room for `bytes` more bytes; the new part of the buffer is zero. */
  private ensure(bytes: number): void {
    const need = (this.bitPos >>> 3) + bytes + 1;
    if (need <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < need) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.buf.subarray(0, (this.bitPos + 7) >>> 3));
    this.buf = bigger;
  }
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
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
  private buf: Uint8Array = new Uint8Array(0);
  private bitPos = 0;
  private total = 0;
  private read = 0;
  private tDelta = 0;
  private leading = 0;
  private trailing = 0;

  reset(chunk: Uint8Array): this {
    if (chunk.length < 2) throw new BadDataError(`XOR chunk of ${chunk.length} bytes has no header`);
    this.buf = chunk;
    this.total = ((chunk[0] as number) << 8) | (chunk[1] as number);
    this.bitPos = 16;
    this.read = 0;
    this.tDelta = 0;
    this.leading = 0;
    this.trailing = 0;
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
    if (this.read === 0) {
      const z = this.varint();
      this.t = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      this.vhi = this.bits(32);
      this.vlo = this.bits(32);
    } else if (this.read === 1) {
      this.tDelta = this.varint();
      this.t += this.tDelta;
      this.value();
    } else {
      let width = 0;
      if (this.bits(1) === 1) {
        if (this.bits(1) === 0) width = 14;
        else if (this.bits(1) === 0) width = 17;
        else if (this.bits(1) === 0) width = 20;
        else width = 64;
      }
      let dod = 0;
      if (width === 64) {
        const hi = this.bits(32) | 0; // signed
        dod = hi * TWO32 + this.bits(32);
      } else if (width > 0) {
        dod = this.bits(width);
        if (dod > 2 ** (width - 1)) dod -= 2 ** width;
      }
      this.tDelta += dod;
      this.t += this.tDelta;
      this.value();
    }
    u32[1] = this.vhi;
    u32[0] = this.vlo;
    this.v = f64[0] as number;
    this.read++;
    return true;
  }

  private value(): void {
    if (this.bits(1) === 0) return;
    if (this.bits(1) === 1) {
      this.leading = this.bits(5);
      let sig = this.bits(6);
      if (sig === 0) sig = 64;
      this.trailing = 64 - this.leading - sig;
    }
    const sig = 64 - this.leading - this.trailing;
    let hi = 0;
    let lo = 0;
    if (sig > 32) {
      hi = this.bits(sig - 32);
      lo = this.bits(32);
    } else {
      lo = this.bits(sig);
    }
    // Shift (hi:lo) left by `trailing`.
    const s = this.trailing;
    if (s >= 32) {
      hi = (lo << (s - 32)) >>> 0;
      lo = 0;
    } else if (s > 0) {
      hi = ((hi << s) | (lo >>> (32 - s))) >>> 0;
      lo = (lo << s) >>> 0;
    }
    this.vhi = (this.vhi ^ hi) >>> 0;
    this.vlo = (this.vlo ^ lo) >>> 0;
  }

  private varint(): number {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = this.bits(8);
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new BadDataError('XOR chunk: varint longer than 10 bytes');
  }

  /** Reads `n` bits (1..32) as an unsigned number. */
  private bits(n: number): number {
    if (this.bitPos + n > this.buf.length * 8) {
      throw new BadDataError(`XOR chunk truncated after ${this.read} of ${this.total} samples`);
    }
    let out = 0;
    while (n > 0) {
      const avail = 8 - (this.bitPos & 7);
      const take = avail < n ? avail : n;
      const byte = this.buf[this.bitPos >>> 3] as number;
      const part = (byte >>> (avail - take)) & ((1 << take) - 1);
      out = out * (1 << take) + part;
      this.bitPos += take;
      n -= take;
    }
    return out;
  }
}
