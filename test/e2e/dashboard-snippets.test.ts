import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { clientGuides, TOKEN_PLACEHOLDER, type ClientGuide } from '../../web/src/pages/connect/snippets.ts';

/**
 * The Connect page's snippets against every rule of the user docs (seeds: overview, troubleshooting,
 * OTel SDK for Python). The page itself is driven in dashboard.test.ts; these are the exact texts.
 */
const BASE = 'https://euw1-01.m.xscalerlabs.com';
const TENANT = 'team-a';
const TOKEN = 'xsc_' + 'A'.repeat(43);

function guide(id: string, token?: string): ClientGuide {
  const g = clientGuides({ baseUrl: BASE, tenant: TENANT, token }).find((x) => x.id === id);
  assert.ok(g, id);
  return g;
}

const code = (g: ClientGuide): string => g.snippets.map((s) => s.code).join('\n');

describe('Connect snippets', () => {
  it('covers every client the docs name', () => {
    assert.deepEqual(
      clientGuides({ baseUrl: BASE, tenant: TENANT }).map((g) => g.id),
      ['prometheus', 'alloy', 'collector', 'python', 'nodejs', 'go', 'grafana', 'curl'],
    );
  });

  it('prometheus.yml: push URL ends in /api/v1/push, authorization.credentials, X-Scope-OrgID header', () => {
    const text = code(guide('prometheus', TOKEN));
    assert.match(text, /^remote_write:\n {2}- url: https:\/\/euw1-01\.m\.xscalerlabs\.com\/api\/v1\/push\n/);
    assert.match(text, /\n {4}authorization:\n {6}credentials: xsc_A{43}\n/);
    assert.match(text, /\n {4}headers:\n {6}X-Scope-OrgID: team-a\n/);
    assert.doesNotMatch(text, /Bearer|\/api\/v1\/write|basic_auth/);
    assert.equal(guide('prometheus').scope, 'write');
  });

  it('Alloy: credentials is the raw token, type = "Bearer", X-Scope-OrgID in headers', () => {
    const text = code(guide('alloy', TOKEN));
    assert.match(text, /url = "https:\/\/euw1-01\.m\.xscalerlabs\.com\/api\/v1\/push"/);
    assert.match(text, /"X-Scope-OrgID" = "team-a",/);
    assert.match(text, /type {8}= "Bearer"\n {6}credentials = "xsc_A{43}"/);
    assert.doesNotMatch(text, /credentials = "Bearer/);
    assert.equal(guide('alloy').scope, 'read+write', 'the docs recommend read+write for Alloy');
  });

  it('Collector: otlphttp endpoint is the base host only; both headers, Bearer with a space', () => {
    const text = code(guide('collector', TOKEN));
    assert.match(text, /\n {4}endpoint: https:\/\/euw1-01\.m\.xscalerlabs\.com\n/);
    assert.doesNotMatch(text, /otlp\/v1\/metrics|\/v1\/metrics/);
    assert.match(text, /Authorization: "Bearer xsc_A{43}"/);
    assert.match(text, /X-Scope-OrgID: "team-a"/);
    assert.match(text, /exporters: \[otlphttp\/xscaler\]/);
  });

  it('SDKs (Python, Node.js, Go): the full /otlp/v1/metrics path and both headers', () => {
    const full = 'https://euw1-01.m.xscalerlabs.com/otlp/v1/metrics';
    const python = code(guide('python', TOKEN));
    assert.ok(python.includes(`endpoint="${full}"`));
    assert.ok(python.includes(`"Authorization": f"Bearer {os.environ['XSCALER_TOKEN']}"`));
    assert.ok(python.includes(`"X-Scope-OrgID": os.environ["XSCALER_TENANT_ID"]`));
    assert.ok(python.includes(`export XSCALER_TOKEN='${TOKEN}'`));
    assert.ok(python.includes(`export XSCALER_TENANT_ID='team-a'`));
    assert.ok(python.includes('pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http'));
    const node = code(guide('nodejs'));
    assert.ok(node.includes(`url: '${full}'`));
    assert.ok(node.includes('Authorization: `Bearer ${process.env.XSCALER_TOKEN}`'));
    assert.ok(node.includes(`'X-Scope-OrgID': process.env.XSCALER_TENANT_ID`));
    const go = code(guide('go'));
    assert.ok(go.includes(`otlpmetrichttp.WithEndpointURL("${full}")`));
    assert.ok(go.includes(`"Authorization": "Bearer " + os.Getenv("XSCALER_TOKEN")`));
    assert.ok(go.includes(`"X-Scope-OrgID": os.Getenv("XSCALER_TENANT_ID")`));
  });

  it('Grafana: URL ends in /prometheus, headers in the HTTP Headers section (not Basic Auth), read scope', () => {
    const g = guide('grafana', TOKEN);
    const text = code(g);
    assert.match(text, /Prometheus server URL: {2}https:\/\/euw1-01\.m\.xscalerlabs\.com\/prometheus\n/);
    assert.match(text, /HTTP Headers/);
    assert.match(text, /Header: Authorization {4}Value: Bearer xsc_A{43}/);
    assert.match(text, /Header: X-Scope-OrgID {4}Value: team-a/);
    assert.match(text, /url: https:\/\/euw1-01\.m\.xscalerlabs\.com\/prometheus\n/);
    assert.match(text, /httpHeaderName1: Authorization[\s\S]*httpHeaderValue1: Bearer xsc_A{43}/);
    assert.doesNotMatch(text, /basicAuth/);
    assert.ok(g.notes.some((n) => /not in Basic Auth/.test(n)));
    assert.equal(g.scope, 'read');
  });

  it('curl: both headers on every request, query under /prometheus/api/v1/query', () => {
    const text = code(guide('curl', TOKEN));
    const requests = text.split('curl -sS').slice(1);
    assert.equal(requests.length, 2);
    for (const r of requests) {
      assert.match(r, /-H "Authorization: Bearer \$XSCALER_TOKEN"/);
      assert.match(r, /-H "X-Scope-OrgID: \$XSCALER_TENANT_ID"/);
    }
    assert.match(text, /"https:\/\/euw1-01\.m\.xscalerlabs\.com\/prometheus\/api\/v1\/query"/);
    assert.match(text, /"https:\/\/euw1-01\.m\.xscalerlabs\.com\/otlp\/v1\/metrics"/);
  });

  it('uses the <token> placeholder until a token is created, and never a trailing slash in URLs', () => {
    for (const g of clientGuides({ baseUrl: BASE + '/', tenant: TENANT })) {
      const text = code(g);
      assert.ok(text.includes(TOKEN_PLACEHOLDER), `${g.id} shows the placeholder`);
      assert.ok(!text.includes('.com//'), `${g.id} has no double slash`);
    }
  });
});
