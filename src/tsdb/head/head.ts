import { Labels, METRIC_NAME, type FloatHistogram } from '../../model/index.ts';
import { MAX_SAMPLE_BYTES, XorWriter } from '../chunk/xor.ts';
import * as bulk from '../chunk/xor-bulk.ts';
import { HeadChunkCursor } from './cursor.ts';
import type { RecordWriter } from '../wal/record.ts';
import type { HeadChunkFiles } from './chunk-files.ts';
import { ChunkStore } from './chunk-store.ts';
import { HistStore } from './hist.ts';
import { OooStore } from './ooo.ts';
import { PostingsIndex } from './postings.ts';
import { growI32, growU16, growU32, growU8, labelHash, sameRange, Symbols } from './symbols.ts';

/** A chunk is sealed after this many samples (as Prometheus does: ~2 h of 1-minute data). */
export const MAX_CHUNK_SAMPLES = 120;
/** The most bytes a chunk can take. */
const MAX_CHUNK_BYTES = MAX_CHUNK_SAMPLES * MAX_SAMPLE_BYTES;

export const WalState = { None: 0, Pending: 1, Durable: 2 } as const;

const EMPTY_SLOT = -1;
/** A table slot whose series was removed: lookups probe past it, inserts reuse it. */
const TOMBSTONE = -2;

/**
 * The in-memory part of the engine: series identities, the postings index and compressed chunks,
 * all in typed-array columns indexed by series ref. No JS object per series: a series is a row.
 *
 * Refs are dense. The ref of a series removed by a head truncation is reused by a new series once
 * a checkpoint taken after the removal is durable (no WAL segment that names the old series under
 * that ref is left then), so churning series do not grow the columns forever; the label-id array
 * is compacted when removed series' ids make up half of it.
 *
 * Chunks are cut at multiples of `chunkRange` (the block range), so the head can be cut into
 * blocks at those boundaries without re-encoding.
 */
export class Head {
  readonly symbols = new Symbols();
  readonly postings = new PostingsIndex();
  readonly chunks: ChunkStore;
  readonly ooo = new OooStore();
  readonly hists = new HistStore();
  readonly chunkRange: number;
  readonly metricSym: number;

  /** Refs handed out so far (dead rows included). */
  n = 0;
  live = 0;
  /** Samples older than this are refused: that time range is in blocks or being written to one. */
  minValidTime = -Infinity;
  /** Everything before this is safely in blocks (moves only after a block is written). */
  persistedBefore = -Infinity;
  /** Head-wide sample time bounds (in-order and out-of-order), ±Infinity when empty. */
  minT = Infinity;
  maxT = -Infinity;

  /** Bumped whenever the set of live refs changes (readers cache by it). */
  seriesVersion = 0;
  /** Refs of removed series: reusable (`free`), or waiting for the next checkpoint (`retired`). */
  private freeRefs: number[] = [];
  private retired: number[] = [];
  /** Label ids of removed series still in `pairs`. */
  private deadPairs = 0;

  hash = new Uint32Array(64);
  lblOff = new Uint32Array(64);
  lblCnt = new Uint16Array(64);
  pairs = new Uint32Array(512);
  private pairsUsed = 0;
  /**
   * The append state of each series in one 64-byte row (a cache line), so appending a sample
   * touches one line instead of one per column. Four views share the buffer; index with
   * `ref * stride + slot`:
   *
   *   f64 (stride 8):   0 lastT (newest in-order sample, -Infinity if none)  1 ocMint (open chunk's
   *                     first t)  2 ocDelta (last timestamp delta)  3 ocEnd (first t of the next
   *                     chunk: the block-range boundary)
   *   u32 (stride 16):  8 lastHi  9 lastLo (newest value bits)  10 ocBits (bits written)
   *                     11 ocPage  12 ocOff (reserved region of the open chunk)
   *   u16 (stride 32):  26 ocCount (samples)  27 ocCap (region bytes)  28 (unused)
   *   u8  (stride 64):  58 ocLead  59 ocTrail (XOR window)  60 ocOpen (1 = has an open chunk)
   */
  f64 = new Float64Array(64 * 8);
  u32 = new Uint32Array(this.f64.buffer);
  u16 = new Uint16Array(this.f64.buffer);
  u8 = new Uint8Array(this.f64.buffer);
  /** Sealed chunks of the series, oldest first, as a linked list of ChunkStore rows (their bytes are in the head chunk files). */
  firstChunk = new Int32Array(64).fill(-1);
  lastChunk = new Int32Array(64).fill(-1);
  walState = new Uint8Array(64);
  dead = new Uint8Array(64);
  /**
   * The series that followed each series in the last request that had both (-1: none yet).
   * Senders send a shard's series in the same order scrape after scrape, so this guesses the next
   * series of a request; `findNext` checks the guess byte for byte, so a wrong or stale guess
   * (the ref removed or reused since) only costs the comparison.
   */
  succ = new Int32Array(64).fill(-1);

