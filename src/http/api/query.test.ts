import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CanceledError, Labels, QueryTimeoutError } from '../../model/index.ts';
import { Engine, type QueryOptions } from '../../promql/index.ts';
import type { Queryable } from '../../storage/index.ts';
import { DEFAULT_QUERY_LIMITS } from './deps.ts';
import { ApiHarness } from './test-harness.ts';

const T0 = 1_700_000_000_000;
const up = (job: string, instance: string): Labels => Labels.fromObject({ __name__: 'up', job, instance });

describe('query and query_range', () => {
  const h = new ApiHarness();

  before(async () => {
    await h.start();
    for (let i = 0; i <= 20; i++) {
      h.storage.add(up('api', 'a:1'), T0 + i * 15_000, 1);
      h.storage.add(up('api', 'b:1'), T0 + i * 15_000, i === 20 ? 1e-7 : 0);
      h.storage.add(up('db', 'c:1'), T0 + i * 15_000, i * 1e21);
    }
  });
  after(() => h.stop());

  it("answers Grafana's health check, 1+1 at time=4 by POST, byte for byte", async () => {
    const r = await h.post('/api/v1/query', { query: '1+1', time: '4' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.text, '{"status":"success","data":{"resultType":"scalar","result":[4,"2"]}}');
  });

  it('answers an instant vector with Prometheus number and time formats', async () => {
    const r = await h.get('/api/v1/query', { query: 'up', time: String((T0 + 300_000) / 1000 + 0.78) });
    assert.equal(r.status, 200);
    assert.equal(r.json.data.resultType, 'vector');
    const byInstance = Object.fromEntries(r.json.data.result.map((s: any) => [s.metric.instance, s.value]));
    assert.deepEqual(byInstance['a:1'], [1700000300.78, '1']);
    assert.deepEqual(byInstance['b:1'], [1700000300.78, '1e-07']);
    assert.deepEqual(byInstance['c:1'], [1700000300.78, '2e+22']);
    assert.match(r.text, /"value":\[1700000300\.780,"1"\]/, 'three fraction digits, trailing zero kept');
  });

  it('answers a range query as a matrix on the step grid, step as float or duration', async () => {
    const params = { query: 'up{job="api"}', start: String(T0 / 1000), end: String(T0 / 1000 + 60) };
    const a = await h.get('/api/v1/query_range', { ...params, step: '15' });
    const b = await h.post('/api/v1/query_range', { ...params, step: '15s' });
    assert.equal(a.status, 200);
    assert.equal(a.text, b.text);
    assert.equal(a.json.data.resultType, 'matrix');
    assert.equal(a.json.data.result.length, 2);
    assert.deepEqual(
      a.json.data.result[0].values.map((p: [number, string]) => p[0]),
      [1700000000, 1700000015, 1700000030, 1700000045, 1700000060],
    );
  });

  it('refuses bad ranges with the texts Prometheus uses', async () => {
    const base = { query: 'up', start: '1000', end: '2000' };
    const cases: Array<[Record<string, string>, string]> = [
      [
        { ...base, step: '0' },
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      ],
      [{ ...base, step: 'x' }, 'invalid parameter "step": cannot parse "x" to a valid duration'],
      [
        { ...base, end: '999', step: '1' },
        'invalid parameter "end": end timestamp must not be before start time',
      ],
      [
        { ...base, start: 'x', step: '1' },
        'invalid parameter "start": cannot parse "x" to a valid timestamp',
      ],
      [
        { ...base, end: String(1000 + 11001 * 0.05), step: '0.05' },
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      ],
      [
        { ...base, query: 'rate(up)', step: '1' },
        'invalid parameter "query": 1:6: parse error: expected type range vector in call to function "rate", got instant vector',
      ],
      [
        { ...base, query: 'up[5m]', step: '1' },
        'invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector',
      ],
    ];
    for (const [params, error] of cases) {
      const r = await h.get('/api/v1/query_range', params);
      assert.equal(r.status, 400, JSON.stringify(params));
      assert.deepEqual(r.json, { status: 'error', errorType: 'bad_data', error });
    }
    const ok = await h.get('/api/v1/query_range', {
      ...base,
      end: String(1000 + 11000 * 0.05),
      step: '0.05',
    });
    assert.equal(ok.status, 200, '11,000 steps (11,001 points) are allowed');
  });

  it('reports parse errors against the query parameter with line and column', async () => {
    const r = await h.get('/api/v1/query', { query: 'sum(up' });
    assert.equal(r.status, 400);
    assert.equal(r.json.errorType, 'bad_data');
    assert.match(r.json.error, /^invalid parameter "query": 1:\d+: parse error: /);
  });

  it('truncates to `limit` series with a warning, never for scalars', async () => {
    const r = await h.get('/api/v1/query', { query: 'up', time: String(T0 / 1000 + 60), limit: '2' });
    assert.equal(r.json.data.result.length, 2);
    assert.deepEqual(r.json.warnings, ['results truncated due to limit']);
    const s = await h.get('/api/v1/query', { query: '7', limit: '1' });
    assert.equal(s.json.warnings, undefined);
    const bad = await h.get('/api/v1/query', { query: 'up', limit: '-1' });
    assert.equal(bad.json.error, 'invalid parameter "limit": limit must be non-negative');
  });

  it('adds stats when asked', async () => {
    const r = await h.get('/api/v1/query', { query: 'up', time: String(T0 / 1000 + 60), stats: 'all' });
    assert.ok(r.json.data.stats.samples.totalQueryableSamples > 0);
    assert.equal(typeof r.json.data.stats.timings.execTotalTime, 'number');
    const none = await h.get('/api/v1/query', { query: 'up', time: String(T0 / 1000 + 60) });
    assert.equal(none.json.data.stats, undefined);
  });

  it('records each query and the samples it read', async () => {
    h.recorded.length = 0;
    await h.get('/api/v1/query', { query: 'up', time: String(T0 / 1000 + 60) });
    assert.equal(h.recorded.length, 1);
    assert.equal(h.recorded[0]?.tenant, 'acme');
    assert.ok((h.recorded[0]?.samples ?? 0) > 0);
  });

  it('gzips when the client accepts it, and streams big answers in chunks', async () => {
    const r = await h.call(
      'GET',
      '/api/v1/query_range?' +
        new URLSearchParams({
          query: 'up',
          start: String(T0 / 1000),
          end: String(T0 / 1000 + 300),
          step: '0.1',
        }),
      undefined,
      'read',
      { 'accept-encoding': 'gzip' },
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-encoding'), 'gzip');
    assert.equal(r.headers.get('content-length'), null, 'streamed, not built as one buffer');
    assert.equal(r.json.data.result.length, 3);
    assert.equal(r.json.data.result[0].values.length, 3001);
  });

  it('renders native histograms in vectors and matrices', async () => {
    const hist = {
      counterResetHint: 0 as const,
      schema: 0,
      zeroThreshold: 0.001,
      zeroCount: 1,
      count: 4,
      sum: 3.25,
      positiveSpans: [{ offset: 1, length: 1 }],
      positiveBuckets: [3],
      negativeSpans: [],
      negativeBuckets: [],
      customValues: [],
    };
    const labels = Labels.fromObject({ __name__: 'latency', job: 'api' });
    for (let i = 0; i < 3; i++) h.storage.add(labels, T0 + i * 15_000, hist);
    const r = await h.get('/api/v1/query', { query: 'latency', time: String(T0 / 1000 + 30) });
    assert.equal(
      r.text,
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"latency","job":"api"},' +
        '"histogram":[1700000030,{"count":"4","sum":"3.25","buckets":[[3,"-0.001","0.001","1"],[0,"1","2","3"]]}]}]}}',
    );
    const m = await h.get('/api/v1/query_range', {
      query: 'latency',
      start: String(T0 / 1000),
      end: String(T0 / 1000 + 30),
      step: '15',
    });
    assert.equal(m.json.data.result[0].histograms.length, 3);
    assert.equal(m.json.data.result[0].values, undefined);
  });

  it('answers string literals and keeps scalars in plain decimal', async () => {
    const s = await h.get('/api/v1/query', { query: '"hello"', time: '1.5' });
    assert.equal(s.text, '{"status":"success","data":{"resultType":"string","result":[1.5,"hello"]}}');
    const big = await h.get('/api/v1/query', { query: '1e21', time: '1' });
    assert.equal(big.json.data.result[1], '1000000000000000000000');
  });
});

describe('query limits', () => {
  const h = new ApiHarness();
  before(async () => {
    await h.start();
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < 10; i++)
        h.storage.add(Labels.fromObject({ __name__: 'm', s: String(s) }), T0 + i * 60_000, i);
    }
  });
  after(() => h.stop());

  it('refuses queries selecting more series than allowed (422)', async () => {
    h.limits = { ...DEFAULT_QUERY_LIMITS, maxFetchedSeriesPerQuery: 4 };
    const r = await h.get('/api/v1/query', { query: 'm', time: String(T0 / 1000 + 300) });
    assert.equal(r.status, 422);
    assert.equal(r.json.errorType, 'execution');
    assert.match(r.json.error, /maximum number of series \(limit: 4 series\)/);
    const series = await h.get('/api/v1/series', { 'match[]': 'm' });
    assert.equal(series.status, 422);
    h.limits = DEFAULT_QUERY_LIMITS;
  });

  it('refuses range queries longer than allowed (400)', async () => {
    h.limits = { ...DEFAULT_QUERY_LIMITS, maxTotalQueryLengthMs: 3600_000 };
    const r = await h.get('/api/v1/query_range', { query: 'm', start: '0', end: '7200', step: '60' });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /query length: 2h, limit: 1h/);
    h.limits = DEFAULT_QUERY_LIMITS;
  });

  it('refuses queries holding too many samples (422)', async () => {
    h.limits = { ...DEFAULT_QUERY_LIMITS, maxSamplesPerQuery: 10 };
    const r = await h.get('/api/v1/query_range', {
      query: 'm',
      start: String(T0 / 1000),
      end: String(T0 / 1000 + 540),
      step: '60',
    });
    assert.equal(r.status, 422);
    assert.match(r.json.error, /too many samples/);
    h.limits = DEFAULT_QUERY_LIMITS;
  });

  it('hides data older than the lookback limit, with a warning', async () => {
    h.limits = { ...DEFAULT_QUERY_LIMITS, maxQueryLookbackMs: 3600_000 };
    const r = await h.get('/api/v1/query', { query: 'm', time: String(T0 / 1000 + 300) });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.data.result, []);
    assert.match(r.json.warnings[0], /max_query_lookback of 1h/);
    const labels = await h.get('/api/v1/label/__name__/values');
    assert.deepEqual(labels.json.data, []);
    assert.equal(labels.json.warnings, undefined, 'no warning when the caller did not ask for old data');
    const old = await h.get('/api/v1/series', { 'match[]': 'm', start: String(T0 / 1000) });
    assert.deepEqual(old.json.data, []);
    assert.match(old.json.warnings[0], /max_query_lookback/);
    h.limits = DEFAULT_QUERY_LIMITS;
  });
});

