/**
 * What the push decoder benchmarks (decode.bench.ts, decode-v2.bench.ts) share: requests shaped
 * like Prometheus's default batches (2,000 samples, one sample per series, ~10 labels per series)
 * and a timed round of snappy + protobuf decoding into one reused SampleBatch.
 */
import { SnappyDecoder } from '../../src/codec/index.ts';
import { SampleBatch } from '../../src/model/index.ts';
import type { TestSeries } from '../../test/support/remote-write.ts';

export const SAMPLES_PER_REQUEST = 2000;
export const REQUESTS = 50; // distinct bodies, cycled
export const ROUNDS = 7;
export const DURATION_MS = 1500;

/** The series of request `r`; `value(n)` gives the sample value of its n-th series overall. */
export function pushSeries(r: number, value: (n: number) => number): TestSeries[] {
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
      samples: [[1_700_000_000_000 + r * 15_000, value(n)]],
    });
  }
  return series;
}

export const snappy = new SnappyDecoder(64 << 20);
/** The batch every `decode` given to `round` fills. */
export const batch = new SampleBatch();

export type Round = { samplesPerSec: number; mbPerSec: number; heapBytesPerSample: number };

/** Decodes the bodies in turn for DURATION_MS; `decode` gets each body unsnappied. */
export function round(bodies: Uint8Array[], decode: (bytes: Uint8Array) => void): Round {
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

/** The median (the upper one for an even count) of `key` over the rounds. */
export function median(xs: Round[], key: (x: Round) => number): number {
  const v = xs.map(key).sort((a, b) => a - b);
  return v[v.length >> 1] as number;
}
