import { createHash, randomBytes } from 'node:crypto';

import { BadDataError } from '../model/index.ts';
import { SCOPES, type Scope } from './types.ts';

/** Every token starts with this, so leaked tokens are easy to recognise and scan for. */
export const TOKEN_PREFIX = 'xsc_';
/** How much of a token may be shown (prefix plus eight characters, 48 of its 256 bits). */
const SHOWN_LENGTH = TOKEN_PREFIX.length + 8;

/** A new token secret: the prefix and 256 random bits in base64url (43 characters). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function generateTokenId(): string {
  return 'tok_' + randomBytes(8).toString('hex');
}

/** Tokens are stored and looked up by their SHA-256; the secret itself is never stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, SHOWN_LENGTH);
}

/** True when a string could be one of our tokens (so garbage never reaches the store). */
export function looksLikeToken(token: string): boolean {
  return (
    token.length === TOKEN_PREFIX.length + 43 &&
    token.startsWith(TOKEN_PREFIX) &&
    /^[A-Za-z0-9_-]+$/.test(token)
  );
}

export function parseScope(text: string): Scope {
  if ((SCOPES as readonly string[]).includes(text)) return text as Scope;
  throw new BadDataError(`unknown scope "${text}": use read, write or read+write`);
}
