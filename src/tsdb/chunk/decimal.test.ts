import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { STALE_NAN_HI, STALE_NAN_LO } from '../../model/index.ts';
import { rng } from '../test-util.ts';
import { ChunkEncoding, decimalBytes, toDecimal } from './block-chunk.ts';
import { DecimalReader, decodeDecimal, encodeDecimal, isDecimal, maxDecimalBytes } from './decimal.ts';
import { decodeXor } from './xor-bulk.ts';
import { MAX_SAMPLE_BYTES, XorWriter } from './xor.ts';

const T0 = 1_800_000_000_000;

/** Value bits as [hi, lo] uint32 pairs from numbers or raw bit patterns. */
function bitsOf(v: number): [number, number] {
  const f = new Float64Array([v]);
  const u = new Uint32Array(f.buffer);
  return [u[1] as number, u[0] as number];
}

function xorChunk(ts: readonly number[], bits: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const buf = new Uint8Array(ts.length * MAX_SAMPLE_BYTES + 16);
  const w = new XorWriter();
  w.reset(buf, 0);
  for (let i = 0; i < ts.length; i++) {
    const [hi, lo] = bits[i] as [number, number];
    w.append(ts[i] as number, hi, lo);
  }
  return buf.slice(0, w.byteLength);
}

/**
 * What a block stores for these samples (decimal if toDecimal takes them, else the XOR bytes),
 * decoded by the bulk decoder of its encoding and by DecimalReader; every path must give back the
 * exact input bits. Returns the encoding chosen.
 */
function roundTrip(ts: readonly number[], bits: ReadonlyArray<readonly [number, number]>): number {
  const n = ts.length;
  const xor = xorChunk(ts, bits);
  const len = toDecimal(xor, 0, xor.length, ts[0] as number, n);
  const at = 3;
  const outT = new Float64Array(at + n + 1);
  const outV = new Float64Array(at + n + 1);
  const u32 = new Uint32Array(outV.buffer);
  if (len < 0) {
    decodeXor(xor, 0, xor.length, ts[0] as number, n, outT, new Int32Array(outV.buffer), at);
  } else {
    assert.ok(len <= xor.length, `decimal ${len} B longer than XOR ${xor.length} B`);
    // At the end of a buffer of its own (no padding after it) and at an offset.
    const chunk = new Uint8Array(5 + len);
    chunk.set(decimalBytes.subarray(0, len), 5);
    decodeDecimal(chunk, 5, len, ts[0] as number, n, outT, outV, at);
    const r = new DecimalReader();
    r.reset(chunk, 5, len, ts[0] as number, n);
    for (let i = 0; i < n; i++) {
      assert.equal(r.next(), true);
      assert.equal(r.t, ts[i]);
      assert.deepEqual([r.vhi, r.vlo], bits[i], `reader bits of sample ${i}`);
    }
    assert.equal(r.next(), false);
  }
  for (let i = 0; i < n; i++) {
    assert.equal(outT[at + i], ts[i], `t[${i}]`);
    assert.deepEqual([u32[2 * (at + i) + 1], u32[2 * (at + i)]], bits[i], `bits of sample ${i}`);
  }
  assert.equal(outT[at + n], 0, 'writes nothing past the chunk');
  assert.equal(outV[at + n], 0, 'writes nothing past the chunk');
  return len < 0 ? ChunkEncoding.Xor : ChunkEncoding.Decimal;
}

const STALE: [number, number] = [STALE_NAN_HI, STALE_NAN_LO];

/** Values of every sort: short decimals, integers, huge and tiny magnitudes, raw bit patterns. */
const valueBits = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((m) => bitsOf(m / 100)),
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }).map((m) => bitsOf(m)),
  fc
    .tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 25 }))
    .map(([m, e]) => bitsOf(m / 10 ** e)),
  fc.double().map((x) => bitsOf(x)),
  fc.constantFrom(0, -0, Infinity, -Infinity, NaN, 1e300, -1e-300, 5e-324, 2 ** 50, 2 ** 50 + 1).map(bitsOf),
  fc.constant(STALE),
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([a, b]): [number, number] => [(0x7ff00000 | (a & 0xfffff) | (a & 0x80000000)) >>> 0, b >>> 0 || 1]),
);

