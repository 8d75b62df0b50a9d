import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { StorageProvider } from '../ingest/index.ts';
import { UnavailableError } from '../model/index.ts';
import type { Storage } from '../storage/index.ts';

export type StorageFactory = (tenant: string, dir: string) => Promise<Storage>;

/**
 * One storage per tenant, each in its own directory (`<data>/tenants/<id>`), opened on first use
 * and kept open. Tenant ids are validated before they get here (no `/`, not `.` or `..`), so they
 * are safe as directory names.
 */
export class TenantStorages implements StorageProvider {
  private readonly open = new Map<string, Promise<Storage>>();
  private readonly dataDir: string;
  private readonly factory: StorageFactory;
  private closing = false;

  constructor(dataDir: string, factory: StorageFactory) {
    this.dataDir = dataDir;
    this.factory = factory;
  }

  storage(tenant: string): Promise<Storage> {
    if (this.closing)
      return Promise.reject(new UnavailableError('the server is shutting down; retry shortly'));
    let s = this.open.get(tenant);
    if (s === undefined) {
      s = this.factory(tenant, join(this.dataDir, 'tenants', tenant));
      this.open.set(tenant, s);
      s.catch(() => this.open.delete(tenant));
    }
    return s;
  }

  /**
   * Opens the storage of every tenant that has a directory already (replaying its WAL), so the
   * server is ready only once every tenant's acknowledged data is queryable again.
   */
  async openExisting(): Promise<number> {
    let names: string[];
    try {
      names = readdirSync(join(this.dataDir, 'tenants'), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return 0;
    }
    await Promise.all(names.map((t) => this.storage(t)));
    return names.length;
  }

  /** Tenants whose storage is open. */
  tenants(): string[] {
    return [...this.open.keys()];
  }

  /** Flushes and closes every open storage. */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(all.map(async (s) => (await s).close()));
  }
}
