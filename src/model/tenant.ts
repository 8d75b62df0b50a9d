import { BadDataError } from './errors.ts';

/** The longest tenant id we accept, in bytes (Mimir's rule). */
export const MAX_TENANT_ID_LENGTH = 150;

/**
 * Checks a tenant id by Mimir's rules: 1..150 bytes of `[a-zA-Z0-9!-_.*'()]`, and not `.` or `..`
 * (tenant ids name directories). The character check comes before the length check, as in dskit.
 * Throws BadDataError naming the first bad character.
 */
export function validateTenantId(id: string): void {
  if (id.length === 0) throw new BadDataError('no org id');
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!isTenantChar(c)) {
      const ch = String.fromCodePoint(id.codePointAt(i) ?? c);
      throw new BadDataError(`tenant ID '${id}' contains unsupported character '${ch}'`);
    }
  }
  if (id.length > MAX_TENANT_ID_LENGTH) {
    throw new BadDataError(`tenant ID is too long: max ${MAX_TENANT_ID_LENGTH} characters`);
  }
  if (id === '.' || id === '..') throw new BadDataError(`tenant ID is '.' or '..'`);
}

function isTenantChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x21 || // !
    c === 0x2d || // -
    c === 0x5f || // _
    c === 0x2e || // .
    c === 0x2a || // *
    c === 0x27 || // '
    c === 0x28 || // (
    c === 0x29 // )
  );
}
