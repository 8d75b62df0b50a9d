import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { flatten, UsageHistory } from './usage-history.ts';

describe('UsageHistory', () => {
  it('keeps the numeric leaves of each tenant’s snapshots, oldest first, up to `keep`', async () => {
    let clock = 1000;
    let rate = 0;
    const tenants = ['a', 'b'];
    const history = new UsageHistory(
      {
        snapshot: async (tenant) => {
          if (tenant === 'b' && rate === 2) throw new Error('storage not open');
          return {
            tenant,
            ingestionRate: rate,
            samples: { discarded: { rate_limited: rate * 10 } },
            tags: ['x'],
          };
        },
      },
      async () => tenants,
      { keep: 3, now: () => clock },
    );
    for (let i = 0; i < 5; i++) {
      rate = i;
      await history.sample();
      clock += 15_000;
    }
    assert.deepEqual(
      history.of('a').map((p) => p.v['ingestionRate']),
      [2, 3, 4],
    );
    assert.equal(history.of('a')[0]?.v['samples.discarded.rate_limited'], 20);
    assert.equal(history.of('a')[0]?.v['tenant'], undefined, 'strings are left out');
    assert.deepEqual(
      history.of('b').map((p) => p.v['ingestionRate']),
      [1, 3, 4],
      'a failed snapshot is a gap',
    );

    tenants.pop();
    await history.sample();
    assert.deepEqual(history.of('b'), [], 'a deleted tenant is forgotten');
  });

  it('keeps a snapshot taken on demand only when the last point is old enough', async () => {
    let clock = 0;
    let snapshots = 0;
    const history = new UsageHistory(
      {
        snapshot: async () => {
          snapshots++;
          return { n: clock };
        },
      },
      async () => ['a'],
      { now: () => clock },
    );
    history.addIfOlder('a', { n: 0 }, 5000);
    clock = 4000;
    history.addIfOlder('a', { n: 4000 }, 5000);
    clock = 6000;
    history.addIfOlder('a', { n: 6000 }, 5000);
    assert.deepEqual(
      history.of('a').map((p) => [p.t, p.v['n']]),
      [
        [0, 0],
        [6000, 6000],
      ],
    );
    assert.equal(snapshots, 0, 'the caller’s snapshot is kept, none is taken again');
    assert.deepEqual(
      history.after('a', 0).map((p) => p.t),
      [6000],
    );
    assert.deepEqual(history.after('a', 6000), []);
    assert.equal(history.after('a', -1).length, 2);
    assert.deepEqual(history.after('nobody', 0), []);
  });

  it('flattens nested objects by dotted path, skipping non-finite numbers', () => {
    assert.deepEqual(flatten({ a: 1, b: { c: 2, d: { e: Infinity } }, f: 'x', g: null }), { a: 1, 'b.c': 2 });
  });
});
