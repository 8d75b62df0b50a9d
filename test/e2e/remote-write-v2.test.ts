import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ProtoWriter, snappyEncode } from '../../src/codec/index.ts';
import { MetricType } from '../../src/model/index.ts';
import { encodeWriteRequestV2, type HistogramMessage, type WriteV2Series } from '../../src/protocol/index.ts';
import { apiGet, instantQuery, metadata, type QueryAuth } from '../support/query.ts';
import { push } from '../support/remote-write.ts';
import { startServer, type TestServer } from '../support/server.ts';

/**
 * Remote write 2.0 on `POST /api/v1/push` of the real server, with bodies built here: Content-Type
 * negotiation, what is stored (samples, native histograms, exemplars, metadata, found through the
 * query API), partial writes (400 naming the problems), and the `…-Written` headers with exact
 * counts on success and on every error, never on 1.0 answers.
 */

const V2 = 'application/x-protobuf;proto=io.prometheus.write.v2.Request';
const HEADER = {
  samples: 'x-prometheus-remote-write-samples-written',
  histograms: 'x-prometheus-remote-write-histograms-written',
  exemplars: 'x-prometheus-remote-write-exemplars-written',
};

/** The three counts of a response, or null where a header is absent. */
function written(res: Response): [string | null, string | null, string | null] {
  return [
    res.headers.get(HEADER.samples),
    res.headers.get(HEADER.histograms),
    res.headers.get(HEADER.exemplars),
  ];
}

