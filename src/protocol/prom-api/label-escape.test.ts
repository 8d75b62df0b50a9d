import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { escapeLabelName, unescapeLabelName } from './label-escape.ts';

describe('label name escaping (U__)', () => {
  it('leaves legacy names alone and escapes the rest like Prometheus', () => {
    assert.equal(escapeLabelName('job'), 'job');
    assert.equal(escapeLabelName('__name__'), '__name__');
    assert.equal(escapeLabelName('http.status_code'), 'U__http_2e_status__code');
    assert.equal(escapeLabelName('1st'), 'U___31_st');
    assert.equal(escapeLabelName('a/b'), 'U__a_2f_b');
    assert.equal(escapeLabelName('Ünïcode'), 'U___dc_n_ef_code');
    assert.equal(escapeLabelName('😀'), 'U___1f600_');
  });

  it('decodes escaped names, with hex in either case', () => {
    assert.equal(unescapeLabelName('U__http_2e_status__code'), 'http.status_code');
    assert.equal(unescapeLabelName('U__http_2E_status__code'), 'http.status_code');
    assert.equal(unescapeLabelName('U___31_st'), '1st');
    assert.equal(unescapeLabelName('U__a_2f_b'), 'a/b');
    assert.equal(unescapeLabelName('job'), 'job');
  });

  it('round-trips names that need at most five hex digits', () => {
    for (const name of ['http.status_code', 'a b', 'x-y_z', '__weird__', 'Ünïcode', 'ключ', 'é.é']) {
      assert.equal(unescapeLabelName(escapeLabelName(name)), name);
    }
  });

  it('returns malformed escapes unchanged, U__ included', () => {
    for (const bad of [
      'U__http_2e_status_code', // the upstream doc's own example: `_code` is never closed
      'U__a_',
      'U__a_zz_b',
      'U__a_110000_', // six digits are too many for Prometheus's decoder
      'U__a_d800_', // a surrogate is not a valid rune
      'U__trailing_',
    ]) {
      assert.equal(unescapeLabelName(bad), bad, bad);
    }
  });
});
