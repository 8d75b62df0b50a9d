import { promisify } from 'node:util';
import { crc32, inflateRaw } from 'node:zlib';

import { compareStrings, Labels, type FloatHistogram, type Matcher } from '../../model/index.ts';
import type { TsdbFs } from '../fs.ts';
import { EMPTY } from '../head/postings.ts';
import { growF64, growU32, growU8 } from '../head/symbols.ts';
import { selectPostings, type PostingsSource } from '../query/postings-query.ts';
import type { BlockReader, ChunkRef, HistArrays, SeriesData } from '../query/types.ts';
import { lowerBound } from '../search.ts';
import { Slicer } from '../slicer.ts';
import { readU32, RecordReader } from '../wal/record.ts';
import type { FrameCache } from './frame-cache.ts';
import { FRAME_HEADER, FrameCodec, INDEX_MAGIC, INDEX_VERSION, type BlockMeta } from './format.ts';
import { decodeHistChunk } from '../chunk/histogram.ts';
import { ChunkEncoding } from '../chunk/block-chunk.ts';

const inflate = promisify(inflateRaw);

/**
 * An open, immutable on-disk block. The index is parsed into typed arrays on open; chunk frames
 * are read (and inflated) on demand, and kept in a FrameCache shared by the blocks.
 *
 * Lifetime: `acquire`/`release` count queriers using the block; a block replaced by compaction or
 * removed by retention is deleted from disk only once nobody holds it (`onIdle`).
 */
export class DiskBlock implements BlockReader, PostingsSource {
  readonly meta: BlockMeta;
  readonly dir: string;
  private readonly fs: TsdbFs;
  private symbols!: string[];
  private readonly symIndex = new Map<string, number>();
  private frameOff!: number[];
  private frameRaw!: number[];
  private lblOff!: Uint32Array;
  private pairs!: Uint32Array;
  private seriesFrame!: Uint32Array;
  private seriesOff!: Uint32Array;
  private chunkStart!: Uint32Array;
  private cMint!: Float64Array;
  private cMaxt!: Float64Array;
  private cCount!: Uint32Array;
  private cLen!: Uint32Array;
  /**
   * Postings in three flat arrays, no object per label value (a block with a million distinct
   * values would otherwise hold a million typed arrays, ~200 B of heap each): the distinct names
   * (symbol ids, ascending) with the first pair of each in `nameFirst`; per (name, value) pair, in
   * file order, the value's symbol id and where its list starts in `plist`.
   */
  private pNames!: Uint32Array;
  private nameFirst!: Uint32Array;
  private pairValue!: Uint32Array;
  private pairOff!: Uint32Array;
  private plist!: Uint32Array;
  /** ChunkEncoding of each float chunk (all XOR before index version 3). */
  private cEnc!: Uint8Array;
  /** Native histogram chunks by series id (rare, so a map); their bytes follow the XOR chunks. */
  private readonly histChunks = new Map<number, HistChunkMeta[]>();
  private allRefs: Uint32Array | null = null;
  /** Inflated frames, shared with other blocks (null: none kept between queries, e.g. compaction). */
  private readonly cache: FrameCache | null;
  private readonly cacheOwner: number;
  private refs = 0;
  private doomed = false;
  private fd: Promise<number> | null = null;
  onIdle: (() => void) | null = null;

  private constructor(fs: TsdbFs, dir: string, meta: BlockMeta, cache: FrameCache | null) {
    this.fs = fs;
    this.dir = dir;
    this.meta = meta;
    this.cache = cache;
    this.cacheOwner = cache === null ? 0 : cache.owner();
  }

