import type { BucketSpan, CounterResetHint, FloatHistogram } from '../../model/index.ts';
import { RecordReader, RecordWriter } from '../wal/record.ts';

/**
 * Binary form of a native histogram sample (WAL records, checkpoints, block histogram chunks;
 * layout in ../FORMAT.md). Floats are stored as full f64 so values come back exactly.
 *
 *   u8 flags (1 = stale marker, nothing follows) | u8 counterResetHint | varint schema |
 *   f64 zeroThreshold | f64 zeroCount | f64 count | f64 sum |
 *   spans+buckets positive | spans+buckets negative | uvarint n | f64 customValues * n
 *   spans+buckets = uvarint nspans | (varint offset | uvarint length) * | uvarint n | f64 * n
 */
export function writeHistogram(w: RecordWriter, h: FloatHistogram | null): void {
  if (h === null) {
    w.u8(1);
    return;
  }
  w.u8(0);
  w.u8(h.counterResetHint);
  w.varint(h.schema);
  w.f64(h.zeroThreshold);
  w.f64(h.zeroCount);
  w.f64(h.count);
  w.f64(h.sum);
  writeSide(w, h.positiveSpans, h.positiveBuckets);
  writeSide(w, h.negativeSpans, h.negativeBuckets);
  w.uvarint(h.customValues.length);
  for (const v of h.customValues) w.f64(v);
}

export function readHistogram(r: RecordReader): FloatHistogram | null {
  if (r.u8() === 1) return null;
  const counterResetHint = r.u8() as CounterResetHint;
  const schema = r.varint();
  const zeroThreshold = r.f64();
  const zeroCount = r.f64();
  const count = r.f64();
  const sum = r.f64();
  const [positiveSpans, positiveBuckets] = readSide(r);
  const [negativeSpans, negativeBuckets] = readSide(r);
  const n = r.uvarint();
  const customValues: number[] = [];
  for (let i = 0; i < n; i++) customValues.push(r.f64());
  return {
    counterResetHint,
    schema,
    zeroThreshold,
    zeroCount,
    count,
    sum,
    positiveSpans,
    positiveBuckets,
    negativeSpans,
    negativeBuckets,
    customValues,
  };
}

function writeSide(w: RecordWriter, spans: readonly BucketSpan[], buckets: readonly number[]): void {
  w.uvarint(spans.length);
  for (const s of spans) {
    w.varint(s.offset);
    w.uvarint(s.length);
  }
  w.uvarint(buckets.length);
  for (const b of buckets) w.f64(b);
}

function readSide(r: RecordReader): [BucketSpan[], number[]] {
  const ns = r.uvarint();
  const spans: BucketSpan[] = [];
  for (let i = 0; i < ns; i++) spans.push({ offset: r.varint(), length: r.uvarint() });
  const nb = r.uvarint();
  const buckets: number[] = [];
  for (let i = 0; i < nb; i++) buckets.push(r.f64());
  return [spans, buckets];
}

/** Exact equality of two histogram samples (null = stale marker), for the duplicate rule. */
export function sameHistogram(a: FloatHistogram | null, b: FloatHistogram | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.counterResetHint === b.counterResetHint &&
    a.schema === b.schema &&
    same(a.zeroThreshold, b.zeroThreshold) &&
    same(a.zeroCount, b.zeroCount) &&
    same(a.count, b.count) &&
    same(a.sum, b.sum) &&
    sameSpans(a.positiveSpans, b.positiveSpans) &&
    sameSpans(a.negativeSpans, b.negativeSpans) &&
    sameList(a.positiveBuckets, b.positiveBuckets) &&
    sameList(a.negativeBuckets, b.negativeBuckets) &&
    sameList(a.customValues, b.customValues)
  );
}

function same(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i] as number, b[i] as number)) return false;
  return true;
}

function sameSpans(a: readonly BucketSpan[], b: readonly BucketSpan[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i]!.offset !== b[i]!.offset || a[i]!.length !== b[i]!.length) return false;
  return true;
}

/** Histogram samples per block chunk, like XOR chunks. */
const HIST_CHUNK_SAMPLES = 120;

export interface EncodedHistChunk {
  readonly buf: Uint8Array;
  readonly off: number;
  readonly mint: number;
  readonly maxt: number;
  readonly count: number;
  readonly len: number;
}

/**
 * Encodes sorted histogram samples into block histogram chunks: per sample
 * `varint (t - previous t, the first from the chunk's mint) | histogram`.
 */
export function encodeHistChunks(
  t: readonly number[],
  h: ReadonlyArray<FloatHistogram | null>,
): EncodedHistChunk[] {
  const out: EncodedHistChunk[] = [];
  for (let start = 0; start < t.length; start += HIST_CHUNK_SAMPLES) {
    const end = Math.min(t.length, start + HIST_CHUNK_SAMPLES);
    const w = new RecordWriter();
    let prev = t[start] as number;
    for (let i = start; i < end; i++) {
      w.varint((t[i] as number) - prev);
      prev = t[i] as number;
      writeHistogram(w, h[i] ?? null);
    }
    const buf = w.bytes().slice();
    out.push({
      buf,
      off: 0,
      mint: t[start] as number,
      maxt: t[end - 1] as number,
      count: end - start,
      len: buf.length,
    });
  }
  return out;
}

/** Appends the samples of one histogram chunk to `t`/`h`. */
export function decodeHistChunk(
  buf: Uint8Array,
  off: number,
  len: number,
  mint: number,
  count: number,
  t: number[],
  h: Array<FloatHistogram | null>,
): void {
  const r = new RecordReader();
  r.reset(buf, off, off + len);
  let prev = mint;
  for (let i = 0; i < count; i++) {
    prev += r.varint();
    t.push(prev);
    h.push(readHistogram(r));
  }
}
