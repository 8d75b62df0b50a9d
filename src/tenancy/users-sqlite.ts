import type Database from 'better-sqlite3';

import { BadDataError, NotFoundError } from '../model/index.ts';
import type { Role, User, UserRow, UserStore } from './users.ts';

interface Row {
  id: string;
  tenant: string;
  email: string;
  role: string;
  password_hash: string;
  must_change_password: number;
  created_at: number;
  last_login_at: number | null;
}

const COLUMNS = 'id, tenant, email, role, password_hash, must_change_password, created_at, last_login_at';

/**
 * Users in the control plane's SQLite database (the `users` table of MIGRATIONS). Takes the open
 * database of `SqliteControlPlane`, so tenants, tokens and users share one file and its foreign keys
 * (deleting a tenant deletes its users; deleting a user deletes its sessions).
 */
export class SqliteUserStore implements UserStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async insertUser(user: User, passwordHash: string): Promise<void> {
    try {
      this.db
        .prepare(`INSERT INTO users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(
          user.id,
          user.tenant,
          user.email,
          user.role,
          passwordHash,
          user.mustChangePassword ? 1 : 0,
          user.createdAt,
          user.lastLoginAt,
        );
    } catch (err) {
      // Two creations of one email at once: the second loses the race at the UNIQUE index.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new BadDataError(`a user with email ${user.email} already exists`);
      }
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new NotFoundError(`tenant "${user.tenant}" does not exist; create it first`);
      }
      throw err;
    }
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`).get(id) as Row | undefined;
    return row ? toUser(row) : null;
  }

  async getUserByEmail(email: string): Promise<UserRow | null> {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM users WHERE email = ?`).get(email) as Row | undefined;
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  async getPasswordHash(id: string): Promise<string | null> {
    const row = this.db.prepare('SELECT password_hash FROM users WHERE id = ?').get(id) as
      { password_hash: string } | undefined;
    return row?.password_hash ?? null;
  }

  async listUsers(tenant?: string): Promise<readonly User[]> {
    const rows = (
      tenant === undefined
        ? this.db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY tenant, email`).all()
        : this.db.prepare(`SELECT ${COLUMNS} FROM users WHERE tenant = ? ORDER BY email`).all(tenant)
    ) as Row[];
    return rows.map(toUser);
  }

  async setPassword(id: string, passwordHash: string, mustChange: boolean): Promise<boolean> {
    return (
      this.db
        .prepare('UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?')
        .run(passwordHash, mustChange ? 1 : 0, id).changes > 0
    );
  }

  async recordLogin(id: string, at: number): Promise<void> {
    this.db.prepare('UPDATE users SET last_login_at = ? WHERE id = ?').run(at, id);
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes > 0;
  }
}

function toUser(row: Row): User {
  return {
    id: row.id,
    tenant: row.tenant,
    email: row.email,
    role: row.role as Role,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    mustChangePassword: row.must_change_password !== 0,
  };
}
