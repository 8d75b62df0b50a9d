import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { STALE_NAN_HI, STALE_NAN_LO } from '../../model/index.ts';
import { decodedStale, decodeXor, isStaleAt } from './xor-bulk.ts';
import { floatBits, MAX_SAMPLE_BYTES, XorReader, XorWriter } from './xor.ts';

/** Writes the samples at `base` of a buffer with `tail` spare bytes after the chunk; returns its length. */
function write(
  ts: number[],
  his: number[],
  los: number[],
  base: number,
  tail: number,
): { buf: Uint8Array; len: number } {
  const big = new Uint8Array(base + ts.length * MAX_SAMPLE_BYTES + 16);
  const w = new XorWriter();
  w.reset(big, base);
  for (let i = 0; i < ts.length; i++) w.append(ts[i] as number, his[i] as number, los[i] as number);
  const len = w.byteLength;
  return { buf: big.slice(0, base + len + tail), len };
}

function check(ts: number[], his: number[], los: number[], base = 3, tail = 0, at = 2): void {
  const { buf, len } = write(ts, his, los, base, tail);
  const n = ts.length;
  const outT = new Float64Array(at + n + 1);
  const outV = new Float64Array(at + n + 1);
  const v32 = new Int32Array(outV.buffer);
  decodeXor(buf, base, len, ts[0] ?? 0, n, outT, v32, at);
  const r = new XorReader();
  r.reset(buf, base, ts[0] ?? 0, n);
  let stale = 0;
  for (let i = 0; i < n; i++) {
    assert.equal(r.next(), true);
    assert.equal(outT[at + i], r.t, `t[${i}]`);
    assert.equal((v32[2 * (at + i) + 1] as number) >>> 0, r.vhi, `hi[${i}]`);
    assert.equal((v32[2 * (at + i)] as number) >>> 0, r.vlo, `lo[${i}]`);
    if (r.vhi === STALE_NAN_HI && r.vlo === STALE_NAN_LO) {
      stale++;
      assert.ok(isStaleAt(v32, at + i));
    }
  }
  assert.equal(decodedStale, stale);
  assert.equal(outT[at + n], 0, 'writes nothing past the chunk');
}

test('bulk decoding matches XorReader for regular counters, gauges and stale markers', () => {
  const ts: number[] = [];
  const his: number[] = [];
  const los: number[] = [];
  let c = 0;
  for (let i = 0; i < 120; i++) {
    ts.push(1_700_000_000_000 + i * 15_000 + (i % 7 === 0 ? 3 : 0));
    c += Math.round(Math.random() * 100);
    if (i === 50) {
      his.push(STALE_NAN_HI);
      los.push(STALE_NAN_LO);
      continue;
    }
    floatBits.of(i % 3 === 0 ? c : c + 0.25);
    his.push(floatBits.hi);
    los.push(floatBits.lo);
  }
  check(ts, his, los);
  check(ts, his, los, 0, 0, 0);
  check(ts, his, los, 5, 100, 0);
});

test('bulk decoding matches XorReader for arbitrary timestamps and value bits', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.oneof(fc.integer({ min: 1, max: 70_000 }), fc.integer({ min: 1, max: 2 ** 40 })),
          fc.integer({ min: 0, max: 0xffffffff }),
          fc.integer({ min: 0, max: 0xffffffff }),
          fc.integer({ min: 0, max: 3 }),
        ),
        { minLength: 1, maxLength: 200 },
      ),
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 0, max: 12 }),
      (rows, base, tail) => {
        const ts: number[] = [];
        const his: number[] = [];
        const los: number[] = [];
        let t = -5_000_000;
        for (const [dt, hi, lo, mode] of rows) {
          t += dt;
          ts.push(t);
          // Repeat, small change, or arbitrary bits: every control path of the value encoding.
          const prevHi = his[his.length - 1] ?? 0;
          const prevLo = los[los.length - 1] ?? 0;
          if (mode === 0) {
            his.push(prevHi);
            los.push(prevLo);
          } else if (mode === 1) {
            his.push(prevHi);
            los.push((prevLo ^ (lo & 0xff)) >>> 0);
          } else if (mode === 2) {
            his.push(STALE_NAN_HI);
            los.push(STALE_NAN_LO);
          } else {
            his.push(hi);
            los.push(lo);
          }
        }
        check(ts, his, los, base, tail, base % 3);
      },
    ),
    { numRuns: 500 },
  );
});
