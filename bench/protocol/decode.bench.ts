/**
 * Remote-write push decoder throughput: snappy block decode + protobuf decode into the reusable
 * SampleBatch, as the push handler runs them. Requests look like Prometheus's default batches:
 * 2,000 samples, one sample per series, ~10 labels per series.
 *
 *   node --import tsx bench/protocol/decode.bench.ts
 */
import { ProtoReader, snappyEncode } from '../../src/codec/index.ts';
import { decodeWriteRequest } from '../../src/protocol/index.ts';
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
} from './push-bench.ts';

const bodies = Array.from({ length: REQUESTS }, (_, r) =>
  snappyEncode(encodeWriteRequest(pushSeries(r, (n) => n * 1.5 + Math.random()))),
);
const reader = new ProtoReader();
const compressed = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
const raw = snappy.decode(bodies[0] as Uint8Array).length;
const decode = (bytes: Uint8Array): void => decodeWriteRequest(reader.reset(bytes), batch);

round(bodies, decode); // warm up
const results = Array.from({ length: ROUNDS }, () => round(bodies, decode));
console.log(
  `push decoder: ${SAMPLES_PER_REQUEST} samples/request, ~${Math.round(compressed)} B snappy, ${raw} B protobuf`,
);
console.log(`  median of ${ROUNDS} rounds of ${DURATION_MS} ms:`);
console.log(`  ${(median(results, (r) => r.samplesPerSec) / 1e6).toFixed(2)} M samples/s`);
console.log(`  ${median(results, (r) => r.mbPerSec).toFixed(1)} MB/s of compressed body`);
console.log(
  `  ${median(results, (r) => r.heapBytesPerSample).toFixed(2)} heap bytes/sample retained growth (GC noise incl.)`,
);
