/**
 * Prometheus's staleness marker: the float with bit pattern 0x7ff0000000000002. JavaScript may
 * canonicalise NaN payloads, so the marker never travels as a number inside xScaler: decoders
 * detect it on the raw bytes and set a flag, and encoders write these exact bytes back.
 */
export const STALE_NAN_HI = 0x7ff00000;
export const STALE_NAN_LO = 0x00000002;

/** True if the eight little-endian bytes at `off` are the stale marker. */
export function isStaleBytes(buf: Uint8Array, off: number): boolean {
  return (
    buf[off] === 0x02 &&
    buf[off + 1] === 0 &&
    buf[off + 2] === 0 &&
    buf[off + 3] === 0 &&
    buf[off + 4] === 0 &&
    buf[off + 5] === 0 &&
    buf[off + 6] === 0xf0 &&
    buf[off + 7] === 0x7f
  );
}

/** Writes the stale marker as eight little-endian bytes at `off`. */
export function writeStaleBytes(buf: Uint8Array, off: number): void {
  buf[off] = 0x02;
  buf.fill(0, off + 1, off + 6);
  buf[off + 6] = 0xf0;
  buf[off + 7] = 0x7f;
}
