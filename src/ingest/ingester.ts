import { BadDataError, RateLimitedError, UnavailableError, type SampleBatch } from '../model/index.ts';
import type { AppendOptions, AppendResult, Storage } from '../storage/index.ts';
import { RateLimiter, UsageTracker, type Limits, type TenantUsage } from '../tenancy/index.ts';
import { describeRejections } from './describe.ts';
import { MetadataLimiter } from './metadata-limit.ts';
import { seriesChecker } from './series-check.ts';

export { describeRejections } from './describe.ts';

/** Gives the storage of a tenant, opening it on first use. Provided by the composition root. */
export interface StorageProvider {
  storage(tenant: string): Promise<Storage>;
}

/** How much of a write was stored: float samples, native histogram samples, exemplars. */
export interface WrittenCounts {
  readonly samples: number;
  readonly histograms: number;
  readonly exemplars: number;
}

/** What storage reported, and how much of each kind was stored (storage counts each kind). */
export interface IngestResult extends AppendResult {
  readonly written: WrittenCounts;
}

/** Thrown after a partial write: the valid part is stored and durable, the rest was refused. */
export class PartialWriteError extends BadDataError {
  readonly result: AppendResult;
  readonly written: WrittenCounts;

  constructor(message: string, result: IngestResult) {
    super(message);
    this.result = result;
    this.written = result.written;
  }
}

export interface IngesterOptions {
  /** Shared with whoever else needs the buckets (tests); one is made when absent. */
  readonly rateLimiter?: RateLimiter;
  /** Where received/accepted/discarded counts go; one is made when absent. */
  readonly usage?: UsageTracker;
  /** Wall clock, ms. */
  readonly now?: () => number;
  /**
   * Longest time a rate-limited write is held before its refusal is sent (default 1000 ms; the
   * hold is never longer than the retry delay). Senders wait for Retry-After anyway; a client that
   * ignores it and floods can then make about one request per second per connection, so refusals
   * cannot eat the CPU other tenants' queries need. 0 answers at once.
   */
  readonly rateLimitHoldMs?: number;
}

/** What the Ingester keeps per tenant between requests. */
class TenantState {
  readonly usage: TenantUsage;
  readonly metadata = new MetadataLimiter();
  /** Items (samples + exemplars + metadata) of the tenant's last write: the guess `writer` refuses by. */
  lastItems = 0;
  /** Samples of the tenant's last write, counted as discarded when a request is refused undecoded. */
  lastSamples = 0;
  lastMetadata = 0;
  private checkerFor: Limits | null = null;
  private checker: AppendOptions['checkNewSeries'] = undefined;

  constructor(usage: TenantUsage) {
    this.usage = usage;
  }

  /** The label-limit hook for these limits, rebuilt only when the limits object changes. */
  checkNewSeries(limits: Limits): NonNullable<AppendOptions['checkNewSeries']> {
    if (this.checkerFor !== limits || this.checker === undefined) {
      this.checker = seriesChecker(limits);
      this.checkerFor = limits;
    }
    return this.checker;
  }
}

/**
 * The write use case, shared by every protocol (remote write, OTLP): a decoded batch for a tenant
 * → rate limit → label, series and metadata limits → the tenant's storage, with usage accounting.
 *
 * Errors: RateLimitedError (429) or, for tenants with `ingestion_rate_limit_status_code: 503`,
 * UnavailableError (503), both with a retry delay, when the rate limit refuses the request — then
 * nothing of it was stored, so a retry loses and duplicates nothing. PartialWriteError (400)
 * when limits or storage refused some samples, after storing the rest. UnavailableError from
 * storage passes through (its tokens are given back).
 */
export class Ingester {
  private readonly storages: StorageProvider;
  private readonly limitsOf: (tenant: string) => Limits;
  private readonly now: () => number;
  private readonly holdMs: number;
  readonly rateLimiter: RateLimiter;
  readonly usage: UsageTracker;
  private readonly tenants = new Map<string, TenantState>();

