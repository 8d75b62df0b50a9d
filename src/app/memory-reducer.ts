import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/** What the reducer reads from V8 each tick: the young generation's size and fill. */
export interface NewSpaceSample {
  /** Bytes of live and dead objects in the young generation now (drops at each scavenge). */
  readonly used: number;
  /** Resident bytes V8 holds for the young generation (both semi-spaces). */
  readonly physical: number;
}

export interface MemoryReducerOptions {
  /** How often the young generation is looked at (default 1000 ms). */
  readonly intervalMs?: number;
  /** Quiet ticks in a row before memory is given back (default 3). */
  readonly quietTicks?: number;
  /**
   * A tick is quiet when no scavenge ran in it and the young generation grew by less than this
   * many bytes per second (default 1 MiB/s, V8's own "low allocation throughput").
   */
  readonly quietBytesPerSecond?: number;
  /** Nothing is done while the young generation holds less than this (default 4 MiB). */
  readonly minNewSpaceBytes?: number;
  /**
   * A tick is quiet only when the event loop was busy for less than this fraction of it (default
   * 0.1). Queries allocate mostly outside the young generation (typed arrays), so its fill alone
   * can look quiet while the server answers one query after another.
   */
  readonly maxUtilization?: number;
  /** The event loop's busy fraction since the previous call, 0..1 (tests replace it). */
  readonly utilization?: () => number;
  /** Reads the young generation (tests replace it). */
  readonly sample?: () => NewSpaceSample;
  /** Runs the memory-reducing collection (tests replace it). */
  readonly reduce?: () => Promise<void>;
  /** Told about each reduction: young generation bytes before and after, ms it took, its error. */
  readonly onReduce?: (info: ReductionInfo) => void;
}

export interface ReductionInfo {
  readonly beforeBytes: number;
  readonly afterBytes: number;
  readonly ms: number;
  /** Why the collection could not be asked for (the reducer carries on). */
  readonly error?: unknown;
}

/**
 * Gives V8's young generation back once a burst of work (a backfill, a catch-up after an outage, a
 * heavy query) is over.
 *
 * V8 grows the young generation to its maximum (two 16 MiB semi-spaces on 64-bit Node 20) while
 * a burst allocates fast, and shrinks it again only at a collection that finds the allocation rate
 * low or that is asked to reduce memory. A server that goes from a burst to a trickle (remote write
 * at the scrape rate: a request every second or so) collects rarely, so the 32 MiB stay resident
 * for as long as the trickle lasts. Measured on the benchmark's 100k series: the young generation
 * is about a fifth of the steady RSS. Reducing it by default with `--max-semi-space-size` costs
 * about 15 % more CPU per sample during bursts (more scavenges); giving it back after the burst
 * costs one full collection per burst.
 *
 * Every `intervalMs` the reducer reads the young generation's fill. A tick is quiet when no
 * scavenge ran, the fill grew by less than `quietBytesPerSecond` and the event loop was mostly
 * idle (`maxUtilization`); after `quietTicks` quiet
 * ticks with more than `minNewSpaceBytes` resident it runs one memory-reducing collection
 * (V8's low-memory notification, reached through the in-process inspector session: the only way
 * a Node program can ask for it), which shrinks the young generation to its initial size and
 * compacts the old one. The young generation then stays small until the next burst grows it, so
 * a steady trickle never triggers it twice, and a busy server (never quiet) is never interrupted.
 */
export class MemoryReducer {
  private readonly intervalMs: number;
  private readonly quietTicks: number;
  private readonly quietBytesPerTick: number;
  private readonly minNewSpaceBytes: number;
  private readonly maxUtilization: number;
  private readonly utilization: () => number;
  private readonly sample: () => NewSpaceSample;
  private readonly reduce: () => Promise<void>;
  private readonly onReduce: MemoryReducerOptions['onReduce'];
  private timer: NodeJS.Timeout | undefined;
  private lastUsed = -1;
  private quiet = 0;
  private reducing: Promise<void> | undefined;

  constructor(options: MemoryReducerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.quietTicks = options.quietTicks ?? 3;
    this.quietBytesPerTick = ((options.quietBytesPerSecond ?? 1024 * 1024) * this.intervalMs) / 1000;
    this.minNewSpaceBytes = options.minNewSpaceBytes ?? 4 * 1024 * 1024;
    this.maxUtilization = options.maxUtilization ?? 0.1;
    this.utilization = options.utilization ?? loopUtilization();
    this.sample = options.sample ?? newSpace;
    this.reduce = options.reduce ?? lowMemoryCollection;
    this.onReduce = options.onReduce;
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One look at the young generation; starts a reduction when the quiet spell is long enough.
   * Returns the reduction when it started one (tests await it).
   */
  tick(): Promise<void> | undefined {
    if (this.reducing !== undefined) return undefined;
    const s = this.sample();
    const busy = this.utilization();
    const grew = s.used - this.lastUsed;
    const quiet =
      this.lastUsed >= 0 && grew >= 0 && grew < this.quietBytesPerTick && busy < this.maxUtilization;
    this.lastUsed = s.used;
    this.quiet = quiet ? this.quiet + 1 : 0;
    if (this.quiet < this.quietTicks || s.physical <= this.minNewSpaceBytes) return undefined;
    return this.reduceNow(s.physical);
  }

  /**
   * Runs one memory-reducing collection now (also used once the server is ready). Never rejects:
   * a failure goes to `onReduce`.
   */
  reduceNow(before = this.sample().physical): Promise<void> {
    this.reducing ??= (async () => {
      const t0 = performance.now();
      let error: unknown;
      try {
        await this.reduce();
      } catch (err) {
        error = err;
      }
      const after = this.sample();
      this.lastUsed = after.used;
      this.quiet = 0;
      this.reducing = undefined;
      const ms = performance.now() - t0;
      this.onReduce?.(
        error === undefined
          ? { beforeBytes: before, afterBytes: after.physical, ms }
          : { beforeBytes: before, afterBytes: after.physical, ms, error },
      );
    })();
    return this.reducing;
  }
}

/** The event loop's busy fraction between one call and the next. */
function loopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return busy;
  };
}

function newSpace(): NewSpaceSample {
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space') return { used: s.space_used_size, physical: s.physical_space_size };
  }
  return { used: 0, physical: 0 };
}

/**
 * V8's low-memory collection (`Isolate::LowMemoryNotification`: full, memory-reducing, shrinks the
 * young generation), asked for through an in-process inspector session: no port is opened, and
 * `node:inspector` is loaded only on the first call. Does nothing in a Node built without the
 * inspector.
 */
async function lowMemoryCollection(): Promise<void> {
  if (!process.features.inspector) return;
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  try {
    await new Promise<void>((resolve, reject) =>
      session.post('HeapProfiler.collectGarbage', (err) => (err ? reject(err) : resolve())),
    );
  } finally {
    session.disconnect();
  }
}
