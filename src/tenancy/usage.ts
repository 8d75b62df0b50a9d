/**
 * What one tenant has sent and asked, since the process started. Plain counters updated once per
 * request (never per sample), with a stable shape; the Map of discard reasons only allocates the
 * first time a reason is seen.
 */
export class TenantUsage {
  /** Write requests that reached ingest (after the gate). */
  writeRequests = 0;
  /**
   * Float and histogram samples received (stale markers included) in decoded requests. A request
   * the rate limiter refuses before decoding is not counted here; its samples are counted in
   * `discardedSamples.rate_limited` at the size of the tenant's previous request (an estimate).
   */
  receivedSamples = 0;
  receivedExemplars = 0;
  receivedMetadata = 0;
  /** Samples stored. */
  acceptedSamples = 0;
  /** Refused samples by reason: the storage's RejectReasons and `rate_limited`. */
  readonly discardedSamples = new Map<string, number>();
  /** Metadata entries refused by reason (`metadata_limit`, `rate_limited`). */
  readonly discardedMetadata = new Map<string, number>();
  /** Write requests refused by the rate limiter (each retry counts again). */
  rateLimitedRequests = 0;
  /** Samples + exemplars + metadata the rate limiter let through: what `ingestion_rate` measures. */
  admittedItems = 0;
  queries = 0;
  /** Samples queries read from storage. */
  querySamplesScanned = 0;
  /** Smoothed rates per second, updated by `UsageTracker.tick`. */
  ingestionRate = 0;
  acceptedRate = 0;
  queryRate = 0;

  private lastAdmitted = 0;
  private lastAccepted = 0;
  private lastQueries = 0;

  discardSamples(reason: string, n: number): void {
    if (n > 0) this.discardedSamples.set(reason, (this.discardedSamples.get(reason) ?? 0) + n);
  }

  discardMetadata(reason: string, n: number): void {
    if (n > 0) this.discardedMetadata.set(reason, (this.discardedMetadata.get(reason) ?? 0) + n);
  }

  /** Sum over every reason. */
  totalDiscardedSamples(): number {
    let n = 0;
    for (const v of this.discardedSamples.values()) n += v;
    return n;
  }

  /** Folds the counts since the last tick into the smoothed rates. `alpha` in (0, 1]. */
  tick(seconds: number, alpha: number): void {
    const ewma = (rate: number, delta: number): number => rate + alpha * (delta / seconds - rate);
    this.ingestionRate = ewma(this.ingestionRate, this.admittedItems - this.lastAdmitted);
    this.acceptedRate = ewma(this.acceptedRate, this.acceptedSamples - this.lastAccepted);
    this.queryRate = ewma(this.queryRate, this.queries - this.lastQueries);
    this.lastAdmitted = this.admittedItems;
    this.lastAccepted = this.acceptedSamples;
    this.lastQueries = this.queries;
  }
}

/**
 * The live gauges usage reports next to its counters, read from storage by the composition root
 * (the tenancy layer cannot see storage). Undefined when the tenant's storage is not open.
 */
export interface UsageGauges {
  activeSeries(tenant: string): number | undefined;
  /** Bytes the tenant's data takes on disk. */
  storageBytes(tenant: string): number | undefined;
}

/** Time constant of the smoothed rates: a step in traffic shows ~63 % after this long. */
const RATE_TAU_SECONDS = 10;

/** Every tenant's usage counters; the edges record, `/metrics` and `user_stats` read. */
export class UsageTracker {
  private readonly byTenant = new Map<string, TenantUsage>();
  private lastTick: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
    this.lastTick = now();
  }

  /** The tenant's counters, created on first use. */
  tenant(id: string): TenantUsage {
    let u = this.byTenant.get(id);
    if (u === undefined) this.byTenant.set(id, (u = new TenantUsage()));
    return u;
  }

  /** The counters of a tenant that has recorded anything, else undefined. */
  peek(id: string): TenantUsage | undefined {
    return this.byTenant.get(id);
  }

  tenants(): IterableIterator<[string, TenantUsage]> {
    return this.byTenant.entries();
  }

  /** Records one query and the samples it read (called by the query edge when it finishes). */
  recordQuery(tenant: string, samplesScanned: number): void {
    const u = this.tenant(tenant);
    u.queries++;
    u.querySamplesScanned += samplesScanned;
  }

  /** Updates the smoothed rates of every tenant. */
  tick(): void {
    const now = this.now();
    const seconds = (now - this.lastTick) / 1000;
    if (!(seconds > 0)) return;
    this.lastTick = now;
    const alpha = 1 - Math.exp(-seconds / RATE_TAU_SECONDS);
    for (const u of this.byTenant.values()) u.tick(seconds, alpha);
  }

  /** Ticks every `intervalMs` until `stop`. */
  start(intervalMs = 1000): void {
    this.stop();
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
