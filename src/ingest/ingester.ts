import { BadDataError, type SampleBatch } from '../model/index.ts';
import type { AppendOptions, AppendResult, RejectReason, Storage } from '../storage/index.ts';

/** Gives the storage of a tenant, opening it on first use. Provided by the composition root. */
export interface StorageProvider {
  storage(tenant: string): Promise<Storage>;
}

/** The per-tenant write settings ingest applies. */
export interface WriteLimits {
  /** Samples newer than now + this are refused (Mimir: 10 minutes). */
  readonly maxFutureMs: number;
  readonly outOfOrderWindowMs: number;
  readonly maxSeries: number;
  readonly maxSeriesPerMetric: number;
}

export const DEFAULT_WRITE_LIMITS: WriteLimits = {
  maxFutureMs: 10 * 60_000,
  outOfOrderWindowMs: 10 * 60_000,
  maxSeries: 150_000,
  maxSeriesPerMetric: 0,
};

/** Human explanations of each refusal, for error messages. */
const REASON_TEXT: Record<RejectReason, string> = {
  out_of_order: 'older than the newest sample of its series, and out-of-order ingestion is off',
  too_old: 'older than the out-of-order window allows',
  too_far_in_future: 'timestamp too far in the future',
  duplicate_timestamp: 'a different value was already stored at this timestamp',
  invalid_labels: 'invalid labels (missing __name__, empty or duplicate label names, or invalid UTF-8)',
  max_label_names_per_series: 'too many labels on the series',
  label_name_too_long: 'a label name is too long',
  label_value_too_long: 'a label value is too long',
  series_limit: 'the tenant has reached its maximum number of series',
  metric_series_limit: 'the metric has reached its maximum number of series',
};

/** Thrown after a partial write: the valid part is stored and durable, the rest was refused. */
export class PartialWriteError extends BadDataError {
  readonly result: AppendResult;

  constructor(message: string, result: AppendResult) {
    super(message);
    this.result = result;
  }
}

/**
 * The write use case: a decoded batch for a tenant → per-tenant rules → the tenant's storage.
 * Resolves once every accepted sample is durable. Throws PartialWriteError (400) when storage
 * refused some samples — after storing the rest — and lets UnavailableError (503) through.
 */
export class Ingester {
  private readonly storages: StorageProvider;
  private readonly limitsOf: (tenant: string) => WriteLimits;
  private readonly now: () => number;

  constructor(
    storages: StorageProvider,
    limitsOf: (tenant: string) => WriteLimits,
    now: () => number = Date.now,
  ) {
    this.storages = storages;
    this.limitsOf = limitsOf;
    this.now = now;
  }

  /**
   * Resolves the tenant's storage (opening it if needed) and returns a writer for it. Callers that
   * decode into shared buffers await this first, then decode and call `push` with no await between.
   */
  async writer(tenant: string): Promise<TenantWriter> {
    const storage = await this.storages.storage(tenant);
    return {
      push: (batch) => this.write(tenant, storage, batch),
    };
  }

  /** Convenience for callers with a private batch. */
  async push(tenant: string, batch: SampleBatch): Promise<AppendResult> {
    return (await this.writer(tenant)).push(batch);
  }

  /** Reads `batch` synchronously (inside storage.append) before its first await. */
  private async write(tenant: string, storage: Storage, batch: SampleBatch): Promise<AppendResult> {
    const limits = this.limitsOf(tenant);
    const options: AppendOptions = {
      now: this.now(),
      maxFutureMs: limits.maxFutureMs,
      outOfOrderWindowMs: limits.outOfOrderWindowMs,
      maxSeries: limits.maxSeries,
      maxSeriesPerMetric: limits.maxSeriesPerMetric,
    };
    const result = await storage.append(batch, options);
    if (result.rejected.size > 0) throw new PartialWriteError(describeRejections(result, options), result);
    return result;
  }
}

/** Writes batches for one tenant. */
export interface TenantWriter {
  /**
   * Appends the batch. The batch is read before this returns its promise, so the caller may reuse
   * it at once. Resolves when durable; throws PartialWriteError when samples were refused.
   */
  push(batch: SampleBatch): Promise<AppendResult>;
}

/** One readable paragraph: how many were refused and why, the first offenders, and what was kept. */
export function describeRejections(result: AppendResult, options: AppendOptions): string {
  let refused = 0;
  const counts: string[] = [];
  for (const [reason, n] of result.rejected) {
    refused += n;
    counts.push(`${reason}=${n}`);
  }
  const examples = result.examples
    .map((e) => `${e.series} at ${e.t} (${e.reason}: ${REASON_TEXT[e.reason]})`)
    .join('; ');
  const hints: string[] = [];
  if (result.rejected.has('too_old') || result.rejected.has('out_of_order')) {
    hints.push(`the out-of-order window is ${options.outOfOrderWindowMs / 1000}s`);
  }
  if (result.rejected.has('too_far_in_future')) {
    hints.push(
      `samples may be at most ${options.maxFutureMs / 1000}s in the future; check the sender's clock`,
    );
  }
  if (result.rejected.has('series_limit')) {
    hints.push(`the series limit is ${options.maxSeries}; drop unused series or ask for a higher limit`);
  }
  return (
    `${refused} samples were refused (${counts.join(', ')}); ${result.accepted} were stored. ` +
    `First refused: ${examples}.` +
    (hints.length > 0 ? ` Note: ${hints.join('; ')}.` : '')
  );
}
