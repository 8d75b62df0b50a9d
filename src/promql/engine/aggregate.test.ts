import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { Labels } from '../../model/index.ts';
import { evalAggregate } from './aggregate.ts';
import { EvalContext } from './context.ts';
import type { AggNode } from './plan.ts';
import { oneBucketHistogram, TEST_EVAL_OPTIONS } from './test-util.ts';
import { K_FLOAT, K_HIST, materializedVector, StepData, type SeriesMeta } from './types.ts';

/**
 * `sum` takes shortcuts for float-only series (sumFloats, and sumFull once a group has a float at
 * every step): checked against a plain per-step Neumaier sum in series order, on groups mixing
 * series that cover every step, series with gaps, NaN and infinities, and histograms (a step
 * mixing floats and histograms has no result).
 */

const POS = { start: 0, end: 0 };

const value = fc.oneof(
  fc.double({ min: -1e9, max: 1e9, noNaN: true }),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e300),
);

const seriesArb = fc.record({
  group: fc.integer({ min: 0, max: 2 }),
  // 0: a float at every step; 1: floats with gaps; 2: a histogram at some steps.
  shape: fc.constantFrom(0, 0, 0, 1, 2),
  values: fc.array(value, { minLength: 12, maxLength: 12 }),
  holes: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
});

test('sum: float shortcuts equal a plain compensated sum, with and without histograms', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.array(seriesArb, { maxLength: 12 }), (n, list) => {
      const metas: SeriesMeta[] = [];
      const data: StepData[] = [];
      list.forEach((s, i) => {
        metas.push({ labels: Labels.fromObject({ g: String(s.group), i: String(i) }), dropName: false });
        const d = new StepData(n);
        for (let j = 0; j < n; j++) {
          if (s.shape === 1 && s.holes[j] === true) continue;
          if (s.shape === 2 && s.holes[j] === true) d.setHist(j, oneBucketHistogram(j + 1));
          else {
            d.v[j] = s.values[j] as number;
            d.k[j] = K_FLOAT;
          }
        }
        data.push(d);
      });
      const node: AggNode = {
        k: 'agg',
        op: 'sum',
        expr: { k: 'num', v: 0, pos: POS, type: 'scalar' },
        param: null,
        grouping: ['g'],
        without: false,
        pos: POS,
        type: 'vector',
      };
      const out = evalAggregate(
        node,
        materializedVector(n, metas, data),
        null,
        null,
        new EvalContext(TEST_EVAL_OPTIONS, null),
      );
      for (let g = 0; g <= 2; g++) {
        const members = list.map((s, i) => ({ s, d: data[i] as StepData })).filter((x) => x.s.group === g);
        const at = out.metas.findIndex((m) => m.labels.get('g') === String(g));
        const got = at < 0 ? null : out.get(at, new StepData(n));
        for (let j = 0; j < n; j++) {
          let floats = 0;
          let hists = 0;
          let sum = 0;
          let c = 0;
          for (const { d } of members) {
            if (d.k[j] === K_HIST) hists++;
            if (d.k[j] !== K_FLOAT) continue;
            const f = d.v[j] as number;
            if (floats++ === 0) {
              sum = f;
              continue;
            }
            const t = sum + f;
            if (t === Infinity || t === -Infinity) c = 0;
            else if (Math.abs(sum) >= Math.abs(f)) c += sum - t + f;
            else c += f - t + sum;
            sum = t;
          }
          if (floats > 0 && hists === 0) {
            assert.ok(got !== null, `group ${g} present`);
            assert.equal(got.k[j], K_FLOAT, `group ${g} step ${j} kind`);
            assert.ok(Object.is(got.v[j], sum + c), `group ${g} step ${j}: ${got.v[j]} vs ${sum + c}`);
          } else if (floats > 0 && hists > 0) {
            assert.ok(got === null || got.k[j] !== K_FLOAT, `group ${g} step ${j}: mixed has no float`);
          }
        }
      }
    }),
    { numRuns: 500 },
  );
});
