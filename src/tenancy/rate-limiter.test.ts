import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('admits a full burst, then refills at the rate', () => {
    const rl = new RateLimiter();
    assert.equal(rl.take('a', 100, 0, 10, 100), 0, 'a new bucket starts full');
    assert.equal(rl.take('a', 10, 0, 10, 100), 1, 'empty: 10 tokens need 1 s');
    assert.equal(rl.take('a', 10, 500, 10, 100), 0.5, 'half refilled after 0.5 s');
    assert.equal(rl.take('a', 10, 1000, 10, 100), 0);
    assert.equal(rl.available('a'), 0);
  });

  it('keeps tenants apart', () => {
    const rl = new RateLimiter();
    assert.equal(rl.take('a', 50, 0, 1, 50), 0);
    assert.ok(rl.take('a', 1, 0, 1, 50) > 0);
    assert.equal(rl.take('b', 50, 0, 1, 50), 0);
  });

  it('admits a request larger than the burst once the bucket is full, on credit', () => {
    const rl = new RateLimiter();
    assert.equal(rl.take('a', 250, 0, 10, 100), 0);
    assert.equal(rl.available('a'), -150);
    // The debt must be paid back before anything else passes: 150 + 100 tokens at 10/s = 25 s.
    assert.equal(rl.take('a', 250, 0, 10, 100), 25);
    assert.ok(rl.take('a', 1, 15_000, 10, 100) > 0, 'after 15 s the debt is just paid');
    assert.equal(rl.take('a', 1, 15_100, 10, 100), 0);
  });

  it('never admits more than rate × time + burst over a long run', () => {
    const rl = new RateLimiter();
    let admitted = 0;
    // 1000 requests of 7 items every 10 ms (700/s) for 10 s against 100/s with a burst of 200.
    for (let i = 0; i < 1000; i++) if (rl.take('a', 7, i * 10, 100, 200) === 0) admitted += 7;
    const bound = 100 * 10 + 200;
    assert.ok(admitted <= bound, `${admitted} ≤ ${bound}`);
    assert.ok(admitted >= bound - 2 * 7, `${admitted} is close to the bound`);
  });

  it('applies a changed rate or burst at once, and 0 means unlimited', () => {
    const rl = new RateLimiter();
    assert.equal(rl.take('a', 100, 0, 10, 100), 0);
    assert.ok(rl.take('a', 100, 0, 10, 100) > 0);
    assert.equal(rl.take('a', 1_000_000, 0, 0, 0), 0, 'rate 0: no limit');
    assert.equal(rl.take('a', 100, 1000, 1000, 1000), 0, 'a raised rate refills faster');
    rl.take('b', 1, 0, 10, 1000);
    assert.ok(
      rl.take('b', 20, 0, 10, 10) === 0 && (rl.available('b') ?? NaN) <= 0,
      'a lowered burst caps the bucket',
    );
  });

  it('gives back refunded tokens, up to the burst', () => {
    const rl = new RateLimiter();
    rl.take('a', 80, 0, 10, 100);
    rl.refund('a', 80, 10, 100);
    assert.equal(rl.available('a'), 100);
    rl.refund('a', 80, 10, 100);
    assert.equal(rl.available('a'), 100);
  });
});

describe('RateLimiter.check', () => {
  it('answers like take without taking', () => {
    const rl = new RateLimiter();
    assert.equal(rl.check('a', 100, 0, 10, 100), 0);
    assert.equal(rl.available('a'), 100);
    rl.take('a', 100, 0, 10, 100);
    assert.equal(rl.check('a', 10, 0, 10, 100), 1);
    assert.equal(rl.check('a', 10, 1000, 10, 100), 0);
    assert.equal(rl.available('a'), 10);
    assert.equal(rl.check('a', 5, 0, 0, 0), 0, 'unlimited');
  });
});
