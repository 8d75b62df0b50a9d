import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatFloatPlain, labelName, metadataUnit, metricFamilyName, type NamingType } from './names.ts';
import type { TranslationStrategy } from './options.ts';

const escaped: TranslationStrategy = 'UnderscoreEscapingWithSuffixes';

test('metric names with suffixes follow the spec examples', () => {
  const cases: Array<[string, string, NamingType, string]> = [
    ['http.server.duration', 's', 'histogram', 'http_server_duration_seconds'],
    ['requests.count', '1', 'monotonic', 'requests_count_total'],
    ['memory.usage', 'By', 'gauge', 'memory_usage_bytes'],
    ['cpu.usage', '1', 'gauge', 'cpu_usage_ratio'],
    ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second'],
    ['total.requests', '', 'monotonic', 'requests_total'],
    ['http_requests_total', '1', 'monotonic', 'http_requests_total'],
    ['http_request_duration_seconds', 's', 'histogram', 'http_request_duration_seconds'],
    ['job_queue_depth', '1', 'nonmonotonic', 'job_queue_depth'],
    ['queue.size', '{request}', 'gauge', 'queue_size'],
    ['2xx.count', '', 'gauge', '_2xx_count'],
    ['a..b__c', 'ms', 'summary', 'a_b_c_milliseconds'],
    ['rate', '{packet}/s', 'gauge', 'rate_per_second'],
    ['temp', 'Cel', 'gauge', 'temp_celsius'],
  ];
  for (const [name, unit, type, want] of cases) {
    assert.equal(metricFamilyName(name, unit, type, escaped), want, `${name} ${unit} ${type}`);
  }
});

test('other strategies', () => {
  assert.equal(
    metricFamilyName('http.server__dur', 's', 'histogram', 'UnderscoreEscapingWithoutSuffixes'),
    'http_server__dur',
  );
  assert.equal(
    metricFamilyName('requests.count', '1', 'monotonic', 'NoUTF8EscapingWithSuffixes'),
    'requests.count_total',
  );
  assert.equal(metricFamilyName('a.total', '', 'monotonic', 'NoUTF8EscapingWithSuffixes'), 'a_total');
  assert.equal(metricFamilyName('load', '1', 'gauge', 'NoUTF8EscapingWithSuffixes'), 'load_ratio');
  assert.equal(metricFamilyName('io', 'By/s', 'gauge', 'NoUTF8EscapingWithSuffixes'), 'io_bytes_per_second');
  assert.equal(metricFamilyName('ü.x', 's', 'gauge', 'NoTranslation'), 'ü.x');
});

test('untranslatable names are null', () => {
  assert.equal(metricFamilyName('', '', 'gauge', escaped), null);
  assert.equal(metricFamilyName('...', '', 'gauge', escaped), null);
  assert.equal(metricFamilyName('.__.', '', 'gauge', 'UnderscoreEscapingWithoutSuffixes'), null);
});

test('metadata units', () => {
  assert.equal(metadataUnit('s', escaped), 'seconds');
  assert.equal(metadataUnit('By/s', escaped), 'bytes_per_second');
  assert.equal(metadataUnit('1', escaped), '');
  assert.equal(metadataUnit('{request}', escaped), '');
});

test('label names', () => {
  const rules = { escape: true, preserveMultipleUnderscores: true, underscoreSanitization: true };
  assert.equal(labelName('http.method', rules), 'http_method');
  assert.equal(labelName('a..b', rules), 'a__b');
  assert.equal(labelName('123abc', rules), 'key_123abc');
  assert.equal(labelName('_foo', rules), 'key_foo');
  assert.equal(labelName('__foo__', rules), '__foo__');
  assert.equal(labelName('ü', rules), 'key_');
  assert.equal(labelName('', rules), null);
  assert.equal(labelName('__', rules), null);
  const collapse = { escape: true, preserveMultipleUnderscores: false, underscoreSanitization: false };
  assert.equal(labelName('a..b', collapse), 'a_b');
  assert.equal(labelName('__a.b__', collapse), '__a_b__');
  assert.equal(labelName('_foo', collapse), '_foo');
  const utf8 = { escape: false, preserveMultipleUnderscores: true, underscoreSanitization: true };
  assert.equal(labelName('http.method', utf8), 'http.method');
  assert.equal(labelName('___', utf8), null);
});

test('plain float formatting for le and quantile', () => {
  assert.equal(formatFloatPlain(0.005), '0.005');
  assert.equal(formatFloatPlain(1), '1');
  assert.equal(formatFloatPlain(1e-7), '0.0000001');
  assert.equal(formatFloatPlain(1.5e-7), '0.00000015');
  assert.equal(formatFloatPlain(1e21), '1000000000000000000000');
  assert.equal(formatFloatPlain(1.25e22), '12500000000000000000000');
  assert.equal(formatFloatPlain(-2.5e-8), '-0.000000025');
  assert.equal(formatFloatPlain(Infinity), '+Inf');
  assert.equal(formatFloatPlain(0.99), '0.99');
});
