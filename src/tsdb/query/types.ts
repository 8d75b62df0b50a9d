import type { FloatHistogram, Labels, Matcher } from '../../model/index.ts';
import type { ChunkEncoding } from '../chunk/block-chunk.ts';

/**
 * One encoded chunk as a byte range holding exactly `count` samples. Its bits never change while
 * the ChunkRef is valid: block files, sealed head chunks and copies are never written again; an
 * open head chunk read in place (a querier's, see HeadReader.pin) is only appended to after those
 * `count` samples (new bits in the last byte and after it), and its region is not reused until the
 * querier is closed. So read exactly `count` samples (never rely on the padding bits of the last
 * byte being zero), and not after the querier that returned the chunk was closed.
 */
export interface ChunkRef {
  readonly buf: Uint8Array;
  readonly off: number;
  readonly mint: number;
  readonly maxt: number;
  readonly count: number;
  /** Encoded length in bytes. */
  readonly len: number;
  /** How the bytes are encoded: always XOR in the head, XOR or decimal in blocks. */
  readonly enc: ChunkEncoding;
}

/** Out-of-order samples as sorted parallel arrays (value bits in hi/lo). */
export interface SampleArrays {
  readonly t: readonly number[];
  readonly hi: readonly number[];
  readonly lo: readonly number[];
}

/** Native histogram samples, sorted by time; null is a stale marker. */
export interface HistArrays {
  readonly t: readonly number[];
  readonly h: ReadonlyArray<FloatHistogram | null>;
}

/** What a block (or the head) returns for one series. */
export interface SeriesData {
  readonly labels: Labels;
  readonly chunks: ChunkRef[];
  readonly ooo: SampleArrays | null;
  readonly hist: HistArrays | null;
}

/**
 * The one read interface of the head and of on-disk blocks: "the head is just another block".
 * Queries and compaction both read through it.
 */
export interface BlockReader {
  readonly minTime: number;
  /** Inclusive. */
  readonly maxTime: number;
  /** Series matching all matchers with data overlapping [mint, maxt], sorted by labels. */
  series(matchers: readonly Matcher[], mint: number, maxt: number): Promise<SeriesData[]>;
  labelNames(matchers: readonly Matcher[]): Promise<string[]>;
  labelValues(name: string, matchers: readonly Matcher[]): Promise<string[]>;
}
