import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_OTLP_TRANSLATION } from '../protocol/index.ts';
import { DEFAULT_LIMITS, mergeLimits, type Limits } from '../tenancy/index.ts';
import { otlpOptionsFromLimits, otlpOptionsOf } from './otlp-options.ts';

describe('OTLP options from the limits engine', () => {
  it('the default otlp_* settings are the translator defaults', () => {
    assert.deepEqual(otlpOptionsOf(DEFAULT_LIMITS), DEFAULT_OTLP_TRANSLATION);
  });

  it('maps every setting, and builds the options once per limits object', () => {
    let limits: Limits = mergeLimits(DEFAULT_LIMITS, {
      otlpTranslationStrategy: 'UnderscoreEscapingWithoutSuffixes',
      otlpPromoteResourceAttributes: ['service.version'],
      otlpPromoteScopeMetadata: false,
      otlpKeepIdentifyingResourceAttributes: true,
      otlpExponentialHistograms: 'classic',
    });
    const provider = otlpOptionsFromLimits(() => limits);
    const options = provider('acme');
    assert.equal(options.translationStrategy, 'UnderscoreEscapingWithoutSuffixes');
    assert.deepEqual(options.promoteResourceAttributes, ['service.version']);
    assert.equal(options.promoteScopeMetadata, false);
    assert.equal(options.keepIdentifyingResourceAttributes, true);
    assert.equal(options.exponentialHistograms, 'classic');
    assert.equal(provider('acme'), options, 'same object while the limits are unchanged');
    limits = mergeLimits(limits, { otlpExponentialHistograms: 'native' });
    const changed = provider('acme');
    assert.notEqual(changed, options);
    assert.equal(changed.exponentialHistograms, 'native');
  });
});
