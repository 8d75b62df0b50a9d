import { DiskBlock } from './block/reader.ts';
import type { FrameCache } from './block/frame-cache.ts';
import { isUlid, newUlid } from './block/format.ts';
import { writeBlock, type BlockSeries } from './block/writer.ts';
import { compactionRanges, planCompaction, planHeadCut, planRetention } from './compact/plan.ts';
import { encodeHistChunks } from './chunk/histogram.ts';
import { mergeHists, rechunk } from './compact/rechunk.ts';
import type { CompactionRunner } from './compact/runner.ts';
import type { TsdbFs } from './fs.ts';
import type { Head } from './head/head.ts';
import { truncateHead } from './head/truncate.ts';
import type { HeadReader } from './head/read.ts';
import type { SeriesData } from './query/types.ts';
import { lowerBound } from './search.ts';
import type { ExemplarStore, MetadataStore, Tombstones } from './meta-stores.ts';
import type { ResolvedOptions } from './options.ts';
import { Slicer } from './slicer.ts';
import { writeCheckpoint } from './wal/checkpoint.ts';
import type { Wal } from './wal/wal.ts';

/** Series read from the head at a time during a cut (the event loop may run between reads). */
const CUT_READ = 500;

/** A doomed block's files are removed at the latest this long after it was replaced, even if a querier leaked. */
const DOOM_GRACE_MS = 5 * 60_000;

/** What the maintenance steps act on (the Tsdb's parts). */
export interface Engine {
  readonly dir: string;
  readonly fs: TsdbFs;
  readonly opts: ResolvedOptions;
  /** Current retention (may change at run time). */
  readonly retentionMs: number;
  readonly head: Head;
  readonly headReader: HeadReader;
  readonly tombstones: Tombstones;
  readonly metadataStore: MetadataStore;
  readonly exemplarStore: ExemplarStore;
  readonly wal: Wal;
  /** When the last checkpoint was taken, and the WAL byte count then. */
  readonly lastCheckpoint: { at: number; walBytes: number; bytes: number };
  readonly blocks: BlockSet;
  readonly runner: CompactionRunner;
}

/**
 * Deletes a block directory so that a crash midway never leaves a block without its meta.json: it
 * is renamed to `<ulid>.tmp` first (atomic), which the next open deletes if we die before the end.
 */
async function removeBlockDir(fs: TsdbFs, dir: string): Promise<void> {
  const doomed = `${dir}.tmp`;
  await fs.rename(dir, doomed);
  await fs.rm(doomed);
}

/** The open on-disk blocks, sorted by min time. */
export class BlockSet {
  list: DiskBlock[] = [];
  private readonly fs: TsdbFs;
  readonly dir: string;
  /** Where the blocks keep their inflated chunk frames between queries. */
  readonly frameCache: FrameCache | null;

  constructor(fs: TsdbFs, dir: string, frameCache: FrameCache | null = null) {
    this.fs = fs;
    this.dir = dir;
    this.frameCache = frameCache;
  }

  /**
   * Opens every complete block; removes leftovers of interrupted work (`.tmp` directories) and
   * blocks already merged into another one (a compaction that crashed before deleting them).
   */
  async load(): Promise<string[]> {
    await this.fs.mkdir(this.dir);
    const warnings: string[] = [];
    const opened: DiskBlock[] = [];
    for (const name of (await this.fs.readdir(this.dir)).sort()) {
      if (name.endsWith('.tmp')) {
        await this.fs.rm(`${this.dir}/${name}`);
        continue;
      }
      if (!isUlid(name)) continue;
      try {
        opened.push(await DiskBlock.open(this.fs, `${this.dir}/${name}`, this.frameCache));
      } catch (err) {
        warnings.push(`block ${name} could not be opened and is ignored: ${(err as Error).message}`);
      }
    }
    const covered = new Set<string>();
    for (const b of opened) {
      const own = b.meta.compaction.sources;
      for (const other of opened) {
        if (other === b || other.meta.compaction.sources.length <= own.length) continue;
        if (own.every((s) => other.meta.compaction.sources.includes(s))) covered.add(b.meta.ulid);
      }
    }
    for (const b of opened) {
      if (covered.has(b.meta.ulid)) {
        await b.close();
        await removeBlockDir(this.fs, b.dir);
      } else this.list.push(b);
    }
    this.sort();
    return warnings;
  }

  add(b: DiskBlock): void {
    this.list.push(b);
    this.sort();
  }

