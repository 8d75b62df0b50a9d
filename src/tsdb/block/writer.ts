import { promisify } from 'node:util';
import { crc32, deflateRaw } from 'node:zlib';

import type { Labels } from '../../model/index.ts';
import { ChunkEncoding, decimalBytes, toDecimal } from '../chunk/block-chunk.ts';
import type { EncodedHistChunk } from '../chunk/histogram.ts';
import { fsyncDir, writeAll, writeFileAtomic, type TsdbFs } from '../fs.ts';
import type { ChunkRef } from '../query/types.ts';
import { growU32, growU8 } from '../head/symbols.ts';
import { Slicer } from '../slicer.ts';
import { RecordWriter, writeU32 } from '../wal/record.ts';
import {
  FRAME_HEADER,
  FRAME_TARGET_BYTES,
  FrameCodec,
  INDEX_MAGIC,
  INDEX_VERSION,
  type BlockMeta,
} from './format.ts';

const deflate = promisify(deflateRaw);
/** Bytes checksummed between two checks of the time budget. */
const CRC_STEP = 1 << 20;

/** One series to write: chunks sorted by time, not overlapping, inside the block's range. */
export interface BlockSeries {
  readonly labels: Labels;
  readonly chunks: readonly ChunkRef[];
  /** Native histogram chunks (encodeHistChunks), sorted, not overlapping. */
  readonly hist?: readonly EncodedHistChunk[];
}

export interface WriteBlockInput {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly level: number;
  readonly sources: readonly string[];
  /** Series sorted by labels (Labels.compare), without duplicates. */
  readonly series: readonly BlockSeries[];
  readonly compress: boolean;
}

/**
 * Writes a block into `blocksDir/<ulid>.tmp`, fsyncs it and renames it to `blocksDir/<ulid>`, so a
 * block directory without `.tmp` is always complete. Returns its meta. Yields to the event loop
 * between frames so a big head cut does not stall ingest.
 *
 * XOR chunks whose values are all exact decimals are written as decimal chunks (chunk/decimal.ts)
 * when that is not longer; other chunks are copied as they are.
 */