  private table = new Int32Array(128).fill(EMPTY_SLOT);
  private readonly writer = new XorWriter();

  /** `files` keeps the sealed chunks (default: in memory, for tests). */
  constructor(chunkRange: number, files?: HeadChunkFiles) {
    this.chunkRange = chunkRange;
    // A region moved out of a sparse slab: the series' row follows it.
    this.chunks = new ChunkStore((ref, page, off) => {
      this.u32[ref * 16 + 11] = page;
      this.u32[ref * 16 + 12] = off;
    }, files);
    this.metricSym = this.symbols.intern(METRIC_NAME);
  }

  // ---- identity ----------------------------------------------------------------------------

  /**
   * Finds the series whose labels are exactly the batch series' labels, comparing bytes: no text is
   * decoded. `h` is the order-independent hash of those labels. Labels with an empty value are
   * ignored (they mean "absent"). Returns -1 when no series matches byte for byte in the given
   * order (a client sending unsorted labels then takes the slow path, `findLabels`).
   */
  findBytes(h: number, dv: DataView, src: Uint8Array, offs: Uint32Array, from: number, to: number): number {
    const mask = this.table.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const ref = this.table[i] as number;
      if (ref === EMPTY_SLOT) return -1;
      if (ref >= 0 && this.hash[ref] === h && this.sameBytes(ref, dv, src, offs, from, to)) return ref;
    }
  }

  /**
   * `succ[prev]` if it is live and its labels are exactly the batch series' labels (compared as in
   * `findBytes`, no hash needed: equal bytes are the same series), else -1.
   */
  findNext(prev: number, dv: DataView, src: Uint8Array, offs: Uint32Array, from: number, to: number): number {
    const ref = this.succ[prev] as number;
    if (ref < 0 || this.dead[ref] !== 0 || ref >= this.n) return -1;
    return this.sameBytes(ref, dv, src, offs, from, to) ? ref : -1;
  }

  /**
   * Finds the series with exactly `labels`, or -1. Interns nothing: a label string the head has
   * never seen means no such series. The hash comes from the interned bytes, so it equals the
   * hash ingest computes from request bytes.
   */
  findLabels(labels: Labels): number {
    const raw = labels.raw();
    const sym = this.symbols;
    if (this.scratch.length < raw.length) this.scratch = new Uint32Array(raw.length * 2);
    const ids = this.scratch;
    let h = 0;
    this.scratchKnown = false;
    for (let i = 0; i < raw.length; i += 2) {
      const n = sym.lookup(raw[i] as string);
      const v = sym.lookup(raw[i + 1] as string);
      if (n < 0 || v < 0) return -1;
      ids[i] = n;
      ids[i + 1] = v;
      h = (h + this.pairHash(n, v)) >>> 0;
    }
    this.scratchKnown = true;
    this.scratchHash = h;
    this.scratchLabels = labels;
    const mask = this.table.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const ref = this.table[i] as number;
      if (ref === EMPTY_SLOT) return -1;
      if (ref >= 0 && this.hash[ref] === h && this.sameIds(ref, ids, raw.length)) return ref;
    }
  }
  /** After a findLabels miss with every symbol known: the ids are in scratch (saves re-interning). */
  private scratchKnown = false;
  private scratchHash = 0;
  private scratchLabels: Labels | null = null;
  private scratch = new Uint32Array(64);

  private sameIds(ref: number, ids: Uint32Array, n: number): boolean {
    if (2 * (this.lblCnt[ref] as number) !== n) return false;
    const off = this.lblOff[ref] as number;
    for (let i = 0; i < n; i++) if (this.pairs[off + i] !== ids[i]) return false;
    return true;
  }

  /** The ingest hash of one interned (name, value) pair. */
  private pairHash(name: number, value: number): number {
    const enc = this.symbols;
    const no = enc.off[name] as number;
    const vo = enc.off[value] as number;
    return labelHash(
      enc.view,
      enc.bytes,
      no,
      no + (enc.len[name] as number),
      vo,
      vo + (enc.len[value] as number),
    );
  }

  private sameBytes(
    ref: number,
    dv: DataView,
    src: Uint8Array,
    offs: Uint32Array,
    from: number,
    to: number,
  ): boolean {
    const sym = this.symbols;
    const sb = sym.bytes;
    const sv = sym.view;
    const soff = sym.off;
    const slen = sym.len;
    const pairs = this.pairs;
    let p = this.lblOff[ref] as number;
    const pend = p + 2 * (this.lblCnt[ref] as number);
    for (let l = from; l < to; l++) {
      const o = l * 4;
      const vs = offs[o + 2] as number;
      const ve = offs[o + 3] as number;
      if (vs === ve) continue;
      if (p === pend) return false;
      const ns = offs[o] as number;
      const nid = pairs[p] as number;
      const vid = pairs[p + 1] as number;
      const nl = (offs[o + 1] as number) - ns;
      if (slen[nid] !== nl || slen[vid] !== ve - vs) return false;
      if (!sameRange(dv, src, ns, sv, sb, soff[nid] as number, nl)) return false;
      if (!sameRange(dv, src, vs, sv, sb, soff[vid] as number, ve - vs)) return false;
      p += 2;
    }
    return p === pend;
  }

  /** Writes the Series-record entry of `ref` (same bytes as writeSeries) from the symbol arena. */
  writeSeriesRecord(w: RecordWriter, ref: number): void {
    const off = this.lblOff[ref] as number;
    const n = 2 * (this.lblCnt[ref] as number);
    const sym = this.symbols;
    w.uvarint(ref);
    w.uvarint(n >> 1);
    for (let i = 0; i < n; i++) {
      const id = this.pairs[off + i] as number;
      const start = sym.off[id] as number;
      w.bytesOf(sym.bytes, start, start + (sym.len[id] as number));
    }
  }

  /** The labels of a series, built from interned strings (allocates the small flat array). */
  labelsOf(ref: number): Labels {
    const off = this.lblOff[ref] as number;
    const n = 2 * (this.lblCnt[ref] as number);
    const flat = new Array<string>(n);
    const strings = this.symbols.strings;
    for (let i = 0; i < n; i++) flat[i] = strings[this.pairs[off + i] as number] as string;
    return Labels.fromSortedFlat(flat);
  }

  /** Value symbol of label `nameSym` of a series, or -1. */
  valueSym(ref: number, nameSym: number): number {
    const off = this.lblOff[ref] as number;
    const end = off + 2 * (this.lblCnt[ref] as number);
    for (let p = off; p < end; p += 2) if (this.pairs[p] === nameSym) return this.pairs[p + 1] as number;
    return -1;
  }

  /**
   * Adds a series. `labels` must be valid (sorted, non-empty values); `ref` is given on WAL replay,
   * otherwise a reusable ref or the next one is used. Returns the ref.
   */
  create(labels: Labels, ref = this.freeRefs.length > 0 ? (this.freeRefs.pop() as number) : this.n): number {
    const reuse = this.scratchKnown && this.scratchLabels === labels;
    this.scratchKnown = false;
    this.scratchLabels = null;
    const h = reuse ? this.scratchHash : this.internScratch(labels);
    return this.createFromScratch(labels.raw().length, h, ref);
  }

  /**
   * Replay: the series with `labels` if the head has it (`created` is then false), else a new one
   * under `ref`. One interning pass serves both the lookup and the creation.
   */
  findOrCreate(labels: Labels, ref: number): number {
    const n = labels.raw().length;
    return this.findOrCreateScratch(n, this.internScratch(labels), ref);
  }

  /**
   * Like findOrCreate, for label ids already in `scratchIds(n)` (replay interns straight from WAL
   * bytes). Ids must be sorted by name like Labels.
   */
  findOrCreateIds(n: number, ref: number): number {
    let h = 0;
    for (let i = 0; i < n; i += 2)
      h = (h + this.pairHash(this.scratch[i] as number, this.scratch[i + 1] as number)) >>> 0;
    return this.findOrCreateScratch(n, h, ref);
  }

  /** Scratch space for `n` label ids (name, value, ...), valid until the next head call. */
  scratchIds(n: number): Uint32Array {
    if (this.scratch.length < n) this.scratch = new Uint32Array(n * 2);
    return this.scratch;
  }

  private findOrCreateScratch(n: number, h: number, ref: number): number {
    const mask = this.table.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const r = this.table[i] as number;
      if (r === EMPTY_SLOT) break;
      if (r >= 0 && this.hash[r] === h && this.sameIds(r, this.scratch, n)) {
        this.created = false;
        return r;
      }
    }
    this.created = true;
    return this.createFromScratch(n, h, ref);
  }
  /** Set by findOrCreate. */
  created = false;

  /** Interns the labels' strings into `scratch` (name, value ids) and returns their hash. */
  private internScratch(labels: Labels): number {
    const raw = labels.raw();
    if (this.scratch.length < raw.length) this.scratch = new Uint32Array(raw.length * 2);
    const ids = this.scratch;
    const enc = this.symbols;
    let h = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = enc.intern(raw[i] as string);
      const value = enc.intern(raw[i + 1] as string);
      ids[i] = name;
      ids[i + 1] = value;
      h = (h + this.pairHash(name, value)) >>> 0;
    }
    return h;
  }

  private createFromScratch(n: number, h: number, ref: number): number {
    if (ref >= this.hash.length) this.grow(ref + 1);
    for (let r = this.n; r < ref; r++) this.dead[r] = 1; // refs skipped on replay
    if (ref >= this.n) this.n = ref + 1;
    if (this.pairsUsed + n > this.pairs.length) this.pairs = growU32(this.pairs, this.pairsUsed + n);
    const off = this.pairsUsed;
    this.pairs.set(this.scratch.subarray(0, n), off);
    this.pairsUsed += n;
    this.lblOff[ref] = off;
    this.lblCnt[ref] = n >> 1;
    this.hash[ref] = h;
    this.dead[ref] = 0;
    this.f64[ref * 8 + 0] = -Infinity;
    this.u8[ref * 64 + 60] = 0;
    this.firstChunk[ref] = -1;
    this.lastChunk[ref] = -1;
    this.succ[ref] = -1;
    this.walState[ref] = 0;
    for (let i = 0; i < n; i += 2)
      this.postings.add(this.pairs[off + i] as number, this.pairs[off + i + 1] as number, ref);
    this.live++;
    this.seriesVersion++;
    if (this.live * 2 > this.table.length) this.rehash(this.table.length * 2);
    else if ((this.live + this.tombstones) * 2 > this.table.length) this.rehash(this.table.length);
    this.tableInsert(ref);
    return ref;
  }

  /**
   * Removes one series from the identity lookup at once (its table slot becomes a tombstone), so an
   * append either finds it whole or not at all. The caller then takes removed refs out of the
   * postings (`postings.filter`, which may run in slices: until then lists may still name removed
   * refs, whose rows have no data) and calls `afterRemoval`. The ref is reused only after
   * `takeRetired` / `freeRetired` around the next durable checkpoint.
   */
  remove(ref: number): void {
    const mask = this.table.length - 1;
    for (let i = (this.hash[ref] as number) & mask; ; i = (i + 1) & mask) {
      const r = this.table[i] as number;
      if (r === ref) {
        this.table[i] = TOMBSTONE;
        this.tombstones++;
        break;
      }
      if (r === EMPTY_SLOT) break; // not in the table (never happens for a live series)
    }
    this.dead[ref] = 1;
    this.live--;
    this.deadPairs += 2 * (this.lblCnt[ref] as number);
    this.retired.push(ref);
    this.seriesVersion++;
  }

  /**
   * After a batch of `remove` calls, once the postings no longer name removed refs: compacts the
   * label ids and the lookup table when removed series take up much of them.
   */
  afterRemoval(): void {
    this.seriesVersion++;
    if (this.deadPairs > 4096 && this.deadPairs * 2 > this.pairsUsed) this.compactPairs();
    if (this.tombstones > this.live || (this.live + this.tombstones) * 2 > this.table.length)
      this.rebuildTable();
  }

  /** Removes series (see remove), postings included, in one step (tests, small heads). */
  retire(refs: readonly number[]): void {
    for (const ref of refs) this.remove(ref);
    if (refs.length > 0) this.postings.filter((r) => this.dead[r] === 0);
    this.afterRemoval();
  }
  /** Table slots of removed series (probes pass over them; inserts reuse them). */
  private tombstones = 0;

  /** Refs retired so far (a checkpoint is about to start); give them to `freeRetired` once it is durable. */
  takeRetired(): number[] {
    const r = this.retired;
    this.retired = [];
    return r;
  }

  /** The checkpoint that followed these refs' removal is durable: they may be reused. */
  freeRetired(refs: readonly number[], durable: boolean): void {
    if (!durable) {
      this.retired.push(...refs);
      return;
    }
    for (const r of refs) if (this.dead[r] === 1) this.freeRefs.push(r);
  }

  /** Rewrites `pairs` with the label ids of live series only. */
  private compactPairs(): void {
    const next = new Uint32Array(Math.max(512, this.pairsUsed - this.deadPairs + 64));
    let at = 0;
    for (let r = 0; r < this.n; r++) {
      if (this.dead[r] === 1) continue;
      const off = this.lblOff[r] as number;
      const n = 2 * (this.lblCnt[r] as number);
      next.set(this.pairs.subarray(off, off + n), at);
      this.lblOff[r] = at;
      at += n;
    }
    this.pairs = next;
    this.pairsUsed = at;
    this.deadPairs = 0;
  }

  private tableInsert(ref: number): void {
    const mask = this.table.length - 1;
    let i = (this.hash[ref] as number) & mask;
    while ((this.table[i] as number) >= 0) i = (i + 1) & mask;
    if (this.table[i] !== EMPTY_SLOT) this.tombstones--; // a removed series' slot, reused
    this.table[i] = ref;
  }

  /** Rebuilds the lookup table at its current size (after series were removed). */
  rebuildTable(): void {
    this.rehash(this.table.length);
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size).fill(EMPTY_SLOT);
    this.tombstones = 0;
    for (let r = 0; r < this.n; r++) if (this.dead[r] === 0) this.tableInsert(r);
  }

  private grow(need: number): void {
    this.hash = growU32(this.hash, need);
    this.lblOff = growU32(this.lblOff, need);
    this.lblCnt = growU16(this.lblCnt, need);
    if (need * 8 > this.f64.length) {
      let n = this.f64.length / 8;
      while (n < need) n *= 2;
      const rows = new Float64Array(n * 8);
      rows.set(this.f64);
      this.f64 = rows;
      this.u32 = new Uint32Array(rows.buffer);
      this.u16 = new Uint16Array(rows.buffer);
      this.u8 = new Uint8Array(rows.buffer);
    }
    this.firstChunk = growI32(this.firstChunk, need, -1);
    this.lastChunk = growI32(this.lastChunk, need, -1);
    this.succ = growI32(this.succ, need, -1);
    this.walState = growU8(this.walState, need);
    this.dead = growU8(this.dead, need);
  }

  /** Number of live series whose metric name is `name` (for the per-metric limit). */
  seriesOfMetric(nameSym: number): number {
    return this.postings.count(this.metricSym, nameSym);
  }

  // ---- samples -----------------------------------------------------------------------------

  /** Appends an in-order sample: the caller checked `t > lastT[ref]`. */
  append(ref: number, t: number, hi: number, lo: number): void {
    let open = (this.u8[ref * 64 + 60] as number) === 1;
    if (
      open &&
      (t >= (this.f64[ref * 8 + 3] as number) || (this.u16[ref * 32 + 26] as number) >= MAX_CHUNK_SAMPLES)
    ) {
      this.sealOpen(ref);
      open = false;
    }
    const w = this.writer;
    const ch = this.chunks;
    if (!open) {
      // Open chunks start in the smallest region and move up size classes as they grow.
      const cap = ch.reserve(MAX_SAMPLE_BYTES, ref);
      this.u8[ref * 64 + 60] = 1;
      this.u32[ref * 16 + 10] = 0;
      this.u32[ref * 16 + 11] = ch.rp;
      this.u32[ref * 16 + 12] = ch.ro;
      this.u16[ref * 32 + 27] = cap;
      this.f64[ref * 8 + 1] = t;
      this.f64[ref * 8 + 3] = (Math.floor(t / this.chunkRange) + 1) * this.chunkRange;
      w.reset(ch.pages[ch.rp] as Uint8Array, ch.ro);
    } else {
      const used = ((this.u32[ref * 16 + 10] as number) + 7) >>> 3;
      const cap = this.u16[ref * 32 + 27] as number;
      if (used + MAX_SAMPLE_BYTES > cap) {
        const fromPage = this.u32[ref * 16 + 11] as number;
        const fromOff = this.u32[ref * 16 + 12] as number;
        const next = ch.reserve(
          Math.min(MAX_CHUNK_BYTES, Math.max(used + MAX_SAMPLE_BYTES, cap + (cap >> 2))),
          ref,
        );
        (ch.pages[ch.rp] as Uint8Array).set(
          (ch.pages[fromPage] as Uint8Array).subarray(fromOff, fromOff + used),
          ch.ro,
        );
        this.u32[ref * 16 + 11] = ch.rp;
        this.u32[ref * 16 + 12] = ch.ro;
        this.u16[ref * 32 + 27] = next;
        // Last: releasing may move other series' regions (and change ch.rp/ro).
        ch.release(fromPage, fromOff, cap);
      }
      w.buf = ch.pages[this.u32[ref * 16 + 11] as number] as Uint8Array;
      w.base = this.u32[ref * 16 + 12] as number;
      w.bitPos = this.u32[ref * 16 + 10] as number;
      w.count = this.u16[ref * 32 + 26] as number;
      w.t = this.f64[ref * 8 + 0] as number;
      w.tDelta = this.f64[ref * 8 + 2] as number;
      w.vhi = this.u32[ref * 16 + 8] as number;
      w.vlo = this.u32[ref * 16 + 9] as number;
      w.lead = this.u8[ref * 64 + 58] as number;
      w.trail = this.u8[ref * 64 + 59] as number;
    }
    w.append(t, hi, lo);
    this.u32[ref * 16 + 10] = w.bitPos;
    this.u16[ref * 32 + 26] = w.count;
    this.f64[ref * 8 + 2] = w.tDelta;
    this.u8[ref * 64 + 58] = w.lead;
    this.u8[ref * 64 + 59] = w.trail;
    this.f64[ref * 8 + 0] = t;
    this.u32[ref * 16 + 8] = hi;
    this.u32[ref * 16 + 9] = lo;
    if (t > this.maxT) this.maxT = t;
    if (t < this.minT) this.minT = t;
  }

  /** Whether `ref` has an open chunk. */
  hasOpen(ref: number): boolean {
    return this.u8[ref * 64 + 60] === 1;
  }

  /** First timestamp of the open chunk of `ref`. */
  openMint(ref: number): number {
    return this.f64[ref * 8 + 1] as number;
  }

  /** Samples in the open chunk of `ref`. */
  openCount(ref: number): number {
    return this.u16[ref * 32 + 26] as number;
  }

  /** The newest in-order sample of `ref`: its time (-Infinity if none) and value bits. */
  lastT(ref: number): number {
    return this.f64[ref * 8 + 0] as number;
  }

  lastHi(ref: number): number {
    return this.u32[ref * 16 + 8] as number;
  }

  lastLo(ref: number): number {
    return this.u32[ref * 16 + 9] as number;
  }

  /** The bytes of the open chunk of `ref` start at `openOff(ref)` in this page. */
  openPage(ref: number): Uint8Array {
    return this.chunks.pages[this.u32[ref * 16 + 11] as number] as Uint8Array;
  }

  openOff(ref: number): number {
    return this.u32[ref * 16 + 12] as number;
  }

  /** Bytes written to the open chunk of `ref`. */
  openBytes(ref: number): number {
    return ((this.u32[ref * 16 + 10] as number) + 7) >>> 3;
  }

  /** Seals the open chunk of `ref`: its bytes go to the head chunk files and its region is freed. */
  sealOpen(ref: number): void {
    if (this.u8[ref * 64 + 60] !== 1) return;
    const page = this.u32[ref * 16 + 11] as number;
    const off = this.u32[ref * 16 + 12] as number;
    const row = this.chunks.seal(
      this.chunks.pages[page] as Uint8Array,
      off,
      this.openBytes(ref),
      this.f64[ref * 8 + 1] as number,
      this.f64[ref * 8 + 0] as number,
      this.u16[ref * 32 + 26] as number,
    );
    this.dropOpen(ref);
    const last = this.lastChunk[ref] as number;
    if (last < 0) this.firstChunk[ref] = row;
    else this.chunks.next[last] = row;
    this.lastChunk[ref] = row;
  }

  /** Forgets the open chunk of `ref` (if any) and frees its region. */
  dropOpen(ref: number): void {
    if (this.u8[ref * 64 + 60] !== 1) return;
    this.chunks.release(
      this.u32[ref * 16 + 11] as number,
      this.u32[ref * 16 + 12] as number,
      this.u16[ref * 32 + 27] as number,
    );
    this.u8[ref * 64 + 60] = 0;
  }

  /**
   * Replay of a checkpoint: adds an encoded chunk as a sealed chunk of `ref`. Chunks must come in
   * time order and after every chunk the series already has.
   */
  loadChunk(
    ref: number,
    buf: Uint8Array,
    start: number,
    len: number,
    mint: number,
    maxt: number,
    count: number,
  ): void {
    this.sealOpen(ref);
    const row = this.chunks.seal(buf, start, len, mint, maxt, count);
    const last = this.lastChunk[ref] as number;
    if (last < 0) this.firstChunk[ref] = row;
    else this.chunks.next[last] = row;
    this.lastChunk[ref] = row;
    if (maxt > this.maxT) this.maxT = maxt;
    if (mint < this.minT) this.minT = mint;
  }

  /**
   * Replay of a checkpoint: makes an encoded chunk the open chunk of `ref` again, so appends
   * continue in it, as they would have without the restart (instead of a short chunk sealed at
   * every restart). The chunk must come after every chunk the series has, and `maxt` must be its
   * newest sample. The writer's state is recovered by decoding the chunk; a chunk that does not
   * read back as described, or is too full to take another sample, is loaded sealed instead.
   */
  loadOpenChunk(
    ref: number,
    buf: Uint8Array,
    start: number,
    len: number,
    mint: number,
    maxt: number,
    count: number,
  ): void {
    const rt = this.replayT;
    const rv = this.replayV32;
    if (count > 0 && count < MAX_CHUNK_SAMPLES) bulk.decodeXor(buf, start, len, mint, count, rt, rv, 0);
    const bits = bulk.endBits;
    const bytes = (bits + 7) >>> 3;
    if (
      count <= 0 ||
      count >= MAX_CHUNK_SAMPLES ||
      rt[count - 1] !== maxt ||
      bytes > len ||
      bytes + MAX_SAMPLE_BYTES > MAX_CHUNK_BYTES
    ) {
      this.loadChunk(ref, buf, start, len, mint, maxt, count);
      return;
    }
    this.sealOpen(ref);
    const ch = this.chunks;
    const cap = ch.reserve(bytes + MAX_SAMPLE_BYTES, ref);
    const page = ch.pages[ch.rp] as Uint8Array;
    page.set(buf.subarray(start, start + bytes), ch.ro);
    // The writer ORs bits in: the bits after the last sample must be zero.
    if ((bits & 7) !== 0)
      page[ch.ro + bytes - 1] = (page[ch.ro + bytes - 1] as number) & (0xff00 >>> (bits & 7));
    this.u8[ref * 64 + 60] = 1;
    this.u32[ref * 16 + 10] = bits;
    this.u32[ref * 16 + 11] = ch.rp;
    this.u32[ref * 16 + 12] = ch.ro;
    this.u16[ref * 32 + 27] = cap;
    this.u16[ref * 32 + 26] = count;
    this.f64[ref * 8 + 1] = mint;
    this.f64[ref * 8 + 3] = (Math.floor(mint / this.chunkRange) + 1) * this.chunkRange;
    this.f64[ref * 8 + 2] = bulk.endTDelta;
    this.u8[ref * 64 + 58] = bulk.endWindowed === 1 ? bulk.endLead : 255; // 255: no window yet (see XorWriter)
    this.u8[ref * 64 + 59] = bulk.endTrail;
    this.f64[ref * 8 + 0] = maxt;
    this.u32[ref * 16 + 8] = rv[2 * count - 1] as number;
    this.u32[ref * 16 + 9] = rv[2 * count - 2] as number;
    if (maxt > this.maxT) this.maxT = maxt;
    if (mint < this.minT) this.minT = mint;
  }
  /** Scratch of loadOpenChunk: a chunk's timestamps and value bits. */
  private readonly replayT = new Float64Array(MAX_CHUNK_SAMPLES);
  private readonly replayV32 = new Int32Array(2 * MAX_CHUNK_SAMPLES);

  /** Replay of a checkpoint: the newest in-order sample of `ref` (for the duplicate check). */
  setLast(ref: number, t: number, hi: number, lo: number): void {
    this.f64[ref * 8 + 0] = t;
    this.u32[ref * 16 + 8] = hi;
    this.u32[ref * 16 + 9] = lo;
  }

  /** Adds a native histogram sample (null = stale marker); the caller applied the rules. */
  insertHist(ref: number, t: number, h: FloatHistogram | null): void {
    this.hists.insert(ref, t, h);
    if (t > this.maxT) this.maxT = t;
    if (t < this.minT) this.minT = t;
  }

  /** Adds an out-of-order sample (older than lastT, not present yet). */
  insertOoo(ref: number, t: number, hi: number, lo: number): void {
    this.ooo.insert(ref, t, hi, lo);
    if (t > this.maxT) this.maxT = t;
    if (t < this.minT) this.minT = t;
  }

  /**
   * Looks for a stored sample of `ref` at `t` (in chunks or out-of-order data). Returns true and
   * leaves its value bits in `foundHi`/`foundLo` when there is one.
   */
  findSample(ref: number, t: number): boolean {
    if (this.ooo.find(ref, t)) {
      this.foundHi = this.ooo.foundHi;
      this.foundLo = this.ooo.foundLo;
      return true;
    }
    const it = this.scratchIter;
    it.reset(this, ref, t, t);
    if (it.nextSample() && it.t === t) {
      this.foundHi = it.vhi;
      this.foundLo = it.vlo;
      return true;
    }
    return false;
  }
  foundHi = 0;
  foundLo = 0;
  private readonly scratchIter: HeadChunkCursor = new HeadChunkCursor();

  /** Approximate bytes held by the head's columns and buffers (statistics). */
  memoryBytes(): number {
    return (
      this.hash.length * 114 +
      this.pairs.byteLength +
      this.table.byteLength +
      this.chunks.memoryBytes() +
      this.symbols.byteSize()
    );
  }
}