  constructor(
    storages: StorageProvider,
    limitsOf: (tenant: string) => Limits,
    options: IngesterOptions | (() => number) = {},
  ) {
    const opts = typeof options === 'function' ? { now: options } : options;
    this.storages = storages;
    this.limitsOf = limitsOf;
    this.now = opts.now ?? Date.now;
    this.rateLimiter = opts.rateLimiter ?? new RateLimiter();
    this.usage = opts.usage ?? new UsageTracker(this.now);
    this.holdMs = opts.rateLimitHoldMs ?? 1000;
  }

  /**
   * Resolves the tenant's storage (opening it if needed) and returns a writer for it. Callers that
   * decode into shared buffers await this first, then decode and call `push` with no await between.
   */
  async writer(tenant: string): Promise<TenantWriter> {
    const state = this.state(tenant);
    await this.refuseEarly(tenant, state);
    const storage = await this.storages.storage(tenant);
    return {
      push: (batch) => this.write(tenant, storage, state, batch),
    };
  }

  /** Convenience for callers with a private batch. */
  async push(tenant: string, batch: SampleBatch): Promise<IngestResult> {
    return (await this.writer(tenant)).push(batch);
  }

  /**
   * Refuses a write before it is decoded when the tenant's bucket cannot hold a request the size of
   * its previous one: decoding costs more than everything else a refusal does, and flooding senders
   * send requests of much the same size. Only a guess: a smaller request refused here is retried
   * after the delay like any other, and what is charged is always the decoded size (in `write`).
   */
  private async refuseEarly(tenant: string, state: TenantState): Promise<void> {
    if (state.lastItems === 0) return;
    const limits = this.limitsOf(tenant);
    const wait = this.rateLimiter.check(
      tenant,
      state.lastItems,
      this.now(),
      limits.ingestionRate,
      limits.ingestionBurstSize,
    );
    if (wait <= 0) return;
    const usage = state.usage;
    usage.writeRequests++;
    usage.rateLimitedRequests++;
    usage.discardSamples('rate_limited', state.lastSamples);
    usage.discardMetadata('rate_limited', state.lastMetadata);
    await this.hold(wait);
    throw rateLimitError(tenant, limits, state.lastItems, wait, true);
  }

