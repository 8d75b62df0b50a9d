import type { TsdbFs } from '../fs.ts';
import { FetchScratch, OVERLAP, type CacheView, type HeadChunkCache, type Segment } from './chunk-cache.ts';

/** A head chunk file is closed at this size and the next one started. */
const FILE_BYTES = 128 * 1024 * 1024;
/** Sealed chunks are gathered in memory and written in pieces of this size. */
const BUF_BYTES = 1024 * 1024;
/** Reads of chunks closer than this in one file are merged into one read. */
const READ_GAP = 16 * 1024;
/** The longest merged read. */
const READ_MAX = 4 * 1024 * 1024;

/** Segment keys: `file * KEYS_PER_FILE + index` (segments are at least 4 KiB, files 128 MiB). */
const KEYS_PER_FILE = 65536;

/** Bytes kept in memory because writing them failed (or because there is no directory). */
interface Pending {
  readonly file: number;
  readonly start: number;
  readonly bytes: Uint8Array;
}

/**
 * Where the head keeps its sealed chunks: append-only files `chunks_head/NNNNNNNN` (up to 128 MiB
 * each), like Prometheus's memory-mapped head chunks, so that the head's memory is the open chunks
 * and the indexes, not two hours of history. The files are a cache of what the WAL and the
 * checkpoints hold: they are deleted on open and filled again by replay, never fsynced, and a file
 * is deleted once no chunk in it is alive.
 *
 * Sealed chunks are appended to a 1 MiB buffer that is written out (synchronously, ~1 ms) when
 * full; chunks still in the buffer are read from it. A failed write (disk full) keeps the bytes in
 * memory and retries on the next write, so appends never fail here. Without a directory (`fs`
 * null) everything stays in memory.
 *
 * Reads go through a HeadChunkCache when one is given: bytes that are final (written to the file:
 * not in the buffer, not kept after a failed write) are read once per cache segment and handed out
 * as the segment's buffer (zero copy); the rest are positioned reads into fresh buffers. Either way
 * a buffer handed to a query stays valid (and unchanged where the query reads) for as long as the
 * query holds it: files are append-only, and a segment's bytes below its `valid` never change.
 */
export class HeadChunkFiles {
  private readonly fs: TsdbFs | null;
  readonly dir: string;
  /** The file being appended to, and its size (buffer included). */
  private cur = 0;
  private curSize = 0;
  private readonly fds = new Map<number, number>();
  /** Chunks alive per file. */
  private readonly live: number[] = [0];
  /** Size of each file once closed (rotated away from). */
  private readonly sizes: number[] = [];
  private readonly cache: HeadChunkCache | null;
  private readonly view: CacheView | null;
  /** While above 0, reads use cached segments but add none (maintenance scans, see withoutFill). */
  private noFill = 0;
  private buf = new Uint8Array(BUF_BYTES);
  /** File offset of buf[0]. */
  private bufStart = 0;
  private bufUsed = 0;
  private pending: Pending[] = [];
  /** Where the last `append` put its bytes. */
  file = 0;
  off = 0;
  /** Bytes written to files so far, and failed writes (statistics). */
  writtenBytes = 0;
  writeErrors = 0;

  /** A file is closed at this size (FILE_BYTES; tests make it small). */
  private readonly fileBytes: number;

  constructor(fs: TsdbFs | null, dir: string, cache: HeadChunkCache | null = null, fileBytes = FILE_BYTES) {
    this.fs = fs;
    this.dir = dir;
    this.fileBytes = fileBytes;
    // Without files everything is in memory already (pending): nothing to cache.
    this.cache = fs !== null && cache !== null && cache.enabled ? cache : null;
    this.view = this.cache !== null ? this.cache.open() : null;
  }

  /**
   * Runs `fn` (synchronous) with reads that use cached segments but add none: for scans of the
   * whole head (head cuts, checkpoints), which would otherwise evict what queries use and leave the
   * cache full on a server nobody queries.
   */
  withoutFill<T>(fn: () => T): T {
    this.noFill++;
    try {
      return fn();
    } finally {
      this.noFill--;
    }
  }

  /**
   * Scratch columns for a batch read of `n` chunks (`readMany`'s columns and its own): for a query
   * through the cache, the cache's shared ones (no allocation per query); else new ones.
   */
  scratch(n: number): FetchScratch {
    return this.cache !== null && this.noFill === 0 ? this.cache.scratch(n) : new FetchScratch(n);
  }

  /** Bytes [0, end) of `file` are final: written to the file and never changed again. */
  private finalEnd(file: number): number {
    let end = file === this.cur ? this.bufStart : (this.sizes[file] ?? 0);
    for (const p of this.pending) if (p.file === file && p.start < end) end = p.start;
    return end;
  }

  private path(file: number): string {
    return `${this.dir}/${String(file).padStart(8, '0')}`;
  }

