import { randomBytes } from 'node:crypto';

/** Block files and their shared constants (byte layout in ../FORMAT.md, "Block"). */

export const INDEX_MAGIC = 0x49425358; // "XSBI" little-endian
/**
 * 2 added the histogram chunk list of each series; 3 the encoding of each float chunk (XOR or
 * decimal) and the deflated index body. Versions 1 and 2 are still read (all their chunks are XOR).
 */
export const INDEX_VERSION = 3;
export const FRAME_HEADER = 13;
/** A frame is closed once its raw size reaches this; a series never spans frames. */
export const FRAME_TARGET_BYTES = 64 * 1024;
export const FrameCodec = { Raw: 0, DeflateRaw: 1 } as const;

export interface BlockStats {
  readonly numSeries: number;
  readonly numSamples: number;
  readonly numChunks: number;
  /** Bytes of chunk data (XOR, decimal, histogram) before the second-stage compression. */
  readonly chunkBytes: number;
  /** Bytes of the chunks file on disk. */
  readonly chunkFileBytes: number;
  readonly indexBytes: number;
}

/** meta.json of a block. Times are milliseconds; maxTime is inclusive. */
export interface BlockMeta {
  readonly version: 1;
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly stats: BlockStats;
  readonly compaction: { readonly level: number; readonly sources: readonly string[] };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48-bit ms time + 80 random bits in Crockford base32, so block dirs sort by creation. */
export function newUlid(now = Date.now()): string {
  let out = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  const r = randomBytes(16);
  for (let i = 0; i < 16; i++) out += CROCKFORD[(r[i] as number) % 32];
  return out;
}

export function isUlid(name: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(name);
}
