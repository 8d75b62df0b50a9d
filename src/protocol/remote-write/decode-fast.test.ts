import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { ProtoReader, ProtoWriter, WireType } from '../../codec/index.ts';
import { BadDataError, SampleBatch, SampleFlag, isStaleBytes, writeStaleBytes } from '../../model/index.ts';
import { decodeWriteRequest } from './decode.ts';

/**
 * decodeWriteRequest reads the common shapes of Label and Sample straight from the bytes (the
 * short-label and short-sample fast paths). These properties hold it to a plain field-by-field
 * decoder of labels and samples written here from the protobuf definitions alone: same offsets,
 * same value bits, same flags, same errors, on well-formed requests of every shape and on
 * corrupted ones.
 */

interface Decoded {
  labels: number[][];
  samples: Array<[series: number, t: number, hi: number, lo: number, flags: number]>;
}

/** Thrown by the reference for requests with metadata, exemplars or native histograms. */
class NotCompared extends Error {}

/** The reference: every field through the generic reader calls. Floats and labels only. */
function reference(bytes: Uint8Array): Decoded {
  const r = new ProtoReader().reset(bytes);
  const out: Decoded = { labels: [], samples: [] };
  const bits = new DataView(new ArrayBuffer(8));
  while (r.next()) {
    if (r.field === 3) throw new NotCompared(); // metadata
    if (r.field !== 1) {
      r.skip();
      continue;
    }
    const outerTs = r.enter();
    const series = out.labels.length;
    const labels: number[] = [];
    while (r.next()) {
      if (r.field === 1) {
        const outer = r.enter();
        let ns = 0;
        let ne = 0;
        let vs = 0;
        let ve = 0;
        while (r.next()) {
          if (r.field === 1) {
            r.bytes();
            ns = r.start;
            ne = r.end;
          } else if (r.field === 2) {
            r.bytes();
            vs = r.start;
            ve = r.end;
          } else r.skip();
        }
        r.exit(outer);
        labels.push(ns, ne, vs, ve);
      } else if (r.field === 2) {
        const outer = r.enter();
        let v = 0;
        let t = 0;
        let flags = 0;
        while (r.next()) {
          if (r.field === 1) {
            flags =
              r.wireType === WireType.Fixed64 && r.pos + 8 <= r.limit && isStaleBytes(r.buf, r.pos)
                ? SampleFlag.Stale
                : 0;
            v = r.double();
          } else if (r.field === 2) t = r.int64();
          else r.skip();
        }
        r.exit(outer);
        bits.setFloat64(0, v, true);
        out.samples.push([series, t, bits.getUint32(4, true), bits.getUint32(0, true), flags]);
      } else if (r.field === 3 || r.field === 4) {
        throw new NotCompared(); // exemplars and histograms: decoded by code the fast paths leave alone
      } else r.skip();
    }
    r.exit(outerTs);
    out.labels.push(labels);
  }
  return out;
}

const reader = new ProtoReader();
const batch = new SampleBatch();

function actual(bytes: Uint8Array): Decoded {
  decodeWriteRequest(reader.reset(bytes), batch);
  const out: Decoded = { labels: [], samples: [] };
  for (let s = 0; s < batch.seriesCount; s++) {
    const end = batch.labelEnd[s] as number;
    out.labels.push(Array.from(batch.labels.subarray(batch.labelStart(s) * 4, end * 4)));
  }
  const vbits = new Uint32Array(batch.values.buffer, 0, batch.sampleCount * 2);
  for (let i = 0; i < batch.sampleCount; i++) {
    out.samples.push([
      batch.sampleSeries[i] as number,
      batch.timestamps[i] as number,
      vbits[2 * i + 1] as number,
      vbits[2 * i] as number,
      batch.flags[i] as number,
    ]);
  }
  return out;
}

/** Both decoders agree: the same result, or both throw BadDataError. */
function agree(bytes: Uint8Array): void {
  let want: Decoded | Error;
  let got: Decoded | Error;
  try {
    want = reference(bytes);
  } catch (err) {
    if (err instanceof NotCompared) return;
    want = err as Error;
  }
  try {
    got = actual(bytes);
  } catch (err) {
    got = err as Error;
  }
  if (want instanceof Error || got instanceof Error) {
    assert.ok(want instanceof BadDataError, `reference threw ${String(want)}`);
    assert.ok(got instanceof BadDataError, `decoder gave ${got instanceof Error ? String(got) : 'a result'}`);
    return;
  }
  assert.deepEqual(got, want);
}

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ minLength: 100, maxLength: 200 }), // lengths of two varint bytes
  fc.constantFrom('', '__name__', 'job', 'le', '+Inf'),
);

/** One field of a Label message: the usual ones, unknown ones, and repeats. */
const labelField = fc.oneof(
  { weight: 4, arbitrary: fc.record({ f: fc.constant(1), s: text }) },
  { weight: 4, arbitrary: fc.record({ f: fc.constant(2), s: text }) },
  { weight: 1, arbitrary: fc.record({ f: fc.constantFrom(3, 15, 16), s: text }) },
);
const canonicalLabel = fc.tuple(text, text).map(([n, v]) => [
  { f: 1, s: n },
  { f: 2, s: v },
]);
const label = fc.oneof(
  { weight: 3, arbitrary: canonicalLabel },
  { weight: 1, arbitrary: fc.array(labelField, { maxLength: 4 }) },
);

