import {
  BadDataError,
  ExecutionError,
  ForbiddenError,
  UnauthorizedError,
  validateTenantId,
} from '../model/index.ts';
import { hashToken, looksLikeToken } from './tokens.ts';
import { scopeAllows, type ControlPlaneStore, type Permission, type TokenRecord } from './types.ts';

export const EXPECTED_AUTH = 'expected "Authorization: Bearer <token>"';

/** Who is calling, once the gate has let a request through. */
export interface Caller {
  readonly tenant: string;
  readonly token: TokenRecord;
}

export interface AuthenticatorOptions {
  /**
   * How long a token lookup (found or not) is trusted before asking the store again. Bounds how
   * long a revoked token keeps working, and how soon a new one starts to.
   */
  readonly cacheTtlMs?: number;
  readonly now?: () => number;
}

interface CacheEntry {
  readonly record: TokenRecord | null;
  readonly until: number;
}

/** Most distinct tokens kept in the lookup cache (failed guesses included). */
const MAX_CACHE = 10_000;

/**
 * The gate every data endpoint passes through, in this order:
 * 1. `X-Scope-OrgID` present and a valid tenant id (else 400 `no org id` / the bad character);
 * 2. `Authorization: Bearer <token>` present, well-formed, a live token of that tenant (else 401
 *    saying which — a token of another tenant reads exactly like an invalid one);
 * 3. the token's scope allows what the endpoint needs (else 403 naming the scope).
 */
export class Authenticator {
  private readonly store: ControlPlaneStore;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly uses = new Map<string, number>();

  constructor(store: ControlPlaneStore, options: AuthenticatorOptions = {}) {
    this.store = store;
    this.ttl = options.cacheTtlMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  async authorize(
    orgId: string | undefined,
    authorization: string | undefined,
    need: Permission,
  ): Promise<Caller> {
    const tenant = resolveTenant(orgId, need);
    if (authorization === undefined || authorization === '') {
      throw new UnauthorizedError(`missing Authorization header: ${EXPECTED_AUTH}`);
    }
    const space = authorization.indexOf(' ');
    const scheme = space < 0 ? authorization : authorization.slice(0, space);
    const token = space < 0 ? '' : authorization.slice(space + 1);
    if (scheme.toLowerCase() !== 'bearer' || token === '' || /\s/.test(token)) {
      throw new UnauthorizedError(`malformed Authorization header: ${EXPECTED_AUTH}`);
    }
    const record = looksLikeToken(token) ? await this.lookup(token) : null;
    const now = this.now();
    if (
      record === null ||
      record.tenant !== tenant ||
      (record.expiresAt !== null && record.expiresAt <= now)
    ) {
      throw new UnauthorizedError('invalid or revoked token');
    }
    if (!scopeAllows(record.scope, need)) {
      throw new ForbiddenError(
        `token "${record.name}" has the ${record.scope} scope, but this endpoint needs the ${need} scope; ` +
          `create a token with the ${need} or read+write scope in Settings → API Tokens`,
      );
    }
    this.uses.set(record.id, now);
    return { tenant, token: record };
  }

  /** Forgets cached lookups at once (after a revoke in this process). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Writes batched last-used times to the store; the server calls this every few seconds. */
  async flushUsage(): Promise<void> {
    if (this.uses.size === 0) return;
    const batch = new Map(this.uses);
    this.uses.clear();
    await this.store.recordTokenUse(batch);
  }

  private async lookup(token: string): Promise<TokenRecord | null> {
    const hash = hashToken(token);
    const now = this.now();
    const hit = this.cache.get(hash);
    if (hit !== undefined && hit.until > now) return hit.record;
    const record = await this.store.findTokenByHash(hash);
    if (this.cache.size >= MAX_CACHE) this.cache.clear();
    this.cache.set(hash, { record, until: now + this.ttl });
    return record;
  }
}

/**
 * Reads the tenant from `X-Scope-OrgID`. Mimir lets a query name several tenants joined by `|`;
 * we do not federate queries, so a header with several distinct tenants is refused (repeating the
 * same tenant is accepted as that tenant).
 */
export function resolveTenant(orgId: string | undefined, need: Permission): string {
  if (orgId === undefined || orgId === '') throw new BadDataError('no org id');
  if (!orgId.includes('|')) {
    validateTenantId(orgId);
    return orgId;
  }
  const parts = [...new Set(orgId.split('|'))];
  for (const part of parts) {
    if (part === '') throw new BadDataError(`tenant ID list '${orgId}' contains an empty tenant ID`);
    validateTenantId(part);
  }
  if (parts.length === 1) return parts[0] as string;
  if (need === 'write') throw new BadDataError('multiple org IDs present');
  throw new ExecutionError(`too many tenant IDs present. max: 1 actual: ${parts.length}`);
}