export async function writeBlock(fs: TsdbFs, blocksDir: string, input: WriteBlockInput): Promise<BlockMeta> {
  const tmp = `${blocksDir}/${input.ulid}.tmp`;
  const final = `${blocksDir}/${input.ulid}`;
  await fs.rm(tmp);
  await fs.mkdir(tmp);

  // Symbols in order of first use (no global sort: that would stall the event loop on big heads),
  // and every series' labels as symbol ids, looked up once for the chunks and the index.
  const symbols: string[] = [];
  const symId = new Map<string, number>();
  const slicer = new Slicer();
  const nseries = input.series.length;
  const labelStart = new Uint32Array(nseries + 1);
  let ids = new Uint32Array(Math.max(16, nseries * 16));
  let nids = 0;
  for (let i = 0; i < nseries; i++) {
    if ((i & 1023) === 1023 && slicer.due()) await slicer.yield();
    labelStart[i] = nids;
    const raw = (input.series[i] as BlockSeries).labels.raw();
    if (nids + raw.length > ids.length) ids = growU32(ids, nids + raw.length);
    for (let k = 0; k < raw.length; k++) {
      const x = raw[k] as string;
      let id = symId.get(x);
      if (id === undefined) {
        id = symbols.length;
        symId.set(x, id);
        symbols.push(x);
      }
      ids[nids++] = id;
    }
  }
  labelStart[nseries] = nids;
  symId.clear();

  // Chunks file: frames of whole series.
  const fd = await fs.open(`${tmp}/chunks`, 'w');
  const frameOffsets: number[] = [];
  const frameRawLens: number[] = [];
  const seriesFrame = new Uint32Array(input.series.length);
  const seriesOff = new Uint32Array(input.series.length);
  let fileOff = 0;
  let raw = new Uint8Array(FRAME_TARGET_BYTES * 2);
  let rawLen = 0;
  let numSamples = 0;
  let numChunks = 0;
  let chunkBytes = 0;
  // Length and encoding of every float chunk as written, in series order (for the index).
  let outLen = new Uint32Array(1024);
  let outEnc = new Uint8Array(1024);
  const flushFrame = async (): Promise<void> => {
    if (rawLen === 0) return;
    const body = raw.subarray(0, rawLen);
    const { codec, data } = await maybeDeflate(body, input.compress);
    const header = new Uint8Array(FRAME_HEADER);
    header[0] = codec;
    writeU32(header, 1, rawLen);
    writeU32(header, 5, data.length);
    writeU32(header, 9, crc32(data));
    await writeAll(fs, fd, header, fileOff);
    await writeAll(fs, fd, data, fileOff + FRAME_HEADER);
    frameOffsets.push(fileOff);
    frameRawLens.push(rawLen);
    fileOff += FRAME_HEADER + data.length;
    rawLen = 0;
  };
  let nfloat = 0;
  try {
    for (let i = 0; i < input.series.length; i++) {
      if ((i & 1023) === 1023 && slicer.due()) await slicer.yield();
      const s = input.series[i] as BlockSeries;
      const hist = s.hist ?? [];
      // Re-encoded chunks are never longer than the originals: this is enough room.
      let need = 0;
      for (const c of s.chunks) need += c.len;
      for (const c of hist) need += c.len;
      if (rawLen + need > raw.length) raw = growU8(raw, rawLen + need);
      if (nfloat + s.chunks.length > outLen.length) {
        outLen = growU32(outLen, nfloat + s.chunks.length);
        outEnc = growU8(outEnc, outLen.length);
      }
      seriesFrame[i] = frameOffsets.length;
      seriesOff[i] = rawLen;
      for (const c of s.chunks) {
        const dec = c.enc === ChunkEncoding.Xor ? toDecimal(c.buf, c.off, c.len, c.mint, c.count) : -1;
        if (dec >= 0) {
          raw.set(decimalBytes.subarray(0, dec), rawLen);
          outLen[nfloat] = dec;
          outEnc[nfloat] = ChunkEncoding.Decimal;
        } else {
          raw.set(c.buf.subarray(c.off, c.off + c.len), rawLen);
          outLen[nfloat] = c.len;
          outEnc[nfloat] = c.enc;
        }
        const len = outLen[nfloat] as number;
        nfloat++;
        rawLen += len;
        numSamples += c.count;
        numChunks++;
        chunkBytes += len;
      }
      for (const c of hist) {
        raw.set(c.buf.subarray(c.off, c.off + c.len), rawLen);
        rawLen += c.len;
        numSamples += c.count;
        numChunks++;
        chunkBytes += c.len;
      }
      if (rawLen >= FRAME_TARGET_BYTES) await flushFrame();
    }
    await flushFrame();
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }

  // Index body (deflated below as a whole).
  const w = new RecordWriter();
  w.uvarint(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    if ((i & 1023) === 1023 && slicer.due()) await slicer.yield();
    w.str(symbols[i] as string);
  }
  w.uvarint(frameOffsets.length);
  for (let f = 0; f < frameOffsets.length; f++) {
    w.uvarint(frameOffsets[f] as number);
    w.uvarint(frameRawLens[f] as number);
  }
  w.uvarint(input.series.length);
  nfloat = 0;
  for (let i = 0; i < nseries; i++) {
    if ((i & 1023) === 1023 && slicer.due()) await slicer.yield();
    const s = input.series[i] as BlockSeries;
    const l0 = labelStart[i] as number;
    const l1 = labelStart[i + 1] as number;
    w.uvarint((l1 - l0) >> 1);
    for (let k = l0; k < l1; k++) w.uvarint(ids[k] as number);
    w.uvarint(seriesFrame[i] as number);
    w.uvarint(seriesOff[i] as number);
    w.uvarint(s.chunks.length);
    let prev = 0;
    for (const c of s.chunks) {
      w.varint(c.mint - prev);
      w.uvarint(c.maxt - c.mint);
      w.uvarint(c.count);
      w.uvarint(outLen[nfloat] as number);
      w.u8(outEnc[nfloat] as number);
      nfloat++;
      prev = c.maxt;
    }
    const hist = s.hist ?? [];
    w.uvarint(hist.length);
    prev = 0;
    for (const c of hist) {
      w.varint(c.mint - prev);
      w.uvarint(c.maxt - c.mint);
      w.uvarint(c.count);
      w.uvarint(c.len);
      prev = c.maxt;
    }
  }
  await writePostings(w, ids, nids, labelStart, nseries, symbols.length, slicer);
  // Symbols, series and postings repeat a lot (label ids, chunk metas, id deltas): deflated, the
  // index takes about a quarter of its bytes. zlib runs on its thread pool, not the event loop.
  const body = w.bytes();
  const { codec, data } = await maybeDeflate(body, input.compress);
  const head = new RecordWriter();
  head.ensure(4);
  writeU32(head.buf, 0, INDEX_MAGIC);
  head.pos = 4;
  head.u8(INDEX_VERSION);
  head.u8(codec);
  head.uvarint(body.length);
  const headBytes = head.bytes();
  let crc = crc32(headBytes);
  for (let at = 0; at < data.length; at += CRC_STEP) {
    await slicer.tick();
    crc = crc32(data.subarray(at, Math.min(data.length, at + CRC_STEP)), crc);
  }
  const tail = new Uint8Array(4);
  writeU32(tail, 0, crc);
  const indexBytes = headBytes.length + data.length + 4;
  await writeFileAtomic(fs, `${tmp}/index`, [headBytes, data, tail]);

  const meta: BlockMeta = {
    version: 1,
    ulid: input.ulid,
    minTime: input.minTime,
    maxTime: input.maxTime,
    stats: {
      numSeries: input.series.length,
      numSamples,
      numChunks,
      chunkBytes,
      chunkFileBytes: fileOff,
      indexBytes,
    },
    compaction: { level: input.level, sources: [...input.sources] },
  };
  await writeFileAtomic(fs, `${tmp}/meta.json`, [new TextEncoder().encode(JSON.stringify(meta, null, 2))]);
  await fs.rename(tmp, final);
  await fsyncDir(fs, blocksDir);
  return meta;
}