  /** Removes blocks from the set; their files go once no querier holds them. */
  remove(ulids: readonly string[]): void {
    const doomed = this.list.filter((b) => ulids.includes(b.meta.ulid));
    this.list = this.list.filter((b) => !ulids.includes(b.meta.ulid));
    for (const b of doomed) {
      let done = false;
      // The grace timer must not outlive the drop: its closure holds the block, and with it the
      // parsed index (tens of MB for a big block) for the whole grace period.
      let grace: NodeJS.Timeout | undefined;
      const drop = (): void => {
        if (done) return;
        done = true;
        clearTimeout(grace);
        this.drops.delete(drop);
        const removal = b
          .close()
          .then(() => removeBlockDir(this.fs, b.dir))
          .catch(() => undefined);
        this.removals.add(removal);
        void removal.then(() => this.removals.delete(removal));
      };
      this.drops.add(drop);
      grace = setTimeout(drop, DOOM_GRACE_MS).unref();
      b.doom(drop);
    }
  }
  /** Doomed blocks still waiting for their readers, and removals in progress. */
  private readonly drops = new Set<() => void>();
  private readonly removals = new Set<Promise<void>>();

  maxTime(): number {
    let m = -Infinity;
    for (const b of this.list) if (b.maxTime > m) m = b.maxTime;
    return m;
  }

  /**
   * Closes the blocks and finishes removing doomed ones (also those a reader still holds: the
   * engine is closing), so the next open never finds a block half deleted.
   */
  async close(): Promise<void> {
    for (const b of this.list) await b.close();
    for (const drop of [...this.drops]) drop();
    await Promise.all([...this.removals]);
  }

  private sort(): void {
    this.list.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  }
}

/**
 * Cuts the oldest complete block range out of the head when the head is long enough: writes the
 * block, truncates the head, checkpoints the WAL. Samples for the cut range are refused from the
 * moment of the snapshot (the head's min valid time moves first), so nothing lands in a range
 * that is being written out. Returns true if a block was cut.
 */
export async function cutHead(e: Engine, force = false): Promise<boolean> {
  const h = e.head;
  // Data before the min valid time is already in blocks (an earlier forced cut may have left it in
  // a chunk that also holds newer samples).
  const lo = Math.max(h.minT, h.persistedBefore);
  let range = planHeadCut(lo, h.maxT, e.opts.blockRangeMs);
  if (range === null && force && Number.isFinite(lo) && lo <= h.maxT) {
    const start = Math.floor(lo / e.opts.blockRangeMs) * e.opts.blockRangeMs;
    range = { mint: start, maxt: Math.min(start + e.opts.blockRangeMs - 1, h.maxT) };
  }
  if (range === null) return false;
  const maxt = range.maxt;
  const mint = Math.max(range.mint, lo);
  if (maxt + 1 > h.minValidTime) h.minValidTime = maxt + 1;
  // Collected in slices with yields in between, so ingest goes on: samples at or before `maxt` are
  // refused from now on, newer ones are clipped away below, and the head is not truncated while
  // this runs (maintenance is serialised).
  // The series in label order (symbol ranks, no string compares), sorted in slices; their data
  // is then read in ref order (chunks next to each other in the head chunk files) and placed.
  const slicer = new Slicer();
  const refs = e.headReader.all().slice();
  const sorted = await e.headReader.sortByLabels(refs.slice(), slicer);
  const place = new Int32Array(refs.length);
  for (let k = 0; k < sorted.length; k++) {
    if ((k & 4095) === 4095) await slicer.tick();
    place[lowerBound(refs, sorted[k] as number)] = k;
  }
  const placed = new Array<BlockSeries | undefined>(refs.length);
  const from: number[] = [];
  for (let at = 0; at < refs.length; at += CUT_READ) {
    const part = refs.subarray(at, Math.min(refs.length, at + CUT_READ));
    from.length = 0;
    // A scan of the whole range: through the head chunk cache, but filling it with nothing.
    const data = e.head.chunks.files.withoutFill(() => e.headReader.seriesOf(part, mint, maxt, from));
    for (let k = 0; k < data.length; k++) {
      const s = data[k] as SeriesData;
      const deleted = e.tombstones.intervals(s.labels, mint, maxt);
      const chunks = rechunk(s.chunks, s.ooo ? [s.ooo] : [], deleted, mint, maxt);
      const hist = s.hist ? mergeHists([s.hist], deleted, mint, maxt) : null;
      if (chunks.length > 0 || hist !== null)
        placed[place[at + (from[k] as number)] as number] = {
          labels: s.labels,
          chunks,
          hist: hist ? encodeHistChunks(hist.t, hist.h) : [],
        };
    }
    await slicer.tick();
  }
  const series: BlockSeries[] = [];
  for (let k = 0; k < placed.length; k++) {
    if ((k & 4095) === 4095) await slicer.tick();
    const s = placed[k];
    if (s !== undefined) series.push(s);
  }
  // Written even when empty: the block's max time is what tells a restart that this range is closed.
  {
    const ulid = newUlid();
    await writeBlock(e.fs, e.blocks.dir, {
      ulid,
      minTime: mint,
      maxTime: maxt,
      level: 1,
      sources: [ulid],
      series,
      compress: e.opts.compressBlocks,
    });
    e.blocks.add(await DiskBlock.open(e.fs, `${e.blocks.dir}/${ulid}`, e.blocks.frameCache));
  }
  h.persistedBefore = maxt + 1;
  await truncateHead(h, maxt + 1);
  await checkpoint(e);
  return true;
}

