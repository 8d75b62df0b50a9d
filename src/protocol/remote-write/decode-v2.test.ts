import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { ProtoReader, ProtoWriter } from '../../codec/index.ts';
import { BadDataError, MetricType, SampleBatch, SampleFlag } from '../../model/index.ts';
import { WriteV2Decoder, familyName } from './decode-v2.ts';
import { encodeWriteRequestV2, type WriteV2Series } from './encode.ts';

const batch = new SampleBatch();
const decoder = new WriteV2Decoder();
const decode = (bytes: Uint8Array): SampleBatch => {
  decoder.decode(new ProtoReader().reset(bytes), batch);
  return batch;
};

type Decoded = {
  labels: Record<string, string>;
  samples: Array<[t: number, v: number | 'stale', st: number]>;
};

/** The batch's float series as plain values (series without samples left out). */
function floats(b: SampleBatch): Decoded[] {
  const out: Decoded[] = [];
  for (let s = 0; s < b.seriesCount; s++)
    out.push({ labels: Object.fromEntries(b.seriesLabelPairs(s)), samples: [] });
  for (let i = 0; i < b.sampleCount; i++) {
    const stale = ((b.flags[i] as number) & SampleFlag.Stale) !== 0;
    out[b.sampleSeries[i] as number]?.samples.push([
      b.timestamps[i] as number,
      stale ? 'stale' : (b.values[i] as number),
      b.startTimestamps[i] as number,
    ]);
  }
  return out.filter((s) => s.samples.length > 0);
}

/** Checks the batch's internal consistency: what storage relies on, whatever the input was. */
function assertConsistent(b: SampleBatch, body: Uint8Array): void {
  for (let l = 0; l < b.labelCount * 4; l++) assert.ok((b.labels[l] as number) <= body.length);
  for (let i = 0; i < b.sampleCount; i++) assert.ok((b.sampleSeries[i] as number) < b.seriesCount);
  for (const h of b.histograms) assert.ok(h.series < b.seriesCount);
  for (const e of b.exemplars) assert.ok(e.series < b.seriesCount);
  assert.equal(b.labelEnd[b.seriesCount - 1] ?? 0, b.seriesCount === 0 ? 0 : b.labelCount);
}

const T = 1_700_000_000_000;

