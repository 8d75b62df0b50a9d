import { promisify } from 'node:util';
import { crc32, deflateRaw } from 'node:zlib';

import type { Labels } from '../../model/index.ts';
import { fsyncDir, writeAll, writeFileAtomic, type TsdbFs } from '../fs.ts';
import type { ChunkRef } from '../query/types.ts';
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

/** One series to write: chunks sorted by time, not overlapping, inside the block's range. */
export interface BlockSeries {
  readonly labels: Labels;
  readonly chunks: readonly ChunkRef[];
  /** Native histogram chunks (encodeHistChunks), sorted, not overlapping. */
  readonly hist?: readonly ChunkRef[];
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
 */
export async function writeBlock(fs: TsdbFs, blocksDir: string, input: WriteBlockInput): Promise<BlockMeta> {
  const tmp = `${blocksDir}/${input.ulid}.tmp`;
  const final = `${blocksDir}/${input.ulid}`;
  await fs.rm(tmp);
  await fs.mkdir(tmp);

  // Symbols: every distinct name and value, sorted.
  // Symbols in order of first use (no global sort: that would stall the event loop on big heads).
  const symbols: string[] = [];
  const symId = new Map<string, number>();
  const slicer = new Slicer();
  for (let i = 0; i < input.series.length; i++) {
    if ((i & 1023) === 1023 && slicer.due()) await slicer.yield();
    for (const x of (input.series[i] as BlockSeries).labels.raw()) {
      if (!symId.has(x)) {
        symId.set(x, symbols.length);
        symbols.push(x);
      }
    }
  }

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
  const flushFrame = async (): Promise<void> => {
    if (rawLen === 0) return;
    const body = raw.subarray(0, rawLen);
    let codec: number = FrameCodec.Raw;
    let data: Uint8Array = body;
    if (input.compress) {
      const z = await deflate(body, { level: 6 });
      if (z.length < body.length) {
        codec = FrameCodec.DeflateRaw;
        data = z;
      }
    }
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
  try {
    for (let i = 0; i < input.series.length; i++) {
      if ((i & 1023) === 1023 && slicer.due()) await slicer.yield();
      const s = input.series[i] as BlockSeries;
      const all = s.hist && s.hist.length > 0 ? [...s.chunks, ...s.hist] : s.chunks;
      let need = 0;
      for (const c of all) need += c.len;
      if (rawLen + need > raw.length) {
        const bigger = new Uint8Array(Math.max(raw.length * 2, rawLen + need));
        bigger.set(raw.subarray(0, rawLen));
        raw = bigger;
      }
      seriesFrame[i] = frameOffsets.length;
      seriesOff[i] = rawLen;
      for (const c of all) {
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

  // Index.
  const w = new RecordWriter();
  w.ensure(8);
  writeU32(w.buf, 0, INDEX_MAGIC);
  w.pos = 4;
  w.u8(INDEX_VERSION);
  w.uvarint(symbols.length);
  for (const s of symbols) w.str(s);
  w.uvarint(frameOffsets.length);
  for (let f = 0; f < frameOffsets.length; f++) {
    w.uvarint(frameOffsets[f] as number);
    w.uvarint(frameRawLens[f] as number);
  }
  w.uvarint(input.series.length);
  const postings = new Map<number, number[]>();
  const nsym = symbols.length;
  for (let i = 0; i < input.series.length; i++) {
    if ((i & 1023) === 1023 && slicer.due()) await slicer.yield();
    const s = input.series[i] as BlockSeries;
    const rawLabels = s.labels.raw();
    w.uvarint(rawLabels.length >> 1);
    for (let k = 0; k < rawLabels.length; k += 2) {
      const n = symId.get(rawLabels[k] as string) as number;
      const v = symId.get(rawLabels[k + 1] as string) as number;
      w.uvarint(n);
      w.uvarint(v);
      const key = n * nsym + v;
      let list = postings.get(key);
      if (!list) postings.set(key, (list = []));
      list.push(i);
    }
    w.uvarint(seriesFrame[i] as number);
    w.uvarint(seriesOff[i] as number);
    for (const list of [s.chunks, s.hist ?? []]) {
      w.uvarint(list.length);
      let prev = 0;
      for (const c of list) {
        w.varint(c.mint - prev);
        w.uvarint(c.maxt - c.mint);
        w.uvarint(c.count);
        w.uvarint(c.len);
        prev = c.maxt;
      }
    }
  }
  const keys = Float64Array.from(postings.keys()).sort();
  w.uvarint(keys.length);
  for (let ki = 0; ki < keys.length; ki++) {
    const key = keys[ki] as number;
    if ((ki & 1023) === 1023 && slicer.due()) await slicer.yield();
    const list = postings.get(key) as number[];
    w.uvarint(Math.floor(key / nsym));
    w.uvarint(key % nsym);
    w.uvarint(list.length);
    let prev = 0;
    for (const id of list) {
      w.uvarint(id - prev);
      prev = id;
    }
  }
  w.ensure(4);
  writeU32(w.buf, w.pos, crc32(w.buf.subarray(0, w.pos)));
  w.pos += 4;
  const indexBytes = w.pos;
  await writeFileAtomic(fs, `${tmp}/index`, [w.bytes()]);

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
