import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { UsageTracker } from './usage.ts';

describe('UsageTracker', () => {
  it('keeps counters per tenant and discard counts by reason', () => {
    const u = new UsageTracker(() => 0);
    const a = u.tenant('a');
    a.receivedSamples += 10;
    a.discardSamples('rate_limited', 4);
    a.discardSamples('rate_limited', 1);
    a.discardSamples('series_limit', 2);
    a.discardSamples('too_old', 0);
    assert.equal(u.tenant('a'), a);
    assert.deepEqual(
      [...a.discardedSamples],
      [
        ['rate_limited', 5],
        ['series_limit', 2],
      ],
    );
    assert.equal(a.totalDiscardedSamples(), 7);
    u.recordQuery('b', 100);
    u.recordQuery('b', 50);
    assert.equal(u.peek('b')?.queries, 2);
    assert.equal(u.peek('b')?.querySamplesScanned, 150);
    assert.equal(u.peek('c'), undefined);
  });

  it('smooths rates towards the steady rate', () => {
    let now = 0;
    const u = new UsageTracker(() => now);
    const a = u.tenant('a');
    for (let s = 1; s <= 120; s++) {
      a.admittedItems += 500;
      a.acceptedSamples += 400;
      now = s * 1000;
      u.tick();
    }
    assert.ok(Math.abs(a.ingestionRate - 500) < 1, String(a.ingestionRate));
    assert.ok(Math.abs(a.acceptedRate - 400) < 1, String(a.acceptedRate));
    u.tick(); // no time passed: no change, no division by zero
    assert.ok(Number.isFinite(a.ingestionRate));
    for (let s = 121; s <= 240; s++) {
      now = s * 1000;
      u.tick();
    }
    assert.ok(a.ingestionRate < 1, 'decays to zero when traffic stops');
  });
});