const times = fc
  .tuple(
    fc.integer({ min: 1, max: 120 }),
    fc.constantFrom(1, 1000, 15_000, 60_000),
    fc.array(fc.integer({ min: -500, max: 500 }), { maxLength: 120 }),
    fc.boolean(),
  )
  .map(([n, step, jitter, regular]) => {
    const ts: number[] = [];
    let t = T0;
    for (let i = 0; i < n; i++) {
      ts.push(t);
      t += step + (regular ? 0 : Math.max(1 - step, jitter[i] ?? 0));
    }
    return ts;
  });

test('round trip: decoded bits equal the input bits for any values (property)', () => {
  fc.assert(
    fc.property(times, fc.array(valueBits, { minLength: 120, maxLength: 120 }), (ts, bits) => {
      roundTrip(ts, bits.slice(0, ts.length));
    }),
    { numRuns: 2000 },
  );
});

test('round trip of chunks that are all decimals of one kind (property)', () => {
  const series = fc.oneof(
    // Counters with 2 decimals, integer counters, gauges, tiny and huge values.
    fc.tuple(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 0, max: 10_000 }),
    ),
  );
  fc.assert(
    fc.property(times, series, fc.integer({ min: 0, max: 2 ** 31 }), (ts, [start, e, inc], seed) => {
      let m = start;
      const rand = rng(seed);
      const bits = ts.map(() => {
        m += Math.floor(rand() * (inc + 1));
        return bitsOf(m / 10 ** e);
      });
      // Exact decimals: always encodable (whether the block takes them depends on the length).
      const t = Float64Array.from(ts);
      const v = Float64Array.from(
        bits,
        ([hi, lo]) => new Float64Array(new Uint32Array([lo, hi]).buffer)[0] as number,
      );
      assert.ok(encodeDecimal(t, v, ts.length, new Uint8Array(maxDecimalBytes(ts.length)), 0) > 0);
      roundTrip(ts, bits);
    }),
    { numRuns: 500 },
  );
});

test('values that are not exact decimals stay XOR: NaN payloads, stale markers, -0, Infinity', () => {
  const ts = [T0, T0 + 1000, T0 + 2000];
  for (const odd of [
    STALE,
    bitsOf(NaN),
    [0x7ff00000, 1] as [number, number],
    bitsOf(-0),
    bitsOf(Infinity),
    bitsOf(-Infinity),
    bitsOf(Math.PI),
    bitsOf(2 ** 60),
  ]) {
    assert.equal(roundTrip(ts, [bitsOf(1), odd, bitsOf(2)]), ChunkEncoding.Xor, `${odd}`);
  }
  // Each is a decimal, but the exponent 0.5 needs takes the first past |m| <= 2^50.
  assert.equal(roundTrip(ts, [bitsOf(2 ** 49 + 1), bitsOf(0.5), bitsOf(2)]), ChunkEncoding.Xor);
  const out = new Uint8Array(maxDecimalBytes(3));
  assert.equal(encodeDecimal(Float64Array.from(ts), Float64Array.from([2 ** 49 + 1, 0.5, 2]), 3, out, 0), -1);
  assert.ok(encodeDecimal(Float64Array.from(ts), Float64Array.from([2 ** 45 + 1, 0.5, 2]), 3, out, 0) > 0);
  // A negative NaN with a payload in the last sample.
  assert.equal(roundTrip(ts, [bitsOf(1), bitsOf(2), [0xfff80000, 0xdeadbeef]]), ChunkEncoding.Xor);
});

