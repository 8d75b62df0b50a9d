import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ProtoReader, ProtoWriter } from '../../codec/index.ts';
import { BadDataError, SampleBatch, SampleFlag, writeStaleBytes } from '../../model/index.ts';
import { decodeWriteRequest, seriesText } from './decode.ts';

type Series = {
  labels: Record<string, string>;
  samples: Array<[timestamp: number, value: number | 'stale']>;
};

const STALE = new Uint8Array(8);
writeStaleBytes(STALE, 0);

/** Builds a WriteRequest the way a real sender would. */
function writeRequest(series: Series[], extra?: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  for (const s of series) {
    w.message(1, (ts) => {
      for (const [name, value] of Object.entries(s.labels)) {
        ts.message(1, (l) => l.string(1, name).string(2, value));
      }
      for (const [timestamp, value] of s.samples) {
        ts.message(2, (smp) => {
          if (value === 'stale') smp.fixed64Bytes(1, STALE);
          else smp.double(1, value);
          smp.varint(2, timestamp);
        });
      }
    });
  }
  extra?.(w);
  return w.finish();
}

function toSeries(batch: SampleBatch): Series[] {
  const out: Series[] = [];
  for (let s = 0; s < batch.seriesCount; s++) {
    out.push({ labels: Object.fromEntries(batch.seriesLabelPairs(s)), samples: [] });
  }
  for (let i = 0; i < batch.sampleCount; i++) {
    const series = out[batch.sampleSeries[i] ?? -1];
    assert.ok(series, `sample ${i} points at a missing series`);
    const stale = ((batch.flags[i] ?? 0) & SampleFlag.Stale) !== 0;
    series.samples.push([batch.timestamps[i] ?? NaN, stale ? 'stale' : (batch.values[i] ?? NaN)]);
  }
  return out;
}

describe('decodeWriteRequest', () => {
  const reader = new ProtoReader();
  const batch = new SampleBatch();
  const decode = (bytes: Uint8Array): Series[] => {
    decodeWriteRequest(reader.reset(bytes), batch);
    return toSeries(batch);
  };

  it('decodes labels and samples', () => {
    const input: Series[] = [
      { labels: { __name__: 'up', job: 'api' }, samples: [[1_700_000_000_000, 1]] },
      {
        labels: { __name__: 'http_requests_total', code: '200' },
        samples: [
          [1, 0.5],
          [2, -0],
        ],
      },
    ];
    assert.deepEqual(decode(writeRequest(input)), input);
    assert.equal(seriesText(batch, 0), 'up{job="api"}');
  });

  it('keeps exact values at the edges and tells stale markers from other NaNs', () => {
    const f = (timestamp: number, value: number | 'stale'): void => {
      const input: Series[] = [{ labels: { a: 'b' }, samples: [[timestamp, value]] }];
      assert.deepEqual(decode(writeRequest(input)), input, `timestamp=${timestamp} value=${value}`);
    };
    f(0, 0);
    f(-1, 1); // before 1970: ten-byte varint, slow path
    f(2 ** 49 - 1, Number.MAX_VALUE);
    f(2 ** 49, Number.MIN_VALUE);
    f(Number.MAX_SAFE_INTEGER, Infinity);
    f(1, NaN);
    f(1, 'stale');
  });

  it('decodes metadata, exemplars and native histograms', () => {
    const bytes = writeRequest([], (w) => {
      w.message(1, (ts) => {
        ts.message(1, (l) => l.string(1, '__name__').string(2, 'rpc_seconds'));
        ts.message(3, (ex) =>
          ex
            .message(1, (l) => l.string(1, 'trace_id').string(2, 'abc'))
            .double(2, 0.25)
            .varint(3, 1000),
        );
        ts.message(4, (h) =>
          h
            .varint(1, 5)
            .double(3, 2.5)
            .sint(4, 0)
            .double(5, 0.001)
            .varint(6, 1)
            .message(11, (s) => s.sint(1, -1).varint(2, 2))
            .packedSints(12, [1, 2])
            .varint(15, 2000),
        );
      });
      w.message(3, (m) =>
        m.varint(1, 1).string(2, 'http_requests_total').string(4, 'Requests.').string(5, ''),
      );
    });
    decode(bytes);
    assert.deepEqual(batch.metadata, [
      { family: 'http_requests_total', type: 1, help: 'Requests.', unit: '' },
    ]);
    assert.equal(batch.exemplars.length, 1);
    assert.equal(batch.exemplars[0]?.labels.get('trace_id'), 'abc');
    assert.equal(batch.exemplars[0]?.v, 0.25);
    const h = batch.histograms[0]?.h;
    assert.ok(h);
    assert.deepEqual(h.positiveSpans, [{ offset: -1, length: 2 }]);
    assert.deepEqual(h.positiveBuckets, [1, 3]);
    assert.equal(h.count, 5);
    assert.equal(h.zeroCount, 1);
    assert.equal(batch.histograms[0]?.t, 2000);
  });

  it('rejects native histograms whose spans and buckets disagree', () => {
    const bytes = writeRequest([], (w) =>
      w.message(1, (ts) =>
        ts.message(4, (h) => h.message(11, (s) => s.sint(1, 0).varint(2, 3)).packedSints(12, [1])),
      ),
    );
    assert.throws(() => decode(bytes), BadDataError);
  });

  it('reuses its buffers once they are large enough', () => {
    const big = writeRequest([
      { labels: { a: 'b' }, samples: Array.from({ length: 1000 }, (_, i) => [i, i]) },
    ]);
    decode(big);
    const values = batch.values;
    decode(big);
    assert.equal(batch.values, values);
  });

  it('fails on every truncation and corruption with BadDataError and nothing else', () => {
    const bytes = writeRequest(
      [
        { labels: { __name__: 'up', job: 'x' }, samples: [[1_700_000_000_000, 1]] },
        { labels: { __name__: 'up', job: 'y' }, samples: [[-5, 'stale']] },
      ],
      (w) => w.message(3, (m) => m.varint(1, 2).string(2, 'up')),
    );
    // A cut exactly between two top-level fields is a valid, shorter message; any other cut is not.
    const boundaries = new Set<number>();
    const top = new ProtoReader().reset(bytes);
    while (top.next()) {
      top.skip();
      boundaries.add(top.pos);
    }
    for (let cut = 1; cut < bytes.length; cut++) {
      if (boundaries.has(cut)) assert.doesNotThrow(() => decode(bytes.subarray(0, cut)), `cut at ${cut}`);
      else assert.throws(() => decode(bytes.subarray(0, cut)), BadDataError, `cut at ${cut}`);
    }
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [0x01, 0x07, 0x80, 0xff]) {
        const bad = bytes.slice();
        bad[i] = (bad[i] as number) ^ flip;
        try {
          decode(bad);
        } catch (err) {
          assert.ok(err instanceof BadDataError, `byte ${i} ^ ${flip}: ${String(err)}`);
        }
      }
    }
  });

  it('rejects a field with the wrong wire type', () => {
    const bytes = new ProtoWriter().message(1, (ts) => ts.message(2, (s) => s.varint(1, 5))).finish();
    assert.throws(() => decode(bytes), { name: 'BadDataError', message: /field 1 has wire type 0/ });
  });
});
