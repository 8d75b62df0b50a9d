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
];
