import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseLimitsConfig } from './limits-file.ts';
import {
  DEFAULT_LIMITS,
  formatLimitValue,
  LIMIT_SPECS,
  limitsAsJson,
  mergeLimits,
  parseLimitOverrides,
  parseLimitValue,
} from './limits.ts';

describe('limits', () => {
  it('has one spec per field, each with a default', () => {
    const fields = Object.keys(DEFAULT_LIMITS).sort();
    assert.deepEqual(LIMIT_SPECS.map((s) => s.field).sort(), fields);
    assert.equal(new Set(LIMIT_SPECS.map((s) => s.key)).size, LIMIT_SPECS.length);
  });

  it("defaults like Mimir's, a 10 minute out-of-order window and 30 days of retention", () => {
    assert.equal(DEFAULT_LIMITS.ingestionRate, 10_000);
    assert.equal(DEFAULT_LIMITS.ingestionBurstSize, 200_000);
    assert.equal(DEFAULT_LIMITS.maxGlobalSeriesPerTenant, 150_000);
    assert.equal(DEFAULT_LIMITS.maxLabelNamesPerSeries, 30);
    assert.equal(DEFAULT_LIMITS.maxLabelNameLength, 1024);
    assert.equal(DEFAULT_LIMITS.maxLabelValueLength, 2048);
    assert.equal(DEFAULT_LIMITS.outOfOrderTimeWindowMs, 600_000);
    assert.equal(DEFAULT_LIMITS.retentionMs, 30 * 24 * 3600_000);
    assert.equal(DEFAULT_LIMITS.ingestionRateLimitStatusCode, 429);
  });

  it('parses counts, rates, durations and the status, and round-trips them through text', () => {
    assert.equal(parseLimitValue('ingestion_rate', '12.5'), 12.5);
    assert.equal(parseLimitValue('ingestion_rate', 100), 100);
    assert.equal(parseLimitValue('max_global_series_per_tenant', '0'), 0);
    assert.equal(parseLimitValue('retention', '90d'), 90 * 24 * 3600_000);
    assert.equal(parseLimitValue('out_of_order_time_window', 0), 0);
    assert.equal(parseLimitValue('ingestion_rate_limit_status_code', '503'), 503);
    for (const s of LIMIT_SPECS) {
      const v = DEFAULT_LIMITS[s.field];
      assert.deepEqual(parseLimitValue(s.key, formatLimitValue(s.field, v)), v, s.key);
    }
  });

  it('parses the otlp_* settings: names, booleans and lists, and round-trips them through text', () => {
    assert.equal(parseLimitValue('otlp_translation_strategy', 'NoTranslation'), 'NoTranslation');
    assert.equal(
      parseLimitValue('otlp_translation_strategy', ' underscoreescapingwithoutsuffixes '),
      'UnderscoreEscapingWithoutSuffixes',
      'any case, canonical spelling back',
    );
    assert.equal(parseLimitValue('otlp_exponential_histograms', 'classic'), 'classic');
    assert.equal(parseLimitValue('otlp_promote_scope_metadata', 'false'), false);
    assert.equal(parseLimitValue('otlp_promote_scope_metadata', true), true);
    assert.equal(parseLimitValue('otlp_keep_identifying_resource_attributes', 'TRUE'), true);
    const list = parseLimitValue(
      'otlp_promote_resource_attributes',
      ' service.version, k8s.pod.name,,k8s.pod.name',
    );
    assert.deepEqual(list, ['service.version', 'k8s.pod.name']);
    assert.deepEqual(parseLimitValue('otlp_promote_resource_attributes', ['a.b', 'c']), ['a.b', 'c']);
    assert.deepEqual(parseLimitValue('otlp_promote_resource_attributes', ''), []);
    assert.equal(formatLimitValue('otlpPromoteResourceAttributes', list), 'service.version,k8s.pod.name');
    assert.equal(formatLimitValue('otlpPromoteScopeMetadata', false), 'false');
    assert.equal(DEFAULT_LIMITS.otlpExponentialHistograms, 'native');
    assert.equal(DEFAULT_LIMITS.otlpTranslationStrategy, 'UnderscoreEscapingWithSuffixes');
    assert.equal(DEFAULT_LIMITS.otlpPromoteScopeMetadata, true);
    assert.throws(
      () => parseLimitValue('otlp_translation_strategy', 'Legacy'),
      /limit otlp_translation_strategy: expected one of UnderscoreEscapingWithSuffixes, UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes, NoTranslation, got "Legacy"/,
    );
    assert.throws(
      () => parseLimitValue('otlp_exponential_histograms', 'nhcb'),
      /expected one of native, classic/,
    );
    assert.throws(() => parseLimitValue('otlp_promote_scope_metadata', 'yes'), /expected true or false/);
    assert.throws(() => parseLimitValue('otlp_promote_resource_attributes', [1]), /list of names/);
  });

  it('refuses unknown keys and bad values with the key, the value and what is expected', () => {
    assert.throws(
      () => parseLimitValue('ingest_rate', '1'),
      /unknown limit "ingest_rate"; known limits: ingestion_rate/,
    );
    assert.throws(() => parseLimitValue('max_label_names_per_series', '2.5'), /whole number/);
    assert.throws(() => parseLimitValue('max_label_names_per_series', '-1'), /whole number/);
    assert.throws(() => parseLimitValue('ingestion_rate', 'fast'), /limit ingestion_rate: expected a number/);
    assert.throws(() => parseLimitValue('retention', 30), /expected a duration such as "10m"/);
    assert.throws(() => parseLimitValue('retention', '30 days'), /expected a duration/);
    assert.throws(() => parseLimitValue('ingestion_rate_limit_status_code', 500), /429 or 503/);
  });

  it('merges overrides, later ones winning, and shows durations in seconds as JSON', () => {
    const merged = mergeLimits(DEFAULT_LIMITS, { ingestionRate: 5 }, undefined, {
      ingestionRate: 7,
      retentionMs: 1000,
    });
    assert.equal(merged.ingestionRate, 7);
    assert.equal(merged.ingestionBurstSize, 200_000);
    assert.ok(Object.isFrozen(merged));
    assert.equal(mergeLimits(DEFAULT_LIMITS), DEFAULT_LIMITS);
    const json = limitsAsJson(merged);
    assert.equal(json['retention'], 1);
    assert.equal(json['otlp_translation_strategy'], undefined, 'settings are not numeric limits');
    assert.equal(json['ingestion_rate'], 7);
    assert.deepEqual(parseLimitOverrides({ ingestion_rate: 3 }, 'x'), { ingestionRate: 3 });
    assert.throws(() => parseLimitOverrides([1], 'section'), /section: expected a map/);
  });
});

