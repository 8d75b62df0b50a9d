import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { push } from '../support/remote-write.ts';
import { instantQuery, metadata, rangeQuery, type QueryAuth } from '../support/query.ts';
import { startServer, type TestServer } from '../support/server.ts';

/**
 * Native histograms through the whole path of the real server: remote write 1.0
 * `TimeSeries.histograms` and OTLP exponential histograms → TSDB → `/prometheus/api/v1/query`
 * (`histogram` objects) and `query_range` (`histograms`), and PromQL's histogram functions on them.
 */
describe('native histograms → TSDB → query API', () => {
  let server: TestServer;
  let auth: QueryAuth;
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;

  before(async () => {
    server = await startServer();
    await server.createTenant('acme');
    auth = { tenant: 'acme', token: await server.createToken('acme', 'read+write') };
  });
  after(async () => server.cleanup());

  it('remote write 1.0 native histograms (integer, float, stale) are stored and queryable', async () => {
    const res = await push(
      server.url,
      [
        {
          labels: { __name__: 'rpc_duration_seconds', job: 'api' },
          samples: [],
          histograms: [
            {
              // Schema 0: bucket i is (2^(i-1), 2^i]. Buckets 0, 1 and 3 hold 2, 3 and 4.
              t: t0,
              count: 10,
              sum: 20,
              schema: 0,
              zeroThreshold: 0.001,
              zeroCount: 1,
              positiveSpans: [
                [0, 2],
                [1, 1],
              ],
              positiveDeltas: [2, 1, 1],
            },
            { t: t0 + 30_000, count: 0, sum: 'stale', schema: 0 },
          ],
        },
        {
          labels: { __name__: 'rpc_duration_seconds', job: 'float' },
          samples: [],
          histograms: [
            {
              t: t0,
              count: 4.5,
              sum: 3.25,
              schema: 1,
              float: true,
              zeroThreshold: 0.001,
              zeroCount: 0.5,
              positiveSpans: [[1, 2]],
              positiveCounts: [1.5, 2.5],
              negativeSpans: [[0, 0]],
            },
          ],
        },
      ],
      { tenant: 'acme', token: auth.token },
    );
    assert.equal(res.status, 204, await res.text());

    const at = await instantQuery(server.url, auth, 'rpc_duration_seconds', t0);
    assert.equal(at.data.resultType, 'vector');
    const byJob = new Map(at.data.result.map((r) => [r.metric['job'], r]));
    const api = byJob.get('api');
    assert.ok(api?.histogram, JSON.stringify(at.data.result));
    assert.equal(api.value, undefined, 'a histogram sample has no float value');
    assert.equal(api.histogram[0], t0 / 1000);
    assert.deepEqual(api.histogram[1], {
      count: '10',
      sum: '20',
      buckets: [
        [3, '-0.001', '0.001', '1'],
        [0, '0.5', '1', '2'],
        [0, '1', '2', '3'],
        [0, '4', '8', '4'],
      ],
    });
    // Schema 1: bucket i is (2^((i-1)/2), 2^(i/2)].
    assert.deepEqual(byJob.get('float')?.histogram?.[1], {
      count: '4.5',
      sum: '3.25',
      buckets: [
        [3, '-0.001', '0.001', '0.5'],
        [0, '1', '1.4142135623730951', '1.5'],
        [0, '1.4142135623730951', '2', '2.5'],
      ],
    });

    // Rank 5 of 10 falls in (1, 2] after 3 observations, 2 of its 3: exponential interpolation.
    const q = await instantQuery(
      server.url,
      auth,
      'histogram_quantile(0.5, rpc_duration_seconds{job="api"})',
      t0,
    );
    assert.equal(q.data.result.length, 1);
    assert.ok(Math.abs(Number(q.data.result[0]?.value?.[1]) - 2 ** (2 / 3)) < 1e-12, JSON.stringify(q.data));
    const count = await instantQuery(server.url, auth, 'histogram_count(rpc_duration_seconds)', t0);
    assert.deepEqual(count.data.result.map((r) => [r.metric['job'], r.value?.[1]]).sort(), [
      ['api', '10'],
      ['float', '4.5'],
    ]);
    const sum = await instantQuery(server.url, auth, 'histogram_sum(rpc_duration_seconds{job="api"})', t0);
    assert.equal(sum.data.result[0]?.value?.[1], '20');

    // The stale marker ends the series at t0 + 30s; before it, the range query sees the histogram.
    const after = await instantQuery(server.url, auth, 'rpc_duration_seconds{job="api"}', t0 + 31_000);
    assert.equal(after.data.result.length, 0, 'stale');
    const range = await rangeQuery(server.url, auth, 'rpc_duration_seconds{job="api"}', t0, t0 + 40_000, 10);
    assert.equal(range.data.resultType, 'matrix');
    const steps = range.data.result[0]?.histograms?.map(([t]) => t);
    assert.deepEqual(steps, [t0 / 1000, t0 / 1000 + 10, t0 / 1000 + 20]);

    // Durable: the same answer after a restart (WAL replay).
    server = await server.restart();
    const again = await instantQuery(server.url, auth, 'rpc_duration_seconds{job="api"}', t0);
    assert.deepEqual(again.data.result[0]?.histogram, api.histogram);
  });

  it('OTLP exponential histograms become native histograms by default', async () => {
    const ns = (ms: number): string => `${ms}000000`;
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'http.server.request.duration',
                  unit: 's',
                  exponentialHistogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      {
                        startTimeUnixNano: ns(t0 - 60_000),
                        timeUnixNano: ns(t0),
                        count: '6',
                        sum: 12,
                        scale: 0,
                        zeroCount: '1',
                        // OTel bucket i is (2^i, 2^(i+1)]: 2 in (1, 2], 3 in (2, 4].
                        positive: { offset: 0, bucketCounts: ['2', '3'] },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${server.url}/otlp/v1/metrics`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${auth.token}`,
        'x-scope-orgid': 'acme',
      },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{}');

    const at = await instantQuery(server.url, auth, 'http_server_request_duration_seconds', t0);
    assert.equal(at.data.result.length, 1, JSON.stringify(at.data));
    const [series] = at.data.result;
    assert.deepEqual(series?.metric, { __name__: 'http_server_request_duration_seconds', job: 'checkout' });
    assert.deepEqual(series?.histogram?.[1], {
      count: '6',
      sum: '12',
      buckets: [
        [3, '-1e-128', '1e-128', '1'],
        [0, '1', '2', '2'],
        [0, '2', '4', '3'],
      ],
    });
    const none = await instantQuery(
      server.url,
      auth,
      '{__name__=~"http_server_request_duration_seconds_.+"}',
      t0,
    );
    assert.equal(none.data.result.length, 0, 'no classic _bucket/_sum/_count series');
    // Rank 3 of 6 is the last observation of (1, 2].
    const q = await instantQuery(
      server.url,
      auth,
      'histogram_quantile(0.5, sum by (job) (http_server_request_duration_seconds))',
      t0,
    );
    assert.deepEqual(q.data.result[0]?.value, [t0 / 1000, '2']);
    const meta = await metadata(server.url, auth, 'http_server_request_duration_seconds');
    assert.equal(meta['http_server_request_duration_seconds']?.[0]?.type, 'histogram');
  });
});
