import { UnavailableError } from '../../model/index.ts';
import { fsyncDir, writeAll, type TsdbFs } from '../fs.ts';
import { RecordWriter } from './record.ts';

/**
 * When the WAL calls fsync. Acknowledged samples always survive a killed process (the data is in
 * the kernel once write() returned); fsync decides what survives a power loss or kernel crash.
 *
 * - `always`: fsync before acknowledging every group commit (slowest, loses nothing).
 * - `interval` (default): fsync every `fsyncIntervalMs` and when a segment is cut; a machine crash
 *   loses at most that interval.
 * - `segment`: fsync only when a segment is cut or the WAL is closed (Prometheus's policy).
 */
export type FsyncPolicy = 'always' | 'interval' | 'segment';

export interface WalOptions {
  readonly segmentBytes: number;
  readonly fsync: FsyncPolicy;
  readonly fsyncIntervalMs: number;
}

/** Told which series records became durable, or were lost with a failed write. */
export interface WalListener {
  durable(refs: readonly number[]): void;
  lost(refs: readonly number[]): void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export function segmentName(n: number): string {
  return String(n).padStart(8, '0');
}

/**
 * The write side of the WAL with group commit. Appenders encode records synchronously into `rec`
 * and call `commit()`; one flush loop writes everything staged so far with one write() call and
 * resolves all the commits it covered, while the next group accumulates in a second buffer.
 *
 * Failure contract: when a write fails (ENOSPC, EIO) every commit of that group and of the group
 * staged meanwhile is rejected with UnavailableError, the segment is truncated back to the last
 * good offset (so later records never follow garbage), and the listener hears which series records
 * were lost so they are written again with their next sample.
 */
export class Wal {
  /** The staging buffer. Write whole records only (begin/end) within one synchronous call. */
  rec = new RecordWriter();
  /** Series refs whose Series record is staged in `rec`. */
  pendingRefs: number[] = [];

  private spare = new RecordWriter();
  private waiters: Waiter[] = [];
  private running = false;
  private syncDue = false;
  private dirty = false;
  private cutRequested = false;
  private needTruncate = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private idle: Promise<void> = Promise.resolve();
  private idleResolve: (() => void) | null = null;

  private readonly fs: TsdbFs;
  private readonly dir: string;
  private readonly opts: WalOptions;
  private readonly listener: WalListener;
  private fd: number;
  /** Bytes written since this WAL was opened (checkpoint scheduling). */
  bytesWritten = 0;
  /** Segment being written and the end of its last durable record. */
  segment: number;
  offset: number;

  private constructor(
    fs: TsdbFs,
    dir: string,
    opts: WalOptions,
    listener: WalListener,
    fd: number,
    segment: number,
  ) {
    this.fs = fs;
    this.dir = dir;
    this.opts = opts;
    this.listener = listener;
    this.fd = fd;
    this.segment = segment;
    this.offset = 0;
  }

  /** Starts writing a fresh segment number `segment` in `dir`. */
  static async create(
    fs: TsdbFs,
    dir: string,
    segment: number,
    opts: WalOptions,
    listener: WalListener,
  ): Promise<Wal> {
    const fd = await fs.open(`${dir}/${segmentName(segment)}`, 'w');
    await fsyncDir(fs, dir);
    const wal = new Wal(fs, dir, opts, listener, fd, segment);
    if (opts.fsync === 'interval') {
      wal.timer = setInterval(() => {
        if (!wal.dirty) return;
        wal.syncDue = true;
        wal.kick();
      }, opts.fsyncIntervalMs);
      wal.timer.unref();
    }
    return wal;
  }

  /** Resolves when everything staged so far is written (and fsynced under `always`). */
  commit(): Promise<void> {
    if (this.closed)
      return Promise.reject(new UnavailableError('the storage is closing; retry on the next start'));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /**
   * Makes the next write go to a new segment and returns its number: every record committed before
   * this call is in a segment below it (used by checkpoints).
   */
  async cut(): Promise<number> {
    this.cutRequested = true;
    await this.commit();
    return this.segment;
  }

  /** Bytes staged and not yet written. */
  stagedBytes(): number {
    return this.rec.pos;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer !== null) clearInterval(this.timer);
    await this.commit().catch(() => undefined);
    this.closed = true;
    await this.idle;
    try {
      await this.fs.fsync(this.fd);
    } finally {
      await this.fs.close(this.fd);
    }
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    this.idle = new Promise((r) => (this.idleResolve = r));
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    try {
      while (this.waiters.length > 0 || this.rec.pos > 0 || this.syncDue || this.cutRequested) {
        const out = this.rec;
        this.rec = this.spare;
        this.spare = out;
        const waiters = this.waiters;
        this.waiters = [];
        const refs = this.pendingRefs;
        this.pendingRefs = [];
        try {
          if (this.needTruncate) {
            await this.fs.ftruncate(this.fd, this.offset);
            this.needTruncate = false;
          }
          if (this.cutRequested || (this.offset > 0 && this.offset + out.pos > this.opts.segmentBytes)) {
            await this.nextSegment();
            this.cutRequested = false;
          }
          if (out.pos > 0) {
            this.needTruncate = true; // until the write is known complete
            await writeAll(this.fs, this.fd, out.bytes(), this.offset);
            this.needTruncate = false;
            this.offset += out.pos;
            this.bytesWritten += out.pos;
            this.dirty = true;
          }
          if (this.dirty && (this.opts.fsync === 'always' || this.syncDue)) {
            this.syncDue = false;
            await this.fs.fsync(this.fd);
            this.dirty = false;
          }
          // A due fsync with nothing dirty is done: a segment cut in this round already synced
          // what the timer asked for. Left set, it would keep this loop going without one await.
          if (!this.dirty) this.syncDue = false;
          this.listener.durable(refs);
          for (const w of waiters) w.resolve();
        } catch (err) {
          this.fail(err as Error, waiters, refs);
        } finally {
          out.reset();
          out.shrink(1024 * 1024);
        }
      }
    } finally {
      this.running = false;
      this.idleResolve?.();
    }
  }

  private fail(err: Error, waiters: Waiter[], refs: number[]): void {
    // Whatever was staged while this group was in flight may refer to series records lost here.
    const later = this.waiters;
    const laterRefs = this.pendingRefs;
    this.waiters = [];
    this.pendingRefs = [];
    this.rec.reset();
    this.syncDue = false;
    // A cut that failed is not retried in a loop; the next one is asked for again (checkpoint).
    this.cutRequested = false;
    this.listener.lost(refs.concat(laterRefs));
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    const e = new UnavailableError(
      `could not write the write-ahead log (${code}: ${err.message}) in ${this.dir}; nothing of this request was acknowledged — free disk space or fix the volume, then retry`,
      { cause: err, retryAfterSeconds: 5 },
    );
    for (const w of waiters) w.reject(e);
    for (const w of later) w.reject(e);
  }

  private async nextSegment(): Promise<void> {
    await this.fs.fsync(this.fd);
    const next = this.segment + 1;
    const fd = await this.fs.open(`${this.dir}/${segmentName(next)}`, 'w');
    await this.fs.close(this.fd);
    this.fd = fd;
    this.segment = next;
    this.offset = 0;
    this.dirty = false;
    await fsyncDir(this.fs, this.dir);
  }
}
