import { STALE_NAN_HI, STALE_NAN_LO } from '../../model/index.ts';

/**
 * Bulk decoding of XOR chunks (format in ../FORMAT.md, "XOR chunk"; writer in xor.ts) for the
 * query path: a whole chunk in one call, straight into caller-owned typed arrays, with the state
 * (bit position, deltas, XOR window) in locals instead of object fields.
 *
 * Bits are read by peeking 32 bits at an arbitrary bit position (four or five byte loads), so
 * most fields cost one peek. Peeks may read up to 8 bytes past the chunk's last byte: a chunk that
 * ends less than PAD bytes before the end of its buffer is first copied into padded scratch (head
 * slab pages have PAD spare bytes, so open chunks read in place never are). Bits after the
 * `count`-th sample are never used (peeked bits past it are shifted out), so they may be anything:
 * an open chunk read in place may be appended to meanwhile.
 *
 * Values are written as their exact IEEE-754 bits through an Int32Array view of the caller's
 * Float64Array (little-endian: low word first), never through a JS number, so NaN payloads survive
 * and no conversion is paid.
 */

const PAD = 8;
let scratch = new Uint8Array(256);

/** The 32 bits at bit `pos` of `b` (`dv` views the same bytes), most significant first, as an int32. */
function peek(dv: DataView, b: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const s = pos & 7;
  // With s = 0 the fifth byte shifts out entirely (x >>> 8 = 0 for a byte): no branch needed.
  return (dv.getUint32(i) << s) | ((b[i + 4] as number) >>> (8 - s));
}

// A few cached views: a query reads a series' sealed chunks (often from two or three read buffers)
// and then its open chunk (in place, from one of hundreds of head slab pages), so the cache must
// hold all of them at once or it makes a DataView per chunk. Long-lived buffers (the head's slab
// pages) keep their view in `kept` instead (see keepView).
const VIEWS = 4;
const viewOf: Array<Uint8Array | null> = new Array<Uint8Array | null>(VIEWS).fill(null);
const views: DataView[] = new Array<DataView>(VIEWS).fill(new DataView(new ArrayBuffer(8)));
let nextView = 0;
const kept = new WeakMap<Uint8Array, DataView>();

/**
 * Gives `b` (a buffer that chunks will be decoded from for a long time, like a head slab page) a
 * DataView of its own, so decoding from it never allocates one. Held weakly: it goes with `b`.
 */
export function keepView(b: Uint8Array): void {
  kept.set(b, new DataView(b.buffer, b.byteOffset, b.byteLength));
}

/** A DataView of `b`'s bytes, from a small cache (chunks of one query share few buffers). */
function dataView(b: Uint8Array): DataView {
  for (let i = 0; i < VIEWS; i++) if (viewOf[i] === b) return views[i] as DataView;
  const k = kept.get(b);
  if (k !== undefined) return k;
  const i = nextView;
  nextView = (i + 1) % VIEWS;
  viewOf[i] = b;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  views[i] = v;
  return v;
}

/** Stale markers seen by the last decodeXor call. */
export let decodedStale = 0;
/**
 * Where the last decodeXor call (of at least one sample) ended, for a writer that resumes the
 * stream (Head.loadOpenChunk): bits read, the last timestamp delta, and the last XOR window
 * (`endWindowed` is 0 while none was read).
 */
export let endBits = 0;
export let endTDelta = 0;
export let endLead = 0;
export let endTrail = 0;
export let endWindowed = 0;

/**
 * Decodes all `count` samples of the chunk at `buf[off, off + len)` whose first timestamp is
 * `mint`: timestamps to `outT[at, at + count)`, value bits to `outV32[2 * at, 2 * (at + count))`.
 * The caller sizes the arrays. Sets `decodedStale` to the number of stale markers among them.
 */
