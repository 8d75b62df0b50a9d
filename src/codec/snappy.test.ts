import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import { BadDataError, TooLargeError } from '../model/index.ts';
import { SnappyDecoder, snappyDecodedLength, snappyEncode } from './snappy.ts';

/** Text-like input with repeats, so the encoder emits every kind of copy. */
function sample(size: number, seed: number): Uint8Array {
  const words = ['http_requests_total', 'job', 'api', 'instance', '10.0.0.', 'le', '0.5', '__name__'];
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size;) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = words[x % words.length] as string;
    for (let j = 0; j < w.length && i < size; j++) out[i++] = w.charCodeAt(j);
    if (x % 7 === 0 && i < size) out[i++] = x & 0xff;
  }
  return out;
}

describe('SnappyDecoder', () => {
  const decoder = new SnappyDecoder(64 * 1024 * 1024);

  it('decodes what the reference encoder produces', () => {
    for (const size of [0, 1, 5, 60, 61, 300, 70_000, 1_000_000]) {
      for (const input of [sample(size, size + 1), new Uint8Array(randomBytes(size))]) {
        const got = decoder.decode(snappyEncode(input));
        assert.equal(Buffer.compare(Buffer.from(got), Buffer.from(input)), 0, `size ${size}`);
      }
    }
  });

  it('checks the size limit before decoding', () => {
    const small = new SnappyDecoder(100);
    assert.throws(() => small.decode(snappyEncode(new Uint8Array(101))), TooLargeError);
  });

  it('rejects the framed format', () => {
    const framed = Uint8Array.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 0]);
    assert.throws(() => decoder.decode(framed), /framed/);
  });

  it('fails on every truncation and every corrupted byte with BadDataError only', () => {
    const valid = snappyEncode(sample(2000, 3));
    for (let cut = 0; cut < valid.length; cut++) {
      assert.throws(() => decoder.decode(valid.subarray(0, cut)), BadDataError, `cut at ${cut}`);
    }
    for (let i = 0; i < valid.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = valid.slice();
        bad[i] = (bad[i] as number) ^ flip;
        try {
          decoder.decode(bad);
        } catch (err) {
          assert.ok(err instanceof BadDataError || err instanceof TooLargeError, `byte ${i}: ${String(err)}`);
        }
      }
    }
  });

  it('reads the preamble', () => {
    assert.deepEqual(snappyDecodedLength(Uint8Array.from([0xfe, 0xff, 0x7f])), {
      length: 2097150,
      headerBytes: 3,
    });
    assert.throws(() => snappyDecodedLength(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])));
  });
});
