import { createRequire } from 'node:module';

import { BadDataError, validateTenantId } from '../model/index.ts';
import { parseLimitOverrides, type Limits } from './limits.ts';

/**
 * The limits config file (`serve --limits-config`): YAML or JSON (JSON is YAML), with defaults for
 * every tenant and overrides for some:
 *
 *     defaults:
 *       ingestion_rate: 20000
 *       retention: 90d
 *     overrides:
 *       acme:
 *         ingestion_rate: 50000
 *         max_global_series_per_tenant: 500000
 *
 * Both sections are optional; keys are the names of `LIMIT_SPECS`.
 */
export interface LimitsConfig {
  readonly defaults: Partial<Limits>;
  readonly overrides: ReadonlyMap<string, Partial<Limits>>;
}

export const EMPTY_LIMITS_CONFIG: LimitsConfig = { defaults: {}, overrides: new Map() };

/**
 * The YAML parser is loaded when a limits file is first read, not at start (a few MB of resident
 * memory that a server without `--limits-config` never needs). `require` keeps parsing synchronous.
 */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

/** Parses the file's text; `source` (the path) prefixes every error. Throws BadDataError. */
export function parseLimitsConfig(text: string, source: string): LimitsConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BadDataError(`${source}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return EMPTY_LIMITS_CONFIG;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BadDataError(`${source}: expected a map with "defaults" and/or "overrides"`);
  }
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (key !== 'defaults' && key !== 'overrides') {
      throw new BadDataError(`${source}: unknown section "${key}"; expected "defaults" and/or "overrides"`);
    }
  }
  const defaults = parseLimitOverrides(top['defaults'], `${source}: defaults`);
  const overrides = new Map<string, Partial<Limits>>();
  const raw = top['overrides'];
  if (raw !== null && raw !== undefined) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new BadDataError(`${source}: "overrides" must map tenant ids to limits`);
    }
    for (const [tenant, values] of Object.entries(raw as Record<string, unknown>)) {
      try {
        validateTenantId(tenant);
      } catch (err) {
        throw new BadDataError(`${source}: overrides: ${(err as Error).message}`);
      }
      overrides.set(tenant, parseLimitOverrides(values, `${source}: overrides: ${tenant}`));
    }
  }
  return { defaults, overrides };
}
