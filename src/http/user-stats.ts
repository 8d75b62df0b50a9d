import {
  limitsAsJson,
  type Authenticator,
  type Limits,
  type UsageGauges,
  type UsageTracker,
} from '../tenancy/index.ts';
import { sendJson, type Handler } from './context.ts';
import { gated } from './gate.ts';

export interface UserStatsSources {
  readonly usage: UsageTracker;
  readonly limits: (tenant: string) => Limits;
  readonly gauges: UsageGauges;
}

/**
 * The JSON of `GET /api/v1/user_stats`. The first four fields are Mimir's, with Mimir's names and
 * meaning (ingestion rates in samples/s, series in memory); the rest is what the dashboard's Usage
 * page shows. Counters count since the server started; rates are smoothed over ~10 s.
 */
export interface UserStats {
  readonly ingestionRate: number;
  readonly numSeries: number;
  readonly APIIngestionRate: number;
  readonly RuleIngestionRate: number;
  readonly tenant: string;
  /** Same as numSeries, by its Mimir ≥ 2.x name; compare with limits.max_global_series_per_tenant. */
  readonly activeSeries: number;
  readonly storageBytes: number;
  readonly writeRequests: number;
  readonly rateLimitedRequests: number;
  readonly samples: {
    readonly received: number;
    readonly accepted: number;
    /** Samples/s stored. */
    readonly acceptedRate: number;
    /** By reason: rate_limited, series_limit, metric_series_limit, out_of_order, too_old, ... */
    readonly discarded: Readonly<Record<string, number>>;
  };
  readonly exemplars: { readonly received: number };
  readonly metadata: { readonly received: number; readonly discarded: Readonly<Record<string, number>> };
  readonly queries: { readonly total: number; readonly samplesScanned: number; readonly rate: number };
  /** Effective limits by config key: counts, samples/s, durations in seconds; 0 = unlimited. */
  readonly limits: Readonly<Record<string, number>>;
}

export function userStats(tenant: string, sources: UserStatsSources): UserStats {
  const u = sources.usage.peek(tenant);
  const series = sources.gauges.activeSeries(tenant) ?? 0;
  const rate = u?.ingestionRate ?? 0;
  return {
    ingestionRate: rate,
    numSeries: series,
    APIIngestionRate: rate,
    RuleIngestionRate: 0,
    tenant,
    activeSeries: series,
    storageBytes: sources.gauges.storageBytes(tenant) ?? 0,
    writeRequests: u?.writeRequests ?? 0,
    rateLimitedRequests: u?.rateLimitedRequests ?? 0,
    samples: {
      received: u?.receivedSamples ?? 0,
      accepted: u?.acceptedSamples ?? 0,
      acceptedRate: u?.acceptedRate ?? 0,
      discarded: Object.fromEntries(u?.discardedSamples ?? []),
    },
    exemplars: { received: u?.receivedExemplars ?? 0 },
    metadata: {
      received: u?.receivedMetadata ?? 0,
      discarded: Object.fromEntries(u?.discardedMetadata ?? []),
    },
    queries: {
      total: u?.queries ?? 0,
      samplesScanned: u?.querySamplesScanned ?? 0,
      rate: u?.queryRate ?? 0,
    },
    limits: limitsAsJson(sources.limits(tenant)),
  };
}

/** `GET /api/v1/user_stats`: the calling tenant's usage and limits; needs a read-scoped token. */
export function userStatsHandler(auth: Authenticator, sources: UserStatsSources): Handler {
  return gated(auth, 'read', 'text', async (ctx, caller) => {
    sendJson(ctx.res, 200, userStats(caller.tenant, sources), { 'cache-control': 'no-store' });
  });
}
