import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { XorChunkDecoder, XorChunkEncoder } from './xor-chunk.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Point = [t: number, hi: number, lo: number];

function bitsOf(v: number): [number, number] {
  const f = new Float64Array([v]);
  const u = new Uint32Array(f.buffer);
  return [u[1] as number, u[0] as number];
}

function encode(points: readonly Point[]): Uint8Array {
  const enc = new XorChunkEncoder();
  for (const [t, hi, lo] of points) enc.append(t, hi, lo);
  return enc.bytes().slice();
}

function decode(chunk: Uint8Array): Point[] {
  const dec = new XorChunkDecoder().reset(chunk);
  const out: Point[] = [];
  while (dec.next()) out.push([dec.t, dec.vhi, dec.vlo]);
  return out;
}

describe('XorChunkEncoder', () => {
  it('writes the bytes the format prescribes for a small chunk', () => {
    // Worked by hand from the layout in xor-chunk.ts:
    // header 0003 | zig-zag varint(1000)=d00f, bits(1.0)=3ff0000000000000 | uvarint(1000)=e807,
    // '0' (same value) | '0' (dod 0), '11' '00001' '001011' '11111111111' (xor of 1.0 and 2.0) + pad
    const chunk = encode([
      [1000, ...bitsOf(1)],
      [2000, ...bitsOf(1)],
      [3000, ...bitsOf(2)],
    ]);
    assert.equal(hex(chunk), '0003' + 'd00f' + '3ff0000000000000' + 'e807' + '3097ffc0');
  });

  it('keeps the stale marker bit pattern exactly', () => {
    const points: Point[] = [
      [10, ...bitsOf(1.5)],
      [20, 0x7ff00000, 0x00000002],
      [30, ...bitsOf(2.5)],
      [40, 0x7ff00000, 0x00000002],
    ];
    const back = decode(encode(points));
    assert.deepEqual(back, points);
    const dec = new XorChunkDecoder().reset(encode(points));
    const stale: boolean[] = [];
    while (dec.next()) stale.push(dec.isStale);
    assert.deepEqual(stale, [false, true, false, true]);
  });

  it('round-trips every timestamp bucket edge, negative times and odd values', () => {
    const deltas = [
      0,
      1,
      -1,
      8191,
      8192,
      -8191,
      -8192,
      65535,
      65536,
      -65535,
      -65536,
      524287,
      524288,
      -524287,
      -524288,
      2 ** 40,
      -(2 ** 40) + 3,
    ];
    const values = [0, -0, 1, -1, 0.1, 1e-300, 1e300, Infinity, -Infinity, NaN, 123456789.123, 2 ** 53];
    const points: Point[] = [];
    let t = -5_000_000_000;
    let step = 2 ** 41 + 10; // large enough that every dod keeps t increasing
    for (let i = 0; i < 60; i++) {
      points.push([t, ...bitsOf(values[i % values.length] as number)]);
      step += deltas[i % deltas.length] as number;
      t += step;
    }
    assert.deepEqual(decode(encode(points)), points);
  });

  it('round-trips random series sample for sample (seeded)', () => {
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run = 0; run < 50; run++) {
      const points: Point[] = [];
      let t = Math.floor(rand() * 2e12);
      let v = rand() * 100;
      for (let i = 0; i < 120; i++) {
        points.push([t, ...bitsOf(v)]);
        t += 1 + Math.floor(rand() < 0.8 ? 15000 : rand() * 1e7);
        if (rand() < 0.5) v += Math.floor(rand() * 10);
      }
      assert.deepEqual(decode(encode(points)), points, `run ${run}`);
    }
  });

  it('reuses its buffer after reset', () => {
    const enc = new XorChunkEncoder();
    for (let i = 0; i < 100; i++) enc.appendFloat(i * 1000, Math.sin(i));
    enc.reset();
    enc.appendFloat(5, 7);
    assert.equal(enc.numSamples, 1);
    assert.deepEqual(decode(enc.bytes()), [[5, ...bitsOf(7)]]);
  });

  it('reports a truncated chunk as bad data', () => {
    const chunk = encode([
      [1, ...bitsOf(1)],
      [2, ...bitsOf(3)],
      [3, ...bitsOf(9)],
    ]);
    assert.throws(() => decode(chunk.subarray(0, chunk.length - 2)), /truncated/);
  });
});
