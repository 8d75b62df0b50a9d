/**
 * Remote-write push decoder throughput: snappy block decode + protobuf decode into the reusable
 * SampleBatch, as the push handler runs them. Requests look like Prometheus's default batches:
 * 2,000 samples, one sample per series, ~10 labels per series.
 *
 *   node --import tsx bench/protocol/decode.bench.ts
 */
import { ProtoReader, SnappyDecoder, snappyEncode } from '../../src/codec/index.ts';
import { SampleBatch } from '../../src/model/index.ts';
import { decodeWriteRequest } from '../../src/protocol/index.ts';
import { encodeWriteRequest, type TestSeries } from '../../test/support/remote-write.ts';

const SAMPLES_PER_REQUEST = 2000;
const REQUESTS = 50; // distinct bodies, cycled
const ROUNDS = 7;
const DURATION_MS = 1500;

function makeRequest(r: number): Uint8Array {
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
      samples: [[1_700_000_000_000 + r * 15_000, n * 1.5 + Math.random()]],
    });
  }
  return snappyEncode(encodeWriteRequest(series));
}

const bodies = Array.from({ length: REQUESTS }, (_, r) => makeRequest(r));
const snappy = new SnappyDecoder(64 << 20);
const reader = new ProtoReader();
const batch = new SampleBatch();
const compressed = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
const raw = snappy.decode(bodies[0] as Uint8Array).length;

function round(): { samplesPerSec: number; mbPerSec: number; heapBytesPerSample: number } {
  let samples = 0;
  let bytes = 0;
  let i = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(DURATION_MS) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (let k = 0; k < 10; k++, i++) {
      const body = bodies[i % REQUESTS] as Uint8Array;
      decodeWriteRequest(reader.reset(snappy.decode(body)), batch);
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

round(); // warm up
const results = Array.from({ length: ROUNDS }, round);
const median = <T>(xs: T[], key: (x: T) => number): number => {
  const v = xs.map(key).sort((a, b) => a - b);
  return v[v.length >> 1] as number;
};
console.log(
  `push decoder: ${SAMPLES_PER_REQUEST} samples/request, ~${Math.round(compressed)} B snappy, ${raw} B protobuf`,
);
console.log(`  median of ${ROUNDS} rounds of ${DURATION_MS} ms:`);
console.log(`  ${(median(results, (r) => r.samplesPerSec) / 1e6).toFixed(2)} M samples/s`);
console.log(`  ${median(results, (r) => r.mbPerSec).toFixed(1)} MB/s of compressed body`);
console.log(
  `  ${median(results, (r) => r.heapBytesPerSample).toFixed(2)} heap bytes/sample retained growth (GC noise incl.)`,
);