/** `body` raw deflated when `compress` is set and that makes it smaller, else as it is. */
async function maybeDeflate(
  body: Uint8Array,
  compress: boolean,
): Promise<{ codec: number; data: Uint8Array }> {
  if (compress) {
    const z = await deflate(body, { level: 6 });
    if (z.length < body.length) return { codec: FrameCodec.DeflateRaw, data: z };
  }
  return { codec: FrameCodec.Raw, data: body };
}

/**
 * Writes the postings: for every (name, value) pair, ascending by name id then value id, the
 * ascending indexes of the series that have it. `ids` holds each series' label ids (name, value,
 * ...; series i from labelStart[i]). Built with two stable counting sorts of the label positions
 * (by value id, then by name id) instead of a map of lists: no object per pair, and every pass
 * can yield.
 */
async function writePostings(
  w: RecordWriter,
  ids: Uint32Array,
  nids: number,
  labelStart: Uint32Array,
  nseries: number,
  nsym: number,
  slicer: Slicer,
): Promise<void> {
  const npairs = nids >> 1;
  // Series of each label position, in series order.
  const seriesOf = new Uint32Array(npairs);
  for (let i = 0; i < nseries; i++) {
    if ((i & 4095) === 4095) await slicer.tick();
    for (let k = labelStart[i] as number; k < (labelStart[i + 1] as number); k += 2) seriesOf[k >> 1] = i;
  }
  const byValue = await countingSort(ids, 1, npairs, nsym, null, slicer);
  const order = await countingSort(ids, 0, npairs, nsym, byValue, slicer);
  // Count the distinct pairs, then write each with its list.
  let distinct = 0;
  for (let j = 0; j < npairs; j++) {
    if ((j & 65535) === 65535) await slicer.tick();
    const p = order[j] as number;
    const q = j > 0 ? (order[j - 1] as number) : -1;
    if (q < 0 || ids[2 * p] !== ids[2 * q] || ids[2 * p + 1] !== ids[2 * q + 1]) distinct++;
  }
  w.uvarint(distinct);
  let j = 0;
  while (j < npairs) {
    if (slicer.due()) await slicer.yield();
    const p = order[j] as number;
    const name = ids[2 * p] as number;
    const value = ids[2 * p + 1] as number;
    let end = j + 1;
    while (
      end < npairs &&
      ids[2 * (order[end] as number)] === name &&
      ids[2 * (order[end] as number) + 1] === value
    )
      end++;
    w.uvarint(name);
    w.uvarint(value);
    w.uvarint(end - j);
    let prev = 0;
    for (let k = j; k < end; k++) {
      const id = seriesOf[order[k] as number] as number;
      w.uvarint(id - prev);
      prev = id;
    }
    j = end;
  }
}

/**
 * Stable counting sort of label positions 0..n-1 (or of `input`, a permutation of them) by
 * ids[2 * position + field] (0 = name id, 1 = value id), keys below `keys`.
 */
async function countingSort(
  ids: Uint32Array,
  field: number,
  n: number,
  keys: number,
  input: Uint32Array | null,
  slicer: Slicer,
): Promise<Uint32Array> {
  const start = new Uint32Array(keys + 1);
  for (let p = 0; p < n; p++) {
    if ((p & 65535) === 65535) await slicer.tick();
    const key = (ids[2 * p + field] as number) + 1;
    start[key] = (start[key] as number) + 1;
  }
  for (let k = 0; k < keys; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const out = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    if ((j & 65535) === 65535) await slicer.tick();
    const p = input === null ? j : (input[j] as number);
    const key = ids[2 * p + field] as number;
    out[start[key] as number] = p;
    start[key] = (start[key] as number) + 1;
  }
  return out;
}
