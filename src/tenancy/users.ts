import { randomBytes, randomInt } from 'node:crypto';

import { BadDataError, NotFoundError, UnauthorizedError, validateTenantId } from '../model/index.ts';
import type { ControlPlaneStore } from './types.ts';

/** A member acts on its own tenant; an operator on every tenant (and manages tenants and users). */
export type Role = 'member' | 'operator';
export const ROLES: readonly Role[] = ['member', 'operator'];

/** A dashboard account, as the dashboard may show it (never the password hash). */
export interface User {
  readonly id: string;
  /** The organisation the user belongs to. Operators belong to one too, and see all. */
  readonly tenant: string;
  /** Lower-case; unique across tenants (it is the sign-in name). */
  readonly email: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly lastLoginAt: number | null;
  /** Set for one-time passwords: the user must choose a new one before doing anything else. */
  readonly mustChangePassword: boolean;
}

export interface UserRow {
  readonly user: User;
  /** The argon2id hash in PHC format. */
  readonly passwordHash: string;
}

/** Where accounts live: SQLite now (`SqliteUserStore`), another database later. */
export interface UserStore {
  insertUser(user: User, passwordHash: string): Promise<void>;
  getUser(id: string): Promise<User | null>;
  getUserByEmail(email: string): Promise<UserRow | null>;
  getPasswordHash(id: string): Promise<string | null>;
  /** Every user, or those of one tenant, ordered by tenant then email. */
  listUsers(tenant?: string): Promise<readonly User[]>;
  /** False when there is no such user. */
  setPassword(id: string, passwordHash: string, mustChange: boolean): Promise<boolean>;
  recordLogin(id: string, at: number): Promise<void>;
  /** Deletes the user and (by cascade) its sessions; false when there was none. */
  deleteUser(id: string): Promise<boolean>;
}

export interface NewUser {
  readonly tenant: string;
  readonly email: string;
  readonly role: Role;
  /** Omitted: a one-time password is generated, returned, and must be changed at first sign-in. */
  readonly password?: string;
}

/** Shortest password a person may choose; generated ones are longer. */
export const MIN_PASSWORD_LENGTH = 12;
/** Longest password accepted (argon2 takes any length; this bounds the work per attempt). */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * argon2id with OWASP's baseline (19 MiB, 2 passes, 1 lane): about 20–40 ms per hash here. The
 * parameters travel inside each PHC string, so raising them later keeps old hashes verifiable.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** No 0/O, 1/l/i: one-time passwords are read aloud and typed from terminals. */
const PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * A one-time password: four groups of five characters from a 31-letter alphabet (about 99 bits),
 * drawn with `randomInt`, which rejects biased values.
 */
export function generatePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = '';
    for (let i = 0; i < 5; i++) group += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

export function generateUserId(): string {
  return 'usr_' + randomBytes(8).toString('hex');
}

/** Lower-cases and checks an email address (a sign-in name: the check is deliberately loose). */
export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(e)) {
    throw new BadDataError(`"${email}" is not an email address`);
  }
  return e;
}

export function parseRole(text: string): Role {
  if ((ROLES as readonly string[]).includes(text)) return text as Role;
  throw new BadDataError(`unknown role "${text}": use member or operator`);
}

export function checkPasswordPolicy(password: string, email?: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new BadDataError(`the password is too short: use at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new BadDataError(`the password is too long: use at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  if (email !== undefined && password.trim().toLowerCase() === email) {
    throw new BadDataError('the password must not be the email address');
  }
}

/**
 * argon2's native module is loaded on the first sign-in or password change, not at start: a
 * server that only ingests and answers queries never pays its memory.
 */
function argon2(): Promise<typeof import('@node-rs/argon2')> {
  return import('@node-rs/argon2');
}

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, ARGON2);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  // Loaded outside the try: a module that cannot load is a server fault, not a wrong password.
  const { verify } = await argon2();
  try {
    return await verify(hash, password);
  } catch {
    return false; // a malformed stored hash never lets anyone in
  }
}

