/**
 * Remote write 2.0 push decoder throughput next to 1.0, on the same data: snappy block decode +
 * protobuf decode into the reusable SampleBatch, as the push handler runs them. Requests look like
 * Prometheus's default batches: 2,000 samples, one sample per series, ~10 labels per series.
 *
 *   node --import tsx bench/protocol/decode-v2.bench.ts
 */
import { ProtoReader, SnappyDecoder, snappyEncode } from '../../src/codec/index.ts';
import { SampleBatch } from '../../src/model/index.ts';
import { decodeWriteRequest, encodeWriteRequestV2, WriteV2Decoder } from '../../src/protocol/index.ts';
import { encodeWriteRequest, type TestSeries } from '../../test/support/remote-write.ts';

const SAMPLES_PER_REQUEST = 2000;
const REQUESTS = 50; // distinct bodies, cycled
const ROUNDS = 7;
const DURATION_MS = 1500;

function makeSeries(r: number): TestSeries[] {
  const series: TestSeries[] = [];
  for (let i = 0; i < SAMPLES_PER_REQUEST; i++) {
    const n = r * SAMPLES_PER_REQUEST + i;
    series.push({
      labels: {
        __name__: `http_requests_total`,
        job: `api-${n % 20}`,
        instance: `10.0.${(n >> 8) & 255}.${n & 255}:9100`,
        namespace: `ns-${n % 7}`,
        pod: `api-${n % 20}-7d9f8c6b5-${(n * 7919).toString(36).slice(-5)}`,
        method: ['GET', 'POST', 'PUT'][n % 3] as string,
        code: ['200', '404', '500'][n % 3] as string,
        handler: `/api/v1/items/${n % 50}`,
        le: String(2 ** (n % 12) / 1000),
      },
      samples: [[1_700_000_000_000 + r * 15_000, n * 1.5 + (n % 7) / 10]],
    });
  }
  return series;
}

const data = Array.from({ length: REQUESTS }, (_, r) => makeSeries(r));
const v1Bodies = data.map((s) => snappyEncode(encodeWriteRequest(s)));
const v2Bodies = data.map((s) => snappyEncode(encodeWriteRequestV2(s)));
const snappy = new SnappyDecoder(64 << 20);
const reader = new ProtoReader();
const batch = new SampleBatch();
const v2 = new WriteV2Decoder();

type Round = { samplesPerSec: number; mbPerSec: number; heapBytesPerSample: number };

function round(bodies: Uint8Array[], decode: (bytes: Uint8Array) => void): Round {
  let samples = 0;
  let bytes = 0;
  let i = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(DURATION_MS) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (let k = 0; k < 10; k++, i++) {
      const body = bodies[i % REQUESTS] as Uint8Array;
      decode(snappy.decode(body));
      samples += batch.sampleCount;
      bytes += body.length;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    samplesPerSec: samples / seconds,
    mbPerSec: bytes / seconds / 1e6,
    heapBytesPerSample: Math.max(0, heapAfter - heapBefore) / samples,
  };
}

const median = (xs: Round[], key: (x: Round) => number): number => {
  const v = xs.map(key).sort((a, b) => a - b);
  return v[v.length >> 1] as number;
};
const decodeV1 = (bytes: Uint8Array): void => decodeWriteRequest(reader.reset(bytes), batch);
const decodeV2 = (bytes: Uint8Array): void => v2.decode(reader.reset(bytes), batch);
round(v1Bodies, decodeV1); // warm up
round(v2Bodies, decodeV2);
const results: { v1: Round[]; v2: Round[] } = { v1: [], v2: [] };
for (let k = 0; k < ROUNDS; k++) {
  results.v1.push(round(v1Bodies, decodeV1));
  results.v2.push(round(v2Bodies, decodeV2));
}
const avg = (bodies: Uint8Array[]): number =>
  Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);
console.log(
  `push decoders: ${SAMPLES_PER_REQUEST} samples/request, ~10 labels/series; median of ${ROUNDS} rounds of ${DURATION_MS} ms`,
);
for (const [name, bodies] of [
  ['1.0', v1Bodies],
  ['2.0', v2Bodies],
] as const) {
  const r = name === '1.0' ? results.v1 : results.v2;
  const raw = snappy.decode(bodies[0] as Uint8Array).length;
  console.log(
    `  ${name}: ~${avg(bodies)} B snappy, ${raw} B protobuf; ` +
      `${(median(r, (x) => x.samplesPerSec) / 1e6).toFixed(2)} M samples/s, ` +
      `${median(r, (x) => x.mbPerSec).toFixed(1)} MB/s of compressed body, ` +
      `${median(r, (x) => x.heapBytesPerSample).toFixed(2)} heap bytes/sample retained growth (GC noise incl.)`,
  );
}
