import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ProtoReader, ProtoWriter, crc32c } from '../../codec/index.ts';
import { BadDataError, Labels } from '../../model/index.ts';
import { decodeReadRequest, ReadResponseType } from './decode.ts';
import { decodeChunkedFrames, decodeReadResponse, decodeXorChunks } from './decode-response.ts';
import { ChunkedSeriesFramer, ReadResponseEncoder, frame } from './encode.ts';

/** A ReadRequest as Prometheus's remote-read client builds it. */
function readRequest(): Uint8Array {
  const w = new ProtoWriter();
  w.message(1, (q) => {
    q.varint(1, 1_700_000_000_000).varint(2, 1_700_000_360_000);
    q.message(3, (m) => m.varint(1, 0).string(2, '__name__').string(3, 'up'));
    q.message(3, (m) => m.varint(1, 2).string(2, 'job').string(3, 'api|web'));
    q.message(3, (m) => m.varint(1, 3).string(2, 'env').string(3, 'dev.*'));
    q.message(3, (m) => m.varint(1, 1).string(2, 'zone').string(3, 'x'));
    q.message(4, (h) =>
      h
        .varint(1, 15000)
        .string(2, 'rate')
        .varint(3, 1)
        .varint(4, 2)
        .string(5, 'job')
        .bool(6, true)
        .varint(7, 300000),
    );
  });
  w.packedVarints(2, [ReadResponseType.StreamedXorChunks, ReadResponseType.Samples]);
  return w.finish();
}

describe('decodeReadRequest', () => {
  it('reads queries, matchers, hints and accepted response types', () => {
    const req = decodeReadRequest(new ProtoReader().reset(readRequest()));
    assert.deepEqual(req.acceptedResponseTypes, [1, 0]);
    assert.equal(req.queries.length, 1);
    const q = req.queries[0]!;
    assert.equal(q.startMs, 1_700_000_000_000);
    assert.equal(q.endMs, 1_700_000_360_000);
    assert.deepEqual(
      q.matchers.map((m) => m.toString()),
      ['__name__="up"', 'job=~"api|web"', 'env!~"dev.*"', 'zone!="x"'],
    );
    assert.ok(q.matchers[1]!.matches('web') && !q.matchers[1]!.matches('webx'), 'regexes are anchored');
    assert.deepEqual(q.hints, {
      stepMs: 15000,
      func: 'rate',
      startMs: 1,
      endMs: 2,
      grouping: ['job'],
      by: true,
      rangeMs: 300000,
    });
  });

  it('refuses unknown matcher types and bad regexes as bad data', () => {
    const bad = (type: number, value: string): Uint8Array =>
      new ProtoWriter()
        .message(1, (q) => q.message(3, (m) => m.varint(1, type).string(2, 'a').string(3, value)))
        .finish();
    assert.throws(() => decodeReadRequest(new ProtoReader().reset(bad(7, 'x'))), BadDataError);
    assert.throws(() => decodeReadRequest(new ProtoReader().reset(bad(2, '(unclosed'))), BadDataError);
  });

  it('fails cleanly, never with a crash, on every truncation', () => {
    const bytes = readRequest();
    for (let cut = 1; cut < bytes.length; cut++) {
      try {
        decodeReadRequest(new ProtoReader().reset(bytes.subarray(0, cut)));
      } catch (err) {
        assert.ok(err instanceof BadDataError, `cut at ${cut}: ${String(err)}`);
      }
    }
  });
});

