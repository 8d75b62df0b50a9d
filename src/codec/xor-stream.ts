/**
 * Gorilla-style XOR bit streams (Pelkonen et al., "Gorilla", VLDB 2015): delta-of-delta timestamps
 * and XOR-compressed values, most significant bit first, in a byte range `[base, ...)` of a bigger
 * buffer. The classes here read and write the headerless stream of the tsdb's float chunks (its
 * first timestamp and sample count live in the chunk's meta; byte layout in src/tsdb/FORMAT.md,
 * "XOR chunk"), and lend their bit and value coding to Prometheus's chunk format (xor-chunk.ts),
 * which writes values the same way:
 *
 * ```
 * x = bits(v) ^ bits(prev)
 *   x = 0                    '0'
 *   fits the previous window '10' + the window's bits of x
 *   else                     '11' + leading zeros (5 bits, at most 31) + significant bit count
 *                             (6 bits, 64 written as 0) + the significant bits
 * ```
 *
 * Values travel as two uint32 halves (hi, lo) of their IEEE-754 bits, never as JS numbers, so the
 * stale marker 0x7ff0000000000002 (and any NaN payload) survives bit for bit.
 *
 * Timestamps are written as delta-of-deltas in buckets of 14, 17 and 20 bits (else 64). The two
 * formats differ only in where a bucket's range sits: ours holds [-2^(n-1), 2^(n-1) - 1] (plain
 * two's complement), Prometheus's [-2^(n-1) + 1, 2^(n-1)] (its decoder treats a bucket value above
 * 2^(n-1) as negative). `dodBias` (0 or 1, fixed per instance) is that shift.
 *
 * The writer ORs bits in, so its range must be zeroed before the first sample. One class of each
 * serves both formats so that the hot code stays monomorphic.
 */

/** The most bytes one sample can take: 4 + 64 timestamp bits, 2 + 5 + 6 + 64 value bits. */
export const MAX_SAMPLE_BYTES = 19;

const TWO32 = 4294967296;

/** Shared scratch for converting a float to its bit halves without allocating. */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Splits a float into its bit halves: the result is in `floatBits.hi` / `floatBits.lo`. */
export const floatBits = {
  hi: 0,
  lo: 0,
  of(v: number): void {
    f64[0] = v;
    this.lo = u32[0] as number;
    this.hi = u32[1] as number;
  },
};

/** The float with the given bit halves (NaN payloads may not survive; use the halves for that). */
export function bitsToFloat(hi: number, lo: number): number {
  u32[0] = lo;
  u32[1] = hi;
  return f64[0] as number;
}

/**
 * Appends samples to one chunk. State lives in plain fields so the head can park it in typed-array
 * columns between appends (`XorWriter` is one reusable object, loaded per series).
 */
export class XorStreamWriter {
  /** 0 for the tsdb's dod buckets, 1 for Prometheus's (see the file comment). */
  readonly dodBias: number;
  buf: Uint8Array = new Uint8Array(0);
  base = 0;
  /** Bits written so far, counted from `base`. */
  bitPos = 0;
  count = 0;
  t = 0;
  tDelta = 0;
  vhi = 0;
  vlo = 0;
  /** Leading/trailing zero counts of the last XOR window; 255 = none yet. */
  lead = 255;
  trail = 0;

  constructor(dodBias: 0 | 1 = 0) {
    this.dodBias = dodBias;
  }

  /** Starts an empty chunk in `[base, ...)` of `buf` (the range must be zeroed). */
  reset(buf: Uint8Array, base: number): void {
    this.buf = buf;
    this.base = base;
    this.bitPos = 0;
    this.count = 0;
    this.t = 0;
    this.tDelta = 0;
    this.vhi = 0;
    this.vlo = 0;
    this.lead = 255;
    this.trail = 0;
  }

  /** Bytes used so far (the last byte may be partial). */
  get byteLength(): number {
    return (this.bitPos + 7) >>> 3;
  }

  /** Appends a sample; `t` must be greater than the previous one. The caller checks capacity. */
  append(t: number, vhi: number, vlo: number): void {
    if (this.count === 0) {
      this.bits(vhi, 32);
      this.bits(vlo, 32);
    } else {
      const delta = t - this.t;
      const dod = delta - this.tDelta;
      this.writeDod(dod);
      this.tDelta = delta;
      this.writeValue(vhi, vlo);
    }
    this.t = t;
    this.vhi = vhi;
    this.vlo = vlo;
    this.count++;
  }

  /** Writes a timestamp delta-of-delta in the smallest bucket that holds it. */
  writeDod(dod: number): void {
    const d = dod - this.dodBias; // a bucket holds [-2^(n-1), 2^(n-1) - 1] + bias
    if (dod === 0) {
      this.bits(0, 1);
    } else if (d >= -8192 && d < 8192) {
      this.bits(0b10, 2);
      this.bits(dod & 0x3fff, 14);
    } else if (d >= -65536 && d < 65536) {
      this.bits(0b110, 3);
      this.bits(dod & 0x1ffff, 17);
    } else if (d >= -524288 && d < 524288) {
      this.bits(0b1110, 4);
      this.bits(dod & 0xfffff, 20);
    } else {
      this.bits(0b1111, 4);
      const hi = Math.floor(dod / TWO32);
      this.bits(hi >>> 0, 32);
      this.bits((dod - hi * TWO32) >>> 0, 32);
    }
  }

