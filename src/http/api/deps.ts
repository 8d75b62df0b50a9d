import type { Engine } from '../../promql/index.ts';
import type { Storage } from '../../storage/index.ts';
import { DEFAULT_LIMITS, type Limits } from '../../tenancy/index.ts';

/**
 * The per-tenant limits the query endpoints apply: tenancy's, so the limits registry's
 * `(tenant) => Limits` is passed as is. For every field 0 means "no limit".
 */
export type QueryLimits = Pick<
  Limits,
  | 'maxFetchedSeriesPerQuery'
  | 'maxSamplesPerQuery'
  | 'maxTotalQueryLengthMs'
  | 'maxQueryLookbackMs'
  | 'queryTimeoutMs'
>;

/** The built-in defaults (Mimir's: 50 M samples, 2 m timeout, the others unlimited). */
export const DEFAULT_QUERY_LIMITS: QueryLimits = DEFAULT_LIMITS;

/** Where query usage goes (tenancy's UsageTracker has this method). */
export interface QueryUsageRecorder {
  recordQuery(tenant: string, samplesScanned: number): void;
}

/** What `/status/buildinfo`, `/status/flags`, `/status/config` and `/status/runtimeinfo` report. */
export interface ServerInfo {
  /** Prometheus version we are compatible with (Grafana enables features by it). */
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly buildUser: string;
  readonly buildDate: string;
  readonly startTimeMs: number;
}

/** Everything the Prometheus API handlers need, wired by the composition root. */
export interface PrometheusApiDeps {
  /** The tenant's storage (opened on first use). */
  storage(tenant: string): Promise<Storage>;
  readonly engine: Engine;
  limits(tenant: string): QueryLimits;
  readonly usage?: QueryUsageRecorder | undefined;
  /** The tenant's retention in ms, for `status/runtimeinfo` and `status/flags`; 0 = forever. */
  retentionMs?(tenant: string): number;
  readonly info?: Partial<ServerInfo> | undefined;
  /** Wall clock (tests). */
  readonly now?: (() => number) | undefined;
}

/** Compatible Prometheus version we announce: 3.x makes Grafana use the newer API features we serve. */
export const DEFAULT_SERVER_INFO: ServerInfo = {
  version: '3.5.0',
  revision: 'xscaler',
  branch: 'main',
  buildUser: 'xscaler',
  buildDate: '',
  startTimeMs: Date.now(),
};
