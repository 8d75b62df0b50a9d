import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ProtoWriter, SnappyDecoder, snappyEncode } from '../../codec/index.ts';
import { Labels, type FloatHistogram } from '../../model/index.ts';
import {
  ReadResponseType,
  decodeChunkedFrames,
  decodeReadResponse,
  decodeXorChunks,
} from '../../protocol/index.ts';
import { MemoryStorage, type Querier, type SampleIterator, type Series } from '../../storage/index.ts';
import { DEFAULT_QUERY_LIMITS } from './deps.ts';
import { ApiHarness } from './test-harness.ts';

const T0 = 1_700_000_000_000;

interface Matcher {
  type: number;
  name: string;
  value: string;
}

function readRequest(
  queries: Array<{ start: number; end: number; matchers: Matcher[] }>,
  accepted: number[],
): Buffer {
  const w = new ProtoWriter();
  for (const q of queries) {
    w.message(1, (m) => {
      m.varint(1, q.start).varint(2, q.end);
      for (const x of q.matchers)
        m.message(3, (lm) => lm.varint(1, x.type).string(2, x.name).string(3, x.value));
    });
  }
  w.packedVarints(2, accepted);
  return Buffer.from(snappyEncode(w.finish()));
}

const hist: FloatHistogram = {
  counterResetHint: 0,
  schema: 0,
  zeroThreshold: 0.001,
  zeroCount: 0,
  count: 3,
  sum: 4,
  positiveSpans: [{ offset: 0, length: 1 }],
  positiveBuckets: [3],
  negativeSpans: [],
  negativeBuckets: [],
  customValues: [],
};

/** Counts series read after their querier was closed (a Tsdb may have reused their chunks' memory). */
class ClosingCheck extends MemoryStorage {
  open = 0;
  reads = 0;
  readsAfterClose = 0;

  override async querier(mint: number, maxt: number): Promise<Querier> {
    const q = await super.querier(mint, maxt);
    const state = { closed: false };
    this.open++;
    const wrap = (s: Series): Series => ({
      labels: s.labels,
      iterator: (reuse?: SampleIterator) => {
        this.reads++;
        if (state.closed) this.readsAfterClose++;
        return s.iterator(reuse);
      },
    });
    return {
      select: async (m, hints, signal) => (await q.select(m, hints, signal)).map(wrap),
      labelNames: (m, signal) => q.labelNames(m, signal),
      labelValues: (name, m, signal) => q.labelValues(name, m, signal),
      close: () => {
        if (!state.closed) this.open--;
        state.closed = true;
        q.close();
      },
    };
  }
}

