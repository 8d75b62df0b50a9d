import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCatalogue, Kind } from './catalogue.ts';
import { Simulator } from './simulator.ts';

describe('Simulator', () => {
  const cat = buildCatalogue(30, 8, 7);
  const scrapes = 400;

  it('keeps counters monotone except restarts to a small value, and buckets cumulative', () => {
    const sim = new Simulator(cat, 60_000, 7);
    const prev = new Float64Array(cat.kind.length).fill(-1);
    let resets = 0;
    for (let k = 0; k < scrapes; k++) {
      sim.step();
      const v = sim.values;
      for (let i = 0; i < v.length; i++) {
        const kind = cat.kind[i];
        assert.ok(Number.isFinite(v[i]!) && v[i]! >= 0, `series ${i} value ${v[i]}`);
        if (
          kind === Kind.Counter ||
          kind === Kind.FloatCounter ||
          kind === Kind.Bucket ||
          kind === Kind.HistCount
        ) {
          if (prev[i]! >= 0 && v[i]! < prev[i]!) resets++;
        }
        if (kind === Kind.Counter || kind === Kind.IntGauge || kind === Kind.Gauge || kind === Kind.Bucket) {
          assert.equal(v[i], Math.round(v[i]!), `series ${i} must stay an integer`);
        }
        prev[i] = v[i]!;
      }
      // Buckets of one histogram: cumulative in le, +Inf equal to _count.
      for (let i = 0; i < v.length; i++) {
        if (cat.kind[i] !== Kind.Bucket) continue;
        const next = cat.kind[i + 1] === Kind.Bucket ? i + 1 : -1;
        if (next >= 0) assert.ok(v[i]! <= v[next]!, `bucket ${i} exceeds the next le`);
        else assert.equal(v[i], v[i + 2], '+Inf bucket equals _count (after _sum)');
      }
    }
    // 30 targets, 400 one-minute scrapes, mean uptime 6 h: restarts are certain, but rare.
    assert.ok(resets > 0, 'some counter reset happened');
    assert.ok(resets < cat.kind.length * scrapes * 0.01, `too many resets: ${resets}`);
  });

  it('is deterministic for a seed', () => {
    const a = new Simulator(cat, 15_000, 3);
    const b = new Simulator(cat, 15_000, 3);
    const c = new Simulator(cat, 15_000, 4);
    for (let k = 0; k < 5; k++) {
      a.step();
      b.step();
      c.step();
    }
    assert.deepEqual(a.values, b.values);
    assert.notDeepEqual(a.values, c.values);
  });
});
