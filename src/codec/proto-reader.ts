import { BadDataError } from '../model/index.ts';
import { unzigzag } from './varint.ts';

/** Protobuf wire types. A plain object rather than an enum, so the types can be stripped. */
export const WireType = { Varint: 0, Fixed64: 1, Len: 2, StartGroup: 3, EndGroup: 4, Fixed32: 5 } as const;

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const TWO_32 = 4294967296;

/**
 * A cursor over protobuf bytes that allocates nothing per field.
 *
 * Values that would need a tuple come back through fields instead: `next()` leaves `field` and
 * `wireType` on the reader, and `bytes()` leaves `start` and `end`, offsets into `buf`, so strings
 * are only decoded when a caller really needs them. One reader is reused for many messages.
 * Every read checks bounds and throws BadDataError on malformed input, never anything else.
 */
export class ProtoReader {
  buf: Uint8Array = EMPTY;
  pos = 0;
  /** One past the last byte of the message being read; `enter` narrows it. */
  limit = 0;
  field = 0;
  wireType = 0;
  start = 0;
  end = 0;
  private view: DataView = new DataView(EMPTY.buffer);

  reset(buf: Uint8Array): this {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
    this.limit = buf.length;
    return this;
  }

  /** Reads the next tag. Returns false at the end of the current message. */
  next(): boolean {
    if (this.pos >= this.limit) return false;
    const tag = this.varint32();
    this.field = tag >>> 3;
    this.wireType = tag & 7;
    if (this.field === 0) throw new BadDataError('protobuf: field number 0');
    return true;
  }

  /** Steps into an embedded message. Hand the result back to `exit`. */
  enter(): number {
    this.bytes();
    const outer = this.limit;
    this.pos = this.start;
    this.limit = this.end;
    return outer;
  }

  exit(outer: number): void {
    this.pos = this.limit;
    this.limit = outer;
  }

  /** Reads a length-delimited field, leaving its bounds in `start` and `end`. */
  bytes(): void {
    this.expect(WireType.Len);
    const length = this.varint32();
    const end = this.pos + length;
    if (end > this.limit) this.truncated();
    this.start = this.pos;
    this.end = end;
    this.pos = end;
  }

  /** Reads a string field. Allocates; throws BadDataError on invalid UTF-8. */
  string(): string {
    this.bytes();
    return decodeUtf8(this.buf, this.start, this.end);
  }

  double(): number {
    this.expect(WireType.Fixed64);
    return this.rawDouble();
  }

  float(): number {
    this.expect(WireType.Fixed32);
    return this.view.getFloat32(this.take(4), true);
  }

  fixed32(): number {
    this.expect(WireType.Fixed32);
    return this.view.getUint32(this.take(4), true);
  }

  /** fixed64 as a JS number; exact up to 2^53, rounded above (counts, nanosecond timestamps). */
  fixed64(): number {
    this.expect(WireType.Fixed64);
    return this.rawFixed64();
  }

  /** sfixed64 as a JS number; exact within ±2^53. */
  sfixed64(): number {
    this.expect(WireType.Fixed64);
    const at = this.take(8);
    return this.view.getInt32(at + 4, true) * TWO_32 + this.view.getUint32(at, true);
  }

  /** fixed64 as a BigInt, for when every bit matters. Allocates. */
  fixed64Big(): bigint {
    this.expect(WireType.Fixed64);
    return this.view.getBigUint64(this.take(8), true);
  }

  /**
   * Reads an int64 varint as a JS number. Seven bytes carry 49 bits, enough for any millisecond
   * timestamp before the year 19,800, so only negative or huge values take the BigInt path.
   * Values outside ±2^53 throw: no timestamp or count of ours is that large.
   */
  int64(): number {
    this.expect(WireType.Varint);
    return this.rawInt64();
  }

  /** uint64 varint as a JS number (exact up to 2^53, else BadDataError). */
  uint64(): number {
    this.expect(WireType.Varint);
    return this.rawUint64();
  }

  /** uint32 / int32 / enum / bool varints. int32 negatives are sign-extended 10-byte varints. */
  uint32(): number {
    this.expect(WireType.Varint);
    return this.rawVarint32();
  }

