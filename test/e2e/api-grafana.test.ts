import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { ProtoWriter, snappyEncode } from '../../src/codec/index.ts';
import { push } from '../support/remote-write.ts';
import { startServer, type TestServer } from '../support/server.ts';

interface Call {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly params: Record<string, string | string[]>;
}

function form(params: Record<string, string | string[]>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) u.append(k, x);
  return u.toString();
}

/**
 * The calls Grafana's Prometheus data source makes, in its order, with its parameters: Save & Test,
 * the metric browser and autocomplete, Explore (range query, exemplars), against the real server,
 * with tokens of each scope.
 */
describe('a Grafana-like client', () => {
  let server: TestServer | undefined;
  const tokens: Record<string, string> = {};
  const now = Math.floor(Date.now() / 15_000) * 15_000;
  const start = now - 3600_000;

  before(async () => {
    server = await startServer();
    await server.createTenant('acme');
    await server.createTenant('other');
    for (const scope of ['read', 'write', 'read+write'] as const)
      tokens[scope] = await server.createToken('acme', scope);
    tokens['other'] = await server.createToken('other', 'read+write');
    const samples = Array.from({ length: 240 }, (_, i) => [start + i * 15_000, i % 10] as const);
    const res = await push(
      server.url,
      [
        { labels: { __name__: 'http_requests_total', job: 'api', code: '200' }, samples },
        { labels: { __name__: 'http_requests_total', job: 'api', code: '500' }, samples },
        { labels: { __name__: 'node_load1', job: 'node', 'host.name': 'n1' }, samples },
      ],
      { tenant: 'acme', token: tokens['write'] as string },
    );
    assert.equal(res.status, 204);
  });

  after(async () => {
    await server?.cleanup();
  });

  const s = (ms: number): string => String(ms / 1000);
  const calls = (): Call[] => [
    // Save & Test
    { name: 'health query', method: 'POST', path: '/api/v1/query', params: { query: '1+1', time: '4' } },
    { name: 'buildinfo', method: 'GET', path: '/api/v1/status/buildinfo', params: {} },
    // Metric browser and autocomplete
    {
      name: 'metric names',
      method: 'GET',
      path: '/api/v1/label/__name__/values',
      params: { start: s(start), end: s(now) },
    },
    {
      name: 'label names',
      method: 'POST',
      path: '/api/v1/labels',
      params: { start: s(start), end: s(now), 'match[]': 'http_requests_total' },
    },
    {
      name: 'label values',
      method: 'GET',
      path: '/api/v1/label/code/values',
      params: { start: s(start), end: s(now), 'match[]': 'http_requests_total' },
    },
    {
      name: 'escaped label',
      method: 'GET',
      path: '/api/v1/label/U__host_2e_name/values',
      params: { start: s(start), end: s(now) },
    },
    {
      name: 'series',
      method: 'POST',
      path: '/api/v1/series',
      params: { 'match[]': 'http_requests_total', start: s(start), end: s(now), limit: '40000' },
    },
    { name: 'metadata', method: 'GET', path: '/api/v1/metadata', params: {} },
    {
      name: 'format',
      method: 'POST',
      path: '/api/v1/format_query',
      params: { query: 'sum(rate(http_requests_total[5m]))by(code)' },
    },
    // Explore
    {
      name: 'range',
      method: 'POST',
      path: '/api/v1/query_range',
      params: {
        query: 'sum by (code) (rate(http_requests_total[5m]))',
        start: s(start),
        end: s(now),
        step: '15',
      },
    },
    {
      name: 'exemplars',
      method: 'POST',
      path: '/api/v1/query_exemplars',
      params: { query: 'http_requests_total', start: s(start), end: s(now) },
    },
    { name: 'instant', method: 'POST', path: '/api/v1/query', params: { query: 'node_load1', time: s(now) } },
    // Alerting UI
    { name: 'rules', method: 'GET', path: '/api/v1/rules', params: {} },
    { name: 'alerts', method: 'GET', path: '/api/v1/alerts', params: {} },
  ];

  async function send(
    c: Call,
    token: string | undefined,
    tenant = 'acme',
  ): Promise<{ status: number; body: string; headers: Headers }> {
    const headers: Record<string, string> = { 'x-scope-orgid': tenant, 'accept-encoding': 'gzip' };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    const url = `${server!.url}/prometheus${c.path}`;
    const res =
      c.method === 'GET'
        ? await fetch(`${url}?${form(c.params)}`, { headers })
        : await fetch(url, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
            body: form(c.params),
          });
    return { status: res.status, body: await res.text(), headers: res.headers };
  }

  it('gets every answer with a read or read+write token', async () => {
    for (const scope of ['read', 'read+write']) {
      const answers: Record<string, any> = {};
      for (const c of calls()) {
        const r = await send(c, tokens[scope]);
        assert.equal(r.status, 200, `${scope} ${c.name}: ${r.body}`);
        answers[c.name] = JSON.parse(r.body);
        assert.equal(answers[c.name].status, 'success', c.name);
      }
      assert.deepEqual(answers['health query'].data, { resultType: 'scalar', result: [4, '2'] });
      assert.equal(answers['buildinfo'].data.features, undefined);
      assert.deepEqual(answers['metric names'].data, ['http_requests_total', 'node_load1']);
      assert.deepEqual(answers['label names'].data, ['__name__', 'code', 'job']);
      assert.deepEqual(answers['label values'].data, ['200', '500']);
      assert.deepEqual(answers['escaped label'].data, ['n1']);
      assert.equal(answers['series'].data.length, 2);
      assert.equal(answers['format'].data, 'sum by (code) (rate(http_requests_total[5m]))');
      assert.equal(answers['range'].data.resultType, 'matrix');
      assert.deepEqual(
        answers['range'].data.result.map((r: any) => r.metric),
        [{ code: '200' }, { code: '500' }],
      );
      assert.equal(answers['range'].data.result[0].values.at(-1)[0], now / 1000);
      assert.deepEqual(answers['exemplars'].data, []);
      assert.equal(answers['instant'].data.result.length, 1);
      assert.deepEqual(answers['rules'].data, { groups: [] });
    }
  });

  it('refuses a write-only token on every call with 403, and a missing or foreign token with 401', async () => {
    for (const c of calls()) {
      const w = await send(c, tokens['write']);
      assert.equal(w.status, 403, c.name);
      const none = await send(c, undefined);
      assert.equal(none.status, 401, c.name);
      const foreign = await send(c, tokens['other']);
      assert.equal(foreign.status, 401, c.name);
      const noOrg = await fetch(`${server!.url}/prometheus${c.path}`, {
        headers: { authorization: `Bearer ${tokens['read']}` },
      });
      assert.equal(noOrg.status, 400, c.name);
      assert.equal(await noOrg.text(), 'no org id\n');
    }
  });

  it('serves exemplars and metadata once they are ingested', async () => {
    const w = new ProtoWriter();
    w.message(1, (ts) => {
      ts.message(1, (l) => l.string(1, '__name__').string(2, 'traced_requests_total'));
      ts.message(1, (l) => l.string(1, 'job').string(2, 'api'));
      ts.message(2, (smp) => smp.double(1, 3).varint(2, now - 60_000));
      ts.message(3, (e) => {
        e.message(1, (l) => l.string(1, 'trace_id').string(2, '4bf92f3577b34da6'));
        e.double(2, 0.042).varint(3, now - 60_000);
      });
    });
    w.message(3, (m) => m.varint(1, 1).string(2, 'traced_requests_total').string(4, 'Requests traced.'));
    const res = await fetch(`${server!.url}/api/v1/push`, {
      method: 'POST',
      headers: {
        'x-scope-orgid': 'acme',
        authorization: `Bearer ${tokens['write']}`,
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
      },
      body: Buffer.from(snappyEncode(w.finish())),
    });
    assert.equal(res.status, 204);
    const r = await send(
      {
        name: 'exemplars',
        method: 'POST',
        path: '/api/v1/query_exemplars',
        params: { query: 'rate(traced_requests_total[5m])', start: s(start), end: s(now) },
      },
      tokens['read'],
    );
    assert.deepEqual(JSON.parse(r.body).data, [
      {
        seriesLabels: { __name__: 'traced_requests_total', job: 'api' },
        exemplars: [
          { labels: { trace_id: '4bf92f3577b34da6' }, value: '0.042', timestamp: (now - 60_000) / 1000 },
        ],
      },
    ]);
    const meta = await send(
      {
        name: 'metadata',
        method: 'GET',
        path: '/api/v1/metadata',
        params: { metric: 'traced_requests_total' },
      },
      tokens['read'],
    );
    assert.deepEqual(JSON.parse(meta.body).data, {
      traced_requests_total: [{ type: 'counter', help: 'Requests traced.', unit: '' }],
    });
  });

  it('sends gzip when accepted', async () => {
    const c = calls().find((x) => x.name === 'range') as Call;
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const url = new URL(`${server!.url}/prometheus${c.path}?${form(c.params)}`);
      const req = request(
        url,
        {
          headers: {
            'x-scope-orgid': 'acme',
            authorization: `Bearer ${tokens['read']}`,
            'accept-encoding': 'gzip',
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(parts) }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(raw.encoding, 'gzip');
    assert.equal(JSON.parse(gunzipSync(raw.body).toString()).status, 'success');
  });
});
