import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startPrometheus, type RunningPrometheus } from '../support/prometheus.ts';
import { startHeaderProxy, type HeaderProxy } from '../support/header-proxy.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { eventually, missingTool } from '../support/tools.ts';

interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * The first vertical slice with a real client: Debian's Prometheus scrapes itself every second and
 * remote-writes to us with a write-scoped token and X-Scope-OrgID, configured exactly as the seeds
 * show. Debian's 2.42.0+ds build does not send remote_write `headers` (prometheus/prometheus#13030),
 * so the writes pass through a proxy that adds X-Scope-OrgID when the request lacks it, as a
 * reverse proxy in front of an older Prometheus would; a Prometheus that sends it is passed as is.
 */
describe('Prometheus remote_write → xScaler → PromQL', { skip: missingTool('prometheus') }, () => {
  let server: TestServer | undefined;
  let prometheus: RunningPrometheus | undefined;
  let proxy: HeaderProxy | undefined;
  let readToken = '';
  let otherReadToken = '';

  before(async () => {
    server = await startServer();
    await server.createTenant('acme');
    await server.createTenant('other');
    const writeToken = await server.createToken('acme', 'write', 'prometheus');
    readToken = await server.createToken('acme', 'read', 'grafana');
    otherReadToken = await server.createToken('other', 'read', 'grafana');
    proxy = await startHeaderProxy(server.url, { 'X-Scope-OrgID': 'acme' });
    prometheus = await startPrometheus(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$PORT']
remote_write:
  - url: ${proxy.url}/api/v1/push
    authorization:
      credentials: ${writeToken}
    headers:
      X-Scope-OrgID: acme
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 1s
`);
  });

  after(async () => {
    await prometheus?.stop();
    await proxy?.close();
    await server?.cleanup();
  });

  async function query(
    target: TestServer,
    tenant: string,
    token: string,
    q: string,
  ): Promise<VectorResult[]> {
    const res = await fetch(`${target.url}/prometheus/api/v1/query`, {
      method: 'POST',
      headers: {
        'x-scope-orgid': tenant,
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ query: q }),
    });
    const body = (await res.json()) as {
      status: string;
      data: { resultType: string; result: VectorResult[] };
    };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'success');
    assert.equal(body.data.resultType, 'vector');
    return body.data.result;
  }

  it('stores what Prometheus sends, for the sending tenant only, and keeps it across kill -9', async () => {
    assert.ok(server && prometheus);
    const found = await eventually(
      async () => {
        const up = await query(server as TestServer, 'acme', readToken, 'up');
        const info = await query(server as TestServer, 'acme', readToken, 'prometheus_build_info');
        return up.length > 0 && info.length > 0 ? { up, info } : undefined;
      },
      60_000,
      'up and prometheus_build_info to arrive',
    );
    assert.equal(found.up[0]?.metric['job'], 'prometheus');
    assert.equal(found.up[0]?.metric['__name__'], 'up');
    assert.equal(found.up[0]?.value[1], '1');
    assert.match(found.info[0]?.metric['version'] ?? '', /^2\./);

    // Tenant isolation: the other tenant sees nothing.
    assert.deepEqual(await query(server, 'other', otherReadToken, 'up'), []);
    assert.deepEqual(await query(server, 'other', otherReadToken, '{__name__=~".+"}'), []);

    // Everything acknowledged survives SIGKILL: stop Prometheus first so nothing new arrives.
    await prometheus.stop();
    prometheus = undefined;
    const before = await query(server, 'acme', readToken, 'count_over_time(up[1h])');
    const countBefore = Number(before[0]?.value[1]);
    assert.ok(countBefore >= 1);
    await server.kill();
    server = await server.restart();
    const afterKill = await query(server, 'acme', readToken, 'count_over_time(up[1h])');
    assert.equal(
      Number(afterKill[0]?.value[1]),
      countBefore,
      'every acknowledged sample of up is still there',
    );
    assert.ok((await query(server, 'acme', readToken, 'prometheus_build_info')).length > 0);
  });
});
