import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  Labels,
  Matcher,
  MetricType,
  RateLimitedError,
  SampleBatch,
  UnavailableError,
  type FloatHistogram,
  type MetricMetadata,
} from '../model/index.ts';
import { MemoryStorage, ValueKind, type Storage } from '../storage/index.ts';
import { DEFAULT_LIMITS, mergeLimits, UsageTracker, type Limits } from '../tenancy/index.ts';
import { Ingester, PartialWriteError } from './ingester.ts';

const NOW = 1_700_000_000_000;

type SeriesSpec = { labels: Record<string, string>; t?: number; v?: number };

function batchOf(series: readonly SeriesSpec[], metadata: MetricMetadata[] = []): SampleBatch {
  const b = new SampleBatch();
  b.resetOwned();
  for (const s of series) {
    for (const [n, v] of Object.entries(s.labels)) b.addLabelText(n, v);
    b.addSample(b.endSeries(), s.t ?? NOW, s.v ?? 1);
  }
  b.metadata.push(...metadata);
  return b;
}

function meta(family: string): MetricMetadata {
  return { family, type: MetricType.Gauge, help: `${family} help`, unit: '' };
}

/** An ingester over one MemoryStorage, with limits the test can change between pushes. */
function setup(overrides: Partial<Limits> = {}, rateLimitHoldMs = 0) {
  const storage = new MemoryStorage();
  let limits = mergeLimits(DEFAULT_LIMITS, overrides);
  let now = NOW;
  const usage = new UsageTracker(() => now);
  const ingester = new Ingester({ storage: async (): Promise<Storage> => storage }, () => limits, {
    usage,
    now: () => now,
    rateLimitHoldMs,
  });
  return {
    storage,
    ingester,
    usage,
    setLimits(o: Partial<Limits>) {
      limits = mergeLimits(limits, o);
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

async function count(storage: MemoryStorage, metric: string): Promise<number> {
  const q = await storage.querier(0, Number.MAX_SAFE_INTEGER);
  const series = await q.select(
    [new Matcher('=', '__name__', metric)],
    { start: 0, end: NOW * 2 },
    new AbortController().signal,
  );
  let n = 0;
  for (const s of series) {
    const it = s.iterator();
    for (let i = 0; i < 1_000_000 && it.next() !== ValueKind.None; i++) n++;
  }
  return n;
}

describe('Ingester rate limit', () => {
  it('refuses a request over the rate with 429, stores nothing of it, and admits it later', async () => {
    const { ingester, storage, usage, advance } = setup({ ingestionRate: 10, ingestionBurstSize: 30 });
    const twenty = Array.from({ length: 20 }, (_, i) => ({ labels: { __name__: 'm', i: String(i) } }));
    await ingester.push('acme', batchOf(twenty));
    // 10 tokens are left: too few for a request like the last one, so it is refused before decoding.
    const early = await ingester.push('acme', batchOf(twenty.map((s) => ({ ...s, t: NOW + 1 })))).then(
      () => assert.fail('expected a rate limit'),
      (e: unknown) => e,
    );
    assert.ok(early instanceof RateLimitedError);
    assert.equal(early.retryAfterSeconds, 1, '10 more tokens at 10/s');
    assert.match(early.message, /ingestion_rate=10 samples\/s/);
    assert.match(early.message, /ingestion_burst_size=30/);
    assert.match(early.message, /your requests carry about 20/);
    assert.match(early.message, /retry_on_http_429/);
    assert.match(early.message, /xscaler limits set acme ingestion_rate=/);

    // After a second there is room for a request like the last; a decoded one too big is refused.
    advance(1000);
    await ingester.push('acme', batchOf(twenty.slice(0, 10).map((s) => ({ ...s, t: NOW + 1 }))));
    const eleven = Array.from({ length: 11 }, (_, i) => ({
      labels: { __name__: 'm', i: String(i) },
      t: NOW + 2,
    }));
    const late = await ingester.push('acme', batchOf(eleven)).catch((e: unknown) => e);
    assert.ok(late instanceof RateLimitedError, String(late));
    assert.match(late.message, /this request carried 11/);
    assert.equal(await count(storage, 'm'), 30, 'nothing of the refused requests was stored');

    advance(3000);
    await ingester.push('acme', batchOf(twenty.map((s) => ({ ...s, t: NOW + 3 }))));
    assert.equal(await count(storage, 'm'), 50);
    const u = usage.peek('acme');
    assert.equal(u?.receivedSamples, 61, 'a request refused undecoded is not counted as received');
    assert.equal(u?.acceptedSamples, 50);
    assert.equal(
      u?.discardedSamples.get('rate_limited'),
      20 + 11,
      'an undecoded one counts as the size of the previous',
    );
    assert.equal(u?.rateLimitedRequests, 2);
    assert.equal(u?.admittedItems, 50);
  });

  it('holds a refusal for the retry delay, at most rateLimitHoldMs', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { ingester } = setup({ ingestionRate: 1, ingestionBurstSize: 1 }, 1000);
    await ingester.push('acme', batchOf([{ labels: { __name__: 'm' } }]));
    let settled = false;
    const refused = ingester
      .push('acme', batchOf([{ labels: { __name__: 'm' }, t: NOW + 1 }]))
      .catch((e: unknown) => {
        settled = true;
        return e;
      });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.equal(settled, false, 'still held');
    t.mock.timers.tick(999);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.equal(settled, false, 'still held after 999 ms');
    t.mock.timers.tick(1);
    assert.ok((await refused) instanceof RateLimitedError);
  });

  it('answers 503 with a retry delay for tenants that ask for it', async () => {
    const { ingester } = setup({
      ingestionRate: 1,
      ingestionBurstSize: 1,
      ingestionRateLimitStatusCode: 503,
    });
    await ingester.push('acme', batchOf([{ labels: { __name__: 'm' } }]));
    await assert.rejects(ingester.push('acme', batchOf([{ labels: { __name__: 'm' }, t: NOW + 1 }])), (e) => {
      assert.ok(e instanceof UnavailableError);
      assert.equal(e.retryAfterSeconds, 1);
      assert.match(e.message, /ingestion rate limit exceeded/);
      return true;
    });
  });

  it('counts exemplars and metadata against the rate, and keeps tenants apart', async () => {
    const { ingester } = setup({ ingestionRate: 4, ingestionBurstSize: 4 });
    // (each refused request below is refused undecoded, sized like the previous one)
    // 1 sample + 1 exemplar + 2 metadata = the whole burst.
    const b = batchOf([{ labels: { __name__: 'm' } }], [meta('m'), meta('n')]);
    b.exemplars.push({ series: 0, labels: Labels.from([['trace_id', 'abc']]), t: NOW, v: 1 });
    await ingester.push('a', b);
    await assert.rejects(
      ingester.push('a', batchOf([{ labels: { __name__: 'm' }, t: NOW + 1 }])),
      RateLimitedError,
    );
    await ingester.push('b', batchOf([{ labels: { __name__: 'm' } }]));
  });
});

describe('Ingester series and label limits', () => {
  it('lets a tenant at its series limit keep appending to its existing series', async () => {
    const { ingester, storage, usage } = setup({ maxGlobalSeriesPerTenant: 2 });
    await ingester.push('acme', batchOf([{ labels: { __name__: 'a' } }, { labels: { __name__: 'b' } }]));
    const err = await ingester
      .push(
        'acme',
        batchOf([
          { labels: { __name__: 'a' }, t: NOW + 1 },
          { labels: { __name__: 'c' }, t: NOW + 1 },
        ]),
      )
      .catch((e: unknown) => e);
    assert.ok(err instanceof PartialWriteError, String(err));
    assert.equal(err.kind, 'bad_data');
    assert.match(err.message, /max_global_series_per_tenant=2/);
    assert.match(err.message, /samples of existing series are still stored/);
    assert.equal(await count(storage, 'a'), 2, 'the existing series took its sample');
    assert.equal(await count(storage, 'c'), 0);
    await ingester.push('acme', batchOf([{ labels: { __name__: 'b' }, t: NOW + 2 }]));
    assert.equal(await count(storage, 'b'), 2);
    assert.equal(usage.peek('acme')?.discardedSamples.get('series_limit'), 1);
  });

  it('refuses new series over the label limits with the limit named, never re-checking known series', async () => {
    const { ingester, storage, setLimits } = setup({
      maxLabelNamesPerSeries: 3,
      maxLabelNameLength: 8,
      maxLabelValueLength: 4,
    });
    await ingester.push('acme', batchOf([{ labels: { __name__: 'ok', a: '1', b: '2' } }]));
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ __name__: 'many', a: '1', b: '2', c: '3' }, /max_label_names_per_series=3/],
      [{ __name__: 'long', abcdefghi: '1' }, /max_label_name_length=8 bytes/],
      [{ __name__: 'val', a: 'ééé' }, /max_label_value_length=4 bytes/],
    ];
    for (const [labels, message] of cases) {
      const err = await ingester.push('acme', batchOf([{ labels }])).catch((e: unknown) => e);
      assert.ok(err instanceof PartialWriteError, String(err));
      assert.match(err.message, message);
      assert.equal(await count(storage, labels['__name__'] as string), 0);
    }
    setLimits({ maxLabelNamesPerSeries: 1 });
    await ingester.push('acme', batchOf([{ labels: { __name__: 'ok', a: '1', b: '2' }, t: NOW + 1 }]));
    assert.equal(await count(storage, 'ok'), 2, 'a known series is not re-checked');
  });

  it('applies max_series_per_metric', async () => {
    const { ingester } = setup({ maxSeriesPerMetric: 1 });
    await ingester.push('acme', batchOf([{ labels: { __name__: 'm', i: '1' } }]));
    await assert.rejects(
      ingester.push('acme', batchOf([{ labels: { __name__: 'm', i: '2' } }])),
      /max_series_per_metric=1/,
    );
  });
});

