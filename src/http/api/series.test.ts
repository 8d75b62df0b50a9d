import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ProtoReader, ProtoWriter } from '../../codec/index.ts';
import { Labels, SampleBatch } from '../../model/index.ts';
import { decodeWriteRequest } from '../../protocol/index.ts';
import { prometheusApiEndpoints, prometheusApiLookup } from './routes.ts';
import { ApiHarness } from './test-harness.ts';

const T0 = 1_700_000_000_000;

/** A remote-write request with metadata and exemplars, as a real sender makes it. */
function writeRequest(): Uint8Array {
  const w = new ProtoWriter();
  w.message(1, (ts) => {
    ts.message(1, (l) => l.string(1, '__name__').string(2, 'http_requests_total'));
    ts.message(1, (l) => l.string(1, 'job').string(2, 'api'));
    ts.message(2, (s) => s.double(1, 5).varint(2, T0));
    ts.message(3, (e) => {
      e.message(1, (l) => l.string(1, 'trace_id').string(2, 'abc<1>'));
      e.double(2, 0.25).varint(3, T0 + 500);
    });
  });
  w.message(3, (m) =>
    m.varint(1, 1).string(2, 'http_requests_total').string(4, 'Requests served.').string(5, ''),
  );
  w.message(3, (m) =>
    m.varint(1, 2).string(2, 'temperature').string(4, 'Room temperature.').string(5, 'celsius'),
  );
  return w.finish();
}

