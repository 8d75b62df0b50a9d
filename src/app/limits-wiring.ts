import type { Logger } from 'pino';

import {
  metricsHandler,
  metricsRegistry,
  userStatsHandler,
  type CacheStats,
  type HttpServer,
  type UserStatsSources,
} from '../http/index.ts';
import type { Storage } from '../storage/index.ts';
import {
  SqliteLimitsStore,
  TenantLimits,
  UsageTracker,
  type Authenticator,
  type SqliteControlPlane,
} from '../tenancy/index.ts';
import type { ServeConfig } from './config.ts';
import type { TenantStorages } from './storages.ts';
import { StorageGauges } from './usage-gauges.ts';

/** How often the limits file and the control plane's overrides are re-read. */
const LIMITS_RELOAD_MS = 2000;

export interface LimitsWiring {
  readonly tenantLimits: TenantLimits;
  readonly usage: UsageTracker;
  /** Adds `/metrics` and `user_stats`, and starts the gauges and retention updates. */
  route(http: HttpServer, auth: Authenticator, storages: TenantStorages): void;
  /** What `user_stats` reads, once `route` ran (the dashboard's Usage page reads it too). */
  statsSources(): UserStatsSources | undefined;
  stop(): void;
}

/** A storage engine that can change its retention while open. */
interface RetentionSetter {
  setRetentionMs(ms: number): void;
}

function canSetRetention(s: Storage): s is Storage & RetentionSetter {
  return typeof (s as Partial<RetentionSetter>).setRetentionMs === 'function';
}

/**
 * Limits, usage and their endpoints. Limits come from built-in defaults, the `--limits-config`
 * file and `xscaler limits set` (the control plane), re-read every 2 s. Retention reaches each
 * tenant's storage when it is opened, and at run time when the engine offers `setRetentionMs`.
 * A broken config file stops the server at start and is ignored (with a warning, keeping the last
 * good values) when it breaks later.
 */
export async function wireLimits(
  config: ServeConfig,
  store: SqliteControlPlane,
  log: Logger,
  headChunkCache?: CacheStats,
  blockFrameCache?: CacheStats,
): Promise<LimitsWiring> {
  const tenantLimits = await TenantLimits.open({
    store: new SqliteLimitsStore(store.db),
    configFile: config.limitsConfig,
    onError: (err) => log.warn({ err: String(err) }, 'limits: keeping the last good values'),
  });
  tenantLimits.start(LIMITS_RELOAD_MS);
  const usage = new UsageTracker();
  usage.start(1000);
  let gauges: StorageGauges | undefined;
  let statsSources: UserStatsSources | undefined;

  return {
    tenantLimits,
    usage,
    route(http, auth, storages) {
      const open = (): Array<readonly [string, Promise<Storage>]> =>
        storages.tenants().map((t) => [t, storages.storage(t)] as const);
      gauges = new StorageGauges(config.dataDir, open);
      gauges.start();
      const sources = { usage, limits: (t: string) => tenantLimits.get(t), gauges };
      statsSources = sources;
      http.router.add(
        'GET',
        '/metrics',
        metricsHandler(() =>
          metricsRegistry({
            ...sources,
            tenants: () => storages.tenants(),
            ...(headChunkCache !== undefined ? { headChunkCache } : {}),
            ...(blockFrameCache !== undefined ? { blockFrameCache } : {}),
          }),
        ),
      );
      const stats = userStatsHandler(auth, sources);
      http.router.add('GET', '/api/v1/user_stats', stats).add('GET', '/prometheus/api/v1/user_stats', stats);
      tenantLimits.onChange(() => {
        log.info('limits changed');
        for (const [tenant, pending] of open()) {
          pending.then(
            (s) => {
              if (canSetRetention(s)) s.setRetentionMs(tenantLimits.get(tenant).retentionMs);
            },
            () => undefined,
          );
        }
      });
    },
    statsSources: () => statsSources,
    stop() {
      tenantLimits.stop();
      usage.stop();
      gauges?.stop();
    },
  };
}