describe('remote write 2.0 decoder', () => {
  it('decodes symbols, labels, samples, stale markers and both start timestamp revisions', () => {
    const body = encodeWriteRequestV2([
      {
        labels: { __name__: 'http_requests_total', job: 'api', code: '200' },
        samples: [
          [T, 1, T - 60_000], // rc.4 per-sample start timestamp
          [T + 15_000, 2],
        ],
        createdTimestamp: T - 120_000, // rc.3: fills samples without their own
      },
      { labels: { __name__: 'up', job: 'api' }, samples: [[T, 'stale']] },
      { labels: { __name__: 'up', job: 'db' }, samples: [[T, NaN]] },
    ]);
    const b = decode(body);
    assert.equal(b.source, body, 'labels point into the request');
    const got = floats(b);
    assert.deepEqual(got[0], {
      labels: { __name__: 'http_requests_total', code: '200', job: 'api' },
      samples: [
        [T, 1, T - 60_000],
        [T + 15_000, 2, T - 120_000],
      ],
    });
    assert.deepEqual(got[1]?.samples, [[T, 'stale', NaN]]);
    assert.ok(Number.isNaN(got[2]?.samples[0]?.[1]), 'a plain NaN is a value, not a marker');
    assert.equal(b.flags[b.sampleCount - 1], 0);
    assert.equal(decoder.invalidSeries, 0);
    assert.equal(decoder.describeProblems(), '');
  });

  it('labels are byte offsets of the interned symbols: equal strings, equal offsets', () => {
    const b = decode(
      encodeWriteRequestV2([
        { labels: { __name__: 'up', job: 'api' }, samples: [[T, 1]] },
        { labels: { __name__: 'up', job: 'db' }, samples: [[T, 1]] },
      ]),
    );
    // Series 0 label 0 and series 1 label 0 are both __name__="up": the same symbol bytes.
    const first = [...b.labels.subarray(0, 4)];
    const second = [...b.labels.subarray(b.labelStart(1) * 4, b.labelStart(1) * 4 + 4)];
    assert.deepEqual(first, second);
    assert.equal(new TextDecoder().decode(b.source.subarray(first[0], first[1])), '__name__');
  });

  it('reads symbols placed after the series, and unpacked or split labels_refs', () => {
    const w = new ProtoWriter();
    w.message(5, (ts) => {
      ts.varint(1, 1).varint(1, 2); // unpacked: __name__="up"
      ts.packedVarints(1, [3, 4]); // then packed: job="x"
      ts.message(2, (s) => s.double(1, 7).varint(2, T));
    });
    for (const s of ['', '__name__', 'up', 'job', 'x']) w.string(4, s);
    w.varint(1, 42).string(3, 'reserved fields are skipped');
    const b = decode(w.finish());
    assert.deepEqual(floats(b), [{ labels: { __name__: 'up', job: 'x' }, samples: [[T, 7, NaN]] }]);
  });

  it('decodes native histograms (integer, float, NHCB, stale) with their start timestamps', () => {
    const b = decode(
      encodeWriteRequestV2([
        {
          labels: { __name__: 'rpc_seconds' },
          histograms: [
            {
              t: T,
              count: 5,
              sum: 2.5,
              schema: 0,
              zeroThreshold: 0.001,
              zeroCount: 1,
              positiveSpans: [[-1, 2]],
              positiveDeltas: [1, 2],
              startTimestamp: T - 1000,
            },
            { t: T + 1000, count: 0, sum: 'stale', schema: 0 },
          ],
          createdTimestamp: T - 5000,
        },
        {
          labels: { __name__: 'nhcb_seconds' },
          histograms: [
            {
              t: T,
              count: 3.5,
              sum: 1,
              schema: -53,
              float: true,
              positiveSpans: [[0, 2]],
              positiveCounts: [1.5, 2],
              customValues: [0.1, 1],
            },
          ],
        },
      ]),
    );
    assert.equal(b.sampleCount, 0);
    const [h0, stale, nhcb] = b.histograms;
    assert.deepEqual(h0?.h?.positiveBuckets, [1, 3]);
    assert.deepEqual(h0?.h?.positiveSpans, [{ offset: -1, length: 2 }]);
    assert.equal(h0?.h?.zeroCount, 1);
    assert.equal(h0?.startTimestamp, T - 1000, 'rc.4 per-histogram start timestamp wins');
    assert.equal(stale?.h, null);
    assert.equal(stale?.startTimestamp, T - 5000, 'rc.3 created_timestamp fills the rest');
    assert.deepEqual(nhcb?.h?.customValues, [0.1, 1]);
    assert.deepEqual(nhcb?.h?.positiveBuckets, [1.5, 2]);
    assert.ok(Number.isNaN(nhcb?.startTimestamp));
    assert.equal(nhcb?.series, 1);
  });

  it('decodes exemplars and per-series metadata, one metadata entry per metric family', () => {
    const b = decode(
      encodeWriteRequestV2([
        {
          labels: { __name__: 'req_seconds_bucket', le: '0.5' },
          samples: [[T, 3]],
          exemplars: [{ labels: { trace_id: 'abc' }, value: 0.2, t: T - 1 }],
          metadata: { type: MetricType.Histogram, help: 'Request latency.', unit: 'seconds' },
        },
        {
          labels: { __name__: 'req_seconds_bucket', le: '+Inf' },
          samples: [[T, 4]],
          metadata: { type: MetricType.Histogram, help: 'Request latency.', unit: 'seconds' },
        },
        {
          labels: { __name__: 'req_seconds_count' },
          samples: [[T, 4]],
          metadata: { type: MetricType.Histogram, help: 'Request latency.', unit: 'seconds' },
        },
        { labels: { __name__: 'temp' }, samples: [[T, 20]], metadata: { type: MetricType.Gauge } },
        { labels: { __name__: 'no_meta' }, samples: [[T, 1]], metadata: { type: 0 } },
      ]),
    );
    assert.deepEqual(
      b.exemplars.map((e) => [e.series, e.labels.toString(), e.v, e.t]),
      [[0, '{trace_id="abc"}', 0.2, T - 1]],
    );
    assert.deepEqual(b.metadata, [
      { family: 'req_seconds', type: MetricType.Histogram, help: 'Request latency.', unit: 'seconds' },
      { family: 'req_seconds', type: MetricType.Histogram, help: 'Request latency.', unit: 'seconds' },
      { family: 'temp', type: MetricType.Gauge, help: '', unit: '' },
    ]);
    assert.equal(familyName('rpc_sum', MetricType.Summary), 'rpc');
    assert.equal(familyName('x_total', MetricType.Counter), 'x_total');
    assert.equal(familyName('_bucket', MetricType.Histogram), '_bucket');
  });

  it('leaves invalid series out with all they carry, keeps the rest, and says why', () => {
    const w = new ProtoWriter();
    for (const s of ['', '__name__', 'up', 'job', 'a']) w.string(4, s);
    const series = (build: (ts: ProtoWriter) => void): void => void w.message(5, build);
    const sample = (ts: ProtoWriter, v: number): void =>
      void ts.message(2, (s) => s.double(1, v).varint(2, T));
    series((ts) => {
      ts.packedVarints(1, [1, 2, 3, 4]);
      sample(ts, 1);
    });
    series((ts) => {
      ts.packedVarints(1, [1, 2, 3]); // odd
      sample(ts, 2);
      ts.message(4, (e) => e.double(2, 1).varint(3, T));
    });
    series((ts) => {
      ts.packedVarints(1, [1, 2, 3, 99]); // past the symbols
      sample(ts, 3);
    });
    series((ts) => ts.packedVarints(1, [1, 2, 3, 4])); // nothing to write
    series((ts) => {
      ts.packedVarints(1, [1, 2, 3, 4]); // both kinds
      sample(ts, 4);
      ts.message(3, (h) => h.varint(1, 0).double(3, 0).varint(15, T));
    });
    series((ts) => {
      ts.packedVarints(1, [1, 2, 3, 4]);
      ts.message(3, (h) =>
        h
          .varint(1, 1)
          .message(11, (s) => s.sint(1, 0).varint(2, 3))
          .packedSints(12, [1]),
      ); // spans ≠ buckets
      ts.message(3, (h) => h.varint(1, 0).double(3, 0).varint(15, T)); // valid
      ts.message(4, (e) => e.packedVarints(1, [3]).double(2, 1).varint(3, T)); // odd exemplar refs
    });
    series((ts) => {
      ts.packedVarints(1, [1, 2]);
      sample(ts, 5);
    });
    const b = decode(w.finish());
    assertConsistent(b, b.source);
    assert.deepEqual(
      floats(b).map((s) => [s.labels, s.samples.map((x) => x[1])]),
      [
        [{ __name__: 'up', job: 'a' }, [1]],
        [{ __name__: 'up' }, [5]],
      ],
    );
    assert.equal(b.seriesCount, 3, 'two float series and the histogram series');
    assert.equal(b.histograms.length, 1);
    assert.equal(b.histograms[0]?.series, 1);
    assert.equal(b.exemplars.length, 0);
    assert.equal(decoder.invalidSeries, 4);
    assert.equal(decoder.droppedSamples, 3);
    assert.equal(decoder.droppedHistograms, 2);
    assert.equal(decoder.droppedExemplars, 2);
    assert.equal(decoder.problemCount, 5);
    const message = decoder.describeProblems();
    assert.match(message, /^remote write 2\.0: 4 invalid series and 3 samples, 2 histograms and 2 exemplars/);
    assert.match(message, /timeseries\[1\]: labels_refs has an odd number of entries \(3\)/);
    assert.match(message, /timeseries\[2\]: labels_refs refers to symbol 99, but the request has 5 symbols/);
    assert.match(message, /series up\{job="a"\}: a TimeSeries must contain at least one sample/);
    assert.match(message, /carries samples or histograms, not both/);
    assert.match(message, /native histogram: positive spans and bucket counts disagree/);
  });

  it('a v1 body read as v2 is an empty request (v2 reserves v1 field numbers)', () => {
    const v1 = new ProtoWriter()
      .message(1, (ts) => ts.message(1, (l) => l.string(1, '__name__').string(2, 'up')))
      .finish();
    const b = decode(v1);
    assert.equal(b.seriesCount, 0);
    assert.equal(decoder.problemCount, 0);
  });

  it('round-trips what a sender encodes (property)', () => {
    const name = fc.constantFrom('__name__', 'job', 'instance', 'le', 'ünï', 'a_b');
    const value = fc.string({ maxLength: 6 });
    const series = fc.record({
      labels: fc.dictionary(name, value, { minKeys: 1, maxKeys: 5 }),
      samples: fc.array(
        fc.tuple(
          fc.integer({ min: -(2 ** 40), max: 2 ** 45 }),
          fc.oneof(fc.double(), fc.constant<'stale'>('stale')),
          fc.option(fc.integer({ min: 1, max: 2 ** 45 }), { nil: undefined }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(fc.array(series, { maxLength: 6 }), (list) => {
        const input: WriteV2Series[] = list.map((s) => ({
          labels: s.labels,
          samples: s.samples.map(([t, v, st]) =>
            st === undefined ? ([t, v] as const) : ([t, v, st] as const),
          ),
        }));
        const b = decode(encodeWriteRequestV2(input));
        assert.equal(decoder.invalidSeries, 0);
        const sorted = (r: Record<string, string>): Record<string, string> =>
          Object.fromEntries(Object.entries(r).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)));
        assert.deepEqual(
          floats(b).map((s) => ({ labels: sorted(s.labels), samples: s.samples })),
          list.map((s) => ({
            labels: sorted(s.labels),
            samples: s.samples.map(([t, v, st]) => [t, v, st ?? NaN]),
          })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('reuses its buffers once they are large enough', () => {
    const big = encodeWriteRequestV2(
      Array.from({ length: 1000 }, (_, i) => ({
        labels: { __name__: 'm', i: String(i) },
        samples: [[T, i] as const],
      })),
    );
    decode(big);
    const values = batch.values;
    const labels = batch.labels;
    decode(big);
    assert.equal(batch.values, values);
    assert.equal(batch.labels, labels);
    assert.equal(batch.seriesCount, 1000);
  });

  it('a body cut at any byte offset is a BadDataError or a shorter valid request, never a crash', () => {
    const bytes = encodeWriteRequestV2([
      {
        labels: { __name__: 'up', job: 'x' },
        samples: [[T, 1, T - 1]],
        exemplars: [{ labels: { trace_id: 't' }, value: 1, t: T }],
        metadata: { type: MetricType.Gauge, help: 'Up.', unit: '' },
        createdTimestamp: T - 10,
      },
      {
        labels: { __name__: 'h' },
        histograms: [
          {
            t: T,
            count: 3,
            sum: 1,
            schema: 1,
            positiveSpans: [[0, 2]],
            positiveDeltas: [1, 1],
            startTimestamp: 5,
          },
        ],
      },
      { labels: { __name__: 'up', job: 'y' }, samples: [[-5, 'stale']] },
    ]);
    // A cut exactly between two top-level fields is a valid, shorter message; any other cut is not.
    const boundaries = new Set<number>();
    const top = new ProtoReader().reset(bytes);
    while (top.next()) {
      top.skip();
      boundaries.add(top.pos);
    }
    for (let cut = 0; cut < bytes.length; cut++) {
      const part = bytes.subarray(0, cut);
      if (cut === 0 || boundaries.has(cut)) {
        assert.doesNotThrow(() => decode(part), `cut at ${cut}`);
        assertConsistent(batch, part);
      } else {
        assert.throws(() => decode(part), BadDataError, `cut at ${cut}`);
      }
    }
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [0x01, 0x07, 0x80, 0xff]) {
        const bad = bytes.slice();
        bad[i] = (bad[i] as number) ^ flip;
        try {
          decode(bad);
          assertConsistent(batch, bad);
        } catch (err) {
          assert.ok(err instanceof BadDataError, `byte ${i} ^ ${flip}: ${String(err)}`);
        }
      }
    }
  });

  it('rejects a field with the wrong wire type', () => {
    const bytes = new ProtoWriter().varint(4, 1).finish();
    assert.throws(() => decode(bytes), { name: 'BadDataError', message: /field 4 has wire type 0/ });
    const sample = new ProtoWriter().message(5, (ts) => ts.message(2, (s) => s.varint(1, 5))).finish();
    assert.throws(() => decode(sample), { name: 'BadDataError', message: /field 1 has wire type 0/ });
  });
});
