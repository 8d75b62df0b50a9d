/**
 * Remote write 2.0 push decoder throughput next to 1.0, on the same data: snappy block decode +
 * protobuf decode into the reusable SampleBatch, as the push handler runs them. Requests look like
 * Prometheus's default batches: 2,000 samples, one sample per series, ~10 labels per series.
 *
 *   node --import tsx bench/protocol/decode-v2.bench.ts
 */
import { ProtoReader, snappyEncode } from '../../src/codec/index.ts';
import { decodeWriteRequest, encodeWriteRequestV2, WriteV2Decoder } from '../../src/protocol/index.ts';
import { encodeWriteRequest } from '../../test/support/remote-write.ts';
import {
  batch,
  DURATION_MS,
  median,
  pushSeries,
  REQUESTS,
  round,
  ROUNDS,
  SAMPLES_PER_REQUEST,
  snappy,
  type Round,
} from './push-bench.ts';

const data = Array.from({ length: REQUESTS }, (_, r) => pushSeries(r, (n) => n * 1.5 + (n % 7) / 10));
const v1Bodies = data.map((s) => snappyEncode(encodeWriteRequest(s)));
const v2Bodies = data.map((s) => snappyEncode(encodeWriteRequestV2(s)));
const reader = new ProtoReader();
const v2 = new WriteV2Decoder();

const avg = (bodies: Uint8Array[]): number =>
  Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);
const decodeV1 = (bytes: Uint8Array): void => decodeWriteRequest(reader.reset(bytes), batch);
const decodeV2 = (bytes: Uint8Array): void => v2.decode(reader.reset(bytes), batch);
round(v1Bodies, decodeV1); // warm up
round(v2Bodies, decodeV2);
const results: { v1: Round[]; v2: Round[] } = { v1: [], v2: [] };
for (let k = 0; k < ROUNDS; k++) {
  results.v1.push(round(v1Bodies, decodeV1));
  results.v2.push(round(v2Bodies, decodeV2));
}
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
