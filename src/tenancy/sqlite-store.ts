import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { BadDataError, NotFoundError, validateTenantId } from '../model/index.ts';
import { MIGRATIONS } from './sqlite-schema.ts';
import { generateToken, generateTokenId, hashToken, tokenDisplayPrefix } from './tokens.ts';
import type { ControlPlaneStore, NewToken, Scope, Tenant, TokenRecord } from './types.ts';

interface TokenRow {
  id: string;
  tenant: string;
  name: string;
  scope: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

const TOKEN_COLUMNS = 'id, tenant, name, scope, prefix, created_at, last_used_at, expires_at';

/**
 * The control plane in one SQLite file (WAL mode, so the CLI and a running server can use it at
 * the same time). better-sqlite3 is synchronous; each call is a few microseconds, so the async
 * interface simply wraps it.
 */
export class SqliteControlPlane implements ControlPlaneStore {
  /** The open database, for other tables of the control plane (limits, users). */
  readonly db: Database.Database;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  async createTenant(id: string): Promise<Tenant> {
    validateTenantId(id);
    const tenant = { id, createdAt: Date.now() };
    const info = this.db
      .prepare('INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING')
      .run(id, tenant.createdAt);
    if (info.changes === 0) throw new BadDataError(`tenant "${id}" already exists`);
    return tenant;
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const row = this.db.prepare('SELECT id, created_at FROM tenants WHERE id = ?').get(id) as
      { id: string; created_at: number } | undefined;
    return row ? { id: row.id, createdAt: row.created_at } : null;
  }

  async listTenants(): Promise<readonly Tenant[]> {
    const rows = this.db.prepare('SELECT id, created_at FROM tenants ORDER BY id').all() as Array<{
      id: string;
      created_at: number;
    }>;
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
  }

  async createToken(input: NewToken): Promise<{ token: string; record: TokenRecord }> {
    if ((await this.getTenant(input.tenant)) === null) {
      throw new NotFoundError(`tenant "${input.tenant}" does not exist; create it first`);
    }
    const token = generateToken();
    const record: TokenRecord = {
      id: generateTokenId(),
      tenant: input.tenant,
      name: input.name,
      scope: input.scope,
      prefix: tokenDisplayPrefix(token),
      createdAt: Date.now(),
      lastUsedAt: null,
      expiresAt: input.expiresAt ?? null,
    };
    this.db
      .prepare(
        `INSERT INTO tokens (id, tenant, name, scope, hash, prefix, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id,
        record.tenant,
        record.name,
        record.scope,
        hashToken(token),
        record.prefix,
        record.createdAt,
        record.expiresAt,
      );
    return { token, record };
  }

  async listTokens(tenant: string): Promise<readonly TokenRecord[]> {
    const rows = this.db
      .prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE tenant = ? ORDER BY created_at, id`)
      .all(tenant) as TokenRow[];
    return rows.map(toRecord);
  }

  async getToken(id: string): Promise<TokenRecord | null> {
    const row = this.db.prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE id = ?`).get(id) as
      TokenRow | undefined;
    return row ? toRecord(row) : null;
  }

  async revokeToken(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM tokens WHERE id = ?').run(id).changes > 0;
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | null> {
    const row = this.db.prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = ?`).get(hash) as
      TokenRow | undefined;
    return row ? toRecord(row) : null;
  }

  async recordTokenUse(uses: ReadonlyMap<string, number>): Promise<void> {
    const update = this.db.prepare(
      'UPDATE tokens SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?',
    );
    this.db.transaction(() => {
      for (const [id, at] of uses) update.run(at, id);
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = version; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i] as string);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }
}

function toRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    scope: row.scope as Scope,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
  };
}