  int32(): number {
    return this.uint32() | 0;
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  /** ZigZag-encoded sint32. */
  sint32(): number {
    const u = this.uint32();
    return (u >>> 1) ^ -(u & 1);
  }

  /** ZigZag-encoded sint64 as a JS number (exact within ±2^53). */
  sint64(): number {
    this.expect(WireType.Varint);
    return this.rawSint64();
  }

  /**
   * Calls `fn` for each element of a repeated scalar field, packed (one LEN field) or not (this one
   * field). `read` is one of the `raw*` readers, e.g. `r.packed(() => out.push(r.rawSint64()))`.
   */
  packed(each: () => void, elementWireType: number): void {
    if (this.wireType === WireType.Len) {
      const outer = this.enter();
      while (this.pos < this.limit) each();
      this.exit(outer);
    } else {
      this.expect(elementWireType);
      each();
    }
  }

  /**
   * The little-endian double at byte `at` of `buf`, for decoders that checked the field's shape and
   * bounds themselves. Reads through the same view as `double()`, so NaN payloads come out alike.
   */
  doubleAt(at: number): number {
    return this.view.getFloat64(at, true);
  }

  /** Element readers for `packed`: no wire-type check. */
  rawDouble(): number {
    return this.view.getFloat64(this.take(8), true);
  }

  rawFixed64(): number {
    const at = this.take(8);
    return this.view.getUint32(at + 4, true) * TWO_32 + this.view.getUint32(at, true);
  }

  rawVarint32(): number {
    const b = this.byte();
    if (b < 0x80) return b;
    let value = b & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      const c = this.byte();
      value |= (c & 0x7f) << shift;
      if (c < 0x80) return value >>> 0;
    }
    // Fifth byte holds bits 28..31; bytes six to ten (sign extension of int32) are skipped.
    const c = this.byte();
    value = (value | ((c & 0x0f) << 28)) >>> 0;
    if (c < 0x80) return value;
    for (let i = 0; i < 5; i++) if (this.byte() < 0x80) return value;
    throw new BadDataError('protobuf: varint longer than 10 bytes');
  }

  rawUint64(): number {
    const small = this.varint49();
    if (small >= 0) return small;
    const big = this.varintBig();
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadDataError('protobuf: uint64 beyond 2^53');
    return Number(big);
  }

  rawInt64(): number {
    const small = this.varint49();
    if (small >= 0) return small;
    const n = Number(BigInt.asIntN(64, this.varintBig()));
    if (!Number.isSafeInteger(n)) throw new BadDataError('protobuf: int64 outside the safe integer range');
    return n;
  }

  rawSint64(): number {
    const small = this.varint49();
    if (small >= 0) return unzigzag(small);
    const u = this.varintBig();
    const n = Number((u >> 1n) ^ -(u & 1n));
    if (!Number.isSafeInteger(n)) throw new BadDataError('protobuf: sint64 outside the safe integer range');
    return n;
  }

  skip(): void {
    switch (this.wireType) {
      case WireType.Varint:
        for (let i = 0; i < 10; i++) if (this.byte() < 0x80) return;
        throw new BadDataError('protobuf: varint longer than 10 bytes');
      case WireType.Fixed64:
        this.take(8);
        return;
      case WireType.Len:
        return this.bytes();
      case WireType.Fixed32:
        this.take(4);
        return;
      default:
        throw new BadDataError(`protobuf: unsupported wire type ${this.wireType}`);
    }
  }

  /** Tags and lengths. Never more than five bytes. */
  private varint32(): number {
    const b = this.byte();
    if (b < 0x80) return b; // by far the most common case
    let value = b & 0x7f;
    for (let shift = 7; shift < 35; shift += 7) {
      const c = this.byte();
      value |= (c & 0x7f) << shift;
      if (c < 0x80) return value >>> 0;
    }
    throw new BadDataError('protobuf: varint32 longer than 5 bytes');
  }

  /**
   * A varint of at most seven bytes (49 bits, so exact as a number), or -1 with `pos` unchanged
   * when it is longer: the caller then reads it again through `varintBig`.
   */
  private varint49(): number {
    const from = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    this.pos = from;
    return -1;
  }

  private varintBig(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, value);
    }
    throw new BadDataError('protobuf: varint longer than 10 bytes');
  }

  private byte(): number {
    if (this.pos >= this.limit) this.truncated();
    // `limit` never exceeds `buf.length`; the `??` is only for the type checker.
    return this.buf[this.pos++] ?? this.truncated();
  }

  /** Moves past `n` bytes, returning where they start. */
  private take(n: number): number {
    const at = this.pos;
    if (at + n > this.limit) this.truncated();
    this.pos = at + n;
    return at;
  }

  /** Throws BadDataError unless the current field has the given wire type. */
  expect(wireType: number): void {
    if (this.wireType !== wireType) {
      throw new BadDataError(
        `protobuf: field ${this.field} has wire type ${this.wireType}, want ${wireType}`,
      );
    }
  }

  private truncated(): never {
    throw new BadDataError('protobuf: message is truncated');
  }
}

/** Decodes UTF-8 bytes, throwing BadDataError (not TypeError) on invalid input. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  // Short ASCII strings (most label names and values) decode faster without TextDecoder.
  if (end - start <= 32) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i] as number;
      if (c >= 0x80) return decodeSlow(buf, start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decodeSlow(buf, start, end);
}

function decodeSlow(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new BadDataError('protobuf: string is not valid UTF-8');
  }
}
