/**
 * The decimal chunk (format in ../FORMAT.md, "Decimal chunk"): block chunks whose values are all
 * exactly `m / 10^e` for one exponent `e` and integers `m` (counters, gauges, 2-decimal values),
 * stored as byte columns (timestamps, then values) of zigzag varint deltas of deltas. XOR spends
 * ~50 bits per change on a short decimal (its binary mantissa is full length); here a steady
 * counter costs one or two bytes per sample before deflate, and the long runs of small or zero
 * deltas of deltas are what deflate squeezes best.
 *
 * Only exact values are stored this way: the encoder checks that every `m / 10^e` gives back the
 * very same double, and refuses NaN (stale markers and every other payload), ±Infinity and -0, which
 * stay in XOR chunks. Decoding divides by the same power of ten, so the round trip is bit-exact.
 */

import { putUvarint, unzigzag, zigzag } from '../../codec/index.ts';

/** 10^e for e in [0, 22]: every one is exact in a double, so m / 10^e is correctly rounded. */
const POW10 = new Float64Array(23);
for (let e = 0, p = 1; e < POW10.length; e++, p *= 10) POW10[e] = p;
export const MAX_DECIMAL_EXPONENT = POW10.length - 1;
/** |m| bound: keeps deltas of deltas (and their zigzag form) below 2^53, exact in a double. */
const MAX_MANTISSA = 2 ** 50;
/** |dod| bound of timestamps, for the same reason. */
const MAX_TIME_DOD = 2 ** 51;

export const TimeMode = { Regular: 0, Dod: 1 } as const;
export const ValueMode = { Dod: 0, Constant: 1 } as const;

/** Bytes a chunk of `count` samples can take at most: header, step or dods, m0 and dods. */
export function maxDecimalBytes(count: number): number {
  return 1 + 8 + 8 * count + 8 * count;
}

let mant = new Float64Array(128);

/**
 * The smallest exponent from `e` up with `x` exactly m / 10^exponent (|m| <= 2^50); -1 when there is
 * none (NaN, ±Infinity, -0, too many digits, too large).
 */
function exponentFrom(x: number, e: number): number {
  if (!Number.isFinite(x) || (x === 0 && 1 / x < 0)) return -1;
  for (;;) {
    const p = POW10[e] as number;
    const r = Math.round(x * p);
    if (Math.abs(r) <= MAX_MANTISSA && r / p === x) return e;
    if (++e > MAX_DECIMAL_EXPONENT || Math.abs(x * p) > MAX_MANTISSA) return -1;
  }
}

/** Whether a decimal chunk can hold `x` at all (a chunk holding it may still need XOR). */
export function isDecimal(x: number): boolean {
  return exponentFrom(x, 0) >= 0;
}

/**
 * The exponent of the smallest e with every value exactly m / 10^e (|m| <= 2^50), mantissas in
 * `m[0, count)`; -1 when there is none (NaN, ±Infinity, -0, too many digits, too large).
 */
function decimalExponent(v: Float64Array, count: number, m: Float64Array): number {
  let e = 0;
  for (let i = 0; i < count && e >= 0; i++) e = exponentFrom(v[i] as number, e);
  if (e < 0) return -1;
  // An exponent found for a later value is larger than the one an earlier value needed: check
  // every value again at the final one (x * 10^e rounds to the scaled mantissa unless near 2^50).
  const p = POW10[e] as number;
  for (let i = 0; i < count; i++) {
    const x = v[i] as number;
    const r = Math.round(x * p);
    if (Math.abs(r) > MAX_MANTISSA || r / p !== x) return -1;
    m[i] = r;
  }
  return e;
}

function putVarint(out: Uint8Array, at: number, v: number): number {
  return putUvarint(out, at, zigzag(v));
}

/** Where the last `readUvarint` stopped: a module variable, so reading allocates nothing. */
let after = 0;

/**
 * Reads the unsigned varint at `b[p]`; the position after it goes to `after`. Reading past the end
 * of `b` (undefined) ends the varint, and the caller's final length check catches it.
 */
function readUvarint(b: Uint8Array, p: number): number {
  let x = b[p++] as number;
  let u = x & 0x7f;
  let mul = 128;
  while (x >= 0x80) {
    x = b[p++] as number;
    u += (x & 0x7f) * mul;
    mul *= 128;
  }
  after = p;
  return u;
}

/**
 * Reads the zigzag varint deltas of deltas that follow a first value `base` and fills
 * `out[from + 1, stop)` with `(base + offset) / div` (timestamps: base mint, div 1; values: base
 * m0, div 10^e; both exact). Returns the position after the last varint. The one place deltas of
 * deltas are read.
 */
function readDods(
  b: Uint8Array,
  p: number,
  base: number,
  div: number,
  out: Float64Array,
  from: number,
  stop: number,
): number {
  // Offsets from base in a local (see decodeXor: a loop variable started from a parameter is boxed).
  let acc = 0;
  let d = 0;
  for (let i = from + 1; i < stop; i++) {
    // Inline rather than readUvarint: this loop is the decoder's hot path.
    let y = b[p++] as number;
    if (y < 0x80)
      d += (y >>> 1) ^ -(y & 1); // one-byte zigzag: most deltas of deltas
    else {
      let u = y & 0x7f;
      let mul = 128;
      do {
        y = b[p++] as number;
        u += (y & 0x7f) * mul;
        mul *= 128;
      } while (y >= 0x80);
      d += unzigzag(u);
    }
    acc += d;
    out[i] = (base + acc) / div;
  }
  return p;
}

