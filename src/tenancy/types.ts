/** What a token lets its holder do. */
export type Scope = 'read' | 'write' | 'read+write';
export const SCOPES: readonly Scope[] = ['read', 'write', 'read+write'];

/** The permission an endpoint needs. */
export type Permission = 'read' | 'write';

export function scopeAllows(scope: Scope, need: Permission): boolean {
  return scope === 'read+write' || scope === need;
}

export interface Tenant {
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** A token as stored: never the secret itself, only its hash (kept inside the store). */
export interface TokenRecord {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly scope: Scope;
  /** The first characters of the token, safe to show (`xsc_AbCd1234`). */
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly expiresAt: number | null;
}

export interface NewToken {
  readonly tenant: string;
  readonly scope: Scope;
  readonly name: string;
  readonly expiresAt?: number | null;
}

/**
 * The control plane's storage. Embedded SQLite today; the interface is async so a PostgreSQL
 * implementation can take its place for multi-node deployments.
 */
export interface ControlPlaneStore {
  createTenant(id: string): Promise<Tenant>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<readonly Tenant[]>;
  /** Creates a token; the secret is returned once and never stored. */
  createToken(input: NewToken): Promise<{ readonly token: string; readonly record: TokenRecord }>;
  listTokens(tenant: string): Promise<readonly TokenRecord[]>;
  getToken(id: string): Promise<TokenRecord | null>;
  /** Deletes a token; false when there was none with that id. */
  revokeToken(id: string): Promise<boolean>;
  /** The live (not revoked) token with this SHA-256 hash, or null. */
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  /** Records last-used times, batched by the caller. */
  recordTokenUse(uses: ReadonlyMap<string, number>): Promise<void>;
  close(): void;
}
