import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import fc from 'fast-check';

import { Matcher } from '../../src/model/index.ts';
import { MemoryStorage, type AppendOptions } from '../../src/storage/index.ts';
import { openTsdb, type Tsdb, type TsdbOptions } from '../../src/tsdb/index.ts';
import { batchOf, dump, testHistogram, type TestSample } from '../../src/tsdb/test-util.ts';

/**
 * Model-based property test: random appends (in order, out of order, duplicates, stale markers,
 * NaNs, native histograms mixed with floats in one series), deletions, forced head cuts with compaction, and restarts must leave the engine agreeing
 * with MemoryStorage, the reference, on every append result and every query.
 */
const BASE = 10_000_000;
const SERIES = [
  { __name__: 'a', x: '1' },
  { __name__: 'a', x: '2' },
  { __name__: 'b', x: '1' },
  { __name__: 'b', y: 'z' },
];
const VALUES = [
  0,
  -0,
  1,
  2.5,
  NaN,
  1e308,
  'stale',
  testHistogram(1),
  testHistogram(2),
  'stale-hist',
] as const;
const TSDB: TsdbOptions = {
  blockRangeMs: 10_000,
  maxBlockRangeMs: 90_000,
  maintenanceIntervalMs: 0,
  compactInWorker: false,
};
const OPTS: AppendOptions = {
  now: BASE + 200_000,
  maxFutureMs: 0,
  outOfOrderWindowMs: 5_000,
  maxSeries: 0,
  maxSeriesPerMetric: 0,
};

type Action =
  | { kind: 'append'; samples: TestSample[]; window: number }
  | { kind: 'delete'; series: number; start: number; end: number }
  | { kind: 'cut' }
  | { kind: 'restart' };

const sample = fc.record({
  labels: fc.constantFrom(...SERIES),
  t: fc.integer({ min: BASE, max: BASE + 200_000 }),
  v: fc.constantFrom(...VALUES),
});
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      samples: fc.array(sample, { minLength: 1, maxLength: 20 }),
      window: fc.constantFrom(0, 5_000, 60_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      series: fc.nat({ max: 3 }),
      start: fc.integer({ min: BASE, max: BASE + 200_000 }),
      end: fc.integer({ min: BASE, max: BASE + 200_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'cut' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

/** Samples with increasing timestamps per series, so most appends are in order. */
function ordered(actions: Action[]): Action[] {
  let t = BASE;
  return actions.map((a) =>
    a.kind === 'append'
      ? { ...a, samples: a.samples.map((s, i) => (i % 3 === 2 ? s : { ...s, t: (t += 1_000) })) }
      : a,
  );
}

async function check(db: Tsdb, model: MemoryStorage, step: string): Promise<void> {
  const got = await dump(await db.querier(-Infinity, Infinity));
  const want = await dump(await model.querier(-Infinity, Infinity));
  assert.deepEqual(got, want, `after ${step}`);
}

test(
  'random appends, deletes, cuts, compactions and restarts agree with MemoryStorage',
  { timeout: 600_000 },
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (raw) => {
        const actions = ordered(raw);
        const dir = mkdtempSync(join(tmpdir(), 'tsdb-model-'));
        let db = await openTsdb(dir, TSDB);
        const model = new MemoryStorage();
        try {
          for (const [i, a] of actions.entries()) {
            const step = `${i}: ${a.kind}`;
            if (a.kind === 'append') {
              const opts = { ...OPTS, outOfOrderWindowMs: a.window };
              const r1 = await db.append(batchOf(a.samples), opts);
              const r2 = await model.append(batchOf(a.samples), opts);
              assert.equal(r1.accepted, r2.accepted, `accepted, ${step}`);
              assert.deepEqual(
                new Map([...r1.rejected].sort()),
                new Map([...r2.rejected].sort()),
                `rejected, ${step}`,
              );
            } else if (a.kind === 'delete') {
              const ms = Object.entries(SERIES[a.series] as Record<string, string>).map(
                ([n, v]) => new Matcher('=', n, v),
              );
              const [start, end] = a.start <= a.end ? [a.start, a.end] : [a.end, a.start];
              await db.deleteSeries(ms, start, end);
              await model.deleteSeries(ms, start, end);
            } else if (a.kind === 'cut') {
              await db.maintain(true);
              assert.deepEqual(db.warnings, []);
              model.minValidTime = db.head.minValidTime;
            } else {
              await db.close();
              db = await openTsdb(dir, TSDB);
              assert.deepEqual(db.warnings, [], `warnings on reopen, ${step}`);
              assert.equal(
                db.head.minValidTime,
                model.minValidTime === -Infinity ? db.head.minValidTime : model.minValidTime,
                `min valid time survives a restart, ${step}`,
              );
            }
            await check(db, model, step);
          }
        } finally {
          await db.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 200 },
    );
  },
);
