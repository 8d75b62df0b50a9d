import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_LIMITS, mergeLimits, UsageTracker } from '../tenancy/index.ts';
import { metricsRegistry } from './metrics.ts';
import { userStats } from './user-stats.ts';

function sources() {
  const usage = new UsageTracker(() => 0);
  const a = usage.tenant('acme');
  a.receivedSamples = 120;
  a.acceptedSamples = 100;
  a.discardSamples('rate_limited', 15);
  a.discardSamples('series_limit', 5);
  a.rateLimitedRequests = 3;
  usage.recordQuery('acme', 4000);
  const limits = (t: string) =>
    t === 'acme' ? mergeLimits(DEFAULT_LIMITS, { ingestionRate: 50 }) : DEFAULT_LIMITS;
  const gauges = {
    activeSeries: (t: string) => (t === 'acme' ? 42 : undefined),
    storageBytes: (t: string) => (t === 'acme' ? 1234 : undefined),
  };
  return { usage, limits, gauges, tenants: () => ['acme', 'idle'] };
}

describe('userStats', () => {
  it("has Mimir's fields and what the Usage page needs", () => {
    const s = userStats('acme', sources());
    assert.equal(s.numSeries, 42);
    assert.equal(s.activeSeries, 42);
    assert.equal(s.storageBytes, 1234);
    assert.equal(typeof s.ingestionRate, 'number');
    assert.equal(s.RuleIngestionRate, 0);
    assert.deepEqual(s.samples.discarded, { rate_limited: 15, series_limit: 5 });
    assert.equal(s.samples.accepted, 100);
    assert.equal(s.rateLimitedRequests, 3);
    assert.deepEqual(s.queries, { total: 1, samplesScanned: 4000, rate: 0 });
    assert.equal(s.limits['ingestion_rate'], 50);
    assert.equal(s.limits['out_of_order_time_window'], 600, 'durations in seconds');
  });

  it('answers zeros for a tenant that has sent nothing', () => {
    const s = userStats('idle', sources());
    assert.equal(s.numSeries, 0);
    assert.equal(s.samples.received, 0);
    assert.deepEqual(s.samples.discarded, {});
  });
});

describe('metricsRegistry', () => {
  it('exposes usage, gauges and limits per tenant, including tenants with open storage only', async () => {
    const registry = metricsRegistry(sources());
    const text = await registry.metrics();
    const lines = new Set(text.split('\n'));
    for (const line of [
      'xscaler_received_samples_total{tenant="acme"} 120',
      'xscaler_accepted_samples_total{tenant="acme"} 100',
      'xscaler_discarded_samples_total{tenant="acme",reason="rate_limited"} 15',
      'xscaler_discarded_samples_total{tenant="acme",reason="series_limit"} 5',
      'xscaler_rate_limited_requests_total{tenant="acme"} 3',
      'xscaler_query_samples_scanned_total{tenant="acme"} 4000',
      'xscaler_active_series{tenant="acme"} 42',
      'xscaler_storage_bytes{tenant="acme"} 1234',
      'xscaler_tenant_limits{tenant="acme",limit="ingestion_rate"} 50',
      'xscaler_tenant_limits{tenant="idle",limit="ingestion_rate"} 10000',
    ]) {
      assert.ok(lines.has(line), `missing: ${line}`);
    }
    assert.ok(text.includes('# TYPE xscaler_discarded_samples_total counter'));
    assert.ok(text.includes('process_cpu_user_seconds_total'), 'our process metrics');
    // Scraping twice gives the same counters (collect resets before copying).
    const again = await registry.metrics();
    assert.ok(again.includes('xscaler_received_samples_total{tenant="acme"} 120\n'), 'not doubled');
  });

  it('reports both query caches, and counters do not add up over scrapes', async () => {
    const head = { bytes: 3, maxBytes: 64, hits: 10, misses: 2, evictions: 1 };
    const block = { bytes: 5, maxBytes: 128, hits: 7, misses: 4, evictions: 0 };
    const registry = metricsRegistry({ ...sources(), headChunkCache: head, blockFrameCache: block });
    await registry.metrics();
    head.hits = 11;
    const lines = new Set((await registry.metrics()).split('\n'));
    for (const line of [
      'xscaler_head_chunk_cache_bytes 3',
      'xscaler_head_chunk_cache_max_bytes 64',
      'xscaler_head_chunk_cache_hits_total 11',
      'xscaler_head_chunk_cache_misses_total 2',
      'xscaler_head_chunk_cache_evictions_total 1',
      'xscaler_block_cache_bytes 5',
      'xscaler_block_cache_max_bytes 128',
      'xscaler_block_cache_hits_total 7',
      'xscaler_block_cache_misses_total 4',
      'xscaler_block_cache_evictions_total 0',
    ])
      assert.ok(lines.has(line), `missing: ${line}`);
  });

  it('reports the process CPU used before the registry was made (it is made at the first scrape)', async () => {
    const used = process.cpuUsage();
    const text = await metricsRegistry(sources()).metrics();
    const value = (name: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? NaN : Number(line.slice(name.length + 1));
    };
    // prom-client alone would count from its registration: about zero here.
    assert.ok(value('process_cpu_user_seconds_total') >= used.user / 1e6, text);
    assert.ok(value('process_cpu_system_seconds_total') >= used.system / 1e6);
    assert.ok(value('process_cpu_seconds_total') >= (used.user + used.system) / 1e6);
  });
});
