import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compare, normalize } from './compare.ts';
import { parseDuration, parseOptions } from './options.ts';
import { rangeWindow } from './queries.ts';
import type { Workload } from './workload.ts';
import { median, percentile } from './stats.ts';

const vector = (items: [Record<string, string>, string][]): string =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: items.map(([metric, v]) => ({ metric, value: [100, v] })) },
  });

describe('compare', () => {
  it('matches equal answers regardless of order and within the tolerance', () => {
    const a = normalize(
      vector([
        [{ job: 'a' }, '1'],
        [{ job: 'b', x: 'y' }, '2.0000000001'],
      ]),
    );
    const b = normalize(
      vector([
        [{ x: 'y', job: 'b' }, '2'],
        [{ job: 'a' }, '1'],
      ]),
    );
    assert.equal(compare(a, b).equal, true);
    assert.equal(compare(a, b, 1e-12).equal, false);
  });

  it('reports missing series, extra points and NaN/Inf handling', () => {
    const a = normalize(
      vector([
        [{ job: 'a' }, 'NaN'],
        [{ job: 'b' }, '+Inf'],
      ]),
    );
    const same = normalize(
      vector([
        [{ job: 'a' }, 'NaN'],
        [{ job: 'b' }, '+Inf'],
      ]),
    );
    assert.equal(compare(a, same).equal, true);
    const fewer = normalize(vector([[{ job: 'a' }, 'NaN']]));
    const c = compare(a, fewer);
    assert.equal(c.equal, false);
    assert.match(c.detail, /1 series only here, 0 only in the reference/);
    const finite = normalize(
      vector([
        [{ job: 'a' }, 'NaN'],
        [{ job: 'b' }, '5'],
      ]),
    );
    assert.equal(compare(a, finite).equal, false);
  });

  it('compares metadata answers as sets', () => {
    const a = normalize(JSON.stringify({ status: 'success', data: ['b', 'a'] }));
    const b = normalize(JSON.stringify({ status: 'success', data: ['a', 'b'] }));
    const c = normalize(JSON.stringify({ status: 'success', data: ['a'] }));
    assert.equal(compare(a, b).equal, true);
    assert.equal(compare(a, c).equal, false);
    assert.throws(() => normalize(JSON.stringify({ status: 'error', error: 'x' })), /not a success/);
  });
});

describe('options and stats', () => {
  it('parses durations', () => {
    assert.equal(parseDuration('90'), 90_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.throws(() => parseDuration('2 hours'), /cannot parse duration/);
  });

  it('sizes the default mode as the issue asks and rejects unknown options', () => {
    const o = parseOptions([]);
    assert.ok(o !== 'help');
    assert.ok(o.targets * 42 >= 100_000, 'at least 100k active series');
    assert.ok(o.backfillMs >= 2 * 3_600_000, 'at least 2 h of data');
    const q = parseOptions(['--quick', '--systems', 'vm,prom', '--figures', 'queries']);
    assert.ok(q !== 'help');
    assert.deepEqual(q.systems, ['victoriametrics', 'prometheus']);
    assert.deepEqual([...q.figures], ['queries']);
    assert.throws(() => parseOptions(['--bogus', '1']), /unknown option --bogus/);
    assert.throws(() => parseOptions(['--systems', 'mimir']), /unknown system/);
  });

  it('spans the range queries over --range, capped by the history minus 10 minutes', () => {
    const o = parseOptions([]);
    assert.ok(o !== 'help');
    assert.equal(o.rangeMs, 3_600_000);
    const d = parseOptions(['--range', '24h']);
    assert.ok(d !== 'help');
    assert.equal(d.rangeMs, 86_400_000);
    const hour = 3_600_000;
    const w = (backfillMs: number): Workload =>
      ({
        params: { intervalMs: 60_000 },
        evalMs: 100 * hour,
        firstScrapeMs: 100 * hour - backfillMs,
      }) as Workload;
    assert.deepEqual(rangeWindow(w(2 * hour)), { startMs: 99 * hour, endMs: 100 * hour, stepMs: 60_000 });
    assert.equal(rangeWindow(w(25 * hour), 24 * hour).startMs, 76 * hour);
    // Only 2 h of data: a 24 h window shrinks to 1 h 50 min.
    assert.equal(rangeWindow(w(2 * hour), 24 * hour).startMs, 100 * hour - 110 * 60_000);
  });

  it('computes nearest-rank percentiles and medians', () => {
    const v = [5, 1, 4, 2, 3];
    assert.equal(percentile(v, 50), 3);
    assert.equal(percentile(v, 99), 5);
    assert.equal(percentile(v, 0), 1);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