/**
 * Accounts: creating users, checking passwords, changing them. Passwords are only ever held as
 * argon2id hashes; one-time passwords are returned once, to the caller that created them.
 */
export class Accounts {
  private readonly users: UserStore;
  private readonly tenants: ControlPlaneStore;
  private readonly now: () => number;
  /** Verified against when the email is unknown, so both answers take the same time. */
  private dummyHash: Promise<string> | undefined;

  constructor(users: UserStore, tenants: ControlPlaneStore, now: () => number = Date.now) {
    this.users = users;
    this.tenants = tenants;
    this.now = now;
  }

  /** Creates a user; `password` is the one-time password when none was given. */
  async create(input: NewUser): Promise<{ readonly user: User; readonly password: string | null }> {
    validateTenantId(input.tenant);
    const email = normalizeEmail(input.email);
    if ((await this.tenants.getTenant(input.tenant)) === null) {
      throw new NotFoundError(`tenant "${input.tenant}" does not exist; create it first`);
    }
    if ((await this.users.getUserByEmail(email)) !== null) {
      throw new BadDataError(`a user with email ${email} already exists`);
    }
    const generated = input.password === undefined ? generatePassword() : null;
    const password = input.password ?? (generated as string);
    if (generated === null) checkPasswordPolicy(password, email);
    const user: User = {
      id: generateUserId(),
      tenant: input.tenant,
      email,
      role: input.role,
      createdAt: this.now(),
      lastLoginAt: null,
      mustChangePassword: generated !== null,
    };
    await this.users.insertUser(user, await hashPassword(password));
    return { user, password: generated };
  }

  /** The user with this email and password, or null (unknown email and wrong password look alike). */
  async authenticate(email: string, password: string): Promise<User | null> {
    let normalized: string;
    try {
      normalized = normalizeEmail(email);
    } catch {
      return null;
    }
    if (password.length > MAX_PASSWORD_LENGTH) return null;
    const row = await this.users.getUserByEmail(normalized);
    if (row === null) {
      this.dummyHash ??= hashPassword(generatePassword());
      await verifyPassword(await this.dummyHash, password);
      return null;
    }
    if (!(await verifyPassword(row.passwordHash, password))) return null;
    const at = this.now();
    await this.users.recordLogin(row.user.id, at);
    return { ...row.user, lastLoginAt: at };
  }

  /** Changes a user's own password after checking the current one. */
  async changePassword(userId: string, current: string, next: string): Promise<void> {
    const user = await this.users.getUser(userId);
    const hash = await this.users.getPasswordHash(userId);
    if (user === null || hash === null) throw new NotFoundError('no such user');
    if (!(await verifyPassword(hash, current))) {
      throw new UnauthorizedError('the current password is not right');
    }
    if (current === next) throw new BadDataError('choose a password different from the current one');
    checkPasswordPolicy(next, user.email);
    await this.users.setPassword(userId, await hashPassword(next), false);
  }

  /** Sets a password (from an operator or the CLI); without one, returns a new one-time password. */
  async resetPassword(userId: string, password?: string): Promise<string | null> {
    const user = await this.users.getUser(userId);
    if (user === null) throw new NotFoundError(`no user with id ${userId}`);
    const generated = password === undefined ? generatePassword() : null;
    if (password !== undefined) checkPasswordPolicy(password, user.email);
    await this.users.setPassword(
      userId,
      await hashPassword(password ?? (generated as string)),
      generated !== null,
    );
    return generated;
  }

  get(id: string): Promise<User | null> {
    return this.users.getUser(id);
  }

  async getByEmail(email: string): Promise<User | null> {
    return (await this.users.getUserByEmail(normalizeEmail(email)))?.user ?? null;
  }

  list(tenant?: string): Promise<readonly User[]> {
    return this.users.listUsers(tenant);
  }

  delete(id: string): Promise<boolean> {
    return this.users.deleteUser(id);
  }
}
