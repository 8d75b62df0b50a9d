import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { pino, type Logger } from 'pino';

import { OtlpGrpcServer } from '../grpc/index.ts';
import {
  HttpServer,
  OTLP_METRICS_PATH,
  OtlpReceiver,
  otlpHandler,
  otlpOptionsFromLimits,
  limitsAdmin,
  mountDashboard,
  otlpWrongPathHandler,
  pushHandler,
  prometheusApiEndpoints,
  prometheusApiLookup,
  registerPrometheusApi,
  userStatsUsage,
} from '../http/index.ts';
import { Ingester } from '../ingest/index.ts';
import { Engine } from '../promql/index.ts';
import {
  Accounts,
  Authenticator,
  Sessions,
  SqliteControlPlane,
  SqliteLimitsStore,
  SqliteSessionStore,
  SqliteUserStore,
} from '../tenancy/index.ts';
import {
  DEFAULT_FRAME_CACHE_BYTES,
  DEFAULT_HEAD_CHUNK_CACHE_BYTES,
  FrameCache,
  HeadChunkCache,
  openTsdb,
} from '../tsdb/index.ts';
import { formatListen, type ServeConfig } from './config.ts';
import { wireLimits } from './limits-wiring.ts';
import { MemoryReducer } from './memory-reducer.ts';
import { TenantStorages, type StorageFactory } from './storages.ts';

/** The control plane lives next to the tenants' data. */
export function controlPlanePath(dataDir: string): string {
  return join(dataDir, 'control.db');
}

export interface RunningServer {
  readonly httpAddress: { host: string; port: number };
  /** Where OTLP/gRPC listens. */
  readonly grpcAddress: { host: string; port: number };
  readonly log: Logger;
  /** Drains, flushes and closes everything. Safe to call twice. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Overrides the storage engine (tests). */
  readonly storageFactory?: StorageFactory;
  readonly logger?: Logger;
}

/**
 * The composition root: opens the control plane and the tenants' storage, wires the edges, and
 * starts listening. Nothing else in the program knows how the pieces fit together.
 */
export async function startServer(config: ServeConfig, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? pino({ level: config.logLevel, base: { svc: 'xscaler' } });
  mkdirSync(config.dataDir, { recursive: true });
  const store = new SqliteControlPlane(controlPlanePath(config.dataDir));
  const auth = new Authenticator(store);
  // One cache of head chunk file bytes for all tenants: one budget, however many tenants.
  const headChunkCache = new HeadChunkCache({
    maxBytes: config.headChunkCacheBytes ?? DEFAULT_HEAD_CHUNK_CACHE_BYTES,
  });
  // Likewise one cache of inflated block chunk frames.
  const blockFrameCache = new FrameCache({ maxBytes: config.blockCacheBytes ?? DEFAULT_FRAME_CACHE_BYTES });
  const limits = await wireLimits(config, store, log, headChunkCache, blockFrameCache);
  const storages = new TenantStorages(
    config.dataDir,
    options.storageFactory ??
      ((tenant, dir) =>
        openTsdb(dir, {
          retentionMs: limits.tenantLimits.get(tenant).retentionMs,
          headChunkCache,
          blockFrameCache,
        })),
  );
  const ingester = new Ingester(storages, (t) => limits.tenantLimits.get(t), { usage: limits.usage });

  let ready = false;
  const http = new HttpServer({ log, ready: () => ready });
  http.router.add('POST', '/api/v1/push', pushHandler(auth, ingester));
  limits.route(http, auth, storages);
  const promApi = prometheusApiEndpoints({
    storage: (tenant) => storages.storage(tenant),
    engine: new Engine(),
    limits: (tenant) => limits.tenantLimits.get(tenant),
    usage: limits.usage,
    retentionMs: (tenant) => limits.tenantLimits.get(tenant).retentionMs,
  });
  registerPrometheusApi(http.router, auth, promApi);
  // The tenant's otlp_* settings (limits engine) choose how its OTLP data is translated.
  const otlp = new OtlpReceiver(
    ingester,
    otlpOptionsFromLimits((t) => limits.tenantLimits.get(t)),
  );
  // `/v1/metrics` is the OTLP default path, where a Collector otlphttp exporter given our base URL sends.
  http.router
    .add('POST', OTLP_METRICS_PATH, otlpHandler(auth, otlp))
    .add('POST', '/v1/metrics', otlpHandler(auth, otlp));
  const anyMethod = ['GET', 'POST', 'PUT', 'DELETE'] as const;
  for (const path of ['/otlp', '/otlp/', '/otlp/v1'])
    http.router.add(anyMethod, path, otlpWrongPathHandler());
  http.router.addPrefix(anyMethod, '/otlp/v1/', otlpWrongPathHandler());
  // An SDK exporter given only the base URL posts to `/` (GET `/` is the dashboard).
  http.router.add('POST', '/', otlpWrongPathHandler());
  const users = new SqliteUserStore(store.db);
  const dashboard = mountDashboard(http.router, {
    store,
    auth,
    accounts: new Accounts(users, store),
    sessions: new Sessions(new SqliteSessionStore(store.db), users),
    publicUrl: config.publicUrl,
    region: config.region,
    prometheusApi: prometheusApiLookup(promApi),
    usage: userStatsUsage(() => limits.statsSources()),
    limits: limitsAdmin(limits.tenantLimits, new SqliteLimitsStore(store.db)),
  });
  const grpc = new OtlpGrpcServer({ log, auth, receiver: otlp, tls: config.grpcTls });

  const usageTimer = setInterval(() => {
    auth.flushUsage().catch((err: unknown) => log.warn({ err }, 'could not record token use'));
  }, 5000);
  usageTimer.unref();

  // Listen first so /ready can say 503 while the tenants' WALs replay; requests that arrive
  // meanwhile wait for their tenant's storage.
  const address = await http.listen(config.listen.host, config.listen.port);
  const grpcPort = await grpc.listen(config.grpcListen.host, config.grpcListen.port);
  const started = Date.now();
  const opened = await storages.openExisting();
  if (opened > 0) log.info({ tenants: opened, ms: Date.now() - started }, 'opened tenant storage');
  ready = true;
  // Start-up (module loading, WAL replay) grows V8's young generation like a burst of ingest does:
  // give it back now, then after every burst (see MemoryReducer).
  const reducer = new MemoryReducer({
    onReduce: (r) => {
      if (r.error !== undefined) log.warn({ err: r.error }, 'memory-reducing collection failed');
      else
        log.debug(
          { newSpaceBefore: r.beforeBytes, newSpaceAfter: r.afterBytes, ms: Math.round(r.ms) },
          'memory-reducing collection',
        );
    },
  });
  void reducer.reduceNow();
  reducer.start();
  log.info(
    {
      http: formatListen({ host: address.address, port: address.port }),
      grpc: formatListen({ host: config.grpcListen.host, port: grpcPort }),
      dataDir: config.dataDir,
    },
    'xscaler ready',
  );

  let closing: Promise<void> | undefined;
  return {
    httpAddress: { host: address.address, port: address.port },
    grpcAddress: { host: config.grpcListen.host, port: grpcPort },
    log,
    close: () =>
      (closing ??= (async () => {
        ready = false;
        log.info('shutting down: draining requests');
        await Promise.all([http.close(config.drainMs), grpc.close(config.drainMs)]);
        clearInterval(usageTimer);
        reducer.stop();
        limits.stop();
        dashboard.close();
        await auth.flushUsage().catch(() => undefined);
        await storages.close();
        headChunkCache.clear();
        blockFrameCache.clear();
        store.close();
        log.info('shut down');
      })()),
  };
}