describe('remote read', () => {
  const h = new ApiHarness(new ClosingCheck());
  before(async () => {
    await h.start();
    for (let i = 0; i < 300; i++) {
      const t = T0 + i * 15_000;
      h.storage.add(Labels.fromObject({ __name__: 'up', job: 'api' }), t, i === 150 ? 'stale' : i % 7);
      h.storage.add(Labels.fromObject({ __name__: 'up', job: 'db' }), t, 1);
    }
    h.storage.add(Labels.fromObject({ __name__: 'native' }), T0, hist);
  });
  after(() => h.stop());

  async function read(body: Buffer, scope: 'read' | 'write' = 'read'): Promise<Response> {
    return fetch(`${h.base}/api/v1/read`, {
      method: 'POST',
      headers: {
        ...h.headers(scope),
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-read-version': '0.1.0',
      },
      body,
    });
  }

  const upApi: Matcher[] = [
    { type: 0, name: '__name__', value: 'up' },
    { type: 2, name: 'job', value: 'a.i' },
  ];

  it('answers SAMPLES with stale markers bit for bit', async () => {
    const res = await read(
      readRequest([{ start: T0, end: T0 + 3600_000, matchers: upApi }], [ReadResponseType.Samples]),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    assert.equal(res.headers.get('content-encoding'), 'snappy');
    const body = new SnappyDecoder(1 << 26).decode(new Uint8Array(await res.arrayBuffer()));
    const [result] = decodeReadResponse(body);
    assert.equal(result?.length, 1);
    const s = result![0]!;
    assert.deepEqual(s.labels, { __name__: 'up', job: 'api' });
    assert.equal(s.samples.length, 241);
    assert.equal(s.samples[150]?.stale, true);
    assert.equal(s.samples[149]?.v, 149 % 7);
  });

  it('streams XOR chunks when asked first, one frame per series, with query indexes', async () => {
    const res = await read(
      readRequest(
        [
          { start: T0, end: T0 + 3600_000, matchers: upApi },
          { start: T0, end: T0 + 3600_000, matchers: [{ type: 0, name: 'job', value: 'db' }] },
        ],
        [ReadResponseType.StreamedXorChunks, ReadResponseType.Samples],
      ),
    );
    assert.equal(res.status, 200);
    assert.equal(
      res.headers.get('content-type'),
      'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse',
    );
    assert.equal(res.headers.get('content-encoding'), null);
    const frames = decodeChunkedFrames(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual(
      frames.map((f) => [f.queryIndex, f.series[0]?.labels['job']]),
      [
        [0, 'api'],
        [1, 'db'],
      ],
    );
    const api = decodeXorChunks(frames[0]!.series[0]!.chunks);
    assert.equal(api.length, 241);
    assert.equal(api[150]?.stale, true);
    assert.equal(frames[0]!.series[0]!.chunks.length, 3, '241 samples make chunks of 120, 120 and 1');
  });

  it('falls back to SAMPLES for native histograms when the client accepts it', async () => {
    const q = [{ start: T0 - 1, end: T0 + 1, matchers: [{ type: 0, name: '__name__', value: 'native' }] }];
    const both = await read(readRequest(q, [ReadResponseType.StreamedXorChunks, ReadResponseType.Samples]));
    assert.equal(both.headers.get('content-type'), 'application/x-protobuf');
    const [result] = decodeReadResponse(
      new SnappyDecoder(1 << 26).decode(new Uint8Array(await both.arrayBuffer())),
    );
    assert.deepEqual(result?.[0]?.histograms, [{ t: T0, count: 3, sum: 4 }]);
    const onlyStreamed = await read(readRequest(q, [ReadResponseType.StreamedXorChunks]));
    assert.equal(onlyStreamed.status, 400);
    assert.match(await onlyStreamed.text(), /native histograms/);
  });

  it('reads every series before closing its querier (storage may reuse their memory after close)', async () => {
    const storage = h.storage as ClosingCheck;
    for (const accepted of [[ReadResponseType.Samples], [ReadResponseType.StreamedXorChunks]]) {
      const res = await read(
        readRequest(
          [
            { start: T0, end: T0 + 3600_000, matchers: upApi },
            { start: T0, end: T0 + 3600_000, matchers: [{ type: 0, name: 'job', value: 'db' }] },
          ],
          accepted,
        ),
      );
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.ok(storage.reads > 0);
      assert.equal(storage.readsAfterClose, 0, `response type ${accepted[0]}`);
      assert.equal(storage.open, 0, 'every querier closed');
    }
  });

  it('applies the tenant limits and the scopes', async () => {
    h.limits = { ...DEFAULT_QUERY_LIMITS, maxSamplesPerQuery: 100 };
    const res = await read(readRequest([{ start: T0, end: T0 + 3600_000, matchers: upApi }], [1]));
    h.limits = DEFAULT_QUERY_LIMITS;
    assert.equal(res.status, 422);
    assert.match(await res.text(), /more than this tenant's max_samples_per_query of 100/);
    const denied = await read(readRequest([{ start: 0, end: 1, matchers: upApi }], [0]), 'write');
    assert.equal(denied.status, 403);
    const unknown = await read(readRequest([{ start: 0, end: 1, matchers: upApi }], [7]));
    assert.equal(unknown.status, 400);
    const garbage = await read(Buffer.from([1, 2, 3]));
    assert.equal(garbage.status, 400);
  });
});
