import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { instantQuery, seriesKey, type MatrixElement, type QueryAuth } from '../support/query.ts';
import { cli, startServer, type TestServer } from '../support/server.ts';
import { eventually } from '../support/tools.ts';

/**
 * Per-tenant OTLP settings through the real server: from the limits config file at start, and from
 * `xscaler limits set` while the server runs; `limits show` lists them; the next exports are
 * translated with them, as the query API shows.
 */
describe('per-tenant OTLP settings (otlp_* limits keys)', () => {
  let server: TestServer;
  const auth: Record<string, QueryAuth> = {};
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 120_000;
  const ns = (ms: number): string => `${ms}000000`;

  /** A counter and an exponential histogram from service `shop`, version 1.4.2, at `t`. */
  const exportBody = (t: number): unknown => ({
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'shop' } },
            { key: 'service.instance.id', value: { stringValue: 'pod-1' } },
            { key: 'service.version', value: { stringValue: '1.4.2' } },
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'shop-lib', version: '2.0' },
            metrics: [
              {
                name: 'http.server.requests',
                unit: '{request}',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [{ asInt: '7', startTimeUnixNano: ns(t0 - 1000), timeUnixNano: ns(t) }],
                },
              },
              {
                name: 'http.server.duration',
                unit: 's',
                exponentialHistogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      timeUnixNano: ns(t),
                      count: '3',
                      sum: 3.5,
                      scale: 0,
                      positive: { offset: 0, bucketCounts: ['1', '2'] },
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });

  const exportAs = async (tenant: string, t: number): Promise<void> => {
    const res = await fetch(`${server.url}/otlp/v1/metrics`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${auth[tenant]?.token}`,
        'x-scope-orgid': tenant,
      },
      body: JSON.stringify(exportBody(t)),
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{}');
  };

  /**
   * The series of the tenant with a sample at exactly `t` (a range selector over (t - 1s, t], so
   * series of earlier exports, still within the lookback, are left out): text → float value, or
   * `histogram` for native histograms.
   */
  const seriesAt = async (tenant: string, t: number): Promise<Map<string, string>> => {
    const reply = await instantQuery(server.url, auth[tenant] as QueryAuth, '{__name__=~".+"}[1s]', t);
    const matrix = reply.data.result as unknown as MatrixElement[];
    return new Map(
      matrix.map((r) => [seriesKey(r.metric), r.histograms ? 'histogram' : (r.values?.[0]?.[1] ?? '')]),
    );
  };

  before(async () => {
    server = await startServer({
      limits: [
        'overrides:',
        '  classic:',
        '    otlp_exponential_histograms: classic',
        '    otlp_promote_resource_attributes: [service.version]',
        '    otlp_promote_scope_metadata: false',
        '',
      ].join('\n'),
    });
    for (const tenant of ['acme', 'classic']) {
      await server.createTenant(tenant);
      auth[tenant] = { tenant, token: await server.createToken(tenant, 'read+write') };
    }
  });
  after(async () => server.cleanup());

  it('the limits config file sets a tenant’s OTLP translation; other tenants keep the defaults', async () => {
    await exportAs('acme', t0);
    await exportAs('classic', t0);
    const scope = 'otel_scope_name="shop-lib", otel_scope_version="2.0"';
    const acme = await seriesAt('acme', t0);
    assert.deepEqual([...acme].filter(([k]) => !k.startsWith('target_info')).sort(), [
      [`http_server_duration_seconds{instance="pod-1", job="shop", ${scope}}`, 'histogram'],
      [`http_server_requests_total{instance="pod-1", job="shop", ${scope}}`, '7'],
    ]);
    const classic = await seriesAt('classic', t0);
    const labels = 'instance="pod-1", job="shop"';
    const version = 'service_version="1.4.2"';
    assert.deepEqual([...classic].filter(([k]) => !k.startsWith('target_info')).sort(), [
      [`http_server_duration_seconds_bucket{${labels}, le="+Inf", ${version}}`, '3'],
      [`http_server_duration_seconds_bucket{${labels}, le="2", ${version}}`, '1'],
      [`http_server_duration_seconds_bucket{${labels}, le="4", ${version}}`, '3'],
      [`http_server_duration_seconds_count{${labels}, ${version}}`, '3'],
      [`http_server_duration_seconds_sum{${labels}, ${version}}`, '3.5'],
      [`http_server_requests_total{${labels}, ${version}}`, '7'],
    ]);
    const q = await instantQuery(
      server.url,
      auth['classic'] as QueryAuth,
      'histogram_quantile(0.5, sum by (le) (http_server_duration_seconds_bucket))',
      t0,
    );
    assert.equal(q.data.result[0]?.value?.[1], '2.5', 'classic buckets: rank 1.5 of 3, linear in (2, 4]');

    const shown = await cli([
      'limits',
      'show',
      'classic',
      '--data-dir',
      server.dataDir,
      '--limits-config',
      server.limitsFile as string,
    ]);
    assert.match(shown, /otlp_exponential_histograms\s+classic\s+config override/);
    assert.match(shown, /otlp_promote_resource_attributes\s+service\.version\s+config override/);
    assert.match(shown, /otlp_translation_strategy\s+UnderscoreEscapingWithSuffixes\s+default/);
  });

  it('`xscaler limits set` changes the translation of a running server’s next exports', async () => {
    await cli([
      'limits',
      'set',
      'acme',
      'otlp_translation_strategy=UnderscoreEscapingWithoutSuffixes',
      'otlp_promote_scope_metadata=false',
      'otlp_keep_identifying_resource_attributes=true',
      'otlp_exponential_histograms=classic',
      '--data-dir',
      server.dataDir,
    ]);
    const shown = await cli(['limits', 'show', 'acme', '--data-dir', server.dataDir]);
    assert.match(shown, /otlp_translation_strategy\s+UnderscoreEscapingWithoutSuffixes\s+override/);
    assert.match(shown, /otlp_promote_scope_metadata\s+false\s+override/);
    assert.match(shown, /otlp_promote_resource_attributes\s+""\s+default/);

    // The server re-reads the overrides every 2 s: export (at a new timestamp each time) until the
    // new names appear. Bounded by eventually's timeout.
    let t = t0;
    const found = await eventually(
      async () => {
        t += 1000;
        await exportAs('acme', t);
        const series = await seriesAt('acme', t);
        return series.has('http_server_requests{instance="pod-1", job="shop"}') ? series : undefined;
      },
      20_000,
      'the new OTLP settings to apply',
    );
    assert.deepEqual([...found].filter(([k]) => !k.startsWith('target_info')).sort(), [
      ['http_server_duration_bucket{instance="pod-1", job="shop", le="+Inf"}', '3'],
      ['http_server_duration_bucket{instance="pod-1", job="shop", le="2"}', '1'],
      ['http_server_duration_bucket{instance="pod-1", job="shop", le="4"}', '3'],
      ['http_server_duration_count{instance="pod-1", job="shop"}', '3'],
      ['http_server_duration_sum{instance="pod-1", job="shop"}', '3.5'],
      ['http_server_requests{instance="pod-1", job="shop"}', '7'],
    ]);
    const info = [...found.keys()].find((k) => k.startsWith('target_info'));
    assert.equal(
      info,
      'target_info{instance="pod-1", job="shop", service_instance_id="pod-1", service_name="shop", service_version="1.4.2"}',
    );
  });
});
