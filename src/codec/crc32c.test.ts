import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { crc32c } from './crc32c.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Bit-by-bit reference, straight from the definition. */
function slowCrc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the published check values', () => {
    assert.equal(crc32c(ascii('123456789')), 0xe3069283); // the standard check value of CRC-32C
    assert.equal(crc32c(new Uint8Array(0)), 0);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xff
    const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
    assert.equal(crc32c(inc), 0x46dd794e); // RFC 3720 B.4: 0x00..0x1f
  });

  it('agrees with the bit-by-bit definition for every length and offset up to 40', () => {
    const data = Uint8Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let start = 0; start < 8; start++) {
      for (let end = start; end <= 40; end++) {
        assert.equal(crc32c(data, 0, start, end), slowCrc32c(data.subarray(start, end)), `[${start},${end})`);
      }
    }
  });

  it('continues over data given in pieces', () => {
    const data = ascii('the quick brown fox jumps over the lazy dog');
    const whole = crc32c(data);
    for (let cut = 0; cut <= data.length; cut++) {
      assert.equal(crc32c(data, crc32c(data, 0, 0, cut), cut), whole);
    }
  });
});
