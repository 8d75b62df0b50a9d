import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { floatBits, MAX_SAMPLE_BYTES, XorReader, XorWriter } from './xor.ts';

function roundTrip(ts: number[], his: number[], los: number[]): void {
  const buf = new Uint8Array(8 + ts.length * MAX_SAMPLE_BYTES);
  const w = new XorWriter();
  w.reset(buf, 8);
  for (let i = 0; i < ts.length; i++) w.append(ts[i] as number, his[i] as number, los[i] as number);
  assert.ok(w.byteLength <= ts.length * MAX_SAMPLE_BYTES);
  const r = new XorReader();
  r.reset(buf, 8, ts[0] ?? 0, ts.length);
  for (let i = 0; i < ts.length; i++) {
    assert.equal(r.next(), true);
    assert.equal(r.t, ts[i]);
    assert.equal(r.vhi, his[i]);
    assert.equal(r.vlo, los[i]);
  }
  assert.equal(r.next(), false);
}

test('regular counter compresses to about a byte per sample and round-trips', () => {
  const ts: number[] = [];
  const his: number[] = [];
  const los: number[] = [];
  for (let i = 0; i < 120; i++) {
    ts.push(1_700_000_000_000 + i * 15_000);
    floatBits.of(i * 10);
    his.push(floatBits.hi);
    los.push(floatBits.lo);
  }
  roundTrip(ts, his, los);
  const buf = new Uint8Array(4096);
  const w = new XorWriter();
  w.reset(buf, 0);
  for (let i = 0; i < 120; i++) w.append(ts[i] as number, his[i] as number, los[i] as number);
  assert.ok(w.byteLength < 120 * 3, `got ${w.byteLength} bytes`);
});

test('stale marker and NaN payloads survive bit for bit', () => {
  roundTrip([1, 2, 3, 4], [0x7ff00000, 0x7ff80000, 0x7ff00000, 0], [2, 1, 2, 0]);
});

test('random timestamps gaps, jitter and values round-trip (property)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.integer({ min: 1, max: 2 ** 40 }),
          fc.nat({ max: 0xffffffff }),
          fc.nat({ max: 0xffffffff }),
        ),
        { minLength: 1, maxLength: 150 },
      ),
      fc.integer({ min: -(2 ** 45), max: 2 ** 45 }),
      (samples, start) => {
        let t = start;
        const ts: number[] = [];
        for (const [gap] of samples) ts.push((t += gap));
        roundTrip(
          ts,
          samples.map((s) => s[1]),
          samples.map((s) => s[2]),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('values that share bits with the previous one round-trip (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.double(), { minLength: 1, maxLength: 130 }), (values) => {
      const his: number[] = [];
      const los: number[] = [];
      for (const v of values) {
        floatBits.of(v);
        his.push(floatBits.hi);
        los.push(floatBits.lo);
      }
      roundTrip(
        values.map((_, i) => i * 15_000 + (i % 3)),
        his,
        los,
      );
    }),
    { numRuns: 300 },
  );
});
