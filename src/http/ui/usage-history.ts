import type { UsageProvider, UsageSnapshot } from './types.ts';

/** One sample of a tenant's usage: the numeric leaves of its snapshot by dotted path. */
export interface UsagePoint {
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly v: Readonly<Record<string, number>>;
}

export interface UsageHistoryOptions {
  /** How often every tenant is sampled (default 15 s). */
  readonly intervalMs?: number;
  /** Samples kept per tenant (default 480: two hours at 15 s). */
  readonly keep?: number;
  /** Most tenants followed; the rest have no history (default 1000). */
  readonly maxTenants?: number;
  readonly now?: () => number;
}

/** Deepest nesting flattened; a snapshot is a few levels at most. */
const MAX_DEPTH = 4;

/**
 * Keeps the last hours of every tenant's usage in memory, so the Usage page shows charts over
 * time without a metrics store of its own. Lost on restart; the page says since when it has data.
 */
export class UsageHistory {
  readonly intervalMs: number;
  private readonly keep: number;
  private readonly maxTenants: number;
  private readonly now: () => number;
  private readonly provider: UsageProvider;
  private readonly tenants: () => Promise<readonly string[]>;
  private readonly points = new Map<string, UsagePoint[]>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    provider: UsageProvider,
    tenants: () => Promise<readonly string[]>,
    options: UsageHistoryOptions = {},
  ) {
    this.provider = provider;
    this.tenants = tenants;
    this.intervalMs = options.intervalMs ?? 15_000;
    this.keep = options.keep ?? 480;
    this.maxTenants = options.maxTenants ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The tenant's samples, oldest first. */
  of(tenant: string): readonly UsagePoint[] {
    return this.points.get(tenant) ?? [];
  }

  /** Takes one sample of every tenant (the timer calls this; tests call it directly). */
  async sample(): Promise<void> {
    const tenants = (await this.tenants()).slice(0, this.maxTenants);
    for (const tenant of tenants) await this.sampleTenant(tenant);
    const live = new Set(tenants);
    for (const tenant of this.points.keys()) if (!live.has(tenant)) this.points.delete(tenant);
  }

  /** The tenant's samples taken after `afterMs`, oldest first (what a page that has the rest lacks). */
  after(tenant: string, afterMs: number): readonly UsagePoint[] {
    const list = this.points.get(tenant) ?? [];
    let i = list.length;
    while (i > 0 && (list[i - 1] as UsagePoint).t > afterMs) i--;
    return list.slice(i);
  }

  /**
   * Keeps `snapshot` (just taken by the caller) as a sample of the tenant, unless its last one is
   * younger than `minAgeMs`: someone looking at the Usage page gets a fresh point (and a first
   * chart) without waiting for the timer, and without a second snapshot.
   */
  addIfOlder(tenant: string, snapshot: UsageSnapshot, minAgeMs: number): void {
    const last = this.points.get(tenant)?.at(-1);
    if (last !== undefined && this.now() - last.t < minAgeMs) return;
    if (last === undefined && this.points.size >= this.maxTenants) return;
    this.add(tenant, this.now(), snapshot);
  }

  private async sampleTenant(tenant: string): Promise<void> {
    const t = this.now();
    let snap: UsageSnapshot;
    try {
      snap = await this.provider.snapshot(tenant);
    } catch {
      return; // a tenant whose usage cannot be read now simply gets a gap
    }
    this.add(tenant, t, snap);
  }

  private add(tenant: string, t: number, snap: UsageSnapshot): void {
    let list = this.points.get(tenant);
    if (list === undefined) this.points.set(tenant, (list = []));
    list.push({ t, v: flatten(snap) });
    if (list.length > this.keep) list.splice(0, list.length - this.keep);
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => {
      this.running ??= this.sample()
        .catch(() => undefined)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The numeric leaves of a JSON-like value, by dotted path (`discarded.rate_limited`). */
export function flatten(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (v: unknown, path: string, depth: number): void => {
    if (typeof v === 'number') {
      if (Number.isFinite(v) && path !== '') out[path] = v;
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH) {
      for (const [k, child] of Object.entries(v)) walk(child, path === '' ? k : `${path}.${k}`, depth + 1);
    }
  };
  walk(value, '', 0);
  return out;
}
