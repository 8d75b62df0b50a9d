/**
 * Base-128 varints (least significant group first, high bit = more follows) of integers up to
 * 2^53, and the zigzag mapping that gives small negative numbers short varints too
 * (0, -1, 1, -2, ... → 0, 1, 2, 3, ...). Arithmetic, not bit operators, so values past 2^32 work.
 */

/**
 * Writes `v` (an integer in [0, 2^53)) as an unsigned varint at `out[at, ...)` and returns the
 * position after it. The caller makes sure 8 bytes (10 for any 64-bit value) are free.
 */
export function putUvarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

/** The zigzag form of an integer in (-2^52, 2^52). */
export function zigzag(v: number): number {
  return v < 0 ? -2 * v - 1 : 2 * v;
}

/** The integer whose zigzag form is `u`. */
export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}
