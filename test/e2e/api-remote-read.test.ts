import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startPrometheus, type RunningPrometheus } from '../support/prometheus.ts';
import { push } from '../support/remote-write.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { eventually, missingTool } from '../support/tools.ts';
import { startHeaderProxy, type HeaderProxy } from '../support/header-proxy.ts';

interface PromReply {
  status: string;
  data: {
    resultType: string;
    result: Array<{
      metric: Record<string, string>;
      value?: [number, string];
      values?: Array<[number, string]>;
    }>;
  };
}

/**
 * A stock Prometheus with `remote_read` pointed at us (bearer token and X-Scope-OrgID, like its
 * remote_write) answers PromQL over data that only xScaler has. Debian's Prometheus 2.42 does not
 * send `remote_read.headers`, so a proxy supplies X-Scope-OrgID when it is missing (see
 * test/support/header-proxy.ts); the token travels through Prometheus's own `authorization`.
 */
describe('Prometheus remote_read → xScaler', { skip: missingTool('prometheus') }, () => {
  let server: TestServer | undefined;
  let prometheus: RunningPrometheus | undefined;
  let proxy: HeaderProxy | undefined;
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

  before(async () => {
    server = await startServer();
    await server.createTenant('acme');
    await server.createTenant('other');
    const write = await server.createToken('acme', 'write');
    const read = await server.createToken('acme', 'read');
    const otherWrite = await server.createToken('other', 'write');
    const samples = Array.from({ length: 31 }, (_, i) => [start + i * 60_000, i * 1.5] as const);
    const stale: Array<readonly [number, number | 'stale']> = [
      [start, 1],
      [start + 60_000, 'stale'],
    ];
    let res = await push(
      server.url,
      [
        { labels: { __name__: 'only_in_xscaler', job: 'api' }, samples },
        { labels: { __name__: 'only_in_xscaler', job: 'db' }, samples: samples.slice(0, 5) },
        { labels: { __name__: 'gone_stale', job: 'api' }, samples: stale },
      ],
      { tenant: 'acme', token: write },
    );
    assert.equal(res.status, 204);
    res = await push(server.url, [{ labels: { __name__: 'only_in_xscaler', job: 'intruder' }, samples }], {
      tenant: 'other',
      token: otherWrite,
    });
    assert.equal(res.status, 204);
    proxy = await startHeaderProxy(server.url, { 'x-scope-orgid': 'acme' });
    prometheus = await startPrometheus(`
global:
  scrape_interval: 1h
remote_read:
  - url: ${proxy.url}/prometheus/api/v1/read
    read_recent: true
    authorization:
      credentials: ${read}
    headers:
      X-Scope-OrgID: acme
`);
  });

  after(async () => {
    await prometheus?.stop();
    await proxy?.close();
    await server?.cleanup();
  });

  async function promQuery(path: string, params: Record<string, string>): Promise<PromReply> {
    const url = `${prometheus!.url}${path}?${new URLSearchParams(params)}`;
    return eventually(
      async () => {
        const res = await fetch(url);
        const body = (await res.json()) as PromReply;
        return res.status === 200 && body.status === 'success' ? body : undefined;
      },
      20_000,
      `Prometheus to answer ${url}`,
    );
  }

  it('answers an instant query from our data', async () => {
    const t = String((start + 30 * 60_000) / 1000);
    const body = await promQuery('/api/v1/query', { query: 'sum by (job) (only_in_xscaler)', time: t });
    const byJob = Object.fromEntries(body.data.result.map((r) => [r.metric['job'], r.value?.[1]]));
    assert.deepEqual(
      byJob,
      { api: '45' },
      "db's last sample is older than the lookback; other tenants stay out",
    );
  });

  it('answers a range query with every point', async () => {
    const body = await promQuery('/api/v1/query_range', {
      query: 'only_in_xscaler{job="api"}',
      start: String(start / 1000),
      end: String((start + 30 * 60_000) / 1000),
      step: '60',
    });
    assert.equal(body.data.result.length, 1);
    const values = body.data.result[0]!.values!;
    assert.equal(values.length, 31);
    assert.deepEqual(values[3], [(start + 3 * 60_000) / 1000, '4.5']);
  });

  it('carries stale markers: the series ends where it went stale', async () => {
    const before = await promQuery('/api/v1/query', {
      query: 'gone_stale',
      time: String((start + 30_000) / 1000),
    });
    assert.equal(before.data.result[0]?.value?.[1], '1', 'the sample before the marker comes through');
    const body = await promQuery('/api/v1/query', {
      query: 'gone_stale',
      time: String((start + 2 * 60_000) / 1000),
    });
    assert.deepEqual(body.data.result, [], 'a stale marker ends the series at once, without the 5m lookback');
  });
});
