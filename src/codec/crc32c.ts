/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of remote-read frames and
 * of Prometheus's on-disk formats. Slicing-by-8: eight 256-entry tables let the loop consume eight
 * bytes per step, about 5x faster than the one-table loop in V8, with no allocation per call.
 */

const POLY = 0x82f63b78;

/** `TABLES[k * 256 + b]`: the CRC of byte b followed by k zero bytes. */
const TABLES = new Uint32Array(8 * 256);
for (let b = 0; b < 256; b++) {
  let c = b;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLES[b] = c >>> 0;
}
for (let b = 0; b < 256; b++) {
  let c = TABLES[b] as number;
  for (let k = 1; k < 8; k++) {
    c = (TABLES[c & 0xff] as number) ^ (c >>> 8);
    TABLES[k * 256 + b] = c >>> 0;
  }
}

/**
 * Continues a CRC-32C over `data[start, end)`. Start with `crc = 0`; pass the previous result to
 * checksum data that arrives in pieces. Returns an unsigned 32-bit number.
 */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo =
      c ^
      ((data[i] as number) |
        ((data[i + 1] as number) << 8) |
        ((data[i + 2] as number) << 16) |
        ((data[i + 3] as number) << 24));
    c =
      (t[7 * 256 + (lo & 0xff)] as number) ^
      (t[6 * 256 + ((lo >>> 8) & 0xff)] as number) ^
      (t[5 * 256 + ((lo >>> 16) & 0xff)] as number) ^
      (t[4 * 256 + (lo >>> 24)] as number) ^
      (t[3 * 256 + (data[i + 4] as number)] as number) ^
      (t[2 * 256 + (data[i + 5] as number)] as number) ^
      (t[256 + (data[i + 6] as number)] as number) ^
      (t[data[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
