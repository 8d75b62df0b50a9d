import type { Labels } from '../../model/index.ts';

/**
 * xxHash64 (seed 0) without BigInt: a 64-bit value is kept as two unsigned 32-bit halves and
 * multiplied in 16-bit limbs, so every intermediate stays an exact double. Used for Prometheus's
 * label-set hash (`limit_ratio` picks series by hash / 2^64), so results must match bit for bit.
 */

/** A mutable unsigned 64-bit integer. */
class U64 {
  hi: number;
  lo: number;

  constructor(hi: number, lo: number) {
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
  }

  set(o: U64): this {
    this.hi = o.hi;
    this.lo = o.lo;
    return this;
  }

  add(o: U64): this {
    const lo = this.lo + o.lo;
    this.lo = lo >>> 0;
    this.hi = (this.hi + o.hi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    return this;
  }

  sub(o: U64): this {
    const lo = this.lo - o.lo;
    this.lo = lo >>> 0;
    this.hi = (this.hi - o.hi - (lo < 0 ? 1 : 0)) >>> 0;
    return this;
  }

  mul(o: U64): this {
    const a0 = this.lo & 0xffff;
    const a1 = this.lo >>> 16;
    const a2 = this.hi & 0xffff;
    const a3 = this.hi >>> 16;
    const b0 = o.lo & 0xffff;
    const b1 = o.lo >>> 16;
    const b2 = o.hi & 0xffff;
    const b3 = o.hi >>> 16;
    let c = a0 * b0;
    const c0 = c % 0x10000;
    c = Math.floor(c / 0x10000) + a1 * b0 + a0 * b1;
    const c1 = c % 0x10000;
    c = Math.floor(c / 0x10000) + a2 * b0 + a1 * b1 + a0 * b2;
    const c2 = c % 0x10000;
    c = Math.floor(c / 0x10000) + a3 * b0 + a2 * b1 + a1 * b2 + a0 * b3;
    const c3 = c % 0x10000;
    this.lo = (c1 * 0x10000 + c0) >>> 0;
    this.hi = (c3 * 0x10000 + c2) >>> 0;
    return this;
  }

  xor(o: U64): this {
    this.hi = (this.hi ^ o.hi) >>> 0;
    this.lo = (this.lo ^ o.lo) >>> 0;
    return this;
  }

  rotl(r: number): this {
    const { hi, lo } = this;
    if (r === 32) {
      this.hi = lo;
      this.lo = hi;
    } else if (r < 32) {
      this.hi = ((hi << r) | (lo >>> (32 - r))) >>> 0;
      this.lo = ((lo << r) | (hi >>> (32 - r))) >>> 0;
    } else {
      const s = r - 32;
      this.hi = ((lo << s) | (hi >>> (32 - s))) >>> 0;
      this.lo = ((hi << s) | (lo >>> (32 - s))) >>> 0;
    }
    return this;
  }

  /** this ^= this >>> r, for 0 < r < 64. */
  xorShiftRight(r: number): this {
    let shi: number;
    let slo: number;
    if (r >= 32) {
      shi = 0;
      slo = this.hi >>> (r - 32);
    } else {
      shi = this.hi >>> r;
      slo = ((this.lo >>> r) | (this.hi << (32 - r))) >>> 0;
    }
    this.hi = (this.hi ^ shi) >>> 0;
    this.lo = (this.lo ^ slo) >>> 0;
    return this;
  }
}

const P1 = new U64(0x9e3779b1, 0x85ebca87);
const P2 = new U64(0xc2b2ae3d, 0x27d4eb4f);
const P3 = new U64(0x165667b1, 0x9e3779f9);
const P4 = new U64(0x85ebca77, 0xc2b2ae63);
const P5 = new U64(0x27d4eb2f, 0x165667c5);

function readU64(b: Uint8Array, i: number, out: U64): U64 {
  out.lo = (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
  out.hi = (b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24)) >>> 0;
  return out;
}

/** acc = rotl(acc + lane * P2, 31) * P1 */
function round(acc: U64, lane: U64): U64 {
  const t = new U64(lane.hi, lane.lo).mul(P2);
  return acc.add(t).rotl(31).mul(P1);
}

function mergeRound(acc: U64, val: U64): U64 {
  const r = round(new U64(0, 0), val);
  return acc.xor(r).mul(P1).add(P4);
}

/** xxHash64 with seed 0; returns the hash as [hi, lo] unsigned 32-bit halves. */
export function xxhash64(b: Uint8Array): [number, number] {
  const len = b.length;
  let i = 0;
  const h = new U64(0, 0);
  const lane = new U64(0, 0);
  if (len >= 32) {
    const v1 = new U64(0, 0).add(P1).add(P2);
    const v2 = new U64(0, 0).add(P2);
    const v3 = new U64(0, 0);
    const v4 = new U64(0, 0).sub(P1);
    for (; i + 32 <= len; i += 32) {
      round(v1, readU64(b, i, lane));
      round(v2, readU64(b, i + 8, lane));
      round(v3, readU64(b, i + 16, lane));
      round(v4, readU64(b, i + 24, lane));
    }
    h.set(new U64(v1.hi, v1.lo).rotl(1))
      .add(new U64(v2.hi, v2.lo).rotl(7))
      .add(new U64(v3.hi, v3.lo).rotl(12))
      .add(new U64(v4.hi, v4.lo).rotl(18));
    mergeRound(h, v1);
    mergeRound(h, v2);
    mergeRound(h, v3);
    mergeRound(h, v4);
  } else {
    h.set(P5);
  }
  h.add(new U64(Math.floor(len / 0x100000000), len >>> 0));
  for (; i + 8 <= len; i += 8) {
    const k = round(new U64(0, 0), readU64(b, i, lane));
    h.xor(k).rotl(27).mul(P1).add(P4);
  }
  if (i + 4 <= len) {
    const w = (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
    h.xor(new U64(0, w).mul(P1)).rotl(23).mul(P2).add(P3);
    i += 4;
  }
  for (; i < len; i++) {
    h.xor(new U64(0, b[i]!).mul(P5)).rotl(11).mul(P1);
  }
  h.xorShiftRight(33).mul(P2).xorShiftRight(29).mul(P3).xorShiftRight(32);
  return [h.hi, h.lo];
}

const encoder = new TextEncoder();

/** Prometheus's `labels.Hash()`: xxHash64 over `name 0xff value 0xff …` in label order. */
export function labelsHash(labels: Labels): [number, number] {
  const raw = labels.raw();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < raw.length; i++) {
    const p = encoder.encode(raw[i] as string);
    parts.push(p);
    total += p.length + 1;
  }
  const buf = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
    buf[o++] = 0xff;
  }
  return xxhash64(buf);
}

/** hash / 2^64 as Go computes `float64(hash) / float64(math.MaxUint64)` (one rounding to float64). */
export function labelsHashRatio(labels: Labels): number {
  const [hi, lo] = labelsHash(labels);
  return (hi * 0x100000000 + lo) / 18446744073709551616;
}