export function decodeXor(
  buf: Uint8Array,
  off: number,
  len: number,
  mint: number,
  count: number,
  outT: Float64Array,
  outV32: Int32Array,
  at: number,
): void {
  let b = buf;
  let pos = off * 8;
  if (off + len + PAD > buf.length) {
    if (scratch.length < len + PAD) scratch = new Uint8Array(Math.max(len + PAD, scratch.length * 2));
    scratch.set(buf.subarray(off, off + len));
    scratch.fill(0, len, len + PAD);
    b = scratch;
    pos = 0;
  }
  decodedStale = 0;
  if (count <= 0) return;
  const startPos = pos;
  const dv = dataView(b);
  // Time as an offset from `mint`: a loop variable that starts as the (tagged) parameter itself
  // would be kept boxed by V8, one heap number per sample.
  let t = 0;
  let tDelta = 0;
  let vhi = peek(dv, b, pos);
  let vlo = peek(dv, b, pos + 32);
  pos += 64;
  // 1 while the current value is a stale marker (repeats of it are counted too).
  let sv = vhi === STALE_NAN_HI && vlo === STALE_NAN_LO ? 1 : 0;
  let stale = sv;
  let lead = 0;
  let trail = 0;
  let windowed = 0;
  outT[at] = mint;
  outV32[2 * at] = vlo;
  outV32[2 * at + 1] = vhi;
  const end = at + count;
  for (let i = at + 1; i < end; i++) {
    // Timestamp: delta of delta with a 1/2/3/4-bit prefix ('0', '10', '110', '1110', '1111').
    let w = peek(dv, b, pos);
    // Bits of `w` taken by the value's control bits and header (`pos` is not yet past them).
    let used: number;
    if (w >= 0) {
      // dod = 0 (regular scrapes): the value's control bits and header are in the same peek.
      t += tDelta;
      outT[i] = mint + t;
      if ((w & 0x40000000) === 0) {
        // Same value.
        pos += 2;
        stale += sv;
        outV32[2 * i] = vlo;
        outV32[2 * i + 1] = vhi;
        continue;
      }
      if ((w & 0x20000000) !== 0) {
        windowed = 1;
        lead = (w >>> 24) & 31;
        let sig = (w >>> 18) & 63;
        if (sig === 0) sig = 64;
        trail = 64 - lead - sig;
        used = 14;
      } else {
        used = 3;
      }
    } else {
      if ((w & 0x40000000) === 0) {
        tDelta += (w << 2) >> 18;
        pos += 16;
      } else if ((w & 0x20000000) === 0) {
        tDelta += (w << 3) >> 15;
        pos += 20;
      } else if ((w & 0x10000000) === 0) {
        tDelta += (w << 4) >> 12;
        pos += 24;
      } else {
        const hi = peek(dv, b, pos + 4);
        const lo = peek(dv, b, pos + 36) >>> 0;
        tDelta += hi * 4294967296 + lo;
        pos += 68;
      }
      t += tDelta;
      outT[i] = mint + t;
      // Value: '0' same, '10' XOR in the previous window, '11' + 5-bit lead + 6-bit length + XOR.
      w = peek(dv, b, pos);
      if (w >= 0) {
        pos += 1;
        stale += sv;
        outV32[2 * i] = vlo;
        outV32[2 * i + 1] = vhi;
        continue;
      }
      if ((w & 0x40000000) !== 0) {
        windowed = 1;
        lead = (w >>> 25) & 31;
        let sig = (w >>> 19) & 63;
        if (sig === 0) sig = 64;
        trail = 64 - lead - sig;
        used = 13;
      } else {
        used = 2;
      }
    }
    const n = 64 - lead - trail;
    let xhi: number;
    let xlo: number;
    if (n <= 32) {
      // The XOR's bits often follow the control bits inside the word already peeked (`used` of its
      // bits read): no second peek then.
      const x = (used + n <= 32 ? (w << used) >>> (32 - n) : peek(dv, b, pos + used) >>> (32 - n)) | 0;
      pos += used + n;
      if (trail >= 32) {
        xhi = x << (trail - 32);
        xlo = 0;
      } else if (trail === 0) {
        xhi = 0;
        xlo = x;
      } else {
        xhi = (x >>> (32 - trail)) | 0;
        xlo = x << trail;
      }
    } else {
      pos += used;
      const h = (peek(dv, b, pos) >>> (64 - n)) | 0;
      pos += n - 32;
      const l = peek(dv, b, pos);
      pos += 32;
      if (trail === 0) {
        xhi = h;
        xlo = l;
      } else {
        xhi = (h << trail) | (l >>> (32 - trail));
        xlo = l << trail;
      }
    }
    vhi ^= xhi;
    vlo ^= xlo;
    sv = vhi === STALE_NAN_HI && vlo === STALE_NAN_LO ? 1 : 0;
    stale += sv;
    outV32[2 * i] = vlo;
    outV32[2 * i + 1] = vhi;
  }
  decodedStale = stale;
  endBits = pos - startPos;
  endTDelta = tDelta;
  endLead = lead;
  endTrail = trail;
  endWindowed = windowed;
}

/** True when the value bits at index i of a Float64Array's Int32Array view are a stale marker. */
export function isStaleAt(v32: Int32Array, i: number): boolean {
  return v32[2 * i + 1] === STALE_NAN_HI && v32[2 * i] === STALE_NAN_LO;
}
