/**
 * Read-path encoders: (1) the query API's streamed matrix JSON (what a big query_range answer
 * costs to render), (2) remote read's STREAMED_XOR_CHUNKS framing (XOR chunks + CRC-32C frames).
 * Shapes: 200 series × 1,000 points, Grafana-like values (counters, rates with decimals).
 *
 *   node --import tsx bench/protocol/prom-api.bench.ts
 */
import { Labels } from '../../src/model/index.ts';
import {
  ChunkedSeriesFramer,
  JsonChunker,
  writeQueryData,
  type SeriesPointsLike,
} from '../../src/protocol/index.ts';

const SERIES = 200;
const POINTS = 1000;
const ROUNDS = 7;
const DURATION_MS = 1000;

const matrix: SeriesPointsLike[] = [];
for (let s = 0; s < SERIES; s++) {
  const t = new Float64Array(POINTS);
  const v = new Float64Array(POINTS);
  for (let i = 0; i < POINTS; i++) {
    t[i] = 1_700_000_000_000 + i * 15_000;
    v[i] = s % 2 === 0 ? s * 1000 + i : Math.round((Math.sin(i / 10) + 1) * 1e6) / 1e3;
  }
  matrix.push({
    labels: Labels.fromObject({
      __name__: 'http_requests_total',
      job: `api-${s % 10}`,
      instance: `10.0.0.${s}:9100`,
    }),
    floatTimes: t,
    floatValues: v,
    histogramTimes: [],
    histograms: [],
  });
}
const points = SERIES * POINTS;

async function jsonRound(): Promise<{ pointsPerSec: number; bytes: number }> {
  let bytes = 0;
  const out = new JsonChunker({ write: (c) => void (bytes += c.length) });
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(DURATION_MS) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    await writeQueryData(out, { type: 'matrix', matrix }, 0, null, null);
    await out.flush();
    n += points;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { pointsPerSec: n / seconds, bytes: bytes / (n / points) };
}

function framesRound(): { samplesPerSec: number; bytes: number } {
  const framer = new ChunkedSeriesFramer();
  let bytes = 0;
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(DURATION_MS) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (const s of matrix) {
      framer.begin(0, s.labels);
      for (let i = 0; i < POINTS; i++) {
        const f = framer.addFloat(s.floatTimes[i] as number, s.floatValues[i] as number);
        if (f !== null) bytes += f.length;
      }
      const last = framer.end();
      if (last !== null) bytes += last.length;
    }
    n += points;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { samplesPerSec: n / seconds, bytes: bytes / (n / points) };
}

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1] as number;

await jsonRound(); // warm up
framesRound();
const json: Array<{ pointsPerSec: number; bytes: number }> = [];
const frames: Array<{ samplesPerSec: number; bytes: number }> = [];
for (let r = 0; r < ROUNDS; r++) {
  json.push(await jsonRound());
  frames.push(framesRound());
}
console.log(
  `read-path encoders: ${SERIES} series × ${POINTS} points, median of ${ROUNDS} rounds of ${DURATION_MS} ms`,
);
console.log(
  `  query JSON (matrix): ${(median(json.map((r) => r.pointsPerSec)) / 1e6).toFixed(2)} M points/s, ` +
    `${((json[0]?.bytes ?? 0) / points).toFixed(1)} bytes/point`,
);
console.log(
  `  remote read XOR frames: ${(median(frames.map((r) => r.samplesPerSec)) / 1e6).toFixed(2)} M samples/s, ` +
    `${((frames[0]?.bytes ?? 0) / points).toFixed(2)} bytes/sample`,
);
