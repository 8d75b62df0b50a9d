import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BadDataError } from '../../model/index.ts';
import {
  MAX_TIME_MS,
  MIN_TIME_MS,
  parseDurationParam,
  parseLimitParam,
  parseOptionalTime,
  parseTimeParam,
} from './params.ts';

describe('parseTimeParam', () => {
  it('reads Unix seconds with Prometheus rounding', () => {
    assert.equal(parseTimeParam('time', '1700000000'), 1_700_000_000_000);
    assert.equal(parseTimeParam('time', '1435781451.781'), 1_435_781_451_781);
    assert.equal(parseTimeParam('time', '1.7e9'), 1_700_000_000_000);
    assert.equal(parseTimeParam('time', '4'), 4000);
    assert.equal(parseTimeParam('time', '0.0005'), 1); // the fraction rounds half away from zero
    assert.equal(parseTimeParam('time', '-1.5'), -1500);
    assert.equal(parseTimeParam('time', '.5'), 500);
    // The float is 1700000000.5699999332…: the fraction still rounds to 570 ms.
    assert.equal(parseTimeParam('time', '1700000000.57'), 1_700_000_000_570);
    assert.equal(parseTimeParam('time', '1700000000.9996'), 1_700_000_001_000);
  });

  it('reads RFC 3339 with fractions and offsets', () => {
    assert.equal(parseTimeParam('start', '2015-07-01T20:10:51.781Z'), 1_435_781_451_781);
    assert.equal(parseTimeParam('start', '2015-07-01T22:10:51.781123456+02:00'), 1_435_781_451_781);
    assert.equal(parseTimeParam('start', '2015-07-01T20:10:51Z'), 1_435_781_451_000);
    assert.equal(parseTimeParam('start', '0001-01-01T00:00:00Z'), -62_135_596_800_000);
    assert.equal(parseTimeParam('start', '2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  });

  it("accepts Prometheus's min and max time strings", () => {
    assert.equal(parseTimeParam('start', '-292273086-05-16T16:47:06Z'), MIN_TIME_MS);
    assert.equal(parseTimeParam('end', '292277025-08-18T07:12:54.999999999Z'), MAX_TIME_MS);
  });

  it('refuses anything else with the parameter name', () => {
    for (const bad of [
      '',
      'now',
      '2015-07-01',
      '2023-02-29T00:00:00Z',
      '2015-13-01T00:00:00Z',
      'NaN',
      'Inf',
      '0x10',
      '1_000',
    ]) {
      assert.throws(
        () => parseTimeParam('start', bad),
        (err: unknown) =>
          err instanceof BadDataError &&
          err.message ===
            `invalid parameter "start": cannot parse ${JSON.stringify(bad)} to a valid timestamp`,
        bad,
      );
    }
  });

  it('falls back when the optional parameter is absent or empty', () => {
    assert.equal(parseOptionalTime('start', undefined, 7), 7);
    assert.equal(parseOptionalTime('start', '', 7), 7);
    assert.equal(parseOptionalTime('start', '1', 7), 1000);
  });
});

describe('parseDurationParam', () => {
  it('reads float seconds and duration strings', () => {
    assert.equal(parseDurationParam('step', '15'), 15_000);
    assert.equal(parseDurationParam('step', '0.5'), 500);
    assert.equal(parseDurationParam('step', '1e3'), 1_000_000);
    assert.equal(parseDurationParam('step', '1h30m'), 5_400_000);
    assert.equal(parseDurationParam('step', '500ms'), 500);
    assert.equal(parseDurationParam('step', '0'), 0);
    assert.equal(parseDurationParam('step', '-5'), -5000);
  });

  it('refuses bad and overflowing durations with Prometheus texts', () => {
    assert.throws(() => parseDurationParam('step', 'abc'), {
      message: 'invalid parameter "step": cannot parse "abc" to a valid duration',
    });
    assert.throws(() => parseDurationParam('step', '1.5h'), /cannot parse "1.5h" to a valid duration$/);
    assert.throws(() => parseDurationParam('timeout', '1e30'), {
      message: 'invalid parameter "timeout": cannot parse "1e30" to a valid duration. It overflows int64',
    });
  });
});

describe('parseLimitParam', () => {
  it('reads non-negative integers, 0 and absent meaning no limit', () => {
    assert.equal(parseLimitParam('limit', undefined), 0);
    assert.equal(parseLimitParam('limit', ''), 0);
    assert.equal(parseLimitParam('limit', '0'), 0);
    assert.equal(parseLimitParam('limit', '40000'), 40000);
  });

  it('refuses negatives and non-integers', () => {
    assert.throws(() => parseLimitParam('limit', '-1'), {
      message: 'invalid parameter "limit": limit must be non-negative',
    });
    assert.throws(() => parseLimitParam('limit', '1.5'), /^BadDataError: invalid parameter "limit": /);
    assert.throws(() => parseLimitParam('limit', 'x'), BadDataError);
  });
});