  /** Writes the value `vhi:vlo` as an XOR with `this.vhi:this.vlo` (which the caller then updates). */
  writeValue(vhi: number, vlo: number): void {
    const xhi = (vhi ^ this.vhi) >>> 0;
    const xlo = (vlo ^ this.vlo) >>> 0;
    if (xhi === 0 && xlo === 0) {
      this.bits(0, 1);
      return;
    }
    let lead = xhi !== 0 ? Math.clz32(xhi) : 32 + Math.clz32(xlo);
    const trail = xlo !== 0 ? ctz32(xlo) : 32 + ctz32(xhi);
    if (lead > 31) lead = 31;
    if (this.lead !== 255 && lead >= this.lead && trail >= this.trail) {
      this.bits(0b10, 2);
      this.sig(xhi, xlo, this.trail, 64 - this.lead - this.trail);
      return;
    }
    const sig = 64 - lead - trail;
    this.bits(0b11, 2);
    this.bits(lead, 5);
    this.bits(sig & 63, 6); // 64 significant bits are written as 0
    this.sig(xhi, xlo, trail, sig);
    this.lead = lead;
    this.trail = trail;
  }

  /** Writes the `n` bits of (hi:lo) >> shift. */
  private sig(hi: number, lo: number, shift: number, n: number): void {
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

  /** Writes the low `n` (1..32) bits of `value`, most significant first. */
  bits(value: number, n: number): void {
    const buf = this.buf;
    let pos = this.bitPos;
    while (n > 0) {
      const at = this.base + (pos >>> 3);
      const free = 8 - (pos & 7);
      const take = n < free ? n : free;
      const chunk = (value >>> (n - take)) & ((1 << take) - 1);
      buf[at] = (buf[at] as number) | (chunk << (free - take));
      pos += take;
      n -= take;
    }
    this.bitPos = pos;
  }
}

/**
 * Reads a stream written by XorStreamWriter. `reset` gives it the bytes, the first timestamp and the
 * sample count (from the chunk's meta); each `next()` moves to the following sample and leaves it in
 * `t`, `vhi`, `vlo`. No allocation per sample.
 */
export class XorStreamReader {
  /** 0 for the tsdb's dod buckets, 1 for Prometheus's (see the file comment). */
  readonly dodBias: number;
  t = 0;
  vhi = 0;
  vlo = 0;
  /** Samples read so far. */
  read = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private base = 0;
  /** Bits read so far, counted from `base`. */
  bitPos = 0;
  private count = 0;
  private tDelta = 0;
  private lead = 0;
  private trail = 0;

  constructor(dodBias: 0 | 1 = 0) {
    this.dodBias = dodBias;
  }

  reset(buf: Uint8Array, base: number, mint: number, count: number): void {
    this.buf = buf;
    this.base = base;
    this.bitPos = 0;
    this.count = count;
    this.read = 0;
    this.t = mint;
    this.tDelta = 0;
    this.lead = 0;
    this.trail = 0;
  }

  /** Moves to the next sample; false at the end of the chunk. */
  next(): boolean {
    if (this.read >= this.count) return false;
    if (this.read === 0) {
      this.vhi = this.bits(32);
      this.vlo = this.bits(32);
    } else {
      this.tDelta += this.readDod();
      this.t += this.tDelta;
      this.readValue();
    }
    this.read++;
    return true;
  }

  /** Value of the current sample as a float. */
  value(): number {
    return bitsToFloat(this.vhi, this.vlo);
  }

  /** Reads a delta-of-delta written by `writeDod` (with the same bias). */
  readDod(): number {
    if (this.bits(1) === 0) return 0;
    if (this.bits(1) === 0) return this.signed(this.bits(14), 14);
    if (this.bits(1) === 0) return this.signed(this.bits(17), 17);
    if (this.bits(1) === 0) return this.signed(this.bits(20), 20);
    const hi = this.bits(32) | 0;
    const lo = this.bits(32);
    return hi * TWO32 + lo;
  }

  /** Reads a value written by `writeValue`, XORing it into `vhi:vlo`. */
  readValue(): void {
    if (this.bits(1) === 0) return;
    if (this.bits(1) === 1) {
      this.lead = this.bits(5);
      let sig = this.bits(6);
      if (sig === 0) sig = 64;
      this.trail = 64 - this.lead - sig;
    }
    const n = 64 - this.lead - this.trail;
    let hi = 0;
    let lo: number;
    if (n > 32) {
      hi = this.bits(n - 32);
      lo = this.bits(32);
    } else {
      lo = this.bits(n);
    }
    // Shift (hi:lo) left by `trail` back into place.
    const s = this.trail;
    if (s >= 32) {
      hi = s === 64 ? 0 : (lo << (s - 32)) >>> 0;
      lo = 0;
    } else if (s > 0) {
      hi = ((hi << s) | (lo >>> (32 - s))) >>> 0;
      lo = (lo << s) >>> 0;
    }
    this.vhi = (this.vhi ^ hi) >>> 0;
    this.vlo = (this.vlo ^ lo) >>> 0;
  }

  /** The `n`-bit bucket value `v` as a signed number: values from 2^(n-1) + bias up are negative. */
  private signed(v: number, n: number): number {
    return v >= (1 << (n - 1)) + this.dodBias ? v - (1 << n) : v;
  }

  /**
   * Reads `n` (1..32) bits as an unsigned number. Bits past the end of `buf` read as zeros; a
   * reader of untrusted bytes compares `bitPos` with their length.
   */
  bits(n: number): number {
    const buf = this.buf;
    let pos = this.bitPos;
    let v = 0;
    while (n > 0) {
      const avail = 8 - (pos & 7);
      const take = n < avail ? n : avail;
      const byte = buf[this.base + (pos >>> 3)] as number;
      v = ((v << take) | ((byte >>> (avail - take)) & ((1 << take) - 1))) >>> 0;
      pos += take;
      n -= take;
    }
    this.bitPos = pos;
    return v;
  }
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}
