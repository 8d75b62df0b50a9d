import { WireType } from './proto-reader.ts';
import { putUvarint } from './varint.ts';

const encoder = new TextEncoder();

/**
 * A protobuf writer over a growable byte buffer. Nested messages are written with `fork()`/`join()`:
 * the length prefix is reserved as five bytes and shrunk on `join`, so nothing is built twice.
 * Not for the ingest hot path (we decode there); used for responses, tests and benchmarks.
 */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;
  private readonly stack: number[] = [];

  varint(field: number, value: number | bigint): this {
    this.tag(field, WireType.Varint);
    if (typeof value === 'number' && value >= 0 && value <= 0xffffffff) {
      this.uint32(value);
    } else if (typeof value === 'number' && value > 0 && Number.isSafeInteger(value)) {
      this.rawVarint(value); // ms timestamps: no BigInt per sample
    } else {
      let v = BigInt.asUintN(64, BigInt(value));
      this.ensure(10);
      while (v >= 0x80n) {
        this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      this.buf[this.len++] = Number(v);
    }
    return this;
  }

  sint(field: number, value: number): this {
    const v = BigInt(value);
    return this.varint(field, (v << 1n) ^ (v >> 63n));
  }

  bool(field: number, value: boolean): this {
    return this.varint(field, value ? 1 : 0);
  }

  double(field: number, value: number): this {
    this.tag(field, WireType.Fixed64);
    return this.rawDouble(value);
  }

  /** Writes eight raw bytes as a fixed64 field (for bit-exact NaN payloads such as stale markers). */
  fixed64Bytes(field: number, bytes: Uint8Array): this {
    this.tag(field, WireType.Fixed64);
    this.ensure(8);
    this.buf.set(bytes.subarray(0, 8), this.len);
    this.len += 8;
    return this;
  }

  fixed64(field: number, value: number | bigint): this {
    this.tag(field, WireType.Fixed64);
    this.ensure(8);
    this.view.setBigUint64(this.len, BigInt.asUintN(64, BigInt(value)), true);
    this.len += 8;
    return this;
  }

  fixed32(field: number, value: number): this {
    this.tag(field, WireType.Fixed32);
    this.ensure(4);
    this.view.setUint32(this.len, value >>> 0, true);
    this.len += 4;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, encoder.encode(value));
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WireType.Len);
    this.uint32(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** Writes a nested message built by `build`. */
  message(field: number, build: (w: this) => void): this {
    this.fork(field);
    build(this);
    return this.join();
  }

  /** Starts a nested message; end it with `join()`. */
  fork(field: number): this {
    this.tag(field, WireType.Len);
    this.ensure(5);
    this.stack.push(this.len);
    this.len += 5;
    return this;
  }

  join(): this {
    const at = this.stack.pop();
    if (at === undefined) throw new Error('ProtoWriter.join without fork');
    const length = this.len - at - 5;
    let n = 1;
    while (length >= 2 ** (7 * n)) n++;
    // Move the body left over the unused part of the reserved five bytes.
    this.buf.copyWithin(at + n, at + 5, this.len);
    this.len -= 5 - n;
    let v = length;
    for (let i = 0; i < n; i++) {
      this.buf[at + i] = (v & 0x7f) | (i < n - 1 ? 0x80 : 0);
      v = Math.floor(v / 128);
    }
    return this;
  }

  /** Packed repeated doubles. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    this.tag(field, WireType.Len);
    this.uint32(values.length * 8);
    for (let i = 0; i < values.length; i++) this.rawDouble(values[i] as number);
    return this;
  }

  /** Packed repeated varints (uint64/int64 non-negative). */
  packedVarints(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    this.fork(field);
    for (let i = 0; i < values.length; i++) this.rawVarint(values[i] as number);
    return this.join();
  }

  /** Packed repeated sint64 (ZigZag). */
  packedSints(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    this.fork(field);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      this.rawVarint(v >= 0 ? v * 2 : -v * 2 - 1);
    }
    return this.join();
  }

  /** The bytes written so far (a copy, so the writer can be reused). */
  finish(): Uint8Array {
    if (this.stack.length > 0) throw new Error('ProtoWriter.finish inside an unjoined message');
    return this.buf.slice(0, this.len);
  }

  reset(): this {
    this.len = 0;
    this.stack.length = 0;
    return this;
  }

  get length(): number {
    return this.len;
  }

  private rawDouble(value: number): this {
    this.ensure(8);
    this.view.setFloat64(this.len, value, true);
    this.len += 8;
    return this;
  }

  /** Non-negative integer up to 2^53 as a varint. */
  private rawVarint(value: number): void {
    this.ensure(10);
    this.len = putUvarint(this.buf, this.len, value);
  }

  private tag(field: number, wireType: number): void {
    this.uint32(field * 8 + wireType);
  }

  private uint32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.len++] = v;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < this.len + n) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }
}
