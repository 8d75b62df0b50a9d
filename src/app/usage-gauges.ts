import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { Storage } from '../storage/index.ts';
import type { UsageGauges } from '../tenancy/index.ts';
import { Tsdb } from '../tsdb/index.ts';

/** Most files a directory walk looks at, so a pathological tree cannot stall the refresh. */
const MAX_FILES = 100_000;

/**
 * Active series and bytes on disk per tenant, refreshed in the background (every `intervalMs`)
 * and read from memory, so `/metrics` and `user_stats` never walk directories or the index.
 * Series come from the engine's head counter when the storage is our Tsdb (O(1)), else from
 * `stats(0)`; bytes from a walk of the tenant's directory.
 */
export class StorageGauges implements UsageGauges {
  private readonly series = new Map<string, number>();
  private readonly bytes = new Map<string, number>();
  private readonly dataDir: string;
  private readonly open: () => ReadonlyArray<readonly [string, Promise<Storage>]>;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(dataDir: string, open: () => ReadonlyArray<readonly [string, Promise<Storage>]>) {
    this.dataDir = dataDir;
    this.open = open;
  }

  activeSeries(tenant: string): number | undefined {
    return this.series.get(tenant);
  }

  storageBytes(tenant: string): number | undefined {
    return this.bytes.get(tenant);
  }

  /** Re-reads every open tenant. One refresh at a time; never throws. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      for (const [tenant, pending] of this.open()) {
        try {
          const storage = await pending;
          this.series.set(tenant, storage instanceof Tsdb ? storage.head.live : storage.stats(0).numSeries);
          this.bytes.set(tenant, await dirBytes(join(this.dataDir, 'tenants', tenant)));
        } catch {
          // A storage that failed to open or a directory that vanished: keep the last values.
        }
      }
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  start(intervalMs = 10_000): void {
    this.stop();
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Sum of file sizes under `dir` (0 when it does not exist). */
async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length > 0 && files < MAX_FILES) {
    const d = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        files++;
        try {
          total += (await stat(p)).size;
        } catch {
          // deleted meanwhile (compaction, WAL truncation)
        }
      }
    }
  }
  return total;
}
