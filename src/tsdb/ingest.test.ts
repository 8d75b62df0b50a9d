import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { SampleBatch } from '../model/index.ts';
import { openTsdb } from './tsdb.ts';
import { batchOf, dump, labels, OPTS, tempDirs, type Dump } from './test-util.ts';

const dir = tempDirs('tsdb-ingest-');

/**
 * Label sets for the property below. Some share every label but one, some list their labels out of
 * order or carry an empty (absent) label: the series guess (`Head.succ`) is checked byte for byte,
 * and a wrong guess must fall back to the hash lookup without ever taking another series.
 */
const POOL: ReadonlyArray<Record<string, string>> = [
  { __name__: 'http_requests_total', job: 'api', code: '200' },
  { __name__: 'http_requests_total', job: 'api', code: '500' },
  { __name__: 'http_requests_total', job: 'web', code: '200' },
  { code: '200', job: 'api', __name__: 'http_requests_total' }, // the first one, other order
  { __name__: 'up', job: 'api' },
  { __name__: 'up', job: 'api', zone: '' }, // the one above: an empty value means absent
  { __name__: 'up', job: 'apj' },
  { __name__: 'up', job: 'api', instance: 'a' },
  { __name__: 'queue_depth', queue: 'q1' },
  { __name__: 'queue_depth', queue: 'q2' },
];

/** Canonical key of a pool entry, as a series of the head reads it. */
function key(i: number): string {
  return labels(POOL[i] as Record<string, string>).toString();
}

type Step = { kind: 'append'; series: number[] } | { kind: 'remove'; series: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .uniqueArray(fc.integer({ min: 0, max: POOL.length - 1 }), {
        minLength: 1,
        maxLength: POOL.length,
        selector: (i) => key(i), // one sample per series and request
      })
      .map((series): Step => ({ kind: 'append', series })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0, max: POOL.length - 1 })
      .map((series): Step => ({ kind: 'remove', series })),
  },
);

describe('Ingester series lookup', () => {
  it('stores every sample under its own series, whatever the order of series between requests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const db = await openTsdb(dir(), { maintenanceIntervalMs: 0 });
        const model: Dump = {};
        const batch = new SampleBatch();
        try {
          let t = 1_000_000;
          for (const s of steps) {
            if (s.kind === 'remove') {
              // Drop the series (as a head truncation does) and make its ref free for reuse.
              const ref = db.head.findLabels(labels(POOL[s.series] as Record<string, string>));
              if (ref < 0) continue;
              db.head.retire([ref]);
              db.head.freeRetired(db.head.takeRetired(), true);
              delete model[key(s.series)];
              continue;
            }
            t += 1000;
            const samples = s.series.map((i, k) => ({
              labels: POOL[i] as Record<string, string>,
              t,
              v: i * 1000 + k,
            }));
            const result = await db.append(batchOf(samples, batch), OPTS);
            assert.equal(result.accepted, samples.length);
            for (const [k, i] of s.series.entries()) (model[key(i)] ??= []).push([t, i * 1000 + k]);
          }
          assert.deepEqual(await dump(await db.querier(-Infinity, Infinity)), model);
        } finally {
          await db.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('takes the series that followed last time, and never a removed one', async () => {
    const db = await openTsdb(dir(), { maintenanceIntervalMs: 0 });
    try {
      const a = { __name__: 'm', i: 'a' };
      const b = { __name__: 'm', i: 'b' };
      const c = { __name__: 'm', i: 'c' };
      await db.append(batchOf([a, b, c].map((l) => ({ labels: l, t: 1, v: 1 }))), OPTS);
      const refB = db.head.findLabels(labels(b));
      const refC = db.head.findLabels(labels(c));
      assert.equal(db.head.succ[db.head.findLabels(labels(a))], refB);
      assert.equal(db.head.succ[refB], refC);
      // b is removed and its ref goes to a new series d; a is still followed by "b".
      db.head.retire([refB]);
      db.head.freeRetired(db.head.takeRetired(), true);
      const d = { __name__: 'm', i: 'd' };
      await db.append(batchOf([{ labels: d, t: 2, v: 2 }]), OPTS);
      assert.equal(db.head.findLabels(labels(d)), refB, 'd reuses the ref of b');
      await db.append(batchOf([a, b, c].map((l) => ({ labels: l, t: 3, v: 3 }))), OPTS);
      const got = await dump(await db.querier(-Infinity, Infinity));
      assert.deepEqual(got, {
        'm{i="a"}': [
          [1, 1],
          [3, 3],
        ],
        'm{i="b"}': [[3, 3]],
        'm{i="c"}': [
          [1, 1],
          [3, 3],
        ],
        'm{i="d"}': [[2, 2]],
      });
      // c is removed (its ref not reused yet) while b is still followed by it: c comes back as a
      // new series, not as the removed row.
      const refC2 = db.head.findLabels(labels(c));
      const refB2 = db.head.findLabels(labels(b));
      assert.equal(db.head.succ[refB2], refC2);
      db.head.retire([refC2]);
      await db.append(batchOf([b, c].map((l) => ({ labels: l, t: 4, v: 4 }))), OPTS);
      const again = db.head.findLabels(labels(c));
      assert.ok(again >= 0 && again !== refC2 && db.head.dead[again] === 0);
      const after = await dump(await db.querier(-Infinity, Infinity));
      assert.deepEqual(after['m{i="c"}'], [[4, 4]]);
    } finally {
      await db.close();
    }
  });
});