/**
 * Encodes `count` (>= 1) samples, times `t` (integer ms, ascending) and values `v`, as a decimal
 * chunk at `out[at, ...)`; `out` must have maxDecimalBytes(count) bytes free there. Returns the
 * chunk's length, or -1 (nothing usable written) when a value is not an exact decimal or a time
 * step is out of range: such chunks stay XOR.
 */
export function encodeDecimal(
  t: Float64Array,
  v: Float64Array,
  count: number,
  out: Uint8Array,
  at: number,
): number {
  if (count < 1) return -1;
  if (mant.length < count) mant = new Float64Array(Math.max(count, mant.length * 2));
  const m = mant;
  const e = decimalExponent(v, count, m);
  if (e < 0) return -1;
  let regular = true;
  const step = count > 1 ? (t[1] as number) - (t[0] as number) : 0;
  for (let i = 2; i < count && regular; i++) regular = (t[i] as number) - (t[i - 1] as number) === step;
  let constant = true;
  for (let i = 1; i < count && constant; i++) constant = m[i] === m[0];
  const start = at;
  out[at++] =
    e |
    ((regular ? TimeMode.Regular : TimeMode.Dod) << 5) |
    ((constant ? ValueMode.Constant : ValueMode.Dod) << 6);
  if (regular) {
    if (count > 1) {
      if (step < 0 || step > MAX_TIME_DOD) return -1;
      at = putUvarint(out, at, step);
    }
  } else {
    let d = 0;
    for (let i = 1; i < count; i++) {
      const di = (t[i] as number) - (t[i - 1] as number);
      const dod = di - d;
      if (dod > MAX_TIME_DOD || dod < -MAX_TIME_DOD) return -1;
      at = putVarint(out, at, dod);
      d = di;
    }
  }
  at = putVarint(out, at, m[0] as number);
  if (!constant) {
    let d = 0;
    for (let i = 1; i < count; i++) {
      const di = (m[i] as number) - (m[i - 1] as number);
      at = putVarint(out, at, di - d);
      d = di;
    }
  }
  return at - start;
}

/**
 * Decodes all `count` samples of the decimal chunk at `buf[off, off + len)` whose first timestamp is
 * `mint`: timestamps to `outT[at, at + count)`, values to `outV[at, at + count)` (never NaN, so
 * writing them as numbers keeps their bits). The caller sizes the arrays. Decimal chunks hold no
 * stale markers. Throws on a header this version does not know.
 */
export function decodeDecimal(
  buf: Uint8Array,
  off: number,
  len: number,
  mint: number,
  count: number,
  outT: Float64Array,
  outV: Float64Array,
  at: number,
): void {
  if (count <= 0) return;
  const b = buf;
  let p = off;
  const end = off + len;
  const head = b[p++] as number;
  const e = head & 31;
  const tmode = (head >>> 5) & 1;
  const vmode = head >>> 6;
  if (e > MAX_DECIMAL_EXPONENT || vmode > ValueMode.Constant)
    throw new Error(`decimal chunk: unknown header ${head} (written by a newer version?)`);
  const stop = at + count;
  outT[at] = mint;
  if (tmode === TimeMode.Regular) {
    if (count > 1) {
      const step = readUvarint(b, p);
      p = after;
      // Offsets from mint in a local (see decodeXor: a loop variable started from a parameter is boxed).
      let t = 0;
      for (let i = at + 1; i < stop; i++) {
        t += step;
        outT[i] = mint + t;
      }
    }
  } else {
    p = readDods(b, p, mint, 1, outT, at, stop);
  }
  const pw = POW10[e] as number;
  // m0, then (unless constant) the deltas of deltas.
  const m = unzigzag(readUvarint(b, p));
  p = after;
  const v = m / pw;
  outV[at] = v;
  if (vmode === ValueMode.Constant) {
    for (let i = at + 1; i < stop; i++) outV[i] = v;
  } else {
    p = readDods(b, p, m, pw, outV, at, stop);
  }
  if (p > end) throw new Error(`decimal chunk: ${p - off} bytes read, the chunk has ${len}`);
}

/**
 * Sample-at-a-time reading of a decimal chunk, with XorReader's shape (`reset`, `next`, `t`,
 * `vhi`/`vlo` as uint32): the chunk is decoded whole on reset into arrays owned by the reader.
 */
export class DecimalReader {
  t = 0;
  vhi = 0;
  vlo = 0;
  private ts = new Float64Array(128);
  private vs = new Float64Array(128);
  private v32 = new Uint32Array(this.vs.buffer);
  private i = 0;
  private n = 0;

  reset(buf: Uint8Array, off: number, len: number, mint: number, count: number): void {
    if (this.ts.length < count) {
      this.ts = new Float64Array(count);
      this.vs = new Float64Array(count);
      this.v32 = new Uint32Array(this.vs.buffer);
    }
    decodeDecimal(buf, off, len, mint, count, this.ts, this.vs, 0);
    this.i = 0;
    this.n = count;
  }

  next(): boolean {
    const i = this.i;
    if (i >= this.n) return false;
    this.t = this.ts[i] as number;
    this.vlo = this.v32[2 * i] as number;
    this.vhi = this.v32[2 * i + 1] as number;
    this.i = i + 1;
    return true;
  }
}
