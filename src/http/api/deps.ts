import type { Engine } from '../../promql/index.ts';
import type { Storage } from '../../storage/index.ts';

/**
 * Per-tenant query limits. The field names are those of tenancy's `Limits`, so the limits
 * registry's `(tenant) => Limits` can be passed as is. For every field 0 means "no limit".
 */
export interface QueryLimits {
  /** Series one query (or one series/labels/remote-read call) may read from storage. */
  readonly maxFetchedSeriesPerQuery: number;
  /** Samples one query may hold in memory at once (the engine's max samples). */
  readonly maxSamplesPerQuery: number;
  /** Longest `end - start` of a range query, ms. */
  readonly maxTotalQueryLengthMs: number;
  /** How far back from now any read may see, ms; older data is left out, with a warning. */
  readonly maxQueryLookbackMs: number;
  /** Longest a query may run, ms; a `timeout` parameter can only shorten it. */
  readonly queryTimeoutMs: number;
}

/** Mimir's defaults: 50 M samples, 2 m timeout, the others unlimited. */
export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({
  maxFetchedSeriesPerQuery: 0,
  maxSamplesPerQuery: 50_000_000,
  maxTotalQueryLengthMs: 0,
  maxQueryLookbackMs: 0,
  queryTimeoutMs: 2 * 60_000,
});

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
