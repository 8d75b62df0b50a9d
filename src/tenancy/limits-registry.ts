import { readFile } from 'node:fs/promises';

import { EMPTY_LIMITS_CONFIG, parseLimitsConfig, type LimitsConfig } from './limits-file.ts';
import type { LimitOverridesStore, StoredOverrides } from './limits-store.ts';
import {
  DEFAULT_LIMITS,
  LIMIT_SPECS,
  limitSpec,
  mergeLimits,
  parseLimitValue,
  type LimitField,
  type Limits,
  type LimitSpec,
  type LimitValue,
} from './limits.ts';

/** Where a tenant's value of a limit comes from, weakest first. */
export type LimitSource = 'default' | 'config defaults' | 'config override' | 'override';

export interface ExplainedLimit {
  readonly spec: LimitSpec;
  readonly value: LimitValue;
  readonly source: LimitSource;
}

export interface TenantLimitsOptions {
  /** Overrides set with `xscaler limits set` (the control plane). */
  readonly store?: LimitOverridesStore;
  /** The limits config file; re-read on every `reload`. */
  readonly configFile?: string | undefined;
  /** Told about a file or store that could not be read during `reload` (the last good values stay). */
  readonly onError?: (err: unknown) => void;
  /** Called after a `reload` changed anything (not for the first load in `open`). */
  readonly onChange?: () => void;
}

/**
 * Every tenant's effective limits: built-in defaults, then the config file's `defaults`, then its
 * per-tenant `overrides`, then the control plane's overrides (`xscaler limits set`, which win).
 *
 * `get` is on the write path: a Map lookup of a frozen object, rebuilt only after a change.
 * `reload` (the server calls it every couple of seconds through `start`) re-reads the file and the
 * store; a broken file or an unreachable store keeps the last good values and reports the error
 * once (until it changes).
 */
export class TenantLimits {
  private readonly store: LimitOverridesStore | undefined;
  private readonly configFile: string | undefined;
  private readonly onError: (err: unknown) => void;
  private readonly listeners: Array<() => void> = [];
  private config: LimitsConfig = EMPTY_LIMITS_CONFIG;
  private configText: string | undefined;
  private stored = new Map<string, Partial<Limits>>();
  private storedSignature = '';
  private base: Limits = DEFAULT_LIMITS;
  private readonly cache = new Map<string, Limits>();
  private lastError = '';
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<boolean> | undefined;

  constructor(options: TenantLimitsOptions = {}) {
    this.store = options.store;
    this.configFile = options.configFile;
    this.onError = options.onError ?? (() => undefined);
    if (options.onChange) this.listeners.push(options.onChange);
  }

  /** Loads the file and the store once, throwing on any problem (a server must not start on a bad file). */
  static async open(options: TenantLimitsOptions = {}): Promise<TenantLimits> {
    const limits = new TenantLimits(options);
    await limits.load(true);
    return limits;
  }

  /** The tenant's effective limits (a frozen object; a new one after each change). */
  get(tenant: string): Limits {
    let l = this.cache.get(tenant);
    if (l === undefined) {
      l = mergeLimits(this.base, this.config.overrides.get(tenant), this.stored.get(tenant));
      this.cache.set(tenant, l);
    }
    return l;
  }

  /** The limits of a tenant without overrides. */
  defaults(): Limits {
    return this.base;
  }

  /** Each limit of a tenant with its value and where that value comes from. */
  explain(tenant: string): ExplainedLimit[] {
    const fileTenant = this.config.overrides.get(tenant) ?? {};
    const storeTenant = this.stored.get(tenant) ?? {};
    return LIMIT_SPECS.map((spec) => {
      const f: LimitField = spec.field;
      if (storeTenant[f] !== undefined) return { spec, value: storeTenant[f], source: 'override' };
      if (fileTenant[f] !== undefined) return { spec, value: fileTenant[f], source: 'config override' };
      if (this.config.defaults[f] !== undefined)
        return { spec, value: this.config.defaults[f], source: 'config defaults' };
      return { spec, value: DEFAULT_LIMITS[f], source: 'default' };
    });
  }

  /** Registers a callback run after every reload that changed something. */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Re-reads the file and the store; resolves true when anything changed. Never throws. */
  reload(): Promise<boolean> {
    // One reload at a time: a slow store must not stack up polls.
    this.reloading ??= this.load(false).finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /** Polls for changes every `intervalMs` until `stop`. */
  start(intervalMs = 2000): void {
    this.stop();
    this.timer = setInterval(() => void this.reload(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async load(strict: boolean): Promise<boolean> {
    let changed = false;
    const failures: unknown[] = [];
    if (this.configFile !== undefined) {
      try {
        const text = await readFile(this.configFile, 'utf8');
        if (text !== this.configText) {
          this.config = parseLimitsConfig(text, this.configFile);
          this.configText = text;
          changed = true;
        }
      } catch (err) {
        if (strict) throw err;
        failures.push(err);
      }
    }
    if (this.store !== undefined) {
      try {
        const rows = await this.store.listLimitOverrides();
        const signature = signatureOf(rows);
        if (signature !== this.storedSignature) {
          this.stored = this.parseStored(rows);
          this.storedSignature = signature;
          changed = true;
        }
      } catch (err) {
        if (strict) throw err;
        failures.push(err);
      }
    }
    this.report(failures);
    if (changed) {
      this.base = mergeLimits(DEFAULT_LIMITS, this.config.defaults);
      this.cache.clear();
      if (!strict) for (const fn of this.listeners) fn();
    }
    return changed;
  }

  /** Rows the running version does not understand (a newer CLI wrote them) are skipped and reported. */
  private parseStored(rows: StoredOverrides): Map<string, Partial<Limits>> {
    const out = new Map<string, Partial<Limits>>();
    for (const [tenant, values] of rows) {
      const o: Partial<Record<LimitField, LimitValue>> = {};
      for (const [key, text] of values) {
        try {
          o[limitSpec(key).field] = parseLimitValue(key, text);
        } catch (err) {
          this.onError(new Error(`limit override ${tenant}/${key} is ignored: ${(err as Error).message}`));
        }
      }
      // Each value was parsed by its field's own spec, so it has that field's type.
      out.set(tenant, o as Partial<Limits>);
    }
    return out;
  }

  /** Reports failures unless they are the same as at the previous reload (no log line every poll). */
  private report(failures: readonly unknown[]): void {
    const text = failures.map((e) => String((e as Error)?.message ?? e)).join('; ');
    if (text === this.lastError) return;
    this.lastError = text;
    for (const err of failures) this.onError(err);
  }
}

function signatureOf(rows: StoredOverrides): string {
  let s = '';
  for (const [tenant, values] of rows) for (const [k, v] of values) s += `${tenant}\0${k}\0${v}\n`;
  return s;
}