/**
 * Snapshots the head into a WAL checkpoint and drops the segments it covers, so replay stays
 * bounded. The snapshot is taken synchronously right after the segment cut (see writeCheckpoint).
 */
export async function checkpoint(e: Engine): Promise<void> {
  // Refs of series removed before this checkpoint can be reused once it is durable: no WAL
  // segment naming the old series under them is left then.
  const retired = e.head.takeRetired();
  let durable = false;
  try {
    await checkpointNow(e);
    durable = true;
  } finally {
    e.head.freeRetired(retired, durable);
  }
}

async function checkpointNow(e: Engine): Promise<void> {
  const next = await e.wal.cut();
  const walAt = e.wal.bytesWritten;
  e.lastCheckpoint.bytes = await writeCheckpoint(e.fs, `${e.dir}/wal`, next - 1, {
    head: e.head,
    tombstones: e.tombstones,
    metadata: e.metadataStore,
    exemplars: e.exemplarStore,
  });
  e.lastCheckpoint.at = e.opts.now();
  e.lastCheckpoint.walBytes = walAt;
}

/** Whether the WAL grew enough since the last checkpoint to take one (see checkpointMinBytes). */
export function checkpointDueBySize(e: Engine): boolean {
  const grown = e.wal.bytesWritten - e.lastCheckpoint.walBytes;
  return (
    grown > 0 &&
    (grown >= e.opts.checkpointBytes ||
      (grown >= e.opts.checkpointMinBytes && grown >= e.lastCheckpoint.bytes))
  );
}

/**
 * Checkpoints when the WAL grew by `checkpointBytes`, or by `checkpointMinBytes` and the last
 * checkpoint's size, or `checkpointIntervalMs` passed with new data.
 */
export async function maybeCheckpoint(e: Engine): Promise<boolean> {
  const grown = e.wal.bytesWritten - e.lastCheckpoint.walBytes;
  if (grown === 0) return false;
  const due = checkpointDueBySize(e) || e.opts.now() - e.lastCheckpoint.at >= e.opts.checkpointIntervalMs;
  if (!due) return false;
  await checkpoint(e);
  return true;
}

/** Deletes blocks past retention. Returns the number removed. */
export function applyRetention(e: Engine): number {
  const newest = Math.max(e.head.maxT, e.blocks.maxTime());
  const doomed = planRetention(
    e.blocks.list.map((b) => b.meta),
    newest,
    e.retentionMs,
  );
  if (doomed.length > 0) e.blocks.remove(doomed);
  if (Number.isFinite(newest)) e.tombstones.dropBefore(newest - e.retentionMs);
  return doomed.length;
}

/**
 * Runs one planned compaction, if any. Returns true if blocks were merged. `force` also merges
 * windows that are still filling (a flush).
 */
export async function compactOnce(e: Engine, force = false): Promise<boolean> {
  const plan = planCompaction(
    e.blocks.list.map((b) => b.meta),
    compactionRanges(e.opts.blockRangeMs, e.opts.maxBlockRangeMs),
    force,
  );
  if (plan === null) return false;
  const ulid = newUlid();
  await e.runner.run(
    { blocksDir: e.blocks.dir, sources: plan, ulid, compress: e.opts.compressBlocks },
    e.tombstones,
  );
  e.blocks.add(await DiskBlock.open(e.fs, `${e.blocks.dir}/${ulid}`, e.blocks.frameCache));
  e.blocks.remove(plan);
  return true;
}
