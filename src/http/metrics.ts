import { createRequire } from 'node:module';

import type { Counter, Gauge, Registry } from 'prom-client';

import {
  LIMIT_SPECS,
  type Limits,
  type TenantUsage,
  type UsageGauges,
  type UsageTracker,
} from '../tenancy/index.ts';
import type { Handler } from './context.ts';

/** A cache's figures, read at scrape time. */
export interface CacheStats {
  readonly bytes: number;
  readonly maxBytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}

/** What `/metrics` reports on, read at scrape time. */
export interface MetricsSources {
  /** The storage engine's cache of head chunk file bytes (all tenants). */
  readonly headChunkCache?: CacheStats;
  /** The storage engine's cache of inflated block chunk frames (all tenants). */
  readonly blockFrameCache?: CacheStats;
  readonly usage: UsageTracker;
  readonly limits: (tenant: string) => Limits;
  readonly gauges: UsageGauges;
  /** Tenants to report even before they sent anything (those with open storage). */
  readonly tenants: () => Iterable<string>;
}

/**
 * Our own metrics in one prom-client registry (not the global one, so several servers can live in
 * one process in tests): Node process metrics, plus per-tenant usage and limits.
 *
 * The hot path never touches prom-client (its label lookups allocate): it bumps plain counters in
 * `UsageTracker`, and the collect callbacks below copy them into the registry when scraped.
 */
