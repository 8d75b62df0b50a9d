import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MetricType } from '../../model/index.ts';
import { both, ns, request, T0, type Row, type Translated } from './test-helpers.ts';

/** Runs both encodings, checks they agree, returns the JSON run. */
function translate(req: unknown, overrides = {}): Translated {
  const [json, proto] = both(req, overrides);
  assert.deepEqual(proto.rows, json.rows, 'protobuf and JSON decode to the same series');
  assert.deepEqual(proto.result, json.result);
  return json;
}

/** `translate` of a request with one metric. */
function translateOne(metric: unknown, overrides = {}): Translated {
  return translate(request([metric]), overrides);
}

/** `[series, value]` of the rows at time `t`. */
function rowsAt(out: Translated, t: number): Array<[string, number | 'stale']> {
  return out.rows.filter((r) => r.t === t).map((r) => [r.series, r.v]);
}

function values(rows: readonly Row[]): Record<string, number | 'stale'> {
  return Object.fromEntries(
    rows.filter((r) => !r.series.startsWith('target_info')).map((r) => [r.series, r.v]),
  );
}

const scope = 'job="api",otel_scope_name="lib",otel_scope_version="1.2"';
const base = { job: 'api', otel_scope_name: 'lib', otel_scope_version: '1.2' };

/** The text of a series with these labels, sorted as the translator writes them. */
function series(name: string, labels: Record<string, string> = {}): string {
  const all = { ...base, ...labels };
  const names = Object.keys(all).sort();
  return `${name}{${names.map((n) => `${n}="${all[n as keyof typeof all]}"`).join(',')}}`;
}

test('gauge: one series per point, attributes become labels, unit suffix', () => {
  const out = translateOne({
    name: 'memory.usage',
    unit: 'By',
    description: 'Memory in use',
    gauge: {
      dataPoints: [
        {
          asInt: '1024',
          timeUnixNano: ns(T0),
          attributes: [{ key: 'host.name', value: { stringValue: 'a' } }],
        },
        {
          asDouble: 0.5,
          timeUnixNano: ns(T0),
          attributes: [{ key: 'host.name', value: { stringValue: 'b' } }],
        },
      ],
    },
  });
  assert.deepEqual(values(out.rows), {
    [`memory_usage_bytes{host_name="a",${scope}}`]: 1024,
    [`memory_usage_bytes{host_name="b",${scope}}`]: 0.5,
  });
  assert.equal(out.rows[0]?.t, T0);
  assert.ok(Number.isNaN(out.rows[0]?.st));
  assert.deepEqual(out.batch.metadata, [
    { family: 'memory_usage_bytes', type: MetricType.Gauge, help: 'Memory in use', unit: 'bytes' },
  ]);
  assert.deepEqual(out.result, { points: 2, rejectedPoints: 0, errors: [], warnings: [] });
});

test('monotonic cumulative sum → counter with _total and start timestamps; non-monotonic → gauge', () => {
  const out = translate(
    request([
      {
        name: 'http.requests',
        unit: '{request}',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: [{ asInt: '42', startTimeUnixNano: ns(T0 - 60_000), timeUnixNano: ns(T0) }],
        },
      },
      {
        name: 'queue.depth',
        unit: '1',
        sum: {
          aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
          dataPoints: [{ asInt: -3, timeUnixNano: ns(T0) }],
        },
      },
    ]),
  );
  assert.deepEqual(values(out.rows), {
    [`http_requests_total{${scope}}`]: 42,
    [`queue_depth{${scope}}`]: -3,
  });
  assert.equal(out.rows[0]?.st, T0 - 60_000);
  assert.deepEqual(
    out.batch.metadata.map((m) => [m.family, m.type]),
    [
      ['http_requests_total', MetricType.Counter],
      ['queue_depth', MetricType.Gauge],
    ],
  );
});

