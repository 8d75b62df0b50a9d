import { UnavailableError, type Matcher, type MetricMetadata, type SampleBatch } from '../model/index.ts';
import type {
  AppendOptions,
  AppendResult,
  NameCount,
  Querier,
  SeriesExemplars,
  Storage,
  StorageStats,
} from '../storage/index.ts';
import { CompactionRunner } from './compact/runner.ts';
import { realFs, type TsdbFs } from './fs.ts';
import { HeadChunkFiles } from './head/chunk-files.ts';
import { Head, WalState } from './head/head.ts';
import { HeadReader, type PinnedHeadReader } from './head/read.ts';
import { Ingester } from './ingest.ts';
import { DirLock } from './lock.ts';
import {
  applyRetention,
  BlockSet,
  checkpointDueBySize,
  compactOnce,
  cutHead,
  maybeCheckpoint,
} from './maintenance.ts';
import { ExemplarStore, MetadataStore, Tombstones } from './meta-stores.ts';
import { resolveOptions, type ResolvedOptions, type TsdbOptions } from './options.ts';
import { TsdbQuerier } from './query/querier.ts';
import type { BlockReader } from './query/types.ts';
import { writeTombstone } from './wal/encode.ts';
import { RecordType } from './wal/record.ts';
import { listWal, Replayer, type ReplayStats } from './wal/replay.ts';
import { segmentName, Wal } from './wal/wal.ts';

/**
 * One tenant's storage engine over one directory: a head in memory, a WAL, and (see blocks.ts)
 * immutable blocks on disk. Implements the Storage port.
 */
export class Tsdb implements Storage {
  readonly dir: string;
  readonly opts: ResolvedOptions;
  readonly fs: TsdbFs;
  readonly head: Head;
  readonly headReader: HeadReader;
  readonly tombstones = new Tombstones();
  readonly metadataStore = new MetadataStore();
  readonly exemplarStore: ExemplarStore;
  /** What replay found on open (repaired tails, counts). */
  replay: ReplayStats | null = null;
  wal!: Wal;
  readonly blocks: BlockSet;
  readonly runner: CompactionRunner;
  /** WAL ref → head ref, for refs replay had to rename (see Replayer). */
  walAlias = new Map<number, number>();
  readonly lastCheckpoint = { at: 0, walBytes: 0, bytes: 0 };
  /** Problems found on open or by background work (repaired WAL tails, failed compactions). */
  readonly warnings: string[] = [];
  /** Blocks older than the newest sample by more than this are deleted (see setRetentionMs). */
  retentionMs: number;
  private ingester!: Ingester;
  private lock: DirLock | null = null;
  private closed = false;
  private maint: Promise<void> = Promise.resolve();
  private maintTimer: NodeJS.Timeout | null = null;
  private maintQueued = false;

  constructor(dir: string, opts: ResolvedOptions, fs: TsdbFs) {
    this.dir = dir;
    this.opts = opts;
    this.fs = fs;
    this.head = new Head(
      opts.blockRangeMs,
      new HeadChunkFiles(fs, `${dir}/chunks_head`, opts.headChunkCache),
    );
    this.headReader = new HeadReader(this.head);
    this.exemplarStore = new ExemplarStore(opts.maxExemplars);
    this.blocks = new BlockSet(fs, `${dir}/blocks`, opts.blockFrameCache);
    this.runner = new CompactionRunner(fs, opts.compactInWorker);
    this.retentionMs = opts.retentionMs;
  }

  get walDir(): string {
    return `${this.dir}/wal`;
  }

  /** Opens the blocks, replays the WAL and starts a fresh segment. */
  async start(): Promise<void> {
    this.lock = await DirLock.acquire(this.fs, this.dir);
    try {
      await this.replayAndOpen();
    } catch (err) {
      await this.lock.release();
      throw err;
    }
  }