describe('series, labels, label values, metadata, exemplars', () => {
  const h = new ApiHarness();

  before(async () => {
    await h.start();
    const add = (labels: Record<string, string>, v = 1): void =>
      h.storage.add(Labels.fromObject(labels), T0, v);
    add({ __name__: 'up', job: 'api', instance: 'a' });
    add({ __name__: 'up', job: 'db', instance: 'b' });
    add({ __name__: 'node_load1', job: 'node', 'http.status_code': '200' });
    add({ __name__: 'a/b', 'weird name': 'x' });
    h.otherStorage.add(Labels.fromObject({ __name__: 'secret', job: 'other' }), T0, 1);
    const batch = new SampleBatch();
    decodeWriteRequest(new ProtoReader().reset(writeRequest()), batch);
    await h.storage.append(batch, {
      now: T0,
      maxFutureMs: 3600_000,
      outOfOrderWindowMs: 0,
      maxSeries: 0,
      maxSeriesPerMetric: 0,
    });
  });
  after(() => h.stop());

  it('lists series for the union of match[] selectors', async () => {
    const r = await h.get('/api/v1/series', {
      'match[]': ['up{job="api"}', '{__name__="node_load1"}', 'up'],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.data, [
      { __name__: 'node_load1', 'http.status_code': '200', job: 'node' },
      { __name__: 'up', instance: 'a', job: 'api' },
      { __name__: 'up', instance: 'b', job: 'db' },
    ]);
    const post = await h.post('/api/v1/series', {
      'match[]': 'up',
      start: String(T0 / 1000 - 10),
      end: String(T0 / 1000 + 10),
    });
    assert.equal(post.json.data.length, 2);
    const none = await h.get('/api/v1/series', { 'match[]': 'nothing_here' });
    assert.equal(none.text, '{"status":"success","data":[]}');
  });

  it('truncates series, labels and values to `limit` with a warning', async () => {
    const r = await h.get('/api/v1/series', { 'match[]': 'up', limit: '1' });
    assert.equal(r.json.data.length, 1);
    assert.deepEqual(r.json.warnings, ['results truncated due to limit']);
    const l = await h.get('/api/v1/labels', { limit: '2' });
    assert.deepEqual(l.json.data, ['__name__', 'http.status_code']);
    assert.deepEqual(l.json.warnings, ['results truncated due to limit']);
  });

  it('refuses series calls without or with empty-matching selectors', async () => {
    const none = await h.get('/api/v1/series');
    assert.deepEqual(none.json, {
      status: 'error',
      errorType: 'bad_data',
      error: 'no match[] parameter provided',
    });
    const empty = await h.get('/api/v1/series', { 'match[]': '{job=~".*"}' });
    assert.equal(empty.status, 400);
    assert.equal(
      empty.json.error,
      'invalid parameter "match[]": match[] must contain at least one non-empty matcher',
    );
    const bad = await h.get('/api/v1/series', { 'match[]': 'up{' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /^invalid parameter "match\[\]": 1:\d+: parse error: /);
  });

  it('lists label names, all or for selectors, sorted', async () => {
    const all = await h.get('/api/v1/labels');
    assert.deepEqual(all.json.data, ['__name__', 'http.status_code', 'instance', 'job', 'weird name']);
    const some = await h.post('/api/v1/labels', { 'match[]': 'up' });
    assert.deepEqual(some.json.data, ['__name__', 'instance', 'job']);
  });

  it('lists label values, with U__ and percent-encoded names', async () => {
    const names = await h.get('/api/v1/label/__name__/values');
    assert.deepEqual(names.json.data, ['a/b', 'http_requests_total', 'node_load1', 'up']);
    const jobs = await h.get('/api/v1/label/job/values', { 'match[]': 'up' });
    assert.deepEqual(jobs.json.data, ['api', 'db']);
    const escaped = await h.get('/api/v1/label/U__http_2e_status__code/values');
    assert.deepEqual(escaped.json.data, ['200']);
    const spaced = await h.get('/api/v1/label/U__weird_20_name/values');
    assert.deepEqual(spaced.json.data, ['x']);
    const pct = await h.get('/api/v1/label/weird%20name/values');
    assert.deepEqual(pct.json.data, ['x']);
    const missing = await h.get('/api/v1/label/nope/values');
    assert.equal(missing.text, '{"status":"success","data":[]}');
    const post = await h.post('/api/v1/label/job/values');
    assert.equal(post.status, 405, 'label values is GET only, as in Prometheus');
  });

  it('keeps tenants apart', async () => {
    const r = await h.get('/api/v1/label/__name__/values', {}, 'read');
    assert.ok(!r.json.data.includes('secret'));
  });

  it('serves metadata received with writes', async () => {
    const all = await h.get('/api/v1/metadata');
    assert.deepEqual(all.json.data, {
      http_requests_total: [{ type: 'counter', help: 'Requests served.', unit: '' }],
      temperature: [{ type: 'gauge', help: 'Room temperature.', unit: 'celsius' }],
    });
    const one = await h.get('/api/v1/metadata', { metric: 'temperature' });
    assert.deepEqual(Object.keys(one.json.data), ['temperature']);
    const limited = await h.get('/api/v1/metadata', { limit: '1' });
    assert.equal(Object.keys(limited.json.data).length, 1);
    const zero = await h.get('/api/v1/metadata', { limit: '0' });
    assert.deepEqual(zero.json.data, {});
    const bad = await h.get('/api/v1/metadata', { limit: 'x' });
    assert.deepEqual(bad.json, { status: 'error', errorType: 'bad_data', error: 'limit must be a number' });
  });

  it('serves exemplars of the selected series', async () => {
    const r = await h.get('/api/v1/query_exemplars', {
      query: 'rate(http_requests_total[5m])',
      start: String(T0 / 1000 - 60),
      end: String(T0 / 1000 + 60),
    });
    assert.equal(r.status, 200);
    assert.equal(
      r.text,
      '{"status":"success","data":[{"seriesLabels":{"__name__":"http_requests_total","job":"api"},' +
        '"exemplars":[{"labels":{"trace_id":"abc\\u003c1\\u003e"},"value":"0.25","timestamp":1700000000.500}]}]}',
    );
    const none = await h.get('/api/v1/query_exemplars', { query: 'up' });
    assert.equal(none.text, '{"status":"success","data":[]}');
    const noSelector = await h.get('/api/v1/query_exemplars', { query: '1+1' });
    assert.equal(noSelector.status, 204);
  });

  it('formats and parses queries', async () => {
    const f = await h.post('/api/v1/format_query', { query: 'foo/bar' });
    assert.equal(f.text, '{"status":"success","data":"foo / bar"}');
    const p = await h.get('/api/v1/parse_query', { query: 'up{job="a"}' });
    assert.equal(p.json.data.type, 'vectorSelector');
    assert.equal(p.json.data.name, 'up');
    const bad = await h.get('/api/v1/format_query', { query: 'foo(' });
    assert.match(bad.json.error, /^invalid parameter "query": 1:\d+: parse error/);
  });

  it('answers the status endpoints', async () => {
    const build = await h.get('/api/v1/status/buildinfo');
    assert.match(build.json.data.version, /^3\./);
    assert.equal(
      build.json.data.features,
      undefined,
      'no Mimir features: Grafana must not call the ruler API',
    );
    const tsdb = await h.get('/api/v1/status/tsdb', { limit: '2' });
    assert.equal(tsdb.json.data.headStats.numSeries, 5);
    assert.equal(tsdb.json.data.seriesCountByMetricName.length, 2);
    assert.deepEqual(tsdb.json.data.seriesCountByMetricName[0], { name: 'up', value: 2 });
    const badLimit = await h.get('/api/v1/status/tsdb', { limit: '0' });
    assert.equal(badLimit.json.error, 'limit must be a positive number');
    const flags = await h.get('/api/v1/status/flags');
    assert.equal(flags.json.data['query.timeout'], '2m');
    const runtime = await h.get('/api/v1/status/runtimeinfo');
    assert.equal(runtime.json.data.storageRetention, '30d');
    assert.equal(typeof (await h.get('/api/v1/status/config')).json.data.yaml, 'string');
    assert.deepEqual((await h.get('/api/v1/status/walreplay')).json.data, { min: 0, max: 0, current: 0 });
    assert.deepEqual((await h.get('/api/v1/rules')).json.data, { groups: [] });
    assert.deepEqual((await h.get('/api/v1/alerts')).json.data, { alerts: [] });
    assert.deepEqual((await h.get('/api/v1/targets')).json.data.activeTargets, []);
    assert.deepEqual((await h.get('/api/v1/targets/metadata')).json.data, []);
    assert.deepEqual((await h.get('/api/v1/scrape_pools')).json.data, { scrapePools: [] });
    assert.deepEqual((await h.get('/api/v1/alertmanagers')).json.data.activeAlertmanagers, []);
    assert.deepEqual((await h.get('/api/v1/features')).json.data, {});
  });
});

describe('the gate and scopes', () => {
  const h = new ApiHarness();
  before(async () => {
    await h.start();
    h.storage.add(Labels.fromObject({ __name__: 'doomed', job: 'x' }), T0, 1);
    h.storage.add(Labels.fromObject({ __name__: 'kept', job: 'x' }), T0, 1);
  });
  after(() => h.stop());

  it('refuses a write-only token on every read endpoint with 403, and no tenant with 400', async () => {
    const reads = prometheusApiEndpoints({} as never).filter((e) => e.need === 'read');
    assert.ok(reads.length >= 20);
    for (const e of reads) {
      const path = e.prefix ? e.path + 'job/values' : e.path;
      const method = e.methods[0] as string;
      const r = await h.call(method, path, method === 'POST' ? '' : undefined, 'write');
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      const anonymous = await fetch(h.base + path, { method, headers: {} });
      assert.equal(anonymous.status, 400, `${method} ${path} without X-Scope-OrgID`);
      assert.equal(await anonymous.text(), 'no org id\n');
    }
  });

  it('deletes series with a write token only, answering 204', async () => {
    const asReader = await h.post('/api/v1/admin/tsdb/delete_series?match[]=doomed', {}, 'read');
    assert.equal(asReader.status, 403);
    const noMatch = await h.post('/api/v1/admin/tsdb/delete_series', {}, 'write');
    assert.equal(noMatch.json.error, 'no match[] parameter provided');
    const del = await h.call('POST', '/api/v1/admin/tsdb/delete_series?match[]=doomed', undefined, 'write');
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    const left = await h.get('/api/v1/series', { 'match[]': '{job="x"}' });
    assert.deepEqual(left.json.data, [{ __name__: 'kept', job: 'x' }]);
  });

  it('flushes the tenant storage with a write token only, answering 204', async () => {
    let flushes = 0;
    const original = h.storage.flush.bind(h.storage);
    h.storage.flush = async () => {
      flushes++;
      await original();
    };
    try {
      const asReader = await h.call('POST', '/api/v1/admin/tsdb/flush', undefined, 'read');
      assert.equal(asReader.status, 403);
      assert.equal(flushes, 0);
      const get = await h.call('GET', '/api/v1/admin/tsdb/flush', undefined, 'write');
      assert.equal(get.status, 405);
      const ok = await h.call('POST', '/api/v1/admin/tsdb/flush', undefined, 'write');
      assert.equal(ok.status, 204);
      assert.equal(ok.text, '');
      assert.equal(flushes, 1);
    } finally {
      h.storage.flush = original;
    }
  });

  it('offers the dashboard the read endpoints by path, and not the write ones', () => {
    const lookup = prometheusApiLookup(prometheusApiEndpoints({} as never));
    assert.ok(lookup('GET', '/api/v1/query'));
    assert.ok(lookup('POST', '/api/v1/query'));
    assert.ok(lookup('GET', '/api/v1/label/job/values'));
    assert.equal(lookup('POST', '/api/v1/label/job/values'), undefined);
    assert.equal(lookup('POST', '/api/v1/admin/tsdb/delete_series'), undefined);
    assert.equal(lookup('POST', '/api/v1/admin/tsdb/flush'), undefined);
    assert.equal(lookup('POST', '/api/v1/read'), undefined);
    assert.equal(lookup('GET', '/api/v1/nope'), undefined);
  });
});