test('histogram → cumulative _bucket{le}, +Inf = count, _count, _sum only when present', () => {
  const out = translateOne({
    name: 'http.server.duration',
    unit: 's',
    histogram: {
      aggregationTemporality: 2,
      dataPoints: [
        {
          timeUnixNano: ns(T0),
          count: '10',
          sum: 2.5,
          bucketCounts: ['1', '2', '3', '4'],
          explicitBounds: [0.005, 0.1, 1],
        },
        { timeUnixNano: ns(T0), count: 1, attributes: [{ key: 'x', value: { stringValue: 'y' } }] },
      ],
    },
  });
  const h = 'http_server_duration_seconds';
  assert.deepEqual(values(out.rows), {
    [series(`${h}_bucket`, { le: '0.005' })]: 1,
    [series(`${h}_bucket`, { le: '0.1' })]: 3,
    [series(`${h}_bucket`, { le: '1' })]: 6,
    [series(`${h}_bucket`, { le: '+Inf' })]: 10,
    [series(`${h}_count`)]: 10,
    [series(`${h}_sum`)]: 2.5,
    [series(`${h}_bucket`, { le: '+Inf', x: 'y' })]: 1,
    [series(`${h}_count`, { x: 'y' })]: 1,
  });
  assert.equal(out.batch.metadata[0]?.type, MetricType.Histogram);
  assert.equal(out.batch.metadata[0]?.unit, 'seconds');
});

test('summary → {quantile}, _sum, _count', () => {
  const out = translateOne({
    name: 'rpc.latency',
    unit: 'ms',
    summary: {
      dataPoints: [
        {
          timeUnixNano: ns(T0),
          count: '4',
          sum: 10,
          quantileValues: [
            { quantile: 0.5, value: 2 },
            { quantile: 0.99, value: 4 },
          ],
        },
      ],
    },
  });
  const n = 'rpc_latency_milliseconds';
  assert.deepEqual(values(out.rows), {
    [series(n, { quantile: '0.5' })]: 2,
    [series(n, { quantile: '0.99' })]: 4,
    [series(`${n}_sum`)]: 10,
    [series(`${n}_count`)]: 4,
  });
});

test('exponential histogram → classic buckets at powers of two (scale 0), as a tenant option', () => {
  // Scale 1: base √2. Positive offset 0: buckets (1,√2], (√2,2], (2,2√2], (2√2,4] → at scale 0:
  // (1,2] = 1+2, (2,4] = 3+4.
  const out = translateOne(
    {
      name: 'latency',
      unit: 's',
      exponentialHistogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            timeUnixNano: ns(T0),
            count: '12',
            sum: 30,
            scale: 1,
            zeroCount: '2',
            positive: { offset: 0, bucketCounts: ['1', '2', '3', '4'] },
          },
        ],
      },
    },
    { exponentialHistograms: 'classic' },
  );
  const n = 'latency_seconds';
  assert.deepEqual(values(out.rows), {
    [series(`${n}_bucket`, { le: '0' })]: 2,
    [series(`${n}_bucket`, { le: '2' })]: 5,
    [series(`${n}_bucket`, { le: '4' })]: 12,
    [series(`${n}_bucket`, { le: '+Inf' })]: 12,
    [series(`${n}_count`)]: 12,
    [series(`${n}_sum`)]: 30,
  });
});

test('exponential histogram → native histogram by default', () => {
  const out = translateOne({
    name: 'latency',
    unit: 's',
    exponentialHistogram: {
      aggregationTemporality: 2,
      dataPoints: [
        {
          timeUnixNano: ns(T0),
          count: '9',
          sum: 30,
          scale: 10,
          zeroCount: '1',
          // Scale 10 → 8: indices 0..3 merge into 0, 4..7 into 1 (shift 2), Prometheus index +1.
          positive: {
            offset: 0,
            bucketCounts: [
              '1',
              '1',
              '1',
              '1',
              '2',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '0',
              '3',
            ],
          },
        },
      ],
    },
  });
  assert.equal(out.batch.histograms.length, 1);
  assert.equal(out.batch.sampleCount, 0, 'no classic series besides the native histogram');
  assert.ok(Number.isNaN(out.batch.histograms[0]?.startTimestamp), 'no start time in the point');
  const h = out.batch.histograms[0]?.h;
  assert.ok(h);
  assert.equal(h.schema, 8);
  assert.equal(h.count, 9);
  assert.equal(h.zeroCount, 1);
  assert.equal(h.zeroThreshold, 1e-128);
  // Indices 1 (=4), 2 (=2), then 20>>2 = 5 → 6: gap of 3 empty buckets (3,4,5) starts a new span.
  assert.deepEqual(h.positiveSpans, [
    { offset: 1, length: 2 },
    { offset: 3, length: 1 },
  ]);
  assert.deepEqual(h.positiveBuckets, [4, 2, 3]);
});