  private fd(file: number): number {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      fd = (this.fs as TsdbFs).openSync(this.path(file), file === this.cur ? 'w+' : 'r');
      this.fds.set(file, fd);
    }
    return fd;
  }

  /** Appends `len` bytes of `src` from `start`; leaves their place in `file`/`off`. */
  append(src: Uint8Array, start: number, len: number): void {
    if (this.curSize + len > this.fileBytes && this.curSize > 0) this.rotate();
    if (this.bufUsed + len > this.buf.length) this.flush();
    this.buf.set(src.subarray(start, start + len), this.bufUsed);
    this.file = this.cur;
    this.off = this.bufStart + this.bufUsed;
    this.bufUsed += len;
    this.curSize += len;
    this.live[this.cur] = (this.live[this.cur] as number) + 1;
  }

  /** Writes the buffer out (or keeps it in memory if that fails) and starts an empty one. */
  flush(): void {
    if (this.bufUsed === 0) return;
    this.retryPending();
    if (this.fs === null || !this.tryWrite(this.cur, this.buf, this.bufUsed, this.bufStart)) {
      this.pending.push({ file: this.cur, start: this.bufStart, bytes: this.buf.slice(0, this.bufUsed) });
    }
    this.bufStart += this.bufUsed;
    this.bufUsed = 0;
  }

  private tryWrite(file: number, bytes: Uint8Array, len: number, position: number): boolean {
    const fs = this.fs as TsdbFs;
    try {
      const fd = this.fd(file);
      for (let done = 0; done < len;) {
        const n = fs.writeSync(fd, bytes, done, len - done, position + done);
        if (n <= 0) throw new Error('write made no progress');
        done += n;
      }
      this.writtenBytes += len;
      return true;
    } catch {
      this.writeErrors++;
      return false;
    }
  }

  private retryPending(): void {
    if (this.fs === null || this.pending.length === 0) return;
    const left: Pending[] = [];
    for (const p of this.pending) {
      if ((this.live[p.file] ?? 0) === 0 && p.file !== this.cur) continue;
      if (!this.tryWrite(p.file, p.bytes, p.bytes.length, p.start)) left.push(p);
    }
    this.pending = left;
  }

  private rotate(): void {
    this.flush();
    const old = this.cur;
    this.sizes[old] = this.curSize;
    this.cur++;
    this.curSize = 0;
    this.bufStart = 0;
    this.live[this.cur] = 0;
    // Reopen the old file read-only on its next read.
    const fd = this.fds.get(old);
    if (fd !== undefined) {
      this.fds.delete(old);
      this.closeQuietly(fd);
    }
    if (this.live[old] === 0) this.remove(old);
  }

  /** One chunk of `file` is no longer needed; a file with none left is deleted. */
  release(file: number): void {
    const n = (this.live[file] as number) - 1;
    this.live[file] = n;
    if (n === 0 && file !== this.cur) this.remove(file);
  }

  private remove(file: number): void {
    if (this.view !== null) {
      (this.cache as HeadChunkCache).dropRange(this.view, file * KEYS_PER_FILE, (file + 1) * KEYS_PER_FILE);
    }
    if (this.pending.length > 0) this.pending = this.pending.filter((p) => p.file !== file);
    if (this.fs === null) return;
    const fd = this.fds.get(file);
    if (fd !== undefined) {
      this.fds.delete(file);
      this.closeQuietly(fd);
    }
    try {
      this.fs.unlinkSync(this.path(file));
    } catch {
      // Left for the next open, which clears the directory.
    }
  }

  private closeQuietly(fd: number): void {
    try {
      (this.fs as TsdbFs).closeSync(fd);
    } catch {
      // Nothing to do.
    }
  }

  /**
   * Copies `len` bytes at `off` of `file` into `out` at `at`. Throws if the bytes cannot be read
   * (a deleted or damaged cache file: the engine then reports the error for that query).
   */
  readInto(file: number, off: number, len: number, out: Uint8Array, at: number): void {
    this.readRange(file, off, out.subarray(at, at + len));
  }

  /**
   * Reads many chunks at once: `files[i]`, `offs[i]`, `lens[i]` for i in `order` (sorted by file
   * and offset). Fills `outBuf[i]` / `outOff[i]`: a cache segment's buffer where the bytes are
   * final, else fresh buffers (nearby chunks share one read). `scratch` (from `scratch(n)`, its
   * `missed` not one of the arguments) is used if given.
   */
  readMany(
    files: Uint32Array,
    offs: Uint32Array,
    lens: Uint16Array,
    order: Uint32Array,
    n: number,
    outBuf: Uint8Array[],
    outOff: Uint32Array,
    scratch?: FetchScratch,
  ): void {
    const cache = this.cache;
    const view = this.view;
    if (cache === null || view === null) {
      this.readFresh(files, offs, lens, order, n, outBuf, outOff);
      return;
    }
    const missed = scratch !== undefined && scratch.size >= n ? scratch.missed : new Uint32Array(n);
    let m = 0;
    const shift = cache.shift;
    const segBytes = cache.segmentBytes;
    const fill = this.noFill === 0;
    cache.begin(fill);
    let k = 0;
    while (k < n) {
      // The chunks starting in one segment of one file.
      const first = order[k] as number;
      const file = files[first] as number;
      const index = (offs[first] as number) >>> shift;
      const segStart = index * segBytes;
      const segEnd = segStart + segBytes;
      let end = 0;
      let j = k;
      for (; j < n; j++) {
        const i = order[j] as number;
        const o = offs[i] as number;
        if (files[i] !== file || o >= segEnd) break;
        end = Math.max(end, o + (lens[i] as number));
      }
      let seg: Segment | null = cache.get(view, file * KEYS_PER_FILE + index);
      if (seg === null || segStart + seg.valid < end) {
        // Read what is final of this segment (and of the overlap): bytes still in the write buffer
        // or kept after a failed write are read fresh below, and cached once written.
        const want = Math.min(segEnd + OVERLAP, this.finalEnd(file));
        if (want > segStart + (seg === null ? 0 : seg.valid) && (seg !== null || fill)) {
          cache.misses++;
          seg ??= cache.add(view, file * KEYS_PER_FILE + index, segStart);
          if (seg !== null) {
            this.readRange(file, segStart + seg.valid, seg.buf.subarray(seg.valid, want - segStart));
            seg.valid = want - segStart;
          }
        }
      } else cache.hits++;
      for (let c = k; c < j; c++) {
        const i = order[c] as number;
        const o = offs[i] as number;
        if (seg !== null && o + (lens[i] as number) <= segStart + seg.valid) {
          outBuf[i] = seg.buf;
          outOff[i] = o - segStart;
        } else missed[m++] = i;
      }
      k = j;
    }
    if (m > 0) this.readFresh(files, offs, lens, missed, m, outBuf, outOff);
  }

  /** `readMany` into fresh buffers, nearby chunks sharing one read. */
  private readFresh(
    files: Uint32Array,
    offs: Uint32Array,
    lens: Uint16Array,
    order: Uint32Array,
    n: number,
    outBuf: Uint8Array[],
    outOff: Uint32Array,
  ): void {
    let k = 0;
    while (k < n) {
      const first = order[k] as number;
      const file = files[first] as number;
      const start = offs[first] as number;
      let end = start + (lens[first] as number);
      let j = k + 1;
      for (; j < n; j++) {
        const i = order[j] as number;
        const o = offs[i] as number;
        if (files[i] !== file || o > end + READ_GAP || o + (lens[i] as number) - start > READ_MAX) break;
        end = Math.max(end, o + (lens[i] as number));
      }
      const bytes = new Uint8Array(end - start);
      this.readRange(file, start, bytes);
      for (let m = k; m < j; m++) {
        const i = order[m] as number;
        outBuf[i] = bytes;
        outOff[i] = (offs[i] as number) - start;
      }
      k = j;
    }
  }

  /**
   * Fills `out` from `start` of `file`, piece by piece: bytes still in the buffer, bytes kept in
   * memory after a failed write, and the rest from the file.
   */
  private readRange(file: number, start: number, out: Uint8Array): void {
    const end = start + out.length;
    const inBuf = file === this.cur ? this.bufStart : Infinity;
    for (let at = start; at < end;) {
      if (at >= inBuf) {
        out.set(this.buf.subarray(at - inBuf, end - inBuf), at - start);
        return;
      }
      let stop = Math.min(end, inBuf);
      let kept: Pending | null = null;
      for (const p of this.pending) {
        if (p.file !== file) continue;
        if (at >= p.start && at < p.start + p.bytes.length) kept = p;
        else if (p.start > at && p.start < stop) stop = p.start;
      }
      if (kept !== null) {
        stop = Math.min(end, inBuf, kept.start + kept.bytes.length);
        out.set(kept.bytes.subarray(at - kept.start, stop - kept.start), at - start);
      } else {
        if (this.fs === null) throw new Error(`head chunk bytes at ${file}:${at} are not in memory`);
        const fd = this.fd(file);
        for (let p = at; p < stop;) {
          const n = this.fs.readSync(fd, out, p - start, stop - p, p);
          if (n <= 0) throw new Error(`head chunk file ${this.path(file)} is shorter than expected`);
          p += n;
        }
      }
      at = stop;
    }
  }

  /**
   * The bytes of one chunk from the cache (a view of its segment, no copy), or null if they are not
   * cached. Adds nothing to the cache.
   */
  cached(file: number, off: number, len: number): Uint8Array | null {
    const cache = this.cache;
    if (cache === null || this.view === null) return null;
    const index = off >>> cache.shift;
    const seg = cache.get(this.view, file * KEYS_PER_FILE + index);
    if (seg === null || off + len > seg.start + seg.valid) return null;
    cache.hits++;
    return seg.buf.subarray(off - seg.start, off - seg.start + len);
  }

  /** Bytes of this head's segments in the cache. */
  cachedBytes(): number {
    return this.view !== null ? this.view.bytes : 0;
  }

  /** Bytes held in memory (the buffer, kept failed writes, this head's cached segments). */
  memoryBytes(): number {
    let n = this.buf.length + this.cachedBytes();
    for (const p of this.pending) n += p.bytes.length;
    return n;
  }

  close(): void {
    if (this.view !== null) (this.cache as HeadChunkCache).close(this.view);
    for (const fd of this.fds.values()) this.closeQuietly(fd);
    this.fds.clear();
  }
}