describe('remote write 2.0 → POST /api/v1/push', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;

  before(async () => {
    server = await startServer({
      limits: 'overrides:\n  slow:\n    ingestion_rate: 1\n    ingestion_burst_size: 2\n',
    });
    for (const tenant of ['acme', 'slow']) {
      await server.createTenant(tenant);
      tokens[tenant] = await server.createToken(tenant, 'read+write');
    }
  });
  after(async () => server.cleanup());

  const auth = (tenant = 'acme'): QueryAuth => ({ tenant, token: tokens[tenant] as string });
  const post = (
    body: Uint8Array | string,
    headers: Record<string, string> = {},
    tenant = 'acme',
  ): Promise<Response> =>
    fetch(`${server.url}/api/v1/push`, {
      method: 'POST',
      headers: {
        'content-type': V2,
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '2.0.0',
        'x-scope-orgid': tenant,
        authorization: `Bearer ${tokens[tenant]}`,
        ...headers,
      },
      body: typeof body === 'string' ? body : Buffer.from(body),
    });
  const v2 = (series: WriteV2Series[]): Uint8Array => snappyEncode(encodeWriteRequestV2(series));

  it('stores samples, native histograms, exemplars and metadata: 204 with exact counts', async () => {
    const res = await post(
      v2([
        {
          labels: { __name__: 'http_requests_total', job: 'api', code: '200' },
          samples: [
            [t0 - 15_000, 10, t0 - 600_000],
            [t0, 12, t0 - 600_000],
          ],
          exemplars: [{ labels: { trace_id: 'a1b2' }, value: 1, t: t0 - 1 }],
          metadata: { type: MetricType.Counter, help: 'Requests served.', unit: '' },
        },
        {
          labels: { __name__: 'rpc_duration_seconds', job: 'api' },
          histograms: [
            {
              t: t0,
              count: 6,
              sum: 9,
              schema: 0,
              zeroThreshold: 0.001,
              zeroCount: 1,
              positiveSpans: [[1, 2]],
              positiveDeltas: [2, 1],
              startTimestamp: t0 - 600_000,
            },
          ],
          exemplars: [
            { labels: { trace_id: 'c3' }, value: 1.5, t: t0 - 2 },
            { labels: { trace_id: 'd4' }, value: 3.5, t: t0 - 3 },
          ],
          metadata: { type: MetricType.Histogram, help: 'RPC latency.', unit: 'seconds' },
          createdTimestamp: t0 - 700_000,
        },
      ]),
    );
    assert.equal(res.status, 204, await res.text());
    assert.deepEqual(written(res), ['2', '1', '3']);

    const counter = await instantQuery(server.url, auth(), 'http_requests_total', t0);
    assert.deepEqual(counter.data.result, [
      { metric: { __name__: 'http_requests_total', code: '200', job: 'api' }, value: [t0 / 1000, '12'] },
    ]);
    const h = await instantQuery(server.url, auth(), 'rpc_duration_seconds', t0);
    assert.deepEqual(h.data.result[0]?.histogram?.[1], {
      count: '6',
      sum: '9',
      buckets: [
        [3, '-0.001', '0.001', '1'],
        [0, '1', '2', '2'],
        [0, '2', '4', '3'],
      ],
    });
    const q = await instantQuery(server.url, auth(), 'histogram_quantile(0.5, rpc_duration_seconds)', t0);
    assert.deepEqual(q.data.result[0]?.value, [t0 / 1000, '2'], 'rank 3 of 6 is the top of (1, 2]');

    const exemplars = await apiGet<{
      status: string;
      data: Array<{
        seriesLabels: Record<string, string>;
        exemplars: Array<{ labels: Record<string, string> }>;
      }>;
    }>(server.url, auth(), '/prometheus/api/v1/query_exemplars', {
      query: '{job="api"}',
      start: String((t0 - 60_000) / 1000),
      end: String(t0 / 1000),
    });
    assert.deepEqual(
      exemplars.data
        .flatMap((s) => s.exemplars.map((e) => `${s.seriesLabels['__name__']} ${e.labels['trace_id']}`))
        .sort(),
      ['http_requests_total a1b2', 'rpc_duration_seconds c3', 'rpc_duration_seconds d4'],
    );
    const meta = await metadata(server.url, auth());
    assert.deepEqual(meta['http_requests_total'], [{ type: 'counter', help: 'Requests served.', unit: '' }]);
    assert.deepEqual(meta['rpc_duration_seconds'], [
      { type: 'histogram', help: 'RPC latency.', unit: 'seconds' },
    ]);
  });

  it('negotiates the message by Content-Type: trimmed, case-insensitive, 415 for unknown ones', async () => {
    const body = (name: string): Uint8Array => v2([{ labels: { __name__: name }, samples: [[t0, 1]] }]);
    for (const [i, type] of [
      'application/x-protobuf; proto=io.prometheus.write.v2.Request',
      'Application/X-Protobuf ;Proto="io.prometheus.write.v2.Request"',
      'application/x-protobuf;charset=utf-8;proto=io.prometheus.write.v2.Request',
    ].entries()) {
      const res = await post(body(`negotiated_${i}`), { 'content-type': type });
      assert.equal(res.status, 204, `${type}: ${await res.text()}`);
      assert.deepEqual(written(res), ['1', '0', '0'], type);
      const stored = await instantQuery(server.url, auth(), `negotiated_${i}`, t0);
      assert.equal(stored.data.result.length, 1, type);
    }
    for (const type of ['application/x-protobuf;proto=io.prometheus.write.v3.Request', 'application/json']) {
      const res = await post(body('never'), { 'content-type': type });
      assert.equal(res.status, 415, type);
      assert.match(await res.text(), /io\.prometheus\.write\.v2\.Request/);
    }
    // Remote write 2.0 knows one compression; anything else is a 415 with nothing written.
    const gzip = await post(body('never'), { 'content-encoding': 'gzip' });
    assert.equal(gzip.status, 415);
    assert.deepEqual(written(gzip), ['0', '0', '0']);
    assert.equal((await instantQuery(server.url, auth(), 'never', t0)).data.result.length, 0);
  });

  it('1.0 answers carry no …-Written headers, whatever the Content-Type spelling', async () => {
    const series = [{ labels: { __name__: 'v1_metric', job: 'x' }, samples: [[t0, 1]] as const }];
    for (const type of [
      '',
      'application/x-protobuf',
      'application/x-protobuf;proto=prometheus.WriteRequest',
    ]) {
      const res = await push(server.url, series, {
        tenant: 'acme',
        token: tokens['acme'] as string,
        headers: { 'content-type': type },
      });
      assert.equal(res.status, 204, type);
      assert.deepEqual(written(res), [null, null, null], type);
    }
    // A 2.0 body announced as 1.0 reads as an empty 1.0 request (2.0 reserves 1.0's field numbers):
    // 2xx without the headers, which tells a 2.0 sender that this receiver does not speak 2.0.
    const res = await post(v2([{ labels: { __name__: 'misfiled' }, samples: [[t0, 1]] }]), {
      'content-type': 'application/x-protobuf',
    });
    assert.equal(res.status, 204);
    assert.deepEqual(written(res), [null, null, null]);
  });

  it('partial writes: invalid series are left out, the rest is stored, 400 names the problems', async () => {
    // Symbols: 0 "", 1 __name__, 2 partial_ok, 3 job, 4 a, 5 partial_bad
    const w = new ProtoWriter();
    for (const s of ['', '__name__', 'partial_ok', 'job', 'a', 'partial_bad']) w.string(4, s);
    const sample = (ts: ProtoWriter, v: number): void =>
      void ts.message(2, (s) => s.double(1, v).varint(2, t0));
    w.message(5, (ts) => {
      ts.packedVarints(1, [1, 2, 3, 4]);
      sample(ts, 1);
      ts.message(4, (e) => e.packedVarints(1, [3, 4]).double(2, 1).varint(3, t0));
    });
    w.message(5, (ts) => {
      ts.packedVarints(1, [1, 5, 3]); // odd: name/value pairs
      sample(ts, 2);
    });
    w.message(5, (ts) => {
      ts.packedVarints(1, [1, 5, 3, 42]); // no such symbol
      sample(ts, 3);
      sample(ts, 4);
    });
    w.message(5, (ts) => ts.packedVarints(1, [1, 5])); // neither samples nor histograms
    w.message(5, (ts) => {
      ts.packedVarints(1, [3, 4]); // no __name__: storage refuses it
      sample(ts, 5);
      ts.message(4, (e) => e.double(2, 1).varint(3, t0));
    });
    const res = await post(snappyEncode(w.finish()));
    assert.equal(res.status, 400);
    assert.deepEqual(written(res), ['1', '0', '1']);
    const text = await res.text();
    assert.match(
      text,
      /remote write 2\.0: 3 invalid series and 3 samples, 0 histograms and 0 exemplars were not written/,
    );
    assert.match(text, /timeseries\[1\]: labels_refs has an odd number of entries \(3\)/);
    assert.match(text, /timeseries\[2\]: labels_refs refers to symbol 42, but the request has 6 symbols/);
    assert.match(text, /series partial_bad: a TimeSeries must contain at least one sample or histogram/);
    assert.match(text, /invalid_labels/);
    const ok = await instantQuery(server.url, auth(), '{__name__=~"partial_.*"}', t0);
    assert.deepEqual(
      ok.data.result.map((r) => r.metric),
      [{ __name__: 'partial_ok', job: 'a' }],
    );
  });

  it('storage refusals in a request with samples and histograms are counted per kind', async () => {
    const hist = (t: number): HistogramMessage[] => [
      { t, count: 1, sum: 1, schema: 0, positiveSpans: [[0, 1]], positiveDeltas: [1] },
    ];
    let res = await post(
      v2([
        { labels: { __name__: 'ooo_float', i: '1' }, samples: [[t0, 1]] },
        { labels: { __name__: 'ooo_float', i: '2' }, samples: [[t0, 1]] },
        { labels: { __name__: 'ooo_hist', i: '1' }, histograms: hist(t0) },
        { labels: { __name__: 'ooo_hist', i: '2' }, histograms: hist(t0) },
      ]),
    );
    assert.equal(res.status, 204);
    // Same timestamps, other values: duplicates, refused; the future ones are stored.
    res = await post(
      v2([
        {
          labels: { __name__: 'ooo_float', i: '1' },
          samples: [
            [t0, 2],
            [t0 + 1000, 2],
          ],
        },
        { labels: { __name__: 'ooo_float', i: '2' }, samples: [[t0, 2]] },
        {
          labels: { __name__: 'ooo_hist', i: '1' },
          histograms: [...hist(t0 + 1000), { t: t0, count: 2, sum: 2, schema: 0 }],
          exemplars: [{ labels: { trace_id: 'x' }, value: 1, t: t0 + 1000 }],
        },
        { labels: { __name__: 'ooo_hist', i: '2' }, histograms: [{ t: t0, count: 3, sum: 3, schema: 0 }] },
      ]),
    );
    assert.equal(res.status, 400);
    assert.deepEqual(written(res), ['1', '1', '1']);
    assert.match(await res.text(), /duplicate_timestamp|duplicate/);
  });

  it('undecodable bodies, the size limit and the rate limit answer with zero counts', async () => {
    let res = await post('definitely not snappy');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /snappy/);
    assert.deepEqual(written(res), ['0', '0', '0']);
    res = await post(snappyEncode(Uint8Array.from([0x2a, 0x05, 0x01]))); // symbols field cut short
    assert.equal(res.status, 400);
    assert.match(await res.text(), /truncated/);
    assert.deepEqual(written(res), ['0', '0', '0']);
    // A snappy preamble claiming 1 GiB: refused before anything is allocated.
    res = await post(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x04]));
    assert.equal(res.status, 413);
    assert.deepEqual(written(res), ['0', '0', '0']);

    // Tenant "slow": 1 item/s, burst 2. The first request empties the bucket; the next waits.
    const many = (n: number, name: string): Uint8Array =>
      v2(
        Array.from({ length: n }, (_, i) => ({
          labels: { __name__: name, i: String(i) },
          samples: [[t0, i]],
        })),
      );
    res = await post(many(3, 'limited'), {}, 'slow');
    assert.equal(res.status, 204);
    assert.deepEqual(written(res), ['3', '0', '0']);
    res = await post(many(3, 'limited_again'), {}, 'slow');
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.match(await res.text(), /ingestion rate limit exceeded/);
    assert.deepEqual(written(res), ['0', '0', '0']);
    const stored = await instantQuery(server.url, auth('slow'), 'count(limited_again)', t0);
    assert.deepEqual(stored.data.result, []);
  });
});
