import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { Labels } from '../../model/index.ts';
import { EvalContext } from './context.ts';
import { RangeWindow, slideWindows, type RangeInput } from './range-eval.ts';
import { RANGE_FUNCTIONS } from './range-functions.ts';
import { fastInstantValue, fastRate, windowLine } from './rate.ts';
import type { SampleBuf } from './samples.ts';
import { TEST_EVAL_OPTIONS } from './test-util.ts';
import { K_FLOAT, makeGrid, StepData } from './types.ts';

/**
 * The column kernels (fastRate for rate/increase/delta, fastInstantValue for irate/idelta) against
 * the general path (slideWindows calling the function on each window), bit for bit, on random
 * float series: irregular gaps, counter resets, NaN values, windows holding 0, 1, 2 or many
 * samples, with and without offset and `@`.
 */

const sample = fc.record({
  gap: fc.oneof(
    fc.integer({ min: 1, max: 20_000 }),
    fc.constant(15_000),
    fc.integer({ min: 1, max: 400_000 }),
  ),
  v: fc.oneof(
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.integer({ min: 0, max: 1000 }),
    fc.constant(0),
    fc.constant(Number.NaN),
  ),
  kind: fc.integer({ min: 0, max: 9 }),
});

const setup = fc.record({
  samples: fc.array(sample, { maxLength: 60 }),
  start: fc.integer({ min: -100_000, max: 500_000 }),
  step: fc.integer({ min: 1_000, max: 60_000 }),
  steps: fc.integer({ min: 1, max: 80 }),
  range: fc.oneof(fc.constant(60_000), fc.integer({ min: 1, max: 600_000 })),
  offset: fc.oneof(fc.constant(0), fc.integer({ min: -100_000, max: 100_000 })),
  at: fc.option(fc.integer({ min: 0, max: 2_000_000 }), { nil: null }),
});

type Setup = typeof setup extends fc.Arbitrary<infer T> ? T : never;

/** A counter-like series: mostly rising, kind 0 a reset to a lower value. */
function series(s: Setup): { ft: Float64Array; fv: Float64Array } {
  const ft = new Float64Array(s.samples.length);
  const fv = new Float64Array(s.samples.length);
  let t = 0;
  let v = 0;
  s.samples.forEach((x, i) => {
    t += x.gap;
    if (x.kind === 0 || Number.isNaN(x.v)) v = x.v;
    else if (x.kind === 1) v = x.v;
    else v += Math.abs(x.v);
    ft[i] = t;
    fv[i] = v;
  });
  return { ft, fv };
}

function general(name: string, s: Setup, ft: Float64Array, fv: Float64Array): StepData {
  const grid = makeGrid(s.start, s.start + (s.steps - 1) * s.step, s.step);
  const ctx = new EvalContext(TEST_EVAL_OPTIONS, null);
  const input: RangeInput = {
    count: 1,
    labels: () => Labels.fromObject({ __name__: 'x_total' }),
    load: (_i: number, buf: SampleBuf) => {
      buf.reset();
      for (let k = 0; k < ft.length; k++) buf.pushFloat(ft[k] as number, fv[k] as number, Number.NaN);
    },
    range: s.range,
    offset: s.offset,
    at: s.at,
    anchored: false,
    smoothed: false,
    pos: { start: 0, end: 0 },
    isSubquery: false,
  };
  const out = new StepData(grid.n);
  slideWindows(input, 0, grid, ctx, new RangeWindow(), RANGE_FUNCTIONS.get(name)!, [], input.pos, out);
  return out;
}

function fast(name: string, s: Setup, ft: Float64Array, fv: Float64Array): StepData {
  const grid = makeGrid(s.start, s.start + (s.steps - 1) * s.step, s.step);
  const out = new StepData(grid.n);
  // The kernels write only the steps they fill; the evaluator resets the kinds before each series
  // (its StepData is reused), and so does this test, after filling in what a previous series left.
  out.v.fill(-7);
  out.k.fill(K_FLOAT);
  out.reset();
  const line = windowLine(grid, s.at, s.offset, s.range);
  if (name === 'irate' || name === 'idelta') fastInstantValue(ft, fv, ft.length, line, name === 'irate', out);
  else fastRate(ft, fv, ft.length, line, name !== 'delta', name === 'rate', out);
  return out;
}