const staleBytes = new Uint8Array(8);
writeStaleBytes(staleBytes, 0);
const valueBytes = fc.oneof(
  fc.double().map((d) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, d, true);
    return b;
  }),
  fc.uint8Array({ minLength: 8, maxLength: 8 }), // any bits: NaN payloads included
  fc.constant(staleBytes),
);
const timestamp = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 49 - 1 }),
  fc.constantFrom(0, 1, 127, 128, 2 ** 49 - 1, 2 ** 49, -1, -(2 ** 40), Number.MAX_SAFE_INTEGER),
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
);
/** A Sample: value then timestamp as senders write it, or another order, repeats, extra fields. */
type SampleField = { f: 1; v: Uint8Array } | { f: 2; t: number } | { f: 9; t: number };
const sampleField: fc.Arbitrary<SampleField> = fc.oneof(
  valueBytes.map((v) => ({ f: 1 as const, v })),
  timestamp.map((t) => ({ f: 2 as const, t })),
  fc.nat().map((t) => ({ f: 9 as const, t })),
);
const sample = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(valueBytes, timestamp).map(([v, t]): SampleField[] => [
      { f: 1, v },
      { f: 2, t },
    ]),
  },
  // Value 0 left out, as proto3 senders (Prometheus) write it.
  { weight: 1, arbitrary: timestamp.map((t): SampleField[] => [{ f: 2, t }]) },
  { weight: 1, arbitrary: fc.array(sampleField, { maxLength: 4 }) },
);
const series = fc.record({
  labels: fc.array(label, { maxLength: 6 }),
  samples: fc.array(sample, { maxLength: 3 }),
  samplesFirst: fc.boolean(),
});

interface TestSeries {
  labels: Array<Array<{ f: number; s: string }>>;
  samples: SampleField[][];
  samplesFirst: boolean;
}

function encode(list: readonly TestSeries[]): Uint8Array {
  const w = new ProtoWriter();
  for (const s of list) {
    w.message(1, (ts) => {
      const labels = (): void => {
        for (const l of s.labels) ts.message(1, (m) => l.forEach((x) => m.string(x.f, x.s)));
      };
      const samples = (): void => {
        for (const smp of s.samples) {
          ts.message(2, (m) => {
            for (const x of smp) {
              if (x.f === 1) m.fixed64Bytes(1, x.v);
              else m.varint(x.f, x.t < 0 ? BigInt.asUintN(64, BigInt(x.t)) : x.t);
            }
          });
        }
      };
      if (s.samplesFirst) {
        samples();
        labels();
      } else {
        labels();
        samples();
      }
    });
  }
  return w.finish();
}

describe('decodeWriteRequest fast paths', () => {
  it('decode every well-formed request like the field-by-field reference', () => {
    fc.assert(
      fc.property(fc.array(series, { maxLength: 8 }), (list) => agree(encode(list))),
      { numRuns: 2000 },
    );
  });

  it('agree with the reference on truncated and corrupted requests', () => {
    fc.assert(
      fc.property(
        fc.array(series, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        (list, flips, cut) => {
          const bytes = encode(list).slice();
          for (const [at, x] of flips) {
            const i = at % Math.max(1, bytes.length);
            if (i < bytes.length) bytes[i] = (bytes[i] as number) ^ x;
          }
          agree(bytes);
          agree(bytes.subarray(0, cut % (bytes.length + 1)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('read a sample without its value field (0, left out by proto3 senders) as 0', () => {
    const bytes = new ProtoWriter()
      .message(1, (ts) =>
        ts
          .message(1, (l) => l.string(1, '__name__').string(2, 'up'))
          .message(2, (s) => s.varint(2, 1_700_000_000_000)),
      )
      .finish();
    const got = actual(bytes);
    assert.deepEqual(got.samples, [[0, 1_700_000_000_000, 0, 0, 0]]);
    assert.deepEqual(got, reference(bytes));
  });

  it('keep stale markers and NaN payloads bit for bit', () => {
    const nan = new Uint8Array([0x01, 0, 0, 0, 0, 0, 0xf8, 0x7f]);
    const bytes = new ProtoWriter()
      .message(1, (ts) =>
        ts
          .message(1, (l) => l.string(1, '__name__').string(2, 'up'))
          .message(2, (s) => s.fixed64Bytes(1, staleBytes).varint(2, 1_700_000_000_000))
          .message(2, (s) => s.fixed64Bytes(1, nan).varint(2, 1_700_000_000_001)),
      )
      .finish();
    const got = actual(bytes);
    assert.deepEqual(got.samples, [
      [0, 1_700_000_000_000, 0x7ff00000, 0x00000002, SampleFlag.Stale],
      [0, 1_700_000_000_001, 0x7ff80000, 0x00000001, 0],
    ]);
    assert.deepEqual(got, reference(bytes));
  });
});
