import { IdleRelease } from '../idle-release.ts';

/** Default budget of the process-wide cache (see HeadChunkCache). */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
/** Default segment size: the unit that is read, cached and evicted. */
export const DEFAULT_SEGMENT_BYTES = 256 * 1024;
/** Default time without any cached read after which the whole cache is given back. */
export const DEFAULT_IDLE_MS = 5 * 60_000;
/**
 * A segment also holds this many bytes of the next one, so that a chunk starting in it is in it
 * whole: head chunks are at most 120 × 19 = 2280 bytes (MAX_CHUNK_SAMPLES × MAX_SAMPLE_BYTES); a
 * longer one would be read as without the cache, into a fresh buffer.
 */
export const OVERLAP = 4096;
/** Spare bytes after a segment's bytes: the bulk decoder may read up to 8 past a chunk. */
const PAD = 8;

/**
 * One cached piece of a head chunk file: the file's bytes [start, start + valid) in buf[0, valid).
 * `valid` only grows (the file's tail is read in as it becomes final); bytes below it never change,
 * so queries may keep the buffer for as long as they like, evicted or not.
 */
export class Segment {
  readonly view: CacheView;
  readonly key: number;
  readonly start: number;
  readonly buf: Uint8Array;
  valid = 0;
  /** The read (see HeadChunkCache.begin) that used it last. */
  used = 0;
  /** LRU list: `prev` is more recently used. */
  prev: Segment | null = null;
  next: Segment | null = null;
  constructor(view: CacheView, key: number, start: number, bytes: number) {
    this.view = view;
    this.key = key;
    this.start = start;
    this.buf = new Uint8Array(bytes);
  }
}

/**
 * The columns of one batch read (ChunkStore.fetch, HeadChunkFiles.readMany), at least `size` long.
 * Queries share one set kept by the cache (reads are synchronous, so one at a time uses it), given
 * back with the segments when the cache goes idle.
 */
export class FetchScratch {
  readonly size: number;
  readonly files: Uint32Array;
  readonly offs: Uint32Array;
  readonly lens: Uint16Array;
  readonly order: Uint32Array;
  /** Radix sort scratch (see readOrder). */
  readonly tmp: Uint32Array;
  /** Chunks not served from the cache. */
  readonly missed: Uint32Array;
  constructor(size: number) {
    this.size = size;
    this.files = new Uint32Array(size);
    this.offs = new Uint32Array(size);
    this.lens = new Uint16Array(size);
    this.order = new Uint32Array(size);
    this.tmp = new Uint32Array(size);
    this.missed = new Uint32Array(size);
  }
}

/** The segments of one owner (one HeadChunkFiles), keyed by `file * segmentsPerFile + index`. */
export class CacheView {
  readonly segments = new Map<number, Segment>();
  /** Bytes of this owner's segments (counted in its head's memoryBytes). */
  bytes = 0;
  closed = false;
}

export interface HeadChunkCacheOptions {
  /** Byte budget; 0 disables caching. Default DEFAULT_CACHE_BYTES. */
  readonly maxBytes?: number;
  /** Default DEFAULT_SEGMENT_BYTES (a power of two, at least 4 KiB). */
  readonly segmentBytes?: number;
  /** Give everything back after this long without a cached read (0 = never). Default 5 min. */
  readonly idleMs?: number;
  /** Clock, ms (tests). */
  readonly now?: () => number;
}

/**
 * A bounded, read-only cache of head chunk file bytes shared by every head of the process (what
 * the page cache and mmap are to Prometheus's head chunks): fixed-size aligned segments of the
 * files, least recently used evicted first once the byte budget is reached, everything given back
 * after `idleMs` without a cached read. Only bytes that are final (written to the file, see
 * HeadChunkFiles) are put here; the files are append-only, so cached bytes never go stale, and a
 * file's segments are dropped when it is deleted or its owner closes.
 *
 * Queries fill it; maintenance (head cuts, checkpoints) only reads from it (see HeadChunkFiles),
 * so an idle server's memory does not grow by it.
 */
export class HeadChunkCache {
  readonly maxBytes: number;
  readonly segmentBytes: number;
  /** Log2 of segmentBytes. */
  readonly shift: number;
  /** Gives everything back after `idleMs` without a query read. */
  private readonly idle: IdleRelease;
  /** Most and least recently used. */
  private head: Segment | null = null;
  private tail: Segment | null = null;
  /** Bytes held by all segments. */
  bytes = 0;
  /** Segment lookups that found the bytes wanted / that had to read (statistics, metrics). */
  hits = 0;
  misses = 0;
  evictions = 0;
  private shared: FetchScratch | null = null;
  /** The current read (one readMany call), see begin. */
  private epoch = 0;

