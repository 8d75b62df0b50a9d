import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { push, type TestSeries } from '../support/remote-write.ts';
import { cli, startServer, type TestServer } from '../support/server.ts';
import { eventually } from '../support/tools.ts';

/** Limits, 429/503 and accounting through the real `xscaler serve` process and the CLI. */
describe('limits over HTTP', () => {
  let server: TestServer;
  let write = '';
  let read = '';

  before(async () => {
    server = await startServer({
      limits: 'overrides:\n  acme:\n    ingestion_rate: 100\n    ingestion_burst_size: 100\n',
    });
    await server.createTenant('acme');
    write = await server.createToken('acme', 'write');
    read = await server.createToken('acme', 'read');
  });
  after(async () => server.cleanup());

  const now = Date.now();
  const series = (n: number, name = 'm', t = now): TestSeries[] =>
    Array.from({ length: n }, (_, i) => ({ labels: { __name__: name, i: String(i) }, samples: [[t, i]] }));
  const setLimits = (...kv: string[]) => cli(['limits', 'set', 'acme', ...kv, '--data-dir', server.dataDir]);
  const send = (s: TestSeries[]) => push(server.url, s, { tenant: 'acme', token: write });

  async function userStats(token = read): Promise<Response> {
    return fetch(`${server.url}/api/v1/user_stats`, {
      headers: { 'x-scope-orgid': 'acme', authorization: `Bearer ${token}` },
    });
  }

  it('answers 429 with Retry-After and the limit named once the config-file rate is exceeded', async () => {
    assert.equal((await send(series(100))).status, 204);
    const res = await send(series(50, 'm', now + 1));
    const body = await res.text();
    assert.equal(res.status, 429, body);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.match(body, /ingestion_rate=100 samples\/s/);
    assert.match(body, /ingestion_burst_size=100/);
    assert.match(body, /retry_on_http_429/);

    // OTLP goes through the same limiter. The refusal above was held until the bucket refilled
    // (the hold never outlasts the retry delay), so empty it again first.
    assert.equal((await send(series(100, 'm', now + 5))).status, 204);
    const otlp = await fetch(`${server.url}/otlp/v1/metrics`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-scope-orgid': 'acme',
        authorization: `Bearer ${write}`,
      },
      body: JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'otlp_gauge',
                    gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: String(now * 1e6) }] },
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    const otlpBody = await otlp.text();
    assert.equal(otlp.status, 429, otlpBody);
    assert.ok(Number(otlp.headers.get('retry-after')) >= 1);
    assert.match(otlpBody, /ingestion_rate=100/);
  });

  it('switches to 503 + Retry-After when the tenant asks for it through `xscaler limits set`', async () => {
    await setLimits('ingestion_rate_limit_status_code=503', 'ingestion_rate=1', 'ingestion_burst_size=1');
    const res = await eventually(
      async () => {
        const r = await send(series(5, 'm', now + 2));
        await r.arrayBuffer();
        return r.status === 503 ? r : undefined;
      },
      10_000,
      'the override to reach the running server',
    );
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
  });

  it('picks up a changed config file, and lets a tenant at its series limit append to its series', async () => {
    await cli(['limits', 'unset', 'acme', '--data-dir', server.dataDir]);
    writeFileSync(
      server.limitsFile as string,
      'overrides:\n  acme:\n    max_global_series_per_tenant: 100\n',
    );
    // 100 series are stored already: the limit is reached once the new file is read.
    const refused = await eventually(
      async () => {
        const r = await send(series(1, 'new_metric'));
        const text = await r.text();
        return r.status === 400 ? text : undefined;
      },
      10_000,
      'the new file to be read',
    );
    assert.match(refused, /max_global_series_per_tenant=100/);
    assert.match(refused, /samples of existing series are still stored/);
    assert.equal((await send(series(100, 'm', now + 10))).status, 204, 'existing series still take samples');
  });

  it('refuses new series over the default label limits with 400 naming the limit', async () => {
    const many: Record<string, string> = { __name__: 'wide' };
    for (let i = 0; i < 30; i++) many[`l${i}`] = 'x';
    const wide = await send([{ labels: many, samples: [[now, 1]] }]);
    assert.equal(wide.status, 400);
    assert.match(await wide.text(), /max_label_names_per_series=30/);
    const long = await send([{ labels: { __name__: 'long', v: 'x'.repeat(2049) }, samples: [[now, 1]] }]);
    assert.equal(long.status, 400);
    assert.match(await long.text(), /max_label_value_length=2048 bytes/);
  });

  it('exposes usage on /metrics without auth, with our process metrics', async () => {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    /** The value of one line of the exposition, or NaN. */
    const value = (series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '));
      return line === undefined ? NaN : Number(line.slice(series.length + 1));
    };
    assert.ok(value('process_cpu_user_seconds_total') > 0);
    assert.ok(value('nodejs_eventloop_lag_seconds') >= 0);
    // 100 + 100 samples, plus the few the 503 test stored before its override arrived.
    assert.ok(value('xscaler_accepted_samples_total{tenant="acme"}') >= 200);
    assert.ok(value('xscaler_received_samples_total{tenant="acme"}') > 200);
    assert.ok(value('xscaler_discarded_samples_total{tenant="acme",reason="rate_limited"}') >= 50);
    assert.ok(value('xscaler_discarded_samples_total{tenant="acme",reason="series_limit"}') >= 1);
    assert.ok(value('xscaler_rate_limited_requests_total{tenant="acme"}') >= 2);
    assert.equal(value('xscaler_tenant_limits{tenant="acme",limit="max_global_series_per_tenant"}'), 100);
    assert.equal(value('xscaler_tenant_limits{tenant="acme",limit="retention"}'), 30 * 24 * 3600);
  });

  it('serves user_stats to read tokens only, with what the Usage page needs', async () => {
    assert.equal((await userStats(write)).status, 403);
    assert.equal(
      (await fetch(`${server.url}/api/v1/user_stats`, { headers: { 'x-scope-orgid': 'acme' } })).status,
      401,
    );
    const res = await userStats();
    assert.equal(res.status, 200);
    const s = (await res.json()) as Record<string, any>;
    for (const k of ['ingestionRate', 'numSeries', 'APIIngestionRate', 'RuleIngestionRate', 'storageBytes'])
      assert.equal(typeof s[k], 'number', k);
    assert.equal(s['tenant'], 'acme');
    assert.ok(s['samples'].accepted >= 200);
    assert.ok(s['samples'].received > 200);
    assert.ok(s['samples'].discarded.rate_limited > 0);
    assert.ok(s['rateLimitedRequests'] >= 2);
    assert.equal(s['limits'].max_global_series_per_tenant, 100);
    assert.equal(s['limits'].ingestion_rate, 10_000, 'the override was removed: back to the default');
    // A query is counted, with the samples it read.
    const q = await fetch(`${server.url}/prometheus/api/v1/query?query=count_over_time(m[1h])`, {
      headers: { 'x-scope-orgid': 'acme', authorization: `Bearer ${read}` },
    });
    assert.equal(q.status, 200, await q.text());
    const after = (await (await userStats()).json()) as Record<string, any>;
    assert.equal(after['queries'].total, s['queries'].total + 1);
    assert.ok(after['queries'].samplesScanned >= 200, JSON.stringify(after['queries']));
    // Active series and bytes come from a background refresh (every 10 s).
    await eventually(
      async () => {
        const fresh = (await (await userStats()).json()) as Record<string, number>;
        return fresh['numSeries'] === 100 && (fresh['storageBytes'] ?? 0) > 0 ? true : undefined;
      },
      15_000,
      'active series and storage bytes',
    );
  });
});
