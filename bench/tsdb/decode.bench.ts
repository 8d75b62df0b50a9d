/**
 * Bulk decoding speed of block chunks: XOR (chunk/xor-bulk.ts) against decimal (chunk/decimal.ts)
 * on the same samples, plus the bytes each takes before and after deflate.
 *
 *   node --import tsx bench/tsdb/decode.bench.ts [--chunks 4000] [--runs 7]
 *
 * Value shapes as in the harness workload (bench/harness/simulator.ts): integer counters,
 * counters with 2 decimals, integer gauges (mean-reverting walks), constant series; timestamps
 * every 60 s, regular or with a few ms of jitter. Per shape: `chunks` chunks of 120 samples are
 * decoded `runs` times by each decoder into the same columns; CPU time (process.cpuUsage) per
 * sample, median of the runs.
 */
import { deflateRawSync } from 'node:zlib';

import { encodeDecimal, maxDecimalBytes, decodeDecimal } from '../../src/tsdb/chunk/decimal.ts';
import { decodeXor } from '../../src/tsdb/chunk/xor-bulk.ts';
import { MAX_SAMPLE_BYTES, XorWriter } from '../../src/tsdb/chunk/xor.ts';
import { arg, median, rng } from '../promql/common.ts';

const CHUNKS = arg('chunks', 4000);
const RUNS = arg('runs', 7);
const N = 120;
const T0 = 1_800_000_000_000;

type Shape = (r: () => number, i: number, prev: number) => number;
const SHAPES: Record<string, Shape> = {
  counter: (r, i, p) => (i === 0 ? Math.round(r() * 1e7) : p + Math.round(1000 * (1 + 0.3 * (r() - 0.5)))),
  'counter 2 decimals': (r, i, p) =>
    i === 0 ? Math.round(r() * 1e7) / 100 : Math.round((p + 12.5 * (1 + 0.3 * (r() - 0.5))) * 100) / 100,
  'int gauge': (r, i, p) =>
    i === 0 ? 5000 : Math.max(0, Math.round(p + 0.05 * (5000 - p) + 400 * (r() - 0.5))),
  constant: () => 1,
};

interface Corpus {
  buf: Uint8Array;
  off: Uint32Array;
  len: Uint32Array;
  mint: Float64Array;
}

function build(shape: Shape, jitter: boolean, seed: number): { xor: Corpus; dec: Corpus } {
  const r = rng(seed);
  const xorBuf = new Uint8Array(CHUNKS * N * MAX_SAMPLE_BYTES);
  const decBuf = new Uint8Array(CHUNKS * maxDecimalBytes(N));
  const xor: Corpus = {
    buf: xorBuf,
    off: new Uint32Array(CHUNKS),
    len: new Uint32Array(CHUNKS),
    mint: new Float64Array(CHUNKS),
  };
  const dec: Corpus = {
    buf: decBuf,
    off: new Uint32Array(CHUNKS),
    len: new Uint32Array(CHUNKS),
    mint: new Float64Array(CHUNKS),
  };
  const t = new Float64Array(N);
  const v = new Float64Array(N);
  const v32 = new Uint32Array(v.buffer);
  const w = new XorWriter();
  let xo = 0;
  let dof = 0;
  for (let c = 0; c < CHUNKS; c++) {
    for (let i = 0; i < N; i++) {
      t[i] = T0 + c * 7_200_000 + i * 60_000 + (jitter ? Math.round(r() * 6) : 0);
      v[i] = shape(r, i, i > 0 ? (v[i - 1] as number) : 0);
    }
    w.reset(xorBuf, xo);
    for (let i = 0; i < N; i++) w.append(t[i] as number, v32[2 * i + 1] as number, v32[2 * i] as number);
    xor.off[c] = xo;
    xor.len[c] = w.byteLength;
    xor.mint[c] = t[0] as number;
    xo += w.byteLength;
    const n = encodeDecimal(t, v, N, decBuf, dof);
    if (n < 0) throw new Error('not decimal');
    dec.off[c] = dof;
    dec.len[c] = n;
    dec.mint[c] = t[0] as number;
    dof += n;
  }
  return {
    xor: { ...xor, buf: xorBuf.subarray(0, xo + 16) },
    dec: { ...dec, buf: decBuf.subarray(0, dof + 16) },
  };
}

const outT = new Float64Array(N);
const outV = new Float64Array(N);
const outV32 = new Int32Array(outV.buffer);

function timeXor(c: Corpus): number {
  const u = process.cpuUsage();
  for (let k = 0; k < CHUNKS; k++)
    decodeXor(c.buf, c.off[k] as number, c.len[k] as number, c.mint[k] as number, N, outT, outV32, 0);
  const d = process.cpuUsage(u);
  return ((d.user + d.system) * 1000) / (CHUNKS * N);
}

function timeDec(c: Corpus): number {
  const u = process.cpuUsage();
  for (let k = 0; k < CHUNKS; k++)
    decodeDecimal(c.buf, c.off[k] as number, c.len[k] as number, c.mint[k] as number, N, outT, outV, 0);
  const d = process.cpuUsage(u);
  return ((d.user + d.system) * 1000) / (CHUNKS * N);
}

function bytes(c: Corpus): [number, number] {
  const raw = c.buf.subarray(0, c.buf.length - 16);
  let z = 0;
  for (let at = 0; at < raw.length; at += 65536)
    z += deflateRawSync(raw.subarray(at, at + 65536), { level: 6 }).length;
  return [raw.length / (CHUNKS * N), z / (CHUNKS * N)];
}

console.log(`${CHUNKS} chunks × ${N} samples per shape, ${RUNS} runs, CPU ns per sample (median)`);
console.log(
  '| shape | timestamps | XOR ns | decimal ns | XOR B/sample raw → deflated | decimal B/sample raw → deflated |',
);
console.log('|---|---|---:|---:|---:|---:|');
let seed = 1;
for (const [name, shape] of Object.entries(SHAPES)) {
  for (const jitter of [false, true]) {
    const { xor, dec } = build(shape, jitter, seed++);
    const tx: number[] = [];
    const td: number[] = [];
    // Interleaved, after a warm-up round, so both see the same machine load.
    timeXor(xor);
    timeDec(dec);
    for (let r = 0; r < RUNS; r++) {
      tx.push(timeXor(xor));
      td.push(timeDec(dec));
    }
    const [xr, xz] = bytes(xor);
    const [dr, dz] = bytes(dec);
    console.log(
      `| ${name} | ${jitter ? 'jitter' : 'regular'} | ${median(tx).toFixed(2)} | ${median(td).toFixed(2)} | ${xr.toFixed(2)} → ${xz.toFixed(2)} | ${dr.toFixed(2)} → ${dz.toFixed(2)} |`,
    );
  }
}