describe('query options reach the engine', () => {
  const seen: QueryOptions[] = [];
  let behaviour: 'ok' | 'timeout' | 'wait-for-abort' = 'ok';
  let aborted: Promise<void> = Promise.resolve();
  const engine = new Engine();
  const fake = Object.assign(Object.create(engine) as Engine, {
    instantQuery: async (_q: Queryable, _query: unknown, t: number, opts: QueryOptions = {}) => {
      seen.push(opts);
      if (behaviour === 'timeout') throw new QueryTimeoutError('query timed out in expression evaluation');
      if (behaviour === 'wait-for-abort') {
        aborted = new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve()));
        await aborted;
        throw new CanceledError('query was canceled in query execution');
      }
      return {
        value: { type: 'scalar' as const, t, v: 1 },
        annotations: { warnings: [], infos: [] },
        stats: { samplesScanned: 0, peakSamples: 0, prepareMs: 0, evalMs: 0 },
      };
    },
  });
  const h = new ApiHarness();
  before(() => h.start({ engine: fake }));
  after(() => h.stop());

  it('passes timeout (capped by the tenant), lookback_delta, max samples and a signal', async () => {
    seen.length = 0;
    await h.get('/api/v1/query', { query: '1', timeout: '5s', lookback_delta: '1m' });
    await h.get('/api/v1/query', { query: '1', timeout: '1h' });
    assert.equal(seen[0]?.timeout, 5000);
    assert.equal(seen[0]?.lookbackDelta, 60_000);
    assert.equal(seen[0]?.maxSamples, 50_000_000);
    assert.ok(seen[0]?.signal instanceof AbortSignal);
    assert.equal(seen[1]?.timeout, 120_000, "the tenant's 2m limit wins over a longer timeout");
    const bad = await h.get('/api/v1/query', { query: '1', lookback_delta: 'x' });
    assert.equal(
      bad.json.error,
      'invalid parameter "query": error parsing lookback delta duration: cannot parse "x" to a valid duration',
    );
  });

  it('maps a timeout to 503 errorType timeout', async () => {
    behaviour = 'timeout';
    const r = await h.get('/api/v1/query', { query: '1' });
    behaviour = 'ok';
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, {
      status: 'error',
      errorType: 'timeout',
      error: 'query timed out in expression evaluation',
    });
  });

  it('aborts the query when the client goes away', async () => {
    behaviour = 'wait-for-abort';
    seen.length = 0;
    const client = new AbortController();
    const req = fetch(`${h.base}/api/v1/query?query=1`, {
      headers: h.headers(),
      signal: client.signal,
    }).catch(() => 'aborted');
    for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.length, 1, 'the query started');
    client.abort();
    assert.equal(await req, 'aborted');
    const outcome = await Promise.race([
      aborted.then(() => 'engine saw the abort'),
      new Promise((r) => setTimeout(() => r('still running'), 5000)),
    ]);
    behaviour = 'ok';
    assert.equal(outcome, 'engine saw the abort');
  });
});
