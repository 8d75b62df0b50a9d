import { createHash, randomBytes } from 'node:crypto';

import type { User, UserStore } from './users.ts';

/** A sign-in session as stored: the secret lives only in the user's cookie, its hash here. */
export interface SessionRecord {
  readonly hash: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** When the session ends if unused (slides forward with use, up to the absolute limit). */
  readonly expiresAt: number;
}

export interface SessionStore {
  insertSession(session: SessionRecord): Promise<void>;
  findSession(hash: string): Promise<SessionRecord | null>;
  touchSession(hash: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  deleteSession(hash: string): Promise<boolean>;
  /** Ends every session of a user (password changed, user deleted); returns how many. */
  deleteUserSessions(userId: string, exceptHash?: string): Promise<number>;
  deleteExpiredSessions(now: number): Promise<number>;
}

export interface SessionOptions {
  /** A session unused this long ends (default 12 hours). */
  readonly idleMs?: number;
  /** A session ends this long after sign-in, however much it is used (default 7 days). */
  readonly absoluteMs?: number;
  readonly now?: () => number;
}

/** Who is signed in, once a session cookie has been checked. */
export interface SignedIn {
  readonly user: User;
  readonly session: SessionRecord;
}

/** Sliding expiry is written at most this often, so a busy dashboard does not write on every call. */
const TOUCH_EVERY_MS = 60_000;

export function hashSessionSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** True when a string could be one of our session secrets (so garbage never reaches the store). */
function looksLikeSecret(secret: string): boolean {
  return secret.length === 43 && /^[A-Za-z0-9_-]+$/.test(secret);
}

/**
 * Sign-in sessions: 256-bit random secrets handed to the browser (in an HttpOnly cookie, set by
 * the edge), stored as SHA-256 hashes. Each check reads the store, so signing out, deleting a user
 * or changing a password takes effect on the next request.
 */
export class Sessions {
  private readonly store: SessionStore;
  private readonly users: UserStore;
  readonly idleMs: number;
  readonly absoluteMs: number;
  private readonly now: () => number;

  constructor(store: SessionStore, users: UserStore, options: SessionOptions = {}) {
    this.store = store;
    this.users = users;
    this.idleMs = options.idleMs ?? 12 * 3600_000;
    this.absoluteMs = options.absoluteMs ?? 7 * 24 * 3600_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts a session; the secret goes into the cookie and is never stored. */
  async start(userId: string): Promise<{ readonly secret: string; readonly session: SessionRecord }> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: SessionRecord = {
      hash: hashSessionSecret(secret),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: Math.min(now + this.idleMs, now + this.absoluteMs),
    };
    await this.store.insertSession(session);
    return { secret, session };
  }

  /** The signed-in user for a cookie's secret, or null when it is unknown or has expired. */
  async resolve(secret: string | undefined): Promise<SignedIn | null> {
    if (secret === undefined || !looksLikeSecret(secret)) return null;
    const hash = hashSessionSecret(secret);
    const session = await this.store.findSession(hash);
    if (session === null) return null;
    const now = this.now();
    if (now >= session.expiresAt || now >= session.createdAt + this.absoluteMs) {
      await this.store.deleteSession(hash);
      return null;
    }
    const user = await this.users.getUser(session.userId);
    if (user === null) return null;
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) {
      const expiresAt = Math.min(now + this.idleMs, session.createdAt + this.absoluteMs);
      await this.store.touchSession(hash, now, expiresAt);
      return { user, session: { ...session, lastSeenAt: now, expiresAt } };
    }
    return { user, session };
  }

  /** Ends one session (sign out). */
  async end(secret: string): Promise<void> {
    if (looksLikeSecret(secret)) await this.store.deleteSession(hashSessionSecret(secret));
  }

  /** Ends every session of a user, but for `keep` (the one that changed the password). */
  endAllFor(userId: string, keep?: SessionRecord): Promise<number> {
    return this.store.deleteUserSessions(userId, keep?.hash);
  }

  prune(): Promise<number> {
    return this.store.deleteExpiredSessions(this.now());
  }
}
