import { encodeDecimal, isDecimal, maxDecimalBytes } from './decimal.ts';
import { decodeXor } from './xor-bulk.ts';
import { XorReader } from './xor.ts';

/**
 * Encodings of float chunks, recorded per chunk in the block index (version 3 and later). The head
 * and the WAL only ever hold XOR chunks; block writing turns what it can into decimal chunks.
 */
export const ChunkEncoding = { Xor: 0, Decimal: 1 } as const;
export type ChunkEncoding = (typeof ChunkEncoding)[keyof typeof ChunkEncoding];

let ts = new Float64Array(128);
let vs = new Float64Array(128);
let v32 = new Int32Array(vs.buffer);
let scratch = new Uint8Array(maxDecimalBytes(128));
const first = new XorReader();

/** Bytes of the last successful toDecimal call, valid until the next call. */
export let decimalBytes: Uint8Array = scratch;

/**
 * Re-encodes the XOR chunk at `buf[off, off + len)` (first timestamp `mint`, `count` samples) as a
 * decimal chunk when every value is an exact decimal and the result is not longer than the XOR
 * bytes. Returns the decimal chunk's length (its bytes are `decimalBytes[0, length)`), or -1 when
 * the chunk should stay as it is.
 */
export function toDecimal(buf: Uint8Array, off: number, len: number, mint: number, count: number): number {
  if (count < 1) return -1;
  // A float gauge fails at its first value: look at it (the stream's first 64 bits) before
  // decoding the whole chunk.
  first.reset(buf, off, mint, count);
  first.next();
  if (!isDecimal(first.value())) return -1;
  if (ts.length < count) {
    ts = new Float64Array(count);
    vs = new Float64Array(count);
    v32 = new Int32Array(vs.buffer);
  }
  if (scratch.length < maxDecimalBytes(count)) scratch = new Uint8Array(maxDecimalBytes(count));
  decodeXor(buf, off, len, mint, count, ts, v32, 0);
  const n = encodeDecimal(ts, vs, count, scratch, 0);
  decimalBytes = scratch;
  return n >= 0 && n <= len ? n : -1;
}
