import type Database from 'better-sqlite3';

import type { SessionRecord, SessionStore } from './sessions.ts';

interface Row {
  hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** Sessions in the control plane's SQLite database (the `sessions` table of MIGRATIONS). */
export class SqliteSessionStore implements SessionStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async insertSession(s: SessionRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO sessions (hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(s.hash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt);
  }

  async findSession(hash: string): Promise<SessionRecord | null> {
    const row = this.db
      .prepare('SELECT hash, user_id, created_at, last_seen_at, expires_at FROM sessions WHERE hash = ?')
      .get(hash) as Row | undefined;
    return row
      ? {
          hash: row.hash,
          userId: row.user_id,
          createdAt: row.created_at,
          lastSeenAt: row.last_seen_at,
          expiresAt: row.expires_at,
        }
      : null;
  }

  async touchSession(hash: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    this.db
      .prepare('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE hash = ?')
      .run(lastSeenAt, expiresAt, hash);
  }

  async deleteSession(hash: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM sessions WHERE hash = ?').run(hash).changes > 0;
  }

  async deleteUserSessions(userId: string, exceptHash?: string): Promise<number> {
    return this.db
      .prepare('DELETE FROM sessions WHERE user_id = ? AND hash != ?')
      .run(userId, exceptHash ?? '').changes;
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }
}