  /** Parses the index into typed arrays, yielding to the event loop now and then (big blocks). */
  private async parse(index: Uint8Array): Promise<void> {
    const dir = this.dir;
    if (index.length < 9 || readU32(index, 0) !== INDEX_MAGIC)
      throw new Error(`${dir}/index: not a block index`);
    if (crc32(index.subarray(0, index.length - 4)) !== readU32(index, index.length - 4))
      throw new Error(`${dir}/index: checksum mismatch`);
    const version = index[4] as number;
    if (version < 1 || version > INDEX_VERSION)
      throw new Error(`${dir}/index: unsupported version ${version}`);
    const r = new RecordReader();
    r.reset(index, 5, index.length - 4);
    if (version >= 3) {
      // u8 codec | uvarint body length | body (raw or raw-deflated).
      const codec = r.u8();
      const rawLen = r.uvarint();
      const data = index.subarray(r.pos, index.length - 4);
      let body: Uint8Array;
      if (codec === FrameCodec.Raw) body = data;
      else if (codec === FrameCodec.DeflateRaw) body = new Uint8Array(await inflate(data));
      else throw new Error(`${dir}/index: unknown codec ${codec}`);
      if (body.length !== rawLen)
        throw new Error(`${dir}/index: body has ${body.length} bytes, expected ${rawLen}`);
      r.reset(body, 0, body.length);
    }
    const slicer = new Slicer();
    const nsym = r.uvarint();
    this.symbols = new Array<string>(nsym);
    for (let i = 0; i < nsym; i++) {
      if ((i & 1023) === 1023 && slicer.due()) await slicer.yield();
      const s = r.str();
      this.symbols[i] = s;
      this.symIndex.set(s, i);
    }
    const nframes = r.uvarint();
    this.frameOff = new Array<number>(nframes);
    this.frameRaw = new Array<number>(nframes);
    for (let f = 0; f < nframes; f++) {
      this.frameOff[f] = r.uvarint();
      this.frameRaw[f] = r.uvarint();
    }
    const n = r.uvarint();
    this.lblOff = new Uint32Array(n + 1);
    this.seriesFrame = new Uint32Array(n);
    this.seriesOff = new Uint32Array(n);
    this.chunkStart = new Uint32Array(n + 1);
    let pairs = new Uint32Array(Math.max(16, n * 16));
    let np = 0;
    let cap = Math.max(16, n * 2);
    let cMint = new Float64Array(cap);
    let cMaxt = new Float64Array(cap);
    let cCount = new Uint32Array(cap);
    let cLen = new Uint32Array(cap);
    let cEnc = new Uint8Array(cap);
    let nc = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 511) === 511 && slicer.due()) await slicer.yield();
      const nl = r.uvarint();
      this.lblOff[i] = np;
      if (np + 2 * nl > pairs.length) {
        const b = new Uint32Array(Math.max(pairs.length * 2, np + 2 * nl));
        b.set(pairs);
        pairs = b;
      }
      for (let k = 0; k < 2 * nl; k++) pairs[np++] = r.uvarint();
      this.seriesFrame[i] = r.uvarint();
      this.seriesOff[i] = r.uvarint();
      const k = r.uvarint();
      this.chunkStart[i] = nc;
      if (nc + k > cap) {
        cMint = growF64(cMint, nc + k);
        cMaxt = growF64(cMaxt, nc + k);
        cCount = growU32(cCount, nc + k);
        cLen = growU32(cLen, nc + k);
        cEnc = growU8(cEnc, nc + k);
        cap = cMint.length;
      }
      let prev = 0;
      for (let j = 0; j < k; j++) {
        const mint = prev + r.varint();
        const maxt = mint + r.uvarint();
        cMint[nc] = mint;
        cMaxt[nc] = maxt;
        cCount[nc] = r.uvarint();
        cLen[nc] = r.uvarint();
        if (version >= 3) {
          const enc = r.u8();
          if (enc > ChunkEncoding.Decimal) throw new Error(`${dir}/index: unknown chunk encoding ${enc}`);
          cEnc[nc] = enc;
        }
        prev = maxt;
        nc++;
      }
      if (version >= 2) {
        const nh = r.uvarint();
        if (nh > 0) {
          const list: HistChunkMeta[] = [];
          let hp = 0;
          for (let j = 0; j < nh; j++) {
            const mint = hp + r.varint();
            const maxt = mint + r.uvarint();
            list.push({ mint, maxt, count: r.uvarint(), len: r.uvarint() });
            hp = maxt;
          }
          this.histChunks.set(i, list);
        }
      }
    }
    this.lblOff[n] = np;
    this.chunkStart[n] = nc;
    this.pairs = pairs;
    this.cMint = cMint;
    this.cMaxt = cMaxt;
    this.cCount = cCount;
    this.cLen = cLen;
    this.cEnc = cEnc;
    const npost = r.uvarint();
    const names: number[] = [];
    const firsts: number[] = [];
    const pairValue = new Uint32Array(npost);
    const pairOff = new Uint32Array(npost + 1);
    // Every label of every series is in exactly one list: np / 2 entries in all (grown if not).
    let plist = new Uint32Array(Math.max(16, np >> 1));
    let at = 0;
    let lastName = -1;
    for (let p = 0; p < npost; p++) {
      if ((p & 1023) === 1023 && slicer.due()) await slicer.yield();
      const name = r.uvarint();
      if (name !== lastName) {
        if (name < lastName) throw new Error(`${dir}/index: postings out of order`);
        names.push(name);
        firsts.push(p);
        lastName = name;
      }
      const value = r.uvarint();
      if (p > (firsts[firsts.length - 1] as number) && value <= (pairValue[p - 1] as number))
        throw new Error(`${dir}/index: postings out of order`);
      pairValue[p] = value;
      pairOff[p] = at;
      const len = r.uvarint();
      if (at + len > plist.length) plist = growU32(plist, at + len);
      let prev = 0;
      for (let j = 0; j < len; j++) plist[at++] = prev += r.uvarint();
    }
    pairOff[npost] = at;
    firsts.push(npost);
    this.pNames = Uint32Array.from(names);
    this.nameFirst = Uint32Array.from(firsts);
    this.pairValue = pairValue;
    this.pairOff = pairOff;
    this.plist = plist.length === at ? plist : plist.slice(0, at);
  }

  /** Position of name symbol `nameId` in pNames, or -1. */
  private namePos(nameId: number): number {
    const k = lowerBound(this.pNames, nameId);
    return this.pNames[k] === nameId ? k : -1;
  }

  /** The pair of (name symbol, value symbol), or -1 (values are ascending within a name). */
  private pairOf(nameId: number, valueId: number): number {
    const k = this.namePos(nameId);
    if (k < 0) return -1;
    const hi = this.nameFirst[k + 1] as number;
    const p = lowerBound(this.pairValue, valueId, this.nameFirst[k] as number, hi);
    return p < hi && this.pairValue[p] === valueId ? p : -1;
  }

  /** Opens a block; its inflated chunk frames are kept in `cache` (null: only within one read). */
  static async open(fs: TsdbFs, dir: string, cache: FrameCache | null = null): Promise<DiskBlock> {
    const meta = JSON.parse(new TextDecoder().decode(await fs.readFile(`${dir}/meta.json`))) as BlockMeta;
    const index = await fs.readFile(`${dir}/index`);
    const block = new DiskBlock(fs, dir, meta, cache);
    await block.parse(index);
    return block;
  }

  get minTime(): number {
    return this.meta.minTime;
  }
  get maxTime(): number {
    return this.meta.maxTime;
  }
  get numSeries(): number {
    return this.seriesFrame.length;
  }

  /** Closes the chunks file (the block must not be read afterwards). */
  async close(): Promise<void> {
    this.cache?.drop(this.cacheOwner);
    const fd = this.fd;
    this.fd = null;
    if (fd) await this.fs.close(await fd).catch(() => undefined);
  }

  acquire(): void {
    this.refs++;
  }

  release(): void {
    this.refs--;
    if (this.refs === 0 && this.doomed) this.onIdle?.();
  }

  /** Marks the block for deletion; `onIdle` runs now or when the last reader releases it. */
  doom(onIdle: () => void): void {
    this.doomed = true;
    this.onIdle = onIdle;
    if (this.refs === 0) onIdle();
  }

  // ---- PostingsSource ----
  nameId(name: string): number {
    const id = this.symIndex.get(name);
    return id !== undefined && this.namePos(id) >= 0 ? id : -1;
  }
  valueId(nameId: number, value: string): number {
    const id = this.symIndex.get(value);
    return id !== undefined && this.pairOf(nameId, id) >= 0 ? id : -1;
  }
  forEachValue(nameId: number, fn: (valueId: number, value: string) => void): void {
    const k = this.namePos(nameId);
    if (k < 0) return;
    for (let p = this.nameFirst[k] as number; p < (this.nameFirst[k + 1] as number); p++) {
      const vid = this.pairValue[p] as number;
      fn(vid, this.symbols[vid] as string);
    }
  }
  postings(nameId: number, valueId: number): Uint32Array {
    const p = this.pairOf(nameId, valueId);
    return p < 0 ? EMPTY : this.plist.subarray(this.pairOff[p] as number, this.pairOff[p + 1] as number);
  }
  all(): Uint32Array {
    if (this.allRefs === null) {
      this.allRefs = new Uint32Array(this.numSeries);
      for (let i = 0; i < this.allRefs.length; i++) this.allRefs[i] = i;
    }
    return this.allRefs;
  }

  labelsOf(i: number): Labels {
    const from = this.lblOff[i] as number;
    const to = this.lblOff[i + 1] as number;
    const flat = new Array<string>(to - from);
    for (let p = from; p < to; p++) flat[p - from] = this.symbols[this.pairs[p] as number] as string;
    return Labels.fromSortedFlat(flat);
  }

  // ---- BlockReader ----
  async series(matchers: readonly Matcher[], mint: number, maxt: number): Promise<SeriesData[]> {
    const ids = selectPostings(this, matchers);
    const out: SeriesData[] = [];
    const wanted: number[] = [];
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k] as number;
      const c0 = this.chunkStart[i] as number;
      const c1 = this.chunkStart[i + 1] as number;
      const overlaps =
        c1 > c0 && (this.cMaxt[c1 - 1] as number) >= mint && (this.cMint[c0] as number) <= maxt;
      const hc = this.histChunks.get(i);
      if (!overlaps && !(hc && hc.some((c) => c.maxt >= mint && c.mint <= maxt))) continue;
      wanted.push(i);
    }
    // Every frame at once: reads and inflates run in parallel on libuv's threads instead of one
    // round trip after the other.
    const frameIds: number[] = [];
    const seen = new Set<number>();
    for (const i of wanted) {
      const f = this.seriesFrame[i] as number;
      if (!seen.has(f)) {
        seen.add(f);
        frameIds.push(f);
      }
    }
    const bufs = await Promise.all(frameIds.map((f) => this.frame(f)));
    const frames = new Map<number, Uint8Array>();
    for (let k = 0; k < frameIds.length; k++) frames.set(frameIds[k] as number, bufs[k] as Uint8Array);
    for (const i of wanted) {
      const buf = frames.get(this.seriesFrame[i] as number) as Uint8Array;
      let off = this.seriesOff[i] as number;
      const chunks: ChunkRef[] = [];
      for (let c = this.chunkStart[i] as number; c < (this.chunkStart[i + 1] as number); c++) {
        const len = this.cLen[c] as number;
        if ((this.cMaxt[c] as number) >= mint && (this.cMint[c] as number) <= maxt) {
          chunks.push({
            buf,
            off,
            mint: this.cMint[c] as number,
            maxt: this.cMaxt[c] as number,
            count: this.cCount[c] as number,
            len,
            enc: this.cEnc[c] as ChunkEncoding,
          });
        }
        off += len;
      }
      let hist: HistArrays | null = null;
      const hc = this.histChunks.get(i);
      if (hc) {
        const t: number[] = [];
        const h: Array<FloatHistogram | null> = [];
        for (const c of hc) {
          if (c.maxt >= mint && c.mint <= maxt) decodeHistChunk(buf, off, c.len, c.mint, c.count, t, h);
          off += c.len;
        }
        if (t.length > 0) hist = { t, h };
      }
      out.push({ labels: this.labelsOf(i), chunks, ooo: null, hist });
    }
    return out;
  }

  async labelNames(matchers: readonly Matcher[]): Promise<string[]> {
    if (matchers.length === 0)
      return Array.from(this.pNames, (id) => this.symbols[id] as string).sort(compareStrings);
    const ids = selectPostings(this, matchers);
    const names = new Set<number>();
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k] as number;
      for (let p = this.lblOff[i] as number; p < (this.lblOff[i + 1] as number); p += 2)
        names.add(this.pairs[p] as number);
    }
    return [...names].map((id) => this.symbols[id] as string).sort(compareStrings);
  }

  async labelValues(name: string, matchers: readonly Matcher[]): Promise<string[]> {
    const nameId = this.nameId(name);
    if (nameId < 0) return [];
    if (matchers.length === 0) {
      const out: string[] = [];
      this.forEachValue(nameId, (_, v) => out.push(v));
      return out.sort(compareStrings);
    }
    const ids = selectPostings(this, matchers);
    const values = new Set<number>();
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k] as number;
      for (let p = this.lblOff[i] as number; p < (this.lblOff[i + 1] as number); p += 2) {
        if (this.pairs[p] === nameId) values.add(this.pairs[p + 1] as number);
      }
    }
    return [...values].map((id) => this.symbols[id] as string).sort(compareStrings);
  }

  /** Every series with all its chunks (compaction). */
  async allSeries(): Promise<SeriesData[]> {
    return this.series([], -Infinity, Infinity);
  }

  /** The raw (inflated) bytes of frame `f`, cached. */
  private async frame(f: number): Promise<Uint8Array> {
    const hit = this.cache?.get(this.cacheOwner, f);
    if (hit !== undefined) return hit;
    const off = this.frameOff[f] as number;
    const fd = await (this.fd ??= this.fs.open(`${this.dir}/chunks`, 'r'));
    let raw: Uint8Array;
    {
      const header = new Uint8Array(FRAME_HEADER);
      await this.fs.read(fd, header, 0, FRAME_HEADER, off);
      const dataLen = readU32(header, 5);
      const data = new Uint8Array(dataLen);
      let got = 0;
      while (got < dataLen) {
        const n = await this.fs.read(fd, data, got, dataLen - got, off + FRAME_HEADER + got);
        if (n <= 0) throw new Error(`${this.dir}/chunks: frame ${f} is truncated`);
        got += n;
      }
      if (crc32(data) !== readU32(header, 9))
        throw new Error(`${this.dir}/chunks: frame ${f} checksum mismatch`);
      raw = header[0] === FrameCodec.DeflateRaw ? new Uint8Array(await inflate(data)) : data;
    }
    if (raw.length !== this.frameRaw[f])
      throw new Error(`${this.dir}/chunks: frame ${f} has ${raw.length} bytes, expected ${this.frameRaw[f]}`);
    this.cache?.put(this.cacheOwner, f, raw);
    return raw;
  }
}

interface HistChunkMeta {
  readonly mint: number;
  readonly maxt: number;
  readonly count: number;
  readonly len: number;
}