describe('Ingester metadata limit', () => {
  it('refuses metadata of new families over the limit, keeps the samples, and leaves the batch as it was', async () => {
    const { ingester, storage, usage } = setup({ maxMetadataPerTenant: 1 });
    await ingester.push('acme', batchOf([{ labels: { __name__: 'a' } }], [meta('a')]));
    const b = batchOf([{ labels: { __name__: 'b' } }], [meta('a'), meta('b')]);
    const err = await ingester.push('acme', b).catch((e: unknown) => e);
    assert.ok(err instanceof PartialWriteError, String(err));
    assert.match(err.message, /1 metadata entries were refused/);
    assert.match(err.message, /max_metadata_per_tenant=1/);
    assert.deepEqual(
      b.metadata.map((m) => m.family),
      ['a', 'b'],
      "the caller's batch is unchanged",
    );
    assert.deepEqual([...storage.metadata(undefined, 0).keys()], ['a']);
    assert.equal(await count(storage, 'b'), 1, 'samples are not affected');
    assert.equal(usage.peek('acme')?.discardedMetadata.get('metadata_limit'), 1);
  });
});

describe('Ingester batch contract', () => {
  it('reads the batch before push returns its promise, so the caller may reuse it at once', async () => {
    const { ingester, storage } = setup();
    const writer = await ingester.writer('acme');
    const b = batchOf([{ labels: { __name__: 'first' } }]);
    const pending = writer.push(b);
    b.resetOwned();
    b.addLabelText('__name__', 'second');
    b.addSample(b.endSeries(), NOW, 2);
    await pending;
    assert.equal(await count(storage, 'first'), 1);
    assert.equal(await count(storage, 'second'), 0);
  });
});