describe('limits config file', () => {
  it('reads YAML with defaults and per-tenant overrides', () => {
    const c = parseLimitsConfig(
      'defaults:\n  ingestion_rate: 20000\n  retention: 90d\noverrides:\n  acme:\n    ingestion_rate: 50\n',
      'limits.yaml',
    );
    assert.deepEqual(c.defaults, { ingestionRate: 20000, retentionMs: 90 * 24 * 3600_000 });
    assert.deepEqual(c.overrides.get('acme'), { ingestionRate: 50 });
  });

  it('reads the otlp_* settings, lists as YAML lists', () => {
    const c = parseLimitsConfig(
      [
        'defaults:',
        '  otlp_promote_scope_metadata: false',
        'overrides:',
        '  acme:',
        '    otlp_translation_strategy: NoUTF8EscapingWithSuffixes',
        '    otlp_exponential_histograms: classic',
        '    otlp_keep_identifying_resource_attributes: true',
        '    otlp_promote_resource_attributes: [service.version, k8s.namespace.name]',
        '',
      ].join('\n'),
      'limits.yaml',
    );
    assert.deepEqual(c.defaults, { otlpPromoteScopeMetadata: false });
    assert.deepEqual(c.overrides.get('acme'), {
      otlpTranslationStrategy: 'NoUTF8EscapingWithSuffixes',
      otlpExponentialHistograms: 'classic',
      otlpKeepIdentifyingResourceAttributes: true,
      otlpPromoteResourceAttributes: ['service.version', 'k8s.namespace.name'],
    });
  });

  it('reads JSON, and an empty file as no limits', () => {
    const c = parseLimitsConfig('{"overrides": {"a": {"max_series_per_metric": 10}}}', 'l.json');
    assert.deepEqual(c.overrides.get('a'), { maxSeriesPerMetric: 10 });
    assert.equal(parseLimitsConfig('', 'e.yaml').overrides.size, 0);
  });

  it('names the file, the section and the key in errors', () => {
    assert.throws(() => parseLimitsConfig('limits: {}', 'f.yaml'), /f\.yaml: unknown section "limits"/);
    assert.throws(
      () => parseLimitsConfig('overrides:\n  acme:\n    ingestion_rat: 1\n', 'f.yaml'),
      /f\.yaml: overrides: acme: unknown limit "ingestion_rat"/,
    );
    assert.throws(() => parseLimitsConfig('overrides:\n  "a b": {}\n', 'f.yaml'), /unsupported character/);
    assert.throws(() => parseLimitsConfig('defaults: [1', 'f.yaml'), /f\.yaml: not valid YAML or JSON/);
  });
});