for (const name of ['rate', 'increase', 'delta', 'irate', 'idelta']) {
  test(`${name}: the column kernel equals the general path bit for bit`, () => {
    fc.assert(
      fc.property(setup, (s) => {
        const { ft, fv } = series(s);
        const want = general(name, s, ft, fv);
        const got = fast(name, s, ft, fv);
        for (let j = 0; j < want.n; j++) {
          assert.equal(got.k[j], want.k[j], `kind at step ${j}`);
          if (want.k[j] === K_FLOAT)
            assert.ok(Object.is(got.v[j], want.v[j]), `value at step ${j}: ${got.v[j]} vs ${want.v[j]}`);
        }
      }),
      { numRuns: 400 },
    );
  });
}

/**
 * Regular scrapes one query step apart (rateLoop's steady state: each window drops one sample and
 * takes one), broken now and then by a late, early or missing scrape, a reset or a NaN.
 */
const regular = fc.record({
  interval: fc.constantFrom(1_000, 15_000, 60_000),
  phase: fc.integer({ min: 0, max: 59_999 }),
  n: fc.integer({ min: 0, max: 120 }),
  breaks: fc.array(
    fc.record({ at: fc.nat(), kind: fc.integer({ min: 0, max: 4 }), d: fc.integer({ min: 1, max: 999 }) }),
    { maxLength: 4 },
  ),
  first: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1e6 })),
  inc: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 500 }),
    fc.double({ min: 0, max: 1e4, noNaN: true }),
  ),
  steps: fc.integer({ min: 1, max: 150 }),
  lead: fc.integer({ min: -20, max: 40 }),
  windows: fc.integer({ min: 1, max: 25 }),
});

for (const name of ['rate', 'increase', 'delta']) {
  test(`${name}: the column kernel equals the general path on regular scrapes at the query step`, () => {
    fc.assert(
      fc.property(regular, (r) => {
        const t: number[] = [];
        const v: number[] = [];
        let x = r.first;
        for (let i = 0; i < r.n; i++) {
          let ti = (r.phase % r.interval) + i * r.interval;
          x += r.inc;
          let vi = x;
          for (const b of r.breaks) {
            if (b.at % Math.max(1, r.n) !== i) continue;
            if (b.kind === 0)
              ti += b.d % r.interval; // late
            else if (b.kind === 1)
              ti -= b.d % r.interval; // early
            else if (b.kind === 2)
              ti = -1; // missing
            else if (b.kind === 3)
              x = vi = b.d; // reset
            else vi = Number.NaN;
          }
          if (ti < 0 || (t.length > 0 && ti <= (t[t.length - 1] as number))) continue;
          t.push(ti);
          v.push(vi);
        }
        const s: Setup = {
          samples: [],
          start: r.lead * r.interval,
          step: r.interval,
          steps: r.steps,
          range: r.windows * r.interval,
          offset: 0,
          at: null,
        };
        const ft = Float64Array.from(t);
        const fv = Float64Array.from(v);
        const want = general(name, s, ft, fv);
        const got = fast(name, s, ft, fv);
        for (let j = 0; j < want.n; j++) {
          assert.equal(got.k[j], want.k[j], `kind at step ${j}`);
          if (want.k[j] === K_FLOAT)
            assert.ok(Object.is(got.v[j], want.v[j]), `value at step ${j}: ${got.v[j]} vs ${want.v[j]}`);
        }
      }),
      { numRuns: 600 },
    );
  });
}

test('irate: a reset between the last two samples restarts from zero; two samples at most are read', () => {
  const ft = Float64Array.from([0, 15_000, 30_000, 45_000]);
  const fv = Float64Array.from([5, 100, 40, 70]);
  const out = new StepData(4);
  // Steps at 0, 15 s, 30 s, 45 s with a 20 s range: windows hold 1, 2, 2, 2 samples.
  const line = windowLine(makeGrid(0, 45_000, 15_000), null, 0, 20_000);
  fastInstantValue(ft, fv, 4, line, true, out);
  assert.deepEqual([...out.k], [0, K_FLOAT, K_FLOAT, K_FLOAT]);
  assert.deepEqual([...out.v].slice(1), [95 / 15, 40 / 15, 30 / 15]);
  fastInstantValue(ft, fv, 4, line, false, out);
  assert.deepEqual([...out.v].slice(1), [95, -60, 30]);
});