test('NO_RECORDED_VALUE → stale markers on every produced series', () => {
  const out = translate(
    request([
      { name: 'g', gauge: { dataPoints: [{ timeUnixNano: ns(T0), flags: 1 }] } },
      {
        name: 'h',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [{ timeUnixNano: ns(T0), flags: 1, explicitBounds: [1], bucketCounts: [0, 0] }],
        },
      },
    ]),
  );
  const v = values(out.rows);
  assert.equal(Object.keys(v).length, 4);
  assert.ok(Object.values(v).every((x) => x === 'stale'));
  assert.equal(out.result.rejectedPoints, 0);
});

test('resource attributes: job from namespace/name, instance, promotion, target_info', () => {
  const req = request(
    [
      {
        name: 'up',
        gauge: {
          dataPoints: [
            { asInt: 1, timeUnixNano: ns(T0), attributes: [{ key: 'job', value: { stringValue: 'mine' } }] },
          ],
        },
      },
    ],
    {
      'service.name': 'api',
      'service.namespace': 'shop',
      'service.instance.id': 'i-1',
      'deployment.environment': 'prod',
      'k8s.pod.name': 'p',
    },
  );
  const out = translate(req, {
    promoteResourceAttributes: ['deployment.environment'],
    promoteScopeMetadata: false,
  });
  assert.deepEqual(
    out.rows.map((r) => [r.series, r.v, r.t]),
    [
      ['up{deployment_environment="prod",instance="i-1",job="shop/api"}', 1, T0],
      ['target_info{deployment_environment="prod",instance="i-1",job="shop/api",k8s_pod_name="p"}', 1, T0],
    ],
  );
  // Without non-identifying attributes there is no target_info.
  const plain = translate(
    request([{ name: 'up', gauge: { dataPoints: [{ asInt: 1, timeUnixNano: ns(T0) }] } }]),
  );
  assert.equal(plain.rows.length, 1);
});

test('target_info repeats every 2.5 minutes between the first and last point', () => {
  const points = [0, 400_000].map((d) => ({ asInt: 1, timeUnixNano: ns(T0 + d) }));
  const out = translate(
    request([{ name: 'up', gauge: { dataPoints: points } }], { 'service.name': 'a', 'host.name': 'h' }),
  );
  const ts = out.rows.filter((r) => r.series.startsWith('target_info')).map((r) => r.t - T0);
  assert.deepEqual(ts, [0, 150_000, 300_000, 400_000]);
});

