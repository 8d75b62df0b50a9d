import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatSampleValue, formatScalarTimestamp, formatScalarValue, formatTimestamp } from './format.ts';

describe('Prometheus number formatting', () => {
  it('formats sample values like Go FormatFloat with -1 precision', () => {
    const cases: Array<[number, string]> = [
      [1, '1'],
      [0.1, '0.1'],
      [1234.5678, '1234.5678'],
      [1e20, '100000000000000000000'],
      [1e21, '1e+21'],
      [1.5e21, '1.5e+21'],
      [0.000001, '0.000001'],
      [1e-7, '1e-07'],
      [-2.5e-10, '-2.5e-10'],
      [1e100, '1e+100'],
      [-0, '-0'],
      [0, '0'],
      [NaN, 'NaN'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
      [Number.MAX_VALUE, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
    ];
    for (const [v, want] of cases) assert.equal(formatSampleValue(v), want, String(v));
  });

  it('formats scalars without exponents', () => {
    assert.equal(formatScalarValue(1e21), '1000000000000000000000');
    assert.equal(formatScalarValue(1e-7), '0.0000001');
    assert.equal(formatScalarValue(-1.5e-8), '-0.000000015');
    assert.equal(formatScalarValue(2), '2');
    assert.equal(formatScalarValue(NaN), 'NaN');
  });

  it('formats point timestamps with exactly three decimals when there are milliseconds', () => {
    assert.equal(formatTimestamp(1435781451781), '1435781451.781');
    assert.equal(formatTimestamp(1435781451780), '1435781451.780');
    assert.equal(formatTimestamp(1435781451005), '1435781451.005');
    assert.equal(formatTimestamp(1435781451000), '1435781451');
    assert.equal(formatTimestamp(-1500), '-1.500');
    assert.equal(formatTimestamp(0), '0');
  });

  it('formats scalar timestamps as plain floats', () => {
    assert.equal(formatScalarTimestamp(1435781451780), '1435781451.78');
    assert.equal(formatScalarTimestamp(4000), '4');
  });
});