export function metricsRegistry(sources: MetricsSources): Registry {
  const { collectDefaultMetrics, Counter, Gauge, Registry } = createRequire(import.meta.url)(
    'prom-client',
  ) as typeof import('prom-client');
  const registry = new Registry();
  // prom-client's process CPU counters count from the moment they are registered, and the
  // registry may be made long after start (at the first scrape): add what the process used
  // before, so they are the process's totals like every other exporter's.
  const before = process.cpuUsage();
  collectDefaultMetrics({ register: registry });
  const seed = (name: string, micros: number): void => {
    (registry.getSingleMetric(name) as Counter | undefined)?.inc(micros / 1e6);
  };
  seed('process_cpu_user_seconds_total', before.user);
  seed('process_cpu_system_seconds_total', before.system);
  seed('process_cpu_seconds_total', before.user + before.system);

  const tenants = (): string[] => {
    const all = new Set<string>(sources.tenants());
    for (const [t] of sources.usage.tenants()) all.add(t);
    return [...all].sort();
  };
  const usageOf = (t: string): TenantUsage | undefined => sources.usage.peek(t);

  /** A counter whose value per tenant is read from the tenant's usage. */
  const perTenantCounter = (name: string, help: string, read: (u: TenantUsage) => number): void => {
    const c: Counter<'tenant'> = new Counter({
      name,
      help,
      labelNames: ['tenant'],
      registers: [registry],
      collect() {
        c.reset();
        for (const [t, u] of sources.usage.tenants()) c.inc({ tenant: t }, read(u));
      },
    });
  };
  perTenantCounter(
    'xscaler_write_requests_total',
    'Write requests that reached ingest.',
    (u) => u.writeRequests,
  );
  perTenantCounter(
    'xscaler_received_samples_total',
    'Samples (float and histogram) received in write requests, refused ones included.',
    (u) => u.receivedSamples,
  );
  perTenantCounter('xscaler_received_exemplars_total', 'Exemplars received.', (u) => u.receivedExemplars);
  perTenantCounter(
    'xscaler_received_metadata_total',
    'Metadata entries received.',
    (u) => u.receivedMetadata,
  );
  perTenantCounter('xscaler_accepted_samples_total', 'Samples stored.', (u) => u.acceptedSamples);
  perTenantCounter(
    'xscaler_rate_limited_requests_total',
    'Write requests refused by the ingestion rate limit (retries count again).',
    (u) => u.rateLimitedRequests,
  );
  perTenantCounter('xscaler_queries_total', 'Queries run.', (u) => u.queries);
  perTenantCounter(
    'xscaler_query_samples_scanned_total',
    'Samples read from storage by queries.',
    (u) => u.querySamplesScanned,
  );

  const byReason = (name: string, help: string, read: (u: TenantUsage) => ReadonlyMap<string, number>) => {
    const c: Counter<'tenant' | 'reason'> = new Counter({
      name,
      help,
      labelNames: ['tenant', 'reason'],
      registers: [registry],
      collect() {
        c.reset();
        for (const [t, u] of sources.usage.tenants()) {
          for (const [reason, n] of read(u)) c.inc({ tenant: t, reason }, n);
        }
      },
    });
  };
  byReason(
    'xscaler_discarded_samples_total',
    'Samples refused, by reason (rate_limited, series_limit, out_of_order, ...).',
    (u) => u.discardedSamples,
  );
  byReason(
    'xscaler_discarded_metadata_total',
    'Metadata entries refused, by reason.',
    (u) => u.discardedMetadata,
  );

  const perTenantGauge = (name: string, help: string, read: (t: string) => number | undefined): void => {
    const g: Gauge<'tenant'> = new Gauge({
      name,
      help,
      labelNames: ['tenant'],
      registers: [registry],
      collect() {
        g.reset();
        for (const t of tenants()) {
          const v = read(t);
          if (v !== undefined) g.set({ tenant: t }, v);
        }
      },
    });
  };
  perTenantGauge(
    'xscaler_ingestion_rate_samples_per_second',
    'Smoothed rate of samples + exemplars + metadata admitted: what ingestion_rate limits.',
    (t) => usageOf(t)?.ingestionRate ?? 0,
  );
  perTenantGauge('xscaler_active_series', 'Series in the in-memory head.', (t) =>
    sources.gauges.activeSeries(t),
  );
  perTenantGauge('xscaler_storage_bytes', "Bytes the tenant's data takes on disk.", (t) =>
    sources.gauges.storageBytes(t),
  );

  /** `<prefix>_{bytes,max_bytes,hits_total,misses_total,evictions_total}` of one query cache. */
  const cacheMetrics = (
    prefix: string,
    what: string,
    unit: string,
    flag: string,
    cache: CacheStats,
  ): void => {
    const gauge = (name: string, help: string, read: () => number): void => {
      const g: Gauge = new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          g.set(read());
        },
      });
    };
    // Counters set from totals kept elsewhere: reset, then add the total.
    const counter = (name: string, help: string, read: () => number): void => {
      const c: Counter = new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          c.reset();
          c.inc(read());
        },
      });
    };
    gauge(`${prefix}_bytes`, `Bytes held in the ${what} query cache (all tenants).`, () => cache.bytes);
    gauge(`${prefix}_max_bytes`, `Budget of the ${what} query cache (${flag}).`, () => cache.maxBytes);
    counter(
      `${prefix}_hits_total`,
      `${unit} lookups of queries served from the ${what} cache.`,
      () => cache.hits,
    );
    counter(
      `${prefix}_misses_total`,
      `${unit} lookups of queries that had to read the files.`,
      () => cache.misses,
    );
    counter(
      `${prefix}_evictions_total`,
      `${unit}s evicted from the ${what} cache to stay within its budget.`,
      () => cache.evictions,
    );
  };

  if (sources.headChunkCache !== undefined)
    cacheMetrics(
      'xscaler_head_chunk_cache',
      'head chunk',
      'Segment',
      '--head-chunk-cache-mib',
      sources.headChunkCache,
    );
  if (sources.blockFrameCache !== undefined)
    cacheMetrics(
      'xscaler_block_cache',
      'block chunk frame',
      'Frame',
      '--block-cache-mib',
      sources.blockFrameCache,
    );

  const limits: Gauge<'tenant' | 'limit'> = new Gauge({
    name: 'xscaler_tenant_limits',
    help: 'Effective per-tenant limits by config key (durations in seconds; 0 = unlimited).',
    labelNames: ['tenant', 'limit'],
    registers: [registry],
    collect() {
      limits.reset();
      for (const t of tenants()) {
        const l = sources.limits(t);
        for (const s of LIMIT_SPECS) {
          const v = l[s.field];
          if (typeof v !== 'number') continue; // the otlp_* settings are not numbers
          limits.set({ tenant: t, limit: s.key }, s.unit === 'duration' ? v / 1000 : v);
        }
      }
    },
  });
  return registry;
}

/**
 * `GET /metrics`: Prometheus text exposition, without auth (like Prometheus and Mimir).
 *
 * Given a function, the registry is made at the first scrape: prom-client and its default
 * collectors (an event-loop delay monitor, a GC observer) cost about 4 MiB resident, which a
 * server nobody scrapes need not pay. The process CPU counters are the process's totals (see
 * metricsRegistry); the GC and event-loop figures start at the first scrape (as after a restart).
 */
export function metricsHandler(registry: Registry | (() => Registry)): Handler {
  let made: Registry | undefined;
  return async (ctx) => {
    made ??= typeof registry === 'function' ? registry() : registry;
    const body = await made.metrics();
    if (ctx.res.headersSent) return;
    ctx.res.writeHead(200, {
      'content-type': made.contentType,
      'content-length': Buffer.byteLength(body),
    });
    ctx.res.end(body);
  };
}
