/** One tenant's bucket. Plain numeric fields so V8 keeps one shape and updates allocate nothing. */
class Bucket {
  /** May go negative: a request larger than what is left is admitted on credit (see `take`). */
  tokens: number;
  /** When `tokens` was last brought up to date, ms. */
  updatedAt: number;

  constructor(tokens: number, now: number) {
    this.tokens = tokens;
    this.updatedAt = now;
  }
}

/**
 * Token buckets, one per tenant, over items (samples + exemplars + metadata). Rate and burst are
 * passed on every call rather than stored, so a limit changed at run time applies to the next
 * request, and the bucket keeps what it has earned.
 *
 * Contract of `take(key, n, …)`: a request is admitted when the bucket holds at least
 * `min(n, burst)` tokens, and then `n` are taken — the balance may go negative. So a request
 * larger than the burst is still admitted once the bucket is full (it would otherwise be refused
 * forever and a retrying sender would never get through), while over any long window the
 * admitted items stay within `rate × window + burst`. New buckets start full.
 *
 * Time comes from the caller (ms), so tests need no clock; updates are O(1) and allocation-free
 * once a tenant has a bucket.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * Takes `n` tokens at `rate` per second with capacity `burst` (raised to `rate` when smaller,
   * so a bucket always holds at least a second's worth). Returns 0 when admitted, else the number
   * of seconds (> 0) after which the same request would be admitted if nothing else arrived.
   * A rate of 0 (or less) means unlimited: always admitted, nothing recorded.
   */
  take(key: string, n: number, now: number, rate: number, burst: number): number {
    if (!(rate > 0)) return 0;
    const b = this.refill(key, now, rate, burst);
    const need = Math.min(n, Math.max(burst, rate));
    if (b.tokens >= need) {
      b.tokens -= n;
      return 0;
    }
    return (need - b.tokens) / rate;
  }

  /** What `take` would answer, without taking anything. */
  check(key: string, n: number, now: number, rate: number, burst: number): number {
    if (!(rate > 0)) return 0;
    const b = this.refill(key, now, rate, burst);
    const need = Math.min(n, Math.max(burst, rate));
    return b.tokens >= need ? 0 : (need - b.tokens) / rate;
  }

  /** The key's bucket brought up to `now` (created full). */
  private refill(key: string, now: number, rate: number, burst: number): Bucket {
    const capacity = Math.max(burst, rate);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = new Bucket(capacity, now);
      this.buckets.set(key, b);
    } else if (now > b.updatedAt) {
      b.tokens = Math.min(capacity, b.tokens + ((now - b.updatedAt) / 1000) * rate);
      b.updatedAt = now;
    } else if (b.tokens > capacity) {
      b.tokens = capacity; // the burst was lowered since the last call
    }
    return b;
  }

  /** Gives back tokens of an admitted request that was not stored (so its retry is not charged twice). */
  refund(key: string, n: number, rate: number, burst: number): void {
    const b = this.buckets.get(key);
    if (b !== undefined) b.tokens = Math.min(Math.max(burst, rate), b.tokens + n);
  }

  /** Tokens left (for tests and the dashboard), or undefined for a tenant with no bucket yet. */
  available(key: string): number | undefined {
    return this.buckets.get(key)?.tokens;
  }
}
