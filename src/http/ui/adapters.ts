import { BadDataError } from '../../model/index.ts';
import {
  formatLimitValue,
  limitSpec,
  type LimitOverridesStore,
  type TenantLimits,
} from '../../tenancy/index.ts';
import { userStats, type UserStatsSources } from '../user-stats.ts';
import type { LimitsAdmin, UsageProvider } from './types.ts';

/** The Usage page reads exactly what `GET /api/v1/user_stats` answers for the tenant. */
export function userStatsUsage(sources: () => UserStatsSources | undefined): UsageProvider {
  return {
    async snapshot(tenant) {
      const s = sources();
      if (s === undefined) throw new BadDataError('usage is not being recorded yet');
      return userStats(tenant, s) as unknown as Readonly<Record<string, unknown>>;
    },
  };
}

/** One limit as the operator page shows it. */
export interface LimitRow {
  readonly key: string;
  readonly unit: string;
  readonly help: string;
  /** In its config-file form (`10m`, `50000`). */
  readonly value: string;
  readonly source: string;
}

/**
 * Per-tenant overrides from the operator pages: written to the same store as `xscaler limits
 * set`, then applied at once (rather than at the next periodic reload).
 */
export function limitsAdmin(limits: TenantLimits, store: LimitOverridesStore): LimitsAdmin {
  return {
    async describe(tenant): Promise<LimitRow[]> {
      return limits.explain(tenant).map((e) => ({
        key: e.spec.key,
        unit: e.spec.unit,
        help: e.spec.help,
        value: formatLimitValue(e.spec.field, e.value),
        source: e.source,
      }));
    },
    async update(tenant, changes) {
      const set = new Map<string, string>();
      const unset: string[] = [];
      for (const [key, value] of Object.entries(changes)) {
        limitSpec(key); // unknown keys: a BadDataError listing the known ones
        if (value === null) unset.push(key);
        else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          set.set(key, String(value).trim());
        else if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
          set.set(key, value.join(','));
        else throw new BadDataError(`limit ${key}: expected a value or null (back to the default)`);
      }
      if (set.size > 0) await store.setLimitOverrides(tenant, set);
      if (unset.length > 0) await store.unsetLimitOverrides(tenant, unset);
      await limits.reload();
    },
  };
}