test('attribute collisions join values with ; in key order; __name__ attribute ignored', () => {
  const out = translate(
    request(
      [
        {
          name: 'm',
          gauge: {
            dataPoints: [
              {
                asInt: 1,
                timeUnixNano: ns(T0),
                attributes: [
                  { key: 'a_b', value: { stringValue: '2' } },
                  { key: 'a.b', value: { stringValue: '1' } },
                  { key: '__name__', value: { stringValue: 'evil' } },
                  { key: 'n', value: { intValue: '9007199254740993' } },
                  { key: 'd', value: { doubleValue: 1e-7 } },
                  { key: 'b', value: { boolValue: true } },
                  {
                    key: 'arr',
                    value: { arrayValue: { values: [{ stringValue: '<x>' }, { intValue: 1 }] } },
                  },
                  {
                    key: 'kv',
                    value: {
                      kvlistValue: {
                        values: [
                          { key: 'z', value: { boolValue: false } },
                          { key: 'a', value: { doubleValue: 1.5 } },
                        ],
                      },
                    },
                  },
                  { key: 'raw', value: { bytesValue: 'AQID' } },
                ],
              },
            ],
          },
        },
      ],
      {},
    ),
    { promoteScopeMetadata: false },
  );
  assert.equal(
    out.rows[0]?.series,
    'm{a_b="1;2",arr="[\\"\\u003cx\\u003e\\",1]",b="true",d="1e-7",kv="{\\"a\\":1.5,\\"z\\":false}",n="9007199254740993",raw="AQID"}'
      .replace(/\\"/g, '"')
      .replace(/\\\\u/g, '\\u'),
  );
});

test('invalid points are rejected one by one, the rest is kept', () => {
  const out = translate(
    request([
      {
        name: 'g',
        gauge: {
          dataPoints: [
            { asInt: 1, timeUnixNano: ns(T0) },
            { asInt: 2 }, // no time
            { timeUnixNano: ns(T0) }, // no value
            { asInt: 3, timeUnixNano: ns(T0), attributes: [{ key: '', value: { stringValue: 'x' } }] },
          ],
        },
      },
      { name: 's', sum: { isMonotonic: true, dataPoints: [{ asInt: 1, timeUnixNano: ns(T0) }] } }, // unspecified temporality
      { name: 'nodata' },
    ]),
  );
  assert.equal(out.result.points, 5);
  assert.equal(out.result.rejectedPoints, 4);
  assert.equal(out.result.errors.length, 4);
  assert.match(out.result.errors.join('\n'), /no time_unix_nano/);
  assert.match(out.result.errors.join('\n'), /neither as_double nor as_int/);
  assert.match(out.result.errors.join('\n'), /invalid temporality and type combination for metric "s"/);
  assert.match(out.result.warnings.join('\n'), /"nodata" has no data/);
  assert.deepEqual(Object.keys(values(out.rows)), [series('g')]);
});

test('exemplars: sums keep them, gauges drop them, histogram buckets get them by value', () => {
  const ex = (v: number): unknown => ({
    asDouble: v,
    timeUnixNano: ns(T0 - 5),
    traceId: '0102030405060708090A0B0C0D0E0F10',
    spanId: '0102030405060708',
    filteredAttributes: [{ key: 'user.id', value: { stringValue: 'u1' } }],
  });
  const out = translate(
    request([
      {
        name: 'c',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: [{ asInt: 1, timeUnixNano: ns(T0), exemplars: [ex(1)] }],
        },
      },
      { name: 'g', gauge: { dataPoints: [{ asInt: 1, timeUnixNano: ns(T0), exemplars: [ex(1)] }] } },
      {
        name: 'h',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [
            {
              timeUnixNano: ns(T0),
              count: 2,
              bucketCounts: [1, 1, 0],
              explicitBounds: [1, 2],
              exemplars: [ex(1.5), ex(9)],
            },
          ],
        },
      },
    ]),
  );
  const got = out.batch.exemplars.map((e) => [
    out.rows.find((_, i) => out.batch.sampleSeries[i] === e.series)?.series,
    e.v,
    e.t,
    e.labels.toString(),
  ]);
  assert.deepEqual(
    got.map((g) => [g[0], g[1], g[2]]),
    [
      [series('c_total'), 1, T0 - 5],
      [series('h_bucket', { le: '2' }), 1.5, T0 - 5],
      [series('h_bucket', { le: '+Inf' }), 9, T0 - 5],
    ],
  );
  assert.equal(
    got[0]?.[3],
    '{span_id="0102030405060708", trace_id="0102030405060708090a0b0c0d0e0f10", user_id="u1"}',
  );
});