  private hold(waitSeconds: number): Promise<void> {
    const ms = Math.min(this.holdMs, waitSeconds * 1000);
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  private state(tenant: string): TenantState {
    let s = this.tenants.get(tenant);
    if (s === undefined) this.tenants.set(tenant, (s = new TenantState(this.usage.tenant(tenant))));
    return s;
  }

  /**
   * Everything up to `storage.append` runs synchronously (no await), so `batch` is read before the
   * returned promise exists and the caller may reuse it at once.
   */
  private async write(
    tenant: string,
    storage: Storage,
    state: TenantState,
    batch: SampleBatch,
  ): Promise<IngestResult> {
    const limits = this.limitsOf(tenant);
    const usage = state.usage;
    const samples = batch.sampleCount + batch.histograms.length;
    const metadataCount = batch.metadata.length;
    const items = samples + batch.exemplars.length + metadataCount;
    usage.writeRequests++;
    usage.receivedSamples += samples;
    usage.receivedExemplars += batch.exemplars.length;
    usage.receivedMetadata += metadataCount;
    state.lastItems = items;
    state.lastSamples = samples;
    state.lastMetadata = metadataCount;

    const now = this.now();
    const rate = limits.ingestionRate;
    const burst = limits.ingestionBurstSize;
    const waitSeconds = this.rateLimiter.take(tenant, items, now, rate, burst);
    if (waitSeconds > 0) {
      usage.rateLimitedRequests++;
      usage.discardSamples('rate_limited', samples);
      usage.discardMetadata('rate_limited', metadataCount);
      await this.hold(waitSeconds);
      throw rateLimitError(tenant, limits, items, waitSeconds, false);
    }
    usage.admittedItems += items;

    const options: AppendOptions = {
      now,
      maxFutureMs: limits.creationGracePeriodMs,
      outOfOrderWindowMs: limits.outOfOrderTimeWindowMs,
      maxSeries: limits.maxGlobalSeriesPerTenant,
      maxSeriesPerMetric: limits.maxSeriesPerMetric,
      checkNewSeries: state.checkNewSeries(limits),
    };
    const allMetadata = batch.metadata;
    const metadata = state.metadata.admit(allMetadata, limits.maxMetadataPerTenant, storage);
    const metadataRefused = state.metadata.refused;
    let appending: Promise<AppendResult>;
    // Storage reads the batch synchronously inside append(): the refused metadata is hidden from
    // it for exactly that long, so the caller's batch is unchanged when append() returns.
    if (metadata !== allMetadata) batch.metadata = metadata as SampleBatch['metadata'];
    try {
      appending = storage.append(batch, options);
    } finally {
      batch.metadata = allMetadata;
    }

    let result: AppendResult;
    try {
      result = await appending;
    } catch (err) {
      if (err instanceof UnavailableError) this.rateLimiter.refund(tenant, items, rate, burst);
      throw err;
    }
    usage.acceptedSamples += result.accepted;
    for (const [reason, n] of result.rejected) usage.discardSamples(reason, n);
    usage.discardMetadata('metadata_limit', metadataRefused);
    const written: WrittenCounts = {
      samples: result.accepted - result.acceptedHistograms,
      histograms: result.acceptedHistograms,
      exemplars: result.acceptedExemplars,
    };
    const outcome: IngestResult = { ...result, written };
    if (result.rejected.size > 0 || metadataRefused > 0) {
      throw new PartialWriteError(describeRejections(result, options, limits, metadataRefused), outcome);
    }
    return outcome;
  }
}

/** Writes batches for one tenant. */
export interface TenantWriter {
  /**
   * Appends the batch. The batch is read before this returns its promise, so the caller may reuse
   * it at once. Resolves when durable; throws PartialWriteError when samples were refused, and
   * RateLimitedError / UnavailableError (nothing stored, retry later) when rate-limited.
   */
  push(batch: SampleBatch): Promise<IngestResult>;
}

/**
 * The refusal of a rate-limited write: which limit, its value, the size of the request, when to
 * retry, and how to fix it. 429 by default; 503 for tenants whose senders drop data on 429.
 */
export function rateLimitError(
  tenant: string,
  limits: Limits,
  items: number,
  waitSeconds: number,
  undecoded: boolean,
): RateLimitedError | UnavailableError {
  const retryAfter = Math.max(1, Math.ceil(waitSeconds));
  const bigger =
    items > Math.max(limits.ingestionBurstSize, limits.ingestionRate)
      ? ` The request is larger than the burst, so it is admitted only when the bucket is full.`
      : '';
  const message =
    `ingestion rate limit exceeded: tenant "${tenant}" may send ingestion_rate=${limits.ingestionRate} ` +
    `samples/s (samples, exemplars and metadata together) with ingestion_burst_size=` +
    `${limits.ingestionBurstSize}; ` +
    (undecoded
      ? `your requests carry about ${items}, and the limit has no room for that now.`
      : `this request carried ${items}.`) +
    `${bigger} Nothing of it was stored: ` +
    `retry it after ${retryAfter}s (Retry-After). Prometheus drops rate-limited batches unless ` +
    `queue_config.retry_on_http_429 is true. To send less, lower queue_config.max_shards and drop ` +
    `unneeded series with write_relabel_configs; to raise the limit: ` +
    `xscaler limits set ${tenant} ingestion_rate=<samples/s> ingestion_burst_size=<samples>.`;
  return limits.ingestionRateLimitStatusCode === 503
    ? new UnavailableError(message, { retryAfterSeconds: waitSeconds })
    : new RateLimitedError(message, waitSeconds);
}
