import assert from 'node:assert/strict';
import { it } from 'node:test';

import { formatDurationMs, parseDurationMs } from './duration.ts';

it('parses and formats Prometheus durations', () => {
  assert.equal(parseDurationMs('1h30m'), 5_400_000);
  assert.equal(parseDurationMs('0'), 0);
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('1y2w3d4h5m6s7ms'), 31_536_000_000 + 1_209_600_000 + 259_200_000 + 14_706_007);
  for (const bad of ['', '1.5h', '30m1h', '5', 'h', '1hh', '-1m'])
    assert.throws(() => parseDurationMs(bad), bad);
  assert.equal(formatDurationMs(5_400_000), '1h30m');
  assert.equal(formatDurationMs(0), '0s');
  assert.equal(formatDurationMs(30 * 86_400_000), '30d');
  assert.equal(formatDurationMs(14 * 86_400_000), '2w');
  assert.equal(formatDurationMs(365 * 86_400_000), '1y');
  assert.equal(formatDurationMs(90_061_001), '1d1h1m1s1ms');
  assert.equal(formatDurationMs(-60_000), '-1m');
});