  constructor(options: HeadChunkCacheOptions = {}) {
    this.maxBytes = Math.max(0, options.maxBytes ?? DEFAULT_CACHE_BYTES);
    const seg = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.shift = Math.round(Math.log2(seg));
    if (1 << this.shift !== seg || seg < 4096) {
      throw new Error(`head chunk cache segment size must be a power of two ≥ 4096, got ${seg}`);
    }
    this.segmentBytes = seg;
    this.idle = new IdleRelease(
      options.idleMs ?? DEFAULT_IDLE_MS,
      options.now ?? Date.now,
      () => this.bytes > 0,
      () => this.clear(),
    );
  }

  get idleMs(): number {
    return this.idle.idleMs;
  }

  /** Bytes one segment takes (its file bytes, the overlap and the padding). */
  get bufferBytes(): number {
    return this.segmentBytes + OVERLAP + PAD;
  }

  /** Whether anything can be cached (the budget holds at least one segment). */
  get enabled(): boolean {
    return this.maxBytes >= this.bufferBytes;
  }

  /** The shared scratch columns, grown to at least `n` (kept until the cache goes idle). */
  scratch(n: number): FetchScratch {
    if (this.shared === null || this.shared.size < n) {
      this.shared = new FetchScratch(Math.max(n, 2 * (this.shared?.size ?? 0)));
    }
    return this.shared;
  }

  /** A view for one owner. */
  open(): CacheView {
    return new CacheView();
  }

  /**
   * Starts one read (a batch of chunks, one HeadChunkFiles.readMany call). A read never evicts the
   * segments it used itself: one that wants more than the budget (a query over more sealed chunks
   * than fit) keeps the first budget's worth cached and reads the rest fresh, instead of evicting
   * its own segments in a cycle and hitting nothing next time (plain LRU under a repeated scan).
   * `query` marks a query's read, which postpones the idle release.
   */
  begin(query: boolean): void {
    this.epoch++;
    if (query) this.idle.touch();
  }

  /** The segment at `key` of `view`, made most recently used; null if not cached. */
  get(view: CacheView, key: number): Segment | null {
    const s = view.segments.get(key);
    if (s === undefined) return null;
    s.used = this.epoch;
    if (this.head !== s) {
      this.unlink(s);
      this.linkFront(s);
    }
    return s;
  }

  /**
   * A new empty segment (valid 0) for file bytes from `start`, most recently used; evicts the least
   * recently used ones beyond the budget. Null when the cache is disabled, `view` is closed, or
   * making room would evict a segment of the current read (see begin).
   */
  add(view: CacheView, key: number, start: number): Segment | null {
    if (!this.enabled || view.closed) return null;
    const size = this.bufferBytes;
    while (this.tail !== null && this.bytes + size > this.maxBytes) {
      if (this.tail.used === this.epoch) return null;
      this.remove(this.tail);
      this.evictions++;
    }
    const s = new Segment(view, key, start, size);
    s.used = this.epoch;
    view.segments.set(key, s);
    view.bytes += size;
    this.bytes += size;
    this.linkFront(s);
    this.idle.arm();
    return s;
  }

  /** Drops the segments of `view` with keys in [from, to) (a deleted file). */
  dropRange(view: CacheView, from: number, to: number): void {
    if (view.segments.size === 0) return;
    for (const [key, s] of view.segments) if (key >= from && key < to) this.remove(s);
  }

  /** Drops every segment of `view`, which takes no new ones (its owner closed). */
  close(view: CacheView): void {
    view.closed = true;
    for (const s of view.segments.values()) this.remove(s);
  }

  /** Gives back every segment (idle, or by hand). */
  clear(): void {
    while (this.tail !== null) this.remove(this.tail);
    this.shared = null;
    this.stopIdle();
  }

  /** Stops the idle timer (the cache stays usable; the next segment added starts it again). */
  stopIdle(): void {
    this.idle.stop();
  }

  /** Gives everything back if nothing was read for `idleMs` (see IdleRelease.sweep). */
  sweep(): void {
    this.idle.sweep();
  }

  private remove(s: Segment): void {
    if (s.view.segments.get(s.key) === s) s.view.segments.delete(s.key);
    s.view.bytes -= s.buf.length;
    this.bytes -= s.buf.length;
    this.unlink(s);
  }

  private linkFront(s: Segment): void {
    s.prev = null;
    s.next = this.head;
    if (this.head !== null) this.head.prev = s;
    this.head = s;
    if (this.tail === null) this.tail = s;
  }

  private unlink(s: Segment): void {
    if (s.prev !== null) s.prev.next = s.next;
    else if (this.head === s) this.head = s.next;
    if (s.next !== null) s.next.prev = s.prev;
    else if (this.tail === s) this.tail = s.prev;
    s.prev = null;
    s.next = null;
  }
}

let shared: HeadChunkCache | null = null;

/** The process-wide cache heads use unless given another (DEFAULT_CACHE_BYTES). */
export function sharedHeadChunkCache(): HeadChunkCache {
  shared ??= new HeadChunkCache();
  return shared;
}