  private async replayAndOpen(): Promise<void> {
    await this.fs.mkdir(this.walDir);
    // The head chunk files are a cache of the WAL and checkpoint: replay fills them anew.
    await this.fs.rm(this.head.chunks.files.dir);
    await this.fs.mkdir(this.head.chunks.files.dir);
    this.warnings.push(...(await this.blocks.load()));
    const blocksMax = this.blocks.maxTime();
    if (Number.isFinite(blocksMax)) this.head.minValidTime = this.head.persistedBefore = blocksMax + 1;
    const replayer = new Replayer({
      head: this.head,
      tombstones: this.tombstones,
      metadata: this.metadataStore,
      exemplars: this.exemplarStore,
    });
    const { segments, checkpoint } = await listWal(this.fs, this.walDir);
    if (checkpoint !== null) {
      const cpDir = `${this.walDir}/checkpoint.${segmentName(checkpoint)}`;
      for (const seg of (await listWal(this.fs, cpDir)).segments) {
        const buf = await this.fs.readFile(`${cpDir}/${segmentName(seg)}`);
        if (replayer.replayBuffer(buf) !== buf.length)
          replayer.stats.warnings.push(`checkpoint ${cpDir} has a corrupt record; replayed what precedes it`);
      }
    }
    const live = segments.filter((s) => checkpoint === null || s > checkpoint);
    for (let i = 0; i < live.length; i++) {
      const seg = live[i] as number;
      const path = `${this.walDir}/${segmentName(seg)}`;
      const buf = await this.fs.readFile(path);
      const end = replayer.replayBuffer(buf);
      if (end === buf.length) continue;
      // A torn tail (killed mid-write) or corruption: keep what precedes it.
      const fd = await this.fs.open(path, 'r+');
      try {
        await this.fs.ftruncate(fd, end);
        await this.fs.fsync(fd);
      } finally {
        await this.fs.close(fd);
      }
      if (i < live.length - 1) {
        replayer.stats.warnings.push(
          `WAL segment ${path} is corrupt at byte ${end} of ${buf.length}; later segments were dropped`,
        );
        for (const later of live.slice(i + 1)) await this.fs.rm(`${this.walDir}/${segmentName(later)}`);
        live.length = i + 1;
        break;
      }
      replayer.stats.warnings.push(`WAL segment ${path}: cut a torn tail at byte ${end} of ${buf.length}`);
    }
    this.replay = replayer.stats;
    this.walAlias = replayer.alias;
    this.lastCheckpoint.at = this.opts.now();
    this.warnings.push(...replayer.stats.warnings);
    const next = Math.max(checkpoint ?? 0, live[live.length - 1] ?? 0) + 1;
    const head = this.head;
    this.wal = await Wal.create(
      this.fs,
      this.walDir,
      next,
      {
        segmentBytes: this.opts.walSegmentBytes,
        fsync: this.opts.walFsync,
        fsyncIntervalMs: this.opts.walFsyncIntervalMs,
      },
      {
        durable(refs) {
          for (const r of refs)
            if (head.walState[r] === WalState.Pending) head.walState[r] = WalState.Durable;
        },
        lost(refs) {
          for (const r of refs) if (head.walState[r] === WalState.Pending) head.walState[r] = WalState.None;
        },
      },
    );
    this.ingester = new Ingester({
      head: this.head,
      wal: this.wal,
      exemplars: this.exemplarStore,
      metadata: this.metadataStore,
    });
    if (this.opts.maintenanceIntervalMs > 0) {
      this.maintTimer = setInterval(() => void this.maintain(), this.opts.maintenanceIntervalMs);
      this.maintTimer.unref();
      void this.maintain();
    }
  }

  /**
   * Runs the background work once, serialised with any run in progress: cut the head into blocks
   * while it is long enough, apply retention, and compact blocks until nothing is planned. Errors
   * are recorded in `warnings` and retried on the next run. `force` also cuts a short head (tests).
   */
  maintain(force = false): Promise<void> {
    if (this.maintQueued && !force) return this.maint;
    this.maintQueued = true;
    this.maint = this.maint.then(async () => {
      this.maintQueued = false;
      if (this.closed) return;
      try {
        // Bounded steps per run, so a head that keeps growing (fast ingest of old data) does not
        // starve compaction; the timer brings the next run.
        for (let i = 0; i < 4 && !this.closed && (await cutHead(this, force && i === 0)); i++);
        applyRetention(this);
        await maybeCheckpoint(this);
        for (let i = 0; i < 4 && !this.closed && (await compactOnce(this)); i++);
      } catch (err) {
        this.warn(`background maintenance failed (retried later): ${(err as Error).message}`);
      }
    });
    return this.maint;
  }

  private warn(message: string): void {
    this.warnings.push(message);
    if (this.warnings.length > 100) this.warnings.splice(0, this.warnings.length - 100);
  }

  /**
   * Writes the whole head into blocks now and compacts what can be merged (also windows that are
   * still filling), serialised with background maintenance. Afterwards the head is empty and
   * samples at or before the newest flushed time are refused (that range is in blocks), as after
   * any head cut. Resolves when done; errors reject (nothing is lost: the WAL still has it all).
   */
  flush(): Promise<void> {
    const run = this.maint.then(async () => {
      if (this.closed) throw new UnavailableError(`the storage in ${this.dir} is closed; retry shortly`);
      // Each forced cut writes the oldest block-range window of the head; bounded, since every
      // window is cut once.
      const windows = Math.ceil((this.head.maxT - this.head.minT) / this.opts.blockRangeMs) + 2;
      for (let i = 0; i < windows && !this.closed && (await cutHead(this, true)); i++);
      applyRetention(this);
      for (let i = 0; i < 64 && !this.closed && (await compactOnce(this, true)); i++);
    });
    this.maint = run.catch((err: unknown) => this.warn(`flush failed: ${(err as Error).message}`));
    return run;
  }

  /** Changes the retention at run time; blocks past the new horizon are deleted by the next maintenance run (started now). */
  setRetentionMs(ms: number): void {
    if (!(ms > 0) || ms === this.retentionMs) return;
    this.retentionMs = ms;
    if (!this.closed) void this.maintain();
  }

