const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Interned label strings of the head. Each distinct name or value is stored once, as a JS string
 * (for results) and as UTF-8 bytes in one arena (so ingest can compare request bytes against known
 * series without decoding them). Lookups hash the bytes into an open-addressing table of ids, so
 * there is no Map entry per symbol and replay can intern straight from WAL bytes. Ids are dense,
 * start at 0 and never change; symbols are never removed while the head lives (a restart rebuilds
 * the table from live series only).
 */
export class Symbols {
  readonly strings: string[] = [];
  /** Byte range of symbol `id` in `bytes`: [off[id], off[id] + len[id]). */
  off = new Uint32Array(64);
  len = new Uint32Array(64);
  private hashes = new Uint32Array(64);
  bytes = new Uint8Array(4096);
  /** A view of `bytes` (replaced when `bytes` grows). */
  view: DataView = new DataView(this.bytes.buffer);
  private used = 0;
  private table = new Int32Array(128).fill(-1);

  get size(): number {
    return this.strings.length;
  }

  /** The id of `s`, adding it when new. */
  intern(s: string): number {
    this.ensureBytes(s.length * 3);
    const written = encoder.encodeInto(s, this.bytes.subarray(this.used)).written;
    const id = this.find(this.view, this.bytes, this.used, this.used + written);
    return id >= 0 ? id : this.add(s, written);
  }

  /** The id of the UTF-8 text in buf[start, end), adding it when new (decoding only then). */
  internBytes(dv: DataView, buf: Uint8Array, start: number, end: number): number {
    const id = this.find(dv, buf, start, end);
    if (id >= 0) return id;
    this.ensureBytes(end - start);
    this.bytes.set(buf.subarray(start, end), this.used);
    return this.add(decoder.decode(buf.subarray(start, end)), end - start);
  }

  /** The id of `s`, or -1. */
  lookup(s: string): number {
    this.ensureBytes(s.length * 3);
    const written = encoder.encodeInto(s, this.bytes.subarray(this.used)).written;
    return this.find(this.view, this.bytes, this.used, this.used + written);
  }

  /** Bytes held, for memory statistics. */
  byteSize(): number {
    return this.used + this.table.byteLength + this.off.byteLength * 3;
  }

  private find(dv: DataView, buf: Uint8Array, start: number, end: number): number {
    const h = hashRange(dv, buf, 0x811c9dc5 ^ (end - start), start, end) >>> 0;
    this.lastHash = h;
    const mask = this.table.length - 1;
    const len = end - start;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = this.table[i] as number;
      if (id < 0) return -1;
      if (
        this.hashes[id] === h &&
        this.len[id] === len &&
        sameRange(dv, buf, start, this.view, this.bytes, this.off[id] as number, len)
      )
        return id;
    }
  }
  private lastHash = 0;

  /** Adds the symbol whose bytes were just placed at `used` (find() computed its hash). */
  private add(s: string, byteLen: number): number {
    const id = this.strings.length;
    if (id === this.off.length) {
      this.off = growU32(this.off, id + 1);
      this.len = growU32(this.len, id + 1);
      this.hashes = growU32(this.hashes, id + 1);
    }
    this.off[id] = this.used;
    this.len[id] = byteLen;
    this.hashes[id] = this.lastHash;
    this.used += byteLen;
    this.strings.push(s);
    if ((id + 1) * 2 > this.table.length) {
      this.table = new Int32Array(this.table.length * 2).fill(-1);
      for (let k = 0; k < id; k++) this.place(k);
    }
    this.place(id);
    return id;
  }

  private place(id: number): void {
    const mask = this.table.length - 1;
    let i = (this.hashes[id] as number) & mask;
    while ((this.table[i] as number) >= 0) i = (i + 1) & mask;
    this.table[i] = id;
  }

  private ensureBytes(n: number): void {
    const need = this.used + n;
    if (need <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(need, this.bytes.length * 2));
    bigger.set(this.bytes.subarray(0, this.used));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }
}

export function growU32(a: Uint32Array<ArrayBufferLike>, need: number): Uint32Array<ArrayBuffer> {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

export function growI32(a: Int32Array<ArrayBufferLike>, need: number, fill = 0): Int32Array<ArrayBuffer> {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Int32Array(n);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

export function growI8(a: Int8Array<ArrayBufferLike>, need: number, fill = 0): Int8Array<ArrayBuffer> {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Int8Array(n);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

export function growF64(a: Float64Array<ArrayBufferLike>, need: number, fill = 0): Float64Array<ArrayBuffer> {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Float64Array(n);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

export function growU8(a: Uint8Array<ArrayBufferLike>, need: number): Uint8Array<ArrayBuffer> {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

export function growU16(a: Uint16Array<ArrayBufferLike>, need: number): Uint16Array<ArrayBuffer> {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Uint16Array(n);
  b.set(a);
  return b;
}

/**
 * Hashes bytes [start, end) of `buf` (viewed by `dv`), continuing from `h`: four bytes per step,
 * then the tail byte by byte. Not cryptographic; collisions are resolved by comparing bytes.
 */
export function hashRange(dv: DataView, buf: Uint8Array, h: number, start: number, end: number): number {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    h = Math.imul(h ^ dv.getUint32(i, true), 0x9e3779b1);
    h = (h << 13) | (h >>> 19);
  }
  for (; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h;
}

/**
 * Hash of one label from its UTF-8 name and value bytes. A series hash is the sum of its label
 * hashes, so it does not depend on the order a client sent the labels in.
 */
export function labelHash(
  dv: DataView,
  buf: Uint8Array,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
): number {
  // Names are few and repeat in every series: hash only their length and first and last bytes
  // (label sets differing in names alone are told apart by the byte comparison that follows any
  // hash hit). Values are hashed in full.
  const nl = nameEnd - nameStart;
  let h = 0x811c9dc5 ^ nl;
  if (nl > 0)
    h = Math.imul(h ^ (((buf[nameStart] as number) << 8) | (buf[nameEnd - 1] as number)), 0x01000193);
  h = hashRange(dv, buf, h ^ 0x5bd1e995, valueStart, valueEnd);
  // murmur3 finalizer, so that sums of hashes spread well
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A DataView over exactly the bytes of `buf`. */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Word-wise equality of a[as, as+len) and b[bs, bs+len). */
export function sameRange(
  da: DataView,
  a: Uint8Array,
  as: number,
  db: DataView,
  b: Uint8Array,
  bs: number,
  len: number,
): boolean {
  let i = 0;
  for (; i + 4 <= len; i += 4) if (da.getUint32(as + i, true) !== db.getUint32(bs + i, true)) return false;
  for (; i < len; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}
