/**
 * The control plane's SQLite schema as an append-only list of migrations. The database's
 * `user_version` says how many have run; add new steps at the end, never edit old ones.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE tenants (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE tokens (
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     scope TEXT NOT NULL CHECK (scope IN ('read', 'write', 'read+write')),
     hash TEXT NOT NULL UNIQUE,
     prefix TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER,
     expires_at INTEGER
   ) STRICT;
   CREATE INDEX tokens_by_tenant ON tokens(tenant);`,
  // Dashboard accounts (users.ts) and their sign-in sessions (sessions.ts); only hashes are stored.
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
     email TEXT NOT NULL UNIQUE,
     role TEXT NOT NULL CHECK (role IN ('member', 'operator')),
     password_hash TEXT NOT NULL,
     must_change_password INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     last_login_at INTEGER
   ) STRICT;
   CREATE INDEX users_by_tenant ON users(tenant);
   CREATE TABLE sessions (
     hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX sessions_by_user ON sessions(user_id);`,
  // Per-tenant limit overrides set with `xscaler limits set` (limits-store.ts); values as text.
  `CREATE TABLE limit_overrides (
     tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (tenant, key)
   ) STRICT;`,
];
