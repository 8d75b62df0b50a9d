import { createRequire } from 'node:module';

import { BadDataError, TooLargeError } from '../model/index.ts';

/**
 * Snappy *block* format (what remote write and remote read use; never the framed format).
 * Decoding is hand-written because it is on the ingest hot path: it reads the length preamble
 * first (so size limits apply before any allocation) and decodes into a caller-owned, reusable
 * buffer. Encoding is rare (remote-read responses, tests) and uses the `snappy` package.
 */

/** Reads the uncompressed length from the preamble (a little-endian base-128 varint, < 2^32). */
export function snappyDecodedLength(src: Uint8Array): { length: number; headerBytes: number } {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    const b = src[i];
    if (b === undefined) throw new BadDataError('snappy: truncated length preamble');
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (length >= 2 ** 32) break;
      return { length, headerBytes: i + 1 };
    }
  }
  throw new BadDataError('snappy: invalid length preamble');
}

/**
 * Decodes a snappy block, reusing one output buffer between calls. The returned view is valid
 * until the next `decode`. Not safe to share between overlapping decodes; the server decodes
 * synchronously, so one decoder per thread suffices.
 */
export class SnappyDecoder {
  private out = new Uint8Array(64 * 1024);
  private readonly maxLength: number;

  constructor(maxLength: number) {
    this.maxLength = maxLength;
  }

  decode(src: Uint8Array): Uint8Array {
    if (src.length >= 10 && src[0] === 0xff && src[1] === 0x06 && src[4] === 0x73) {
      throw new BadDataError('snappy: the framed (streaming) format is not allowed; send a snappy block');
    }
    const { length, headerBytes } = snappyDecodedLength(src);
    if (length > this.maxLength) {
      throw new TooLargeError(
        `decompressed body of ${length} bytes exceeds the limit of ${this.maxLength} bytes; send smaller batches`,
      );
    }
    if (this.out.length < length) {
      let capacity = this.out.length;
      while (capacity < length) capacity *= 2;
      this.out = new Uint8Array(Math.min(capacity, this.maxLength));
    }
    const n = decodeBlock(src, headerBytes, this.out, length);
    return this.out.subarray(0, n);
  }
}

/** Decodes the elements of a block starting at `pos` into `dst`; returns the decoded length. */
function decodeBlock(src: Uint8Array, pos: number, dst: Uint8Array, expected: number): number {
  let d = 0;
  const n = src.length;
  while (pos < n) {
    const tag = src[pos++] as number;
    let length: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        // Literal: length-1 in the tag (< 60) or in the next 1..4 bytes.
        let l = tag >>> 2;
        if (l >= 60) {
          const bytes = l - 59;
          if (pos + bytes > n) corrupt('literal length runs past the input');
          l = 0;
          for (let i = 0; i < bytes; i++) l += (src[pos + i] as number) * 2 ** (8 * i);
          pos += bytes;
        }
        length = l + 1;
        if (pos + length > n) corrupt('literal runs past the input');
        if (d + length > expected) corrupt('output longer than the preamble says');
        if (length < 32) {
          for (let i = 0; i < length; i++) dst[d + i] = src[pos + i] as number;
        } else {
          dst.set(src.subarray(pos, pos + length), d);
        }
        pos += length;
        d += length;
        continue;
      }
      case 1:
        if (pos >= n) corrupt('copy runs past the input');
        length = 4 + ((tag >>> 2) & 7);
        offset = ((tag >>> 5) << 8) | (src[pos++] as number);
        break;
      case 2:
        if (pos + 2 > n) corrupt('copy runs past the input');
        length = 1 + (tag >>> 2);
        offset = (src[pos] as number) | ((src[pos + 1] as number) << 8);
        pos += 2;
        break;
      default:
        if (pos + 4 > n) corrupt('copy runs past the input');
        length = 1 + (tag >>> 2);
        offset =
          ((src[pos] as number) |
            ((src[pos + 1] as number) << 8) |
            ((src[pos + 2] as number) << 16) |
            ((src[pos + 3] as number) << 24)) >>>
          0;
        pos += 4;
        break;
    }
    if (offset === 0 || offset > d) corrupt('copy offset outside the output');
    if (d + length > expected) corrupt('output longer than the preamble says');
    let from = d - offset;
    if (offset >= length && length >= 16) {
      dst.copyWithin(d, from, from + length);
      d += length;
    } else {
      // Overlapping copies repeat the pattern byte by byte.
      for (let i = 0; i < length; i++) dst[d++] = dst[from++] as number;
    }
  }
  if (d !== expected) corrupt(`decoded ${d} bytes, the preamble says ${expected}`);
  return d;
}

function corrupt(why: string): never {
  throw new BadDataError(`snappy: corrupt input (${why})`);
}

let snappy: typeof import('snappy') | undefined;

/**
 * Compresses into a snappy block. The `snappy` package (a native module, about 4 MiB resident
 * once loaded) is loaded on the first call: only remote-read answers compress, and most servers
 * never serve one.
 */
export function snappyEncode(data: Uint8Array): Uint8Array {
  snappy ??= createRequire(import.meta.url)('snappy') as typeof import('snappy');
  return snappy.compressSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}
