/**
 * Gives a cache's memory back once it has not been used for `idleMs`: one unref'd timer while
 * anything is held, re-armed for the rest of the quiet time when a use came in meanwhile. Shared by
 * the head chunk cache and the block frame cache.
 */
export class IdleRelease {
  readonly idleMs: number;
  private readonly now: () => number;
  /** Whether there is anything to give back (checked when the timer fires). */
  private readonly holding: () => boolean;
  private readonly release: () => void;
  private lastUse = 0;
  private timer: NodeJS.Timeout | null = null;

  /** `idleMs` 0 never releases. `now` is the clock (ms; tests pass their own). */
  constructor(idleMs: number, now: () => number, holding: () => boolean, release: () => void) {
    this.idleMs = idleMs;
    this.now = now;
    this.holding = holding;
    this.release = release;
  }

  /** A use: postpones the release. */
  touch(): void {
    this.lastUse = this.now();
  }

  /** Something is held now: makes sure a check is due. */
  arm(): void {
    if (this.timer !== null || this.idleMs <= 0) return;
    this.schedule(this.idleMs);
  }

  /** Releases if nothing was used for `idleMs`; else checks again when that could be. */
  sweep(): void {
    if (!this.holding()) return;
    const quiet = this.now() - this.lastUse;
    if (quiet >= this.idleMs) {
      this.stop();
      this.release();
      return;
    }
    // +1: timers may fire a little early by Date.now.
    if (this.timer === null && this.idleMs > 0) this.schedule(this.idleMs - quiet + 1);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sweep();
    }, ms);
    this.timer.unref();
  }
}
