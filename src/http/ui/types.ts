import type { Accounts, Authenticator, ControlPlaneStore, Sessions, SignedIn } from '../../tenancy/index.ts';
import type { RequestContext } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { StaticAssets } from './static-assets.ts';

/**
 * Finds the Prometheus API handler for a method and a path below `/prometheus` (`/api/v1/query`,
 * `/api/v1/label/job/values`), or undefined. The dashboard serves these handlers to signed-in
 * users under `/ui/api/t/<tenant>/prometheus/...`, with a read-only caller for that tenant.
 */
export type PrometheusApiLookup = (method: string, path: string) => GatedHandler | undefined;

/** One tenant's usage now, in whatever shape the usage module reports it (JSON-serialisable). */
export type UsageSnapshot = Readonly<Record<string, unknown>>;

/** Where the Usage page's numbers come from (the limits and usage module, wired by app/). */
export interface UsageProvider {
  /** The tenant's counters, rates, gauges and limits now. */
  snapshot(tenant: string): Promise<UsageSnapshot>;
}

/** Per-tenant limit overrides, for the operator pages (the limits module, wired by app/). */
export interface LimitsAdmin {
  /** Every limit of a tenant: its key, effective value, where it comes from, help text. */
  describe(tenant: string): Promise<unknown>;
  /** Sets (a value) or clears (null) overrides; values as written in the config file. */
  update(tenant: string, changes: Readonly<Record<string, unknown>>): Promise<void>;
}

export interface DashboardDeps {
  readonly store: ControlPlaneStore;
  readonly auth: Authenticator;
  readonly accounts: Accounts;
  readonly sessions: Sessions;
  /** The URL clients use to reach this server (`https://euw1-01.example.com`); else the Host header's. */
  readonly publicUrl?: string | undefined;
  /** A region label shown on the Connect page (`euw1`). */
  readonly region?: string | undefined;
  readonly prometheusApi?: PrometheusApiLookup | undefined;
  readonly usage?: UsageProvider | undefined;
  readonly limits?: LimitsAdmin | undefined;
  readonly assets?: StaticAssets | undefined;
  readonly throttle?: LoginThrottle | undefined;
}

/** One call to the dashboard API, once the route matched (and, unless public, a session checked). */
export interface UiCall {
  readonly ctx: RequestContext;
  /** Path parameters of the route, in order. */
  readonly params: readonly string[];
  readonly who: SignedIn;
}
