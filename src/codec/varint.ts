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
  // Above int32 in float arithmetic, then in int32 (no fmod call for the common small values).
  while (v > 0x7fffffff) {
    out[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  let x = v | 0;
  while (x >= 0x80) {
    out[at++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  out[at++] = x;
  return at;
}

/** The zigzag form of an integer in (-2^52, 2^52). */
export function zigzag(v: number): number {
  return v < 0 ? -2 * v - 1 : 2 * v;
}

/**
 * The integer whose zigzag form is `u`. Below 2^32 (nearly always) in int32 arithmetic: `%` on a
 * number V8 cannot prove to be a small integer is a call to fmod, which made this the slowest step
 * of decoding decimal block chunks.
 */
export function unzigzag(u: number): number {
  if (u <= 0xffffffff) return (u >>> 1) ^ -(u & 1);
  const h = Math.floor(u / 2);
  return u - 2 * h === 0 ? h : -h - 1;
}
