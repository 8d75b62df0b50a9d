/**
 * OTLP decode + translate throughput: binary ExportMetricsServiceRequest → OtlpProtoDecoder →
 * OtlpTranslator → SampleBatch, as the OTLP handler runs them (without storage). Requests look like
 * an SDK export: one resource (service attributes), one scope, 1,000 data points spread over
 * counters (cumulative sums), gauges and 12-bucket histograms, 5 attributes per point.
 *
 *   node --import tsx bench/otlp/decode.bench.ts
 */
import { SampleBatch } from '../../src/model/index.ts';
import {
  DEFAULT_OTLP_TRANSLATION,
  DeltaAccumulator,
  encodeOtlpJsonAsProtobuf,
  OtlpTranslator,
  translateOtlpRequest,
} from '../../src/protocol/index.ts';

const POINTS_PER_METRIC = 100;
const METRICS = 10; // 4 counters, 3 gauges, 3 histograms
const REQUESTS = 20; // distinct bodies, cycled
const ROUNDS = 7;
const DURATION_MS = 1500;
const T0 = 1_700_000_000_000;
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function attrs(n: number): unknown[] {
  const s = (key: string, v: string): unknown => ({ key, value: { stringValue: v } });
  return [
    s('http.method', ['GET', 'POST', 'PUT'][n % 3] as string),
    s('http.route', `/api/v1/items/${n % 50}`),
    s('http.status_code', ['200', '404', '500'][n % 3] as string),
    s('net.host.name', `host-${n % 20}`),
    { key: 'worker', value: { intValue: String(n) } },
  ];
}

function makeRequest(r: number): Uint8Array {
  const time = String(BigInt(T0 + r * 15_000) * 1_000_000n);
  const start = String(BigInt(T0 - 3_600_000) * 1_000_000n);
  const metrics: unknown[] = [];
  for (let m = 0; m < METRICS; m++) {
    const points = Array.from({ length: POINTS_PER_METRIC }, (_, i) => i);
    if (m < 4) {
      metrics.push({
        name: `app.requests.${m}`,
        unit: '{request}',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: points.map((i) => ({
            asInt: String(r * 10 + i),
            startTimeUnixNano: start,
            timeUnixNano: time,
            attributes: attrs(i),
          })),
        },
      });
    } else if (m < 7) {
      metrics.push({
        name: `app.memory.${m}`,
        unit: 'By',
        gauge: {
          dataPoints: points.map((i) => ({ asDouble: i * 1.5, timeUnixNano: time, attributes: attrs(i) })),
        },
      });
    } else {
      metrics.push({
        name: `app.latency.${m}`,
        unit: 's',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: points.map((i) => ({
            startTimeUnixNano: start,
            timeUnixNano: time,
            count: String(12 * (r + 1)),
            sum: i * 0.5,
            bucketCounts: Array.from({ length: 12 }, () => String(r + 1)),
            explicitBounds: BOUNDS,
            attributes: attrs(i),
          })),
        },
      });
    }
  }
  return encodeOtlpJsonAsProtobuf({
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'service.instance.id', value: { stringValue: 'i-1' } },
            { key: 'host.name', value: { stringValue: 'node-1' } },
          ],
        },
        scopeMetrics: [{ scope: { name: 'my-service', version: '1.0.0' }, metrics }],
      },
    ],
  });
}

const bodies = Array.from({ length: REQUESTS }, (_, r) => makeRequest(r));
const batch = new SampleBatch();
const translator = new OtlpTranslator(DEFAULT_OTLP_TRANSLATION, new DeltaAccumulator());

function round(): { pointsPerSec: number; samplesPerSec: number; mbPerSec: number } {
  let points = 0;
  let samples = 0;
  let bytes = 0;
  let i = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(DURATION_MS) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    const body = bodies[i++ % REQUESTS] as Uint8Array;
    const result = translateOtlpRequest(body, 'protobuf', translator, batch);
    points += result.points;
    samples += batch.sampleCount;
    bytes += body.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    pointsPerSec: points / seconds,
    samplesPerSec: samples / seconds,
    mbPerSec: bytes / seconds / 1e6,
  };
}

round(); // warm up
const results = Array.from({ length: ROUNDS }, round);
const median = (key: (x: (typeof results)[number]) => number): number => {
  const v = results.map(key).sort((a, b) => a - b);
  return v[v.length >> 1] as number;
};
const avgBytes = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);
console.log(
  `OTLP decode+translate: ${POINTS_PER_METRIC * METRICS} points/request (4 sums, 3 gauges, 3 histograms), ~${avgBytes} B protobuf`,
);
console.log(`  median of ${ROUNDS} rounds of ${DURATION_MS} ms:`);
console.log(`  ${(median((r) => r.pointsPerSec) / 1e3).toFixed(0)} k data points/s`);
console.log(`  ${(median((r) => r.samplesPerSec) / 1e6).toFixed(2)} M Prometheus samples/s`);
console.log(`  ${median((r) => r.mbPerSec).toFixed(1)} MB/s of protobuf body`);
