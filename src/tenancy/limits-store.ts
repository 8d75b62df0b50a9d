import type Database from 'better-sqlite3';

import { NotFoundError } from '../model/index.ts';
import { formatLimitValue, limitSpec, parseLimitValue } from './limits.ts';

/** Overrides as stored: tenant → config key → value text (`10m`, `50000`). */
export type StoredOverrides = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * Where `xscaler limits set` keeps per-tenant overrides. Values are validated on the way in and
 * kept as text in their config-file form, so the table reads like the config file. Async so a
 * PostgreSQL implementation can take its place.
 */
export interface LimitOverridesStore {
  listLimitOverrides(): Promise<StoredOverrides>;
  /** Sets (replaces) the given keys of one tenant; throws BadDataError for unknown keys or bad values. */
  setLimitOverrides(tenant: string, values: ReadonlyMap<string, string>): Promise<void>;
  /** Removes keys of one tenant (all of them when `keys` is empty); returns how many were removed. */
  unsetLimitOverrides(tenant: string, keys: readonly string[]): Promise<number>;
}

/** The overrides table of the SQLite control plane (`SqliteControlPlane.db`). */
export class SqliteLimitsStore implements LimitOverridesStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async listLimitOverrides(): Promise<StoredOverrides> {
    const rows = this.db
      .prepare('SELECT tenant, key, value FROM limit_overrides ORDER BY tenant, key')
      .all() as Array<{ tenant: string; key: string; value: string }>;
    const out = new Map<string, Map<string, string>>();
    for (const r of rows) {
      let m = out.get(r.tenant);
      if (m === undefined) out.set(r.tenant, (m = new Map()));
      m.set(r.key, r.value);
    }
    return out;
  }

  async setLimitOverrides(tenant: string, values: ReadonlyMap<string, string>): Promise<void> {
    const canonical: Array<[string, string]> = [];
    for (const [key, text] of values) {
      canonical.push([key, formatLimitValue(limitSpec(key).field, parseLimitValue(key, text))]);
    }
    if (this.db.prepare('SELECT 1 FROM tenants WHERE id = ?').get(tenant) === undefined) {
      throw new NotFoundError(
        `tenant "${tenant}" does not exist; create it first with: xscaler tenant create`,
      );
    }
    const upsert = this.db.prepare(
      `INSERT INTO limit_overrides (tenant, key, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    const now = Date.now();
    this.db.transaction(() => {
      for (const [key, value] of canonical) upsert.run(tenant, key, value, now);
    })();
  }

  async unsetLimitOverrides(tenant: string, keys: readonly string[]): Promise<number> {
    if (keys.length === 0) {
      return this.db.prepare('DELETE FROM limit_overrides WHERE tenant = ?').run(tenant).changes;
    }
    for (const key of keys) limitSpec(key);
    const del = this.db.prepare('DELETE FROM limit_overrides WHERE tenant = ? AND key = ?');
    let removed = 0;
    this.db.transaction(() => {
      for (const key of keys) removed += del.run(tenant, key).changes;
    })();
    return removed;
  }
}
