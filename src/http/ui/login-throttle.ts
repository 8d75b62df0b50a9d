import { RateLimitedError } from '../../model/index.ts';

export interface LoginThrottleOptions {
  /** Failed sign-ins allowed per email within the window. */
  readonly perAccount?: number;
  /** Failed sign-ins allowed per client address within the window. */
  readonly perClient?: number;
  readonly windowMs?: number;
  readonly now?: () => number;
}

interface Window {
  failures: number;
  until: number;
}

/** Most keys remembered; past this the oldest windows are simply forgotten. */
const MAX_KEYS = 10_000;

/**
 * Slows password guessing: after a few failed sign-ins for one email (or many from one client
 * address) within a window, further attempts are refused with 429 and Retry-After until the
 * window ends. A success clears the account's count. In memory, per process.
 */
export class LoginThrottle {
  private readonly perAccount: number;
  private readonly perClient: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly windows = new Map<string, Window>();

  constructor(options: LoginThrottleOptions = {}) {
    this.perAccount = options.perAccount ?? 5;
    this.perClient = options.perClient ?? 50;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Throws RateLimitedError when this email or client has failed too often. */
  check(email: string, client: string): void {
    this.refuseIfOver(`a:${email}`, this.perAccount);
    this.refuseIfOver(`c:${client}`, this.perClient);
  }

  failed(email: string, client: string): void {
    this.count(`a:${email}`);
    this.count(`c:${client}`);
  }

  succeeded(email: string): void {
    this.windows.delete(`a:${email}`);
  }

  private refuseIfOver(key: string, max: number): void {
    const w = this.windows.get(key);
    const now = this.now();
    if (w === undefined) return;
    if (w.until <= now) {
      this.windows.delete(key);
      return;
    }
    if (w.failures >= max) {
      const seconds = Math.ceil((w.until - now) / 1000);
      throw new RateLimitedError(
        `too many failed sign-ins; try again in ${Math.ceil(seconds / 60)} minute(s)`,
        seconds,
      );
    }
  }

  private count(key: string): void {
    const now = this.now();
    const w = this.windows.get(key);
    if (w === undefined || w.until <= now) {
      if (this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value as string);
      this.windows.set(key, { failures: 1, until: now + this.windowMs });
    } else {
      w.failures++;
    }
  }
}