describe('Ingester exact counts (remote write 2.0)', () => {
  const hist = (count: number): FloatHistogram => ({
    counterResetHint: 0,
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    count,
    sum: count,
    positiveSpans: [{ offset: 0, length: 1 }],
    positiveBuckets: [count],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: [],
  });

  /** Float series `f{i}` and histogram series `h{i}` at `t`, with one exemplar per series. */
  function mixed(floats: number, histograms: number, t: number, extraLabels = 0): SampleBatch {
    const b = new SampleBatch();
    b.resetOwned();
    for (let i = 0; i < floats + histograms; i++) {
      const isFloat = i < floats;
      b.addLabelText('__name__', isFloat ? 'f' : 'h');
      b.addLabelText('i', String(i));
      for (let k = 0; k < extraLabels && i % 2 === 1; k++) b.addLabelText(`x${k}`, 'y');
      const s = b.endSeries();
      if (isFloat) b.addSample(s, t, i);
      else b.histograms.push({ series: s, t, h: hist(i) });
      b.exemplars.push({ series: s, labels: Labels.from([['trace_id', String(i)]]), t, v: i });
    }
    return b;
  }

  it('counts samples, histograms and exemplars of a mixed batch exactly, refusals included', async () => {
    const { ingester, storage } = setup({ outOfOrderTimeWindowMs: 0 });
    let r = await ingester.push('acme', mixed(3, 2, NOW));
    assert.deepEqual(r.written, { samples: 3, histograms: 2, exemplars: 5 });
    assert.equal(r.accepted, 5);
    // f{i=0}, h{i=3} get newer samples; the rest are out of order.
    const b = mixed(3, 2, NOW - 1000);
    b.timestamps[0] = NOW + 1000;
    (b.histograms as Array<{ t: number }>)[0]!.t = NOW + 1000;
    const err = await ingester.push('acme', b).catch((e: unknown) => e);
    assert.ok(err instanceof PartialWriteError, String(err));
    assert.deepEqual(err.written, { samples: 1, histograms: 1, exemplars: 5 });
    assert.equal(err.result.accepted, 2);
    assert.equal(err.result.rejected.get('out_of_order'), 3);
    assert.equal(b.histograms.length, 2, "the caller's batch is unchanged");
    assert.equal(b.sampleCount, 3);
    assert.equal(b.exemplars.length, 5);
    assert.equal(await count(storage, 'h'), 3);
    r = await ingester.push('acme', mixed(0, 1, NOW + 5000));
    assert.deepEqual(r.written, { samples: 0, histograms: 1, exemplars: 1 });
  });

  it('does not count exemplars of series storage refused whole', async () => {
    const { ingester } = setup({ maxLabelNamesPerSeries: 3 });
    // Odd series carry four extra labels: over the limit, refused with their exemplars.
    const err = await ingester.push('acme', mixed(4, 2, NOW, 4)).catch((e: unknown) => e);
    assert.ok(err instanceof PartialWriteError, String(err));
    assert.deepEqual(err.written, { samples: 2, histograms: 1, exemplars: 3 });
    // A series without __name__ is invalid: refused with its exemplar.
    const b = new SampleBatch();
    b.resetOwned();
    b.addLabelText('job', 'x');
    b.addSample(b.endSeries(), NOW, 1);
    b.exemplars.push({ series: 0, labels: Labels.from([]), t: NOW, v: 1 });
    b.addLabelText('__name__', 'ok');
    b.addSample(b.endSeries(), NOW, 1);
    b.exemplars.push({ series: 1, labels: Labels.from([]), t: NOW, v: 1 });
    const invalid = await ingester.push('acme', b).catch((e: unknown) => e);
    assert.ok(invalid instanceof PartialWriteError, String(invalid));
    assert.deepEqual(invalid.written, { samples: 1, histograms: 0, exemplars: 1 });
  });

  it('counts from what it read before push returned: the caller may refill the batch at once', async () => {
    const { ingester } = setup({ maxLabelNamesPerSeries: 3 });
    const b = mixed(4, 2, NOW, 4);
    const writer = await ingester.writer('acme');
    const pending = writer.push(b).catch((e: unknown) => e);
    b.resetOwned();
    b.addLabelText('__name__', 'other');
    const s = b.endSeries();
    for (let i = 0; i < 10; i++) b.exemplars.push({ series: s, labels: Labels.from([]), t: NOW, v: i });
    const err = await pending;
    assert.ok(err instanceof PartialWriteError, String(err));
    assert.deepEqual(err.written, { samples: 2, histograms: 1, exemplars: 3 });
  });

  it('counts exemplars of the new series the series limit let in, not of those it refused', async () => {
    const { ingester } = setup({ maxGlobalSeriesPerTenant: 4 });
    await ingester.push('acme', mixed(2, 0, NOW));
    // f{i=0}, f{i=1} exist; of the four new series only two fit.
    const err = await ingester.push('acme', mixed(3, 3, NOW + 1000)).catch((e: unknown) => e);
    assert.ok(err instanceof PartialWriteError, String(err));
    assert.equal(err.result.newSeries, 2);
    assert.deepEqual(err.written, { samples: 3, histograms: 1, exemplars: 4 });
  });
});