  async append(batch: SampleBatch, options: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new UnavailableError(`the storage in ${this.dir} is closed; retry shortly`);
    const result = this.ingester.append(batch, options);
    const h = this.head;
    if (
      this.maintTimer !== null &&
      (h.maxT - Math.max(h.minT, h.persistedBefore) > 1.5 * this.opts.blockRangeMs ||
        checkpointDueBySize(this))
    )
      void this.maintain();
    await this.wal.commit();
    return result;
  }

  /**
   * Readers for a query: blocks overlapping the range, then the head, pinned (open chunks are read
   * in place; see HeadReader.pin) until the querier is closed. A querier garbage-collected without
   * `close()` is closed then (counted in `unclosedQueriers`).
   */
  async querier(mint: number, maxt: number): Promise<Querier> {
    if (this.closed) throw new UnavailableError(`the storage in ${this.dir} is closed; retry shortly`);
    const blocks = this.blocks.list.filter((b) => b.maxTime >= mint && b.minTime <= maxt);
    for (const b of blocks) b.acquire();
    const head = this.headReader.pin();
    const readers: BlockReader[] = [...blocks, head];
    const release = releaser(blocks, head);
    const token = {};
    const q = new TsdbQuerier(readers, this.tombstones, mint, maxt, () => {
      unclosed.unregister(token);
      release();
    });
    unclosed.register(q, { db: this, release }, token);
    return q;
  }
  /** Queriers that were garbage-collected without `close()` (a caller's bug; see `querier`). */
  unclosedQueriers = 0;

  metadata(metric: string | undefined, limit: number): ReadonlyMap<string, readonly MetricMetadata[]> {
    return this.metadataStore.query(metric, limit);
  }

  async exemplars(
    matcherSets: readonly (readonly Matcher[])[],
    start: number,
    end: number,
  ): Promise<readonly SeriesExemplars[]> {
    return this.exemplarStore.query(matcherSets, start, end);
  }

  async deleteSeries(matchers: readonly Matcher[], start: number, end: number): Promise<void> {
    if (this.closed) throw new UnavailableError(`the storage in ${this.dir} is closed; retry shortly`);
    const t = { matchers: [...matchers], start, end };
    this.tombstones.add(t);
    const rec = this.wal.rec;
    rec.begin(RecordType.Tombstone);
    writeTombstone(rec, t);
    rec.end();
    await this.wal.commit();
  }

  stats(limit: number): StorageStats {
    const h = this.head;
    const strings = h.symbols.strings;
    const byName: NameCount[] = [];
    const valueCounts: NameCount[] = [];
    const memory: NameCount[] = [];
    const pairs: NameCount[] = [];
    let numLabelPairs = 0;
    for (const [nameId, values] of h.postings.byName) {
      const name = strings[nameId] as string;
      numLabelPairs += values.size;
      valueCounts.push({ name, value: values.size });
      let bytes = 0;
      for (const [valueId, p] of values) {
        const value = strings[valueId] as string;
        const count = typeof p === 'number' ? 1 : p.n;
        bytes += value.length;
        pairs.push({ name: `${name}=${value}`, value: count });
        if (nameId === h.metricSym) byName.push({ name: value, value: count });
      }
      memory.push({ name, value: bytes });
    }
    const top = (list: NameCount[]): NameCount[] =>
      list
        .sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .slice(0, limit);
    return {
      numSeries: h.live,
      numLabelPairs,
      chunkCount: h.chunks.live + countOpen(h),
      minTime: Number.isFinite(h.minT) ? h.minT : 0,
      maxTime: Number.isFinite(h.maxT) ? h.maxT : 0,
      seriesCountByMetricName: top(byName),
      labelValueCountByLabelName: top(valueCounts),
      memoryInBytesByLabelName: top(memory),
      seriesCountByLabelValuePair: top(pairs),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.maintTimer !== null) clearInterval(this.maintTimer);
    await this.maint;
    await this.runner.close();
    await this.wal.close();
    await this.blocks.close();
    this.head.chunks.files.close();
    await this.lock?.release();
  }
}

/**
 * The safety net for queriers never closed: one that became unreachable releases what it held.
 * TsdbSeries keep their querier reachable, so this cannot run while its data can still be read.
 * Held values never reference the querier (that would keep it alive).
 */
const unclosed = new FinalizationRegistry<{ db: Tsdb; release: () => void }>((held) => {
  held.db.unclosedQueriers++;
  held.release();
});

/** What closing a querier releases, once (built apart from the querier, see `unclosed`). */
function releaser(blocks: readonly { release(): void }[], head: PinnedHeadReader): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const b of blocks) b.release();
    head.close();
  };
}

function countOpen(h: Head): number {
  let n = 0;
  for (let r = 0; r < h.n; r++) if (h.dead[r] === 0 && h.u8[r * 64 + 60] === 1) n++;
  return n;
}

/** Opens (creating if needed) the engine for one tenant directory and replays its WAL. */
export async function openTsdb(dir: string, options: TsdbOptions = {}): Promise<Tsdb> {
  const fs = options.fs ?? realFs;
  await fs.mkdir(dir);
  const db = new Tsdb(dir, resolveOptions(options), fs);
  await db.start();
  return db;
}