test('typical values become decimal and shrink', () => {
  const ts: number[] = [];
  const counter: Array<[number, number]> = [];
  const cents: Array<[number, number]> = [];
  const constant: Array<[number, number]> = [];
  const tiny: Array<[number, number]> = [];
  let c = 1_000_000;
  let f = 2287.59;
  for (let i = 0; i < 120; i++) {
    ts.push(T0 + i * 60_000);
    c += 900 + ((i * 7919) % 300);
    f = Math.round((f + 8.3 + ((i * 31) % 7) / 3) * 100) / 100;
    counter.push(bitsOf(c));
    cents.push(bitsOf(f));
    constant.push(bitsOf(1));
    tiny.push(bitsOf((i % 5) / 1e20));
  }
  for (const vs of [counter, cents, constant, tiny]) {
    const xor = xorChunk(ts, vs);
    const len = toDecimal(xor, 0, xor.length, T0, 120);
    assert.ok(len > 0 && len < xor.length, `decimal ${len} B vs XOR ${xor.length} B`);
    assert.equal(roundTrip(ts, vs), ChunkEncoding.Decimal);
  }
  // Constant values at regular times: header, step, m0.
  assert.equal(toDecimal(xorChunk(ts, constant), 0, 200, T0, 120), 5);
});

test('encodeDecimal stays within maxDecimalBytes at the extremes', () => {
  const n = 120;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  // Values swinging between ±2^50 (value dods up to 2^52) and times with steps of 1 and 2^44.
  for (let i = 0; i < n; i++) {
    t[i] = i === 0 ? 0 : (t[i - 1] as number) + (i % 2 ? 1 : 2 ** 44);
    v[i] = i % 2 ? 2 ** 50 : -(2 ** 50);
  }
  const out = new Uint8Array(maxDecimalBytes(n));
  const len = encodeDecimal(t, v, n, out, 0);
  assert.ok(len > 0 && len <= out.length, `${len}`);
  const outT = new Float64Array(n);
  const outV = new Float64Array(n);
  decodeDecimal(out, 0, len, t[0] as number, n, outT, outV, 0);
  assert.deepEqual(outT, t);
  assert.deepEqual(outV, v);
});

test('a corrupt decimal chunk throws instead of reading on', () => {
  const outT = new Float64Array(4);
  const outV = new Float64Array(4);
  // Unknown value mode.
  assert.throws(
    () => decodeDecimal(new Uint8Array([0xc0, 2, 2, 2]), 0, 4, T0, 2, outT, outV, 0),
    /unknown header/,
  );
  // Varints running past the chunk.
  assert.throws(
    () => decodeDecimal(new Uint8Array([0x20, 0xff, 0xff]), 0, 3, T0, 3, outT, outV, 0),
    /bytes read/,
  );
  assert.throws(
    () => decodeDecimal(new Uint8Array([0x00, 0xff, 0xff]), 0, 3, T0, 3, outT, outV, 0),
    /bytes read/,
  );
});

test('toDecimal turns down a float gauge from its first value, and only then decodes', () => {
  const ts = Array.from({ length: 120 }, (_, i) => T0 + i * 60_000);
  const gauge = ts.map((_, i) => bitsOf(Math.sin(i + 1) * 123.456789));
  const xor = xorChunk(ts, gauge);
  assert.equal(toDecimal(xor, 0, xor.length, T0, 120), -1);
  assert.equal(isDecimal(Math.sin(1) * 123.456789), false);
  assert.equal(isDecimal(0.25), true);
  assert.equal(isDecimal(-0), false);
  assert.equal(isDecimal(NaN), false);
  // A first value that fits does not settle it: a later float still keeps the chunk XOR.
  const late = gauge.map((v, i) => (i === 0 ? bitsOf(1) : v));
  const x2 = xorChunk(ts, late);
  assert.equal(toDecimal(x2, 0, x2.length, T0, 120), -1);
});