test('delta sums become cumulative per series; overlaps and duplicates are rejected', () => {
  const delta = (start: number, end: number, v: number): unknown => ({
    asInt: v,
    startTimeUnixNano: ns(T0 + start),
    timeUnixNano: ns(T0 + end),
  });
  const out = translateOne({
    name: 'c',
    sum: {
      aggregationTemporality: 1,
      isMonotonic: true,
      dataPoints: [
        delta(0, 10, 5),
        delta(10, 20, 2),
        delta(30, 40, 1),
        delta(30, 40, 1),
        delta(35, 50, 1),
        { asInt: 1, timeUnixNano: ns(T0 + 60) },
      ],
    },
  });
  assert.deepEqual(
    out.rows.map((r) => [r.v, r.t - T0, r.st - T0]),
    [
      [5, 10, 0],
      [7, 20, 0],
      [8, 40, 0],
    ],
  );
  assert.equal(out.result.rejectedPoints, 3);
  assert.match(out.result.errors.join('\n'), /retry, duplicate or out-of-order/);
  assert.match(out.result.errors.join('\n'), /inside the previous point's interval/);
  assert.match(out.result.errors.join('\n'), /no start time/);
});

test('delta histograms accumulate bucket by bucket; delta rejected when the tenant turns it off', () => {
  const point = (start: number, end: number, counts: number[]): unknown => ({
    startTimeUnixNano: ns(T0 + start),
    timeUnixNano: ns(T0 + end),
    count: counts.reduce((a, b) => a + b, 0),
    sum: 1,
    bucketCounts: counts,
    explicitBounds: [1],
  });
  const req = request([
    {
      name: 'h',
      histogram: { aggregationTemporality: 1, dataPoints: [point(0, 10, [1, 2]), point(10, 20, [3, 4])] },
    },
  ]);
  const out = translate(req, { promoteScopeMetadata: false });
  assert.deepEqual(rowsAt(out, T0 + 20), [
    ['h_bucket{job="api",le="1"}', 4],
    ['h_bucket{job="api",le="+Inf"}', 10],
    ['h_count{job="api"}', 10],
    ['h_sum{job="api"}', 2],
  ]);
  const off = translate(req, { deltaToCumulative: false });
  assert.equal(off.result.rejectedPoints, 2);
  assert.equal(off.rows.length, 0);
});

test('delta exponential histograms are summed at the lower scale', () => {
  const point = (start: number, end: number, scale: number, counts: number[]): unknown => ({
    startTimeUnixNano: ns(T0 + start),
    timeUnixNano: ns(T0 + end),
    count: counts.reduce((a, b) => a + b, 0),
    sum: 1,
    scale,
    positive: { offset: 0, bucketCounts: counts },
  });
  const out = translateOne(
    {
      name: 'e',
      exponentialHistogram: {
        aggregationTemporality: 1,
        dataPoints: [point(0, 10, 1, [1, 1]), point(10, 20, 0, [5])],
      },
    },
    { promoteScopeMetadata: false, exponentialHistograms: 'classic', exponentialClassicMaxScale: 1 },
  );
  assert.deepEqual(rowsAt(out, T0 + 20), [
    ['e_bucket{job="api",le="2"}', 7],
    ['e_bucket{job="api",le="+Inf"}', 7],
    ['e_count{job="api"}', 7],
    ['e_sum{job="api"}', 2],
  ]);
});

test('UTF-8 strategy keeps names; scope labels can be turned off', () => {
  const out = translateOne(
    {
      name: 'http.requests',
      unit: '1',
      sum: {
        aggregationTemporality: 2,
        isMonotonic: true,
        dataPoints: [
          {
            asInt: 1,
            timeUnixNano: ns(T0),
            attributes: [{ key: 'http.method', value: { stringValue: 'GET' } }],
          },
        ],
      },
    },
    { translationStrategy: 'NoUTF8EscapingWithSuffixes', promoteScopeMetadata: false },
  );
  assert.equal(out.rows[0]?.series, 'http.requests_total{http.method="GET",job="api"}');
});
