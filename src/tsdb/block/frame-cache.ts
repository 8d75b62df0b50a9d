import { IdleRelease } from '../idle-release.ts';

/** Default budget of the process-wide cache (see FrameCache). */
export const DEFAULT_FRAME_CACHE_BYTES = 64 * 1024 * 1024;
/** Default time without any cached read after which the whole cache is given back. */
export const DEFAULT_FRAME_CACHE_IDLE_MS = 5 * 60_000;

/** Frames of one block under one key: owner × FRAME_SPACE + frame number. */
const FRAME_SPACE = 2 ** 24;

export interface FrameCacheOptions {
  /** Byte budget; 0 disables caching. Default DEFAULT_FRAME_CACHE_BYTES. */
  readonly maxBytes?: number;
  /** Give everything back after this long without a cached read (0 = never). Default 5 min. */
  readonly idleMs?: number;
  /** Clock, ms (tests). */
  readonly now?: () => number;
}

/**
 * The inflated chunk frames of on-disk blocks, shared by every block of the process (what the
 * page cache is to Prometheus's mmapped block chunks): least recently used frames go first once
 * the byte budget is reached, and everything is given back after `idleMs` without a read. Frames
 * are immutable, so a query keeps the buffers it was handed whether they are evicted or not.
 * A block takes an owner number on open and drops its frames when it closes.
 */
export class FrameCache {
  readonly maxBytes: number;
  bytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;
  /** Insertion order is recency order: a hit moves its frame to the end. */
  private readonly frames = new Map<number, Uint8Array>();
  private nextOwner = 1;
  private readonly idle: IdleRelease;

  constructor(options: FrameCacheOptions = {}) {
    this.maxBytes = Math.max(0, options.maxBytes ?? DEFAULT_FRAME_CACHE_BYTES);
    this.idle = new IdleRelease(
      options.idleMs ?? DEFAULT_FRAME_CACHE_IDLE_MS,
      options.now ?? Date.now,
      () => this.frames.size > 0,
      () => this.clear(),
    );
  }

  /** A fresh owner number for a block. */
  owner(): number {
    return this.nextOwner++;
  }

  get(owner: number, frame: number): Uint8Array | undefined {
    const key = owner * FRAME_SPACE + frame;
    const raw = this.frames.get(key);
    if (raw === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.idle.touch();
    this.frames.delete(key);
    this.frames.set(key, raw);
    return raw;
  }

  put(owner: number, frame: number, raw: Uint8Array): void {
    if (raw.length > this.maxBytes) return;
    const key = owner * FRAME_SPACE + frame;
    if (this.frames.has(key)) return;
    this.frames.set(key, raw);
    this.bytes += raw.length;
    this.idle.touch();
    for (const [k, v] of this.frames) {
      if (this.bytes <= this.maxBytes) break;
      this.frames.delete(k);
      this.bytes -= v.length;
      this.evictions++;
    }
    this.idle.arm();
  }

  /** Forgets the frames of `owner` (its block closed). */
  drop(owner: number): void {
    for (const [k, v] of this.frames) {
      if (Math.floor(k / FRAME_SPACE) !== owner) continue;
      this.frames.delete(k);
      this.bytes -= v.length;
    }
  }

  /** Gives everything back. */
  clear(): void {
    this.frames.clear();
    this.bytes = 0;
    this.idle.stop();
  }
}

let shared: FrameCache | null = null;

/** The process-wide cache blocks use unless told otherwise. */
export function sharedFrameCache(): FrameCache {
  shared ??= new FrameCache();
  return shared;
}