describe('ReadResponseEncoder', () => {
  it('encodes results per query with floats, stale markers and histograms', () => {
    const enc = new ReadResponseEncoder();
    enc.beginResult();
    enc.beginSeries(Labels.fromObject({ __name__: 'up', job: 'api' }));
    enc.float(1000, 1);
    enc.stale(2000);
    enc.float(3000, -0.5);
    enc.endSeries();
    enc.beginSeries(Labels.fromObject({ __name__: 'h' }));
    enc.histogram(4000, {
      counterResetHint: 0,
      schema: 1,
      zeroThreshold: 1e-128,
      zeroCount: 1,
      count: 5,
      sum: 12.5,
      positiveSpans: [{ offset: 0, length: 2 }],
      positiveBuckets: [2, 2],
      negativeSpans: [],
      negativeBuckets: [],
      customValues: [],
    });
    enc.endSeries();
    enc.endResult();
    enc.beginResult();
    enc.endResult();
    const results = decodeReadResponse(enc.finish());
    assert.equal(results.length, 2);
    assert.deepEqual(results[1], []);
    const [up, h] = results[0]!;
    assert.deepEqual(up!.labels, { __name__: 'up', job: 'api' });
    assert.deepEqual(
      up!.samples.map((s) => [s.t, s.stale ? 'stale' : s.v]),
      [
        [1000, 1],
        [2000, 'stale'],
        [3000, -0.5],
      ],
    );
    assert.deepEqual(h!.histograms, [{ t: 4000, count: 5, sum: 12.5 }]);
  });
});

describe('remote-read frames', () => {
  it('frames a message with its uvarint length and big-endian CRC-32C', () => {
    const msg = new Uint8Array(300).fill(7);
    const f = frame(msg);
    assert.deepEqual([...f.subarray(0, 2)], [0xac, 0x02]); // 300 as uvarint
    assert.equal(new DataView(f.buffer).getUint32(2, false), crc32c(msg));
    assert.deepEqual(f.subarray(6), msg);
  });

  it('streams a series as XOR chunks of at most 120 samples, in frames, losing nothing', () => {
    const framer = new ChunkedSeriesFramer(2048);
    const labels = Labels.fromObject({ __name__: 'x', i: '1' });
    const body: Uint8Array[] = [];
    framer.begin(3, labels);
    const expected: Array<[number, number | 'stale']> = [];
    for (let i = 0; i < 1000; i++) {
      const t = 1_700_000_000_000 + i * 15_000;
      const f = i % 97 === 5 ? framer.addStale(t) : framer.addFloat(t, i * 1.25);
      expected.push([t, i % 97 === 5 ? 'stale' : i * 1.25]);
      if (f) body.push(f);
    }
    const last = framer.end();
    assert.ok(last);
    body.push(last);
    assert.ok(body.length > 1, 'a small frame limit splits the series over several frames');
    const frames = decodeChunkedFrames(Buffer.concat(body));
    const chunks = frames.flatMap((f) => {
      assert.equal(f.queryIndex, 3);
      assert.equal(f.series.length, 1, 'one series per frame');
      assert.deepEqual(f.series[0]!.labels, { __name__: 'x', i: '1' });
      return f.series[0]!.chunks;
    });
    assert.equal(chunks.length, Math.ceil(1000 / 120));
    for (const c of chunks) {
      assert.equal(c.type, 1);
      const samples = decodeXorChunks([c]);
      assert.ok(samples.length <= 120);
      assert.equal(c.minTimeMs, samples[0]!.t);
      assert.equal(c.maxTimeMs, samples.at(-1)!.t);
    }
    assert.deepEqual(
      decodeXorChunks(chunks).map((s) => [s.t, s.stale ? 'stale' : s.v]),
      expected,
    );
  });

  it('sends nothing for a series without samples, and detects corrupt frames', () => {
    const framer = new ChunkedSeriesFramer();
    framer.begin(0, Labels.fromObject({ a: 'b' }));
    assert.equal(framer.end(), null);
    framer.begin(0, Labels.fromObject({ a: 'b' }));
    framer.addFloat(1, 1);
    const f = framer.end()!;
    f[f.length - 1] = (f[f.length - 1] as number) ^ 1;
    assert.throws(() => decodeChunkedFrames(f), /CRC-32C mismatch/);
  });
});
