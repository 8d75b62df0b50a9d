import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import { pino } from 'pino';

import {
  Accounts,
  Authenticator,
  Sessions,
  SqliteControlPlane,
  SqliteSessionStore,
  SqliteUserStore,
} from '../../tenancy/index.ts';
import { sendJson } from '../context.ts';
import { HttpServer } from '../server.ts';
import { mountDashboard, type Dashboard } from './dashboard.ts';
import { LoginThrottle } from './login-throttle.ts';
import { StaticAssets } from './static-assets.ts';

/** A browser-like client: keeps the session cookie, sends the dashboard header and an Origin. */
class Client {
  cookie: string | undefined;
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: any; headers: Headers }> {
    const h: Record<string, string> = { 'x-xscaler-dashboard': '1', origin: this.base, ...headers };
    if (this.cookie !== undefined) h['cookie'] = this.cookie;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method,
      headers: h,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const set = res.headers.get('set-cookie');
    if (set !== null) this.cookie = set.split(';')[0];
    const text = await res.text();
    const isJson = res.headers.get('content-type') === 'application/json';
    return { status: res.status, json: isJson ? JSON.parse(text) : text, headers: res.headers };
  }

  async signIn(email: string, password: string): Promise<number> {
    return (await this.call('POST', '/ui/api/session', { email, password })).status;
  }
}

describe('dashboard API', () => {
  let dir: string;
  let store: SqliteControlPlane;
  let accounts: Accounts;
  let auth: Authenticator;
  let http: HttpServer;
  let dashboard: Dashboard;
  let base: string;
  let memberPassword: string;
  const operatorPassword = 'operator passphrase';
  const seenByPromApi: Array<{ tenant: string; path: string; query: string | null }> = [];
  let usageSnapshots = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xscaler-ui-'));
    store = new SqliteControlPlane(join(dir, 'control.db'));
    const users = new SqliteUserStore(store.db);
    accounts = new Accounts(users, store);
    auth = new Authenticator(store, { cacheTtlMs: 60_000 }); // long: deletion must not wait for it
    await store.createTenant('acme');
    await store.createTenant('globex');
    memberPassword = (await accounts.create({ tenant: 'acme', email: 'ada@acme.io', role: 'member' }))
      .password as string;
    await accounts.create({
      tenant: 'globex',
      email: 'op@xscaler.io',
      role: 'operator',
      password: operatorPassword,
    });

    const assetsDir = join(dir, 'web');
    mkdirSync(join(assetsDir, 'assets'), { recursive: true });
    writeFileSync(join(assetsDir, 'index.html'), '<!doctype html><title>xScaler</title>');
    const js = 'console.log("hello from the dashboard bundle");';
    writeFileSync(join(assetsDir, 'assets', 'app-abc123.js'), js);
    writeFileSync(join(assetsDir, 'assets', 'app-abc123.js.br'), brotliCompressSync(js));
    writeFileSync(join(dir, 'secret.txt'), 'not for the web');

    http = new HttpServer({ log: pino({ level: 'silent' }), ready: () => true });
    dashboard = mountDashboard(http.router, {
      store,
      auth,
      accounts,
      sessions: new Sessions(new SqliteSessionStore(store.db), users),
      region: 'test-1',
      assets: new StaticAssets(assetsDir),
      throttle: new LoginThrottle({ perAccount: 3 }),
      prometheusApi: (_method, path) =>
        path === '/api/v1/query'
          ? async (ctx, caller) => {
              seenByPromApi.push({
                tenant: caller.tenant,
                path: ctx.url.pathname,
                query: ctx.url.searchParams.get('query'),
              });
              sendJson(ctx.res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
            }
          : undefined,
      usage: {
        snapshot: async (tenant) => {
          usageSnapshots++;
          return { tenant, ingestionRate: 12.5, limits: { ingestionRate: 100 } };
        },
      },
    });
    const address = await http.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${address.port}`;
  });

  after(async () => {
    dashboard.close();
    await http.close(100);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses calls without the dashboard header, from other origins, or cross-site', async () => {
    const noHeader = await fetch(`${base}/ui/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'op@xscaler.io', password: operatorPassword }),
    });
    assert.equal(noHeader.status, 403);
    assert.match(((await noHeader.json()) as { error: string }).error, /x-xscaler-dashboard: 1/);

    const c = new Client(base);
    const evil = await c.call(
      'POST',
      '/ui/api/session',
      { email: 'op@xscaler.io', password: operatorPassword },
      {
        origin: 'https://evil.example',
      },
    );
    assert.equal(evil.status, 403);
    assert.match(evil.json.error, /cross-origin/);
    const crossSite = await c.call('GET', '/ui/api/session', undefined, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    assert.equal(c.cookie, undefined);
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie scoped to the API, and signs out', async () => {
    const c = new Client(base);
    assert.equal((await c.call('GET', '/ui/api/session')).status, 401);
    assert.equal(await c.signIn('op@xscaler.io', 'wrong password!'), 401);
    const ok = await c.call('POST', '/ui/api/session', {
      email: 'OP@xscaler.io',
      password: operatorPassword,
    });
    assert.equal(ok.status, 200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(
      cookie,
      /^xsc_session=[A-Za-z0-9_-]{43}; Path=\/ui\/api; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    );
    const info = await c.call('GET', '/ui/api/session');
    assert.equal(info.status, 200);
    assert.equal(info.json.user.role, 'operator');
    assert.deepEqual(info.json.tenants, ['acme', 'globex']);
    assert.equal(info.json.server.publicUrl, base);
    assert.equal(info.json.server.region, 'test-1');
    assert.equal(info.json.server.features.prometheusApi, true);

    const out = await c.call('DELETE', '/ui/api/session');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    c.cookie = ok.headers.get('set-cookie')?.split(';')[0];
    assert.equal((await c.call('GET', '/ui/api/session')).status, 401, 'the old cookie no longer works');
  });

  it('makes a one-time password be replaced before anything else', async () => {
    const c = new Client(base);
    assert.equal(await c.signIn('ada@acme.io', memberPassword), 200);
    const blocked = await c.call('GET', '/ui/api/t/acme/tokens');
    assert.equal(blocked.status, 403);
    assert.match(blocked.json.error, /one-time password/);
    assert.equal((await c.call('GET', '/ui/api/session')).json.user.mustChangePassword, true);
    const weak = await c.call('PUT', '/ui/api/session/password', { current: memberPassword, next: 'short' });
    assert.equal(weak.status, 400);
    const changed = await c.call('PUT', '/ui/api/session/password', {
      current: memberPassword,
      next: 'ada chose this one',
    });
    assert.equal(changed.status, 204);
    memberPassword = 'ada chose this one';
    assert.equal((await c.call('GET', '/ui/api/t/acme/tokens')).status, 200);
  });

  it('creates, lists and deletes tokens; a deleted token is refused by the gate at once', async () => {
    const c = new Client(base);
    assert.equal(await c.signIn('ada@acme.io', memberPassword), 200);
    const bad = await c.call('POST', '/ui/api/t/acme/tokens', { name: 'x', scope: 'admin' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /unknown scope/);
    const created = await c.call('POST', '/ui/api/t/acme/tokens', {
      name: 'prometheus',
      scope: 'write',
      expiresInDays: 30,
    });
    assert.equal(created.status, 201);
    const { token, record } = created.json;
    assert.match(token, /^xsc_/);
    assert.equal(record.scope, 'write');
    assert.ok(token.startsWith(record.prefix));
    assert.ok(record.expiresAt > Date.now());

    const list = await c.call('GET', '/ui/api/t/acme/tokens');
    assert.equal(list.json.tokens.length, 1);
    assert.ok(!JSON.stringify(list.json).includes(token), 'the secret is never listed');

    await auth.authorize('acme', `Bearer ${token}`, 'write'); // now cached for a minute
    assert.equal((await c.call('DELETE', `/ui/api/t/globex/tokens/${record.id}`)).status, 403);
    assert.equal((await c.call('DELETE', `/ui/api/t/acme/tokens/tok_nope`)).status, 404);
    assert.equal((await c.call('DELETE', `/ui/api/t/acme/tokens/${record.id}`)).status, 204);
    await assert.rejects(auth.authorize('acme', `Bearer ${token}`, 'write'), /invalid or revoked token/);
    assert.equal((await c.call('GET', '/ui/api/t/acme/tokens')).json.tokens.length, 0);
  });

  it('keeps members to their own tenant and out of the operator API', async () => {
    const c = new Client(base);
    assert.equal(await c.signIn('ada@acme.io', memberPassword), 200);
    const other = await c.call('GET', '/ui/api/t/globex/tokens');
    assert.equal(other.status, 403);
    assert.match(other.json.error, /signed in to tenant "acme"/);
    assert.equal((await c.call('GET', '/ui/api/admin/users')).status, 403);
    assert.equal((await c.call('POST', '/ui/api/admin/tenants', { id: 'mine' })).status, 403);
  });

  it('lets operators manage tenants and users and act on any tenant', async () => {
    const c = new Client(base);
    assert.equal(await c.signIn('op@xscaler.io', operatorPassword), 200);
    assert.equal((await c.call('POST', '/ui/api/admin/tenants', { id: 'initech' })).status, 201);
    assert.equal((await c.call('POST', '/ui/api/admin/tenants', { id: 'initech' })).status, 400);
    assert.equal((await c.call('POST', '/ui/api/admin/tenants', { id: 'bad id' })).status, 400);
    const tenants = await c.call('GET', '/ui/api/admin/tenants');
    assert.deepEqual(
      tenants.json.tenants.map((t: { id: string; users: number }) => `${t.id}:${t.users}`),
      ['acme:1', 'globex:1', 'initech:0'],
    );
    const user = await c.call('POST', '/ui/api/admin/users', { tenant: 'initech', email: 'pm@initech.io' });
    assert.equal(user.status, 201);
    assert.match(user.json.password, /^[a-z2-9-]{23}$/);
    assert.equal(user.json.user.role, 'member');
    const reset = await c.call('POST', `/ui/api/admin/users/${user.json.user.id}/password`);
    assert.equal(reset.status, 200);
    assert.notEqual(reset.json.password, user.json.password);
    const users = await c.call('GET', '/ui/api/admin/users');
    assert.equal(users.json.users.length, 3);
    assert.ok(!JSON.stringify(users.json).includes('argon2'));
    assert.equal((await c.call('DELETE', `/ui/api/admin/users/${user.json.user.id}`)).status, 204);
    const me = (await c.call('GET', '/ui/api/session')).json.user.id;
    assert.equal((await c.call('DELETE', `/ui/api/admin/users/${me}`)).status, 400);
    assert.equal((await c.call('GET', '/ui/api/t/acme/tokens')).status, 200);
    assert.equal((await c.call('GET', '/ui/api/t/nope/tokens')).status, 404);
    assert.equal((await c.call('GET', '/ui/api/admin/limits/acme')).status, 404, 'no limits module wired');
  });

  it('serves the Prometheus API handlers for the signed-in tenant, read-only', async () => {
    const c = new Client(base);
    assert.equal(await c.signIn('ada@acme.io', memberPassword), 200);
    const q = await c.call('GET', '/ui/api/t/acme/prometheus/api/v1/query?query=up');
    assert.equal(q.status, 200);
    assert.equal(q.json.status, 'success');
    assert.deepEqual(seenByPromApi.at(-1), { tenant: 'acme', path: '/prometheus/api/v1/query', query: 'up' });
    const missing = await c.call('GET', '/ui/api/t/acme/prometheus/api/v1/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.status, 'error');
    assert.equal((await c.call('GET', '/ui/api/t/globex/prometheus/api/v1/query?query=up')).status, 403);
  });

  it('reports usage with its history', async () => {
    const c = new Client(base);
    assert.equal(await c.signIn('ada@acme.io', memberPassword), 200);
    const before = usageSnapshots;
    const u = await c.call('GET', '/ui/api/t/acme/usage');
    assert.equal(u.status, 200);
    assert.equal(u.json.now.ingestionRate, 12.5);
    assert.equal(usageSnapshots - before, 1, 'one snapshot per call, kept as a point when one is due');
    assert.ok(u.json.history.length >= 1);
    const last = u.json.history.at(-1);
    assert.equal(last.v.ingestionRate, 12.5);
    assert.equal(u.json.historyFrom, u.json.history[0].t);
    // A refresh gets only what is newer than what the page has.
    const again = await c.call('GET', `/ui/api/t/acme/usage?since=${last.t}`);
    assert.deepEqual(again.json.history, []);
    assert.equal(again.json.historyFrom, u.json.historyFrom);
  });

  it('answers unknown API paths with 404 and wrong methods with 405, in JSON', async () => {
    const c = new Client(base);
    const nf = await c.call('GET', '/ui/api/nothing');
    assert.equal(nf.status, 404);
    assert.equal(nf.json.status, 'error');
    const na = await c.call('PATCH', '/ui/api/session');
    assert.equal(na.status, 405);
    const wrong = await c.call('PUT', '/ui/api/admin/tenants', {});
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, POST');
  });

  it('throttles repeated failed sign-ins with 429 and Retry-After', async () => {
    const c = new Client(base);
    for (let i = 0; i < 3; i++) assert.equal(await c.signIn('nobody@acme.io', `guess number ${i}`), 401);
    const limited = await c.call('POST', '/ui/api/session', {
      email: 'nobody@acme.io',
      password: 'guess again',
    });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  it('serves the built pages with a strict CSP, hashed assets compressed and cached, nothing else', async () => {
    for (const path of ['/', '/explore', '/settings/tokens', '/admin/users']) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(await res.text(), /<title>xScaler<\/title>/);
    }
    const js = await fetch(`${base}/assets/app-abc123.js`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-encoding'), 'br');
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    assert.match(await js.text(), /hello from the dashboard bundle/);
    const again = await fetch(`${base}/assets/app-abc123.js`, {
      headers: { 'if-none-match': js.headers.get('etag') ?? '' },
    });
    assert.equal(again.status, 304);
    // A new build replaces index.html while the server runs: the next page load gets it.
    const index = join(dir, 'web', 'index.html');
    writeFileSync(index, '<!doctype html><title>xScaler 2</title>');
    utimesSync(index, new Date(), new Date(Date.now() + 60_000));
    assert.match(await (await fetch(`${base}/usage`)).text(), /xScaler 2/);
    for (const path of [
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/missing.js',
      '/nope',
    ]) {
      assert.equal((await fetch(base + path)).status, 404, path);
    }
  });
});

describe('dashboard behind a proxy (--public-url)', () => {
  it('accepts the public origin, sets Secure cookies and reports the public URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xscaler-ui-proxy-'));
    const store = new SqliteControlPlane(join(dir, 'control.db'));
    const users = new SqliteUserStore(store.db);
    const accounts = new Accounts(users, store);
    await store.createTenant('acme');
    await accounts.create({
      tenant: 'acme',
      email: 'p@acme.io',
      role: 'member',
      password: 'proxy passphrase',
    });
    const http = new HttpServer({ log: pino({ level: 'silent' }), ready: () => true });
    const dashboard = mountDashboard(http.router, {
      store,
      auth: new Authenticator(store),
      accounts,
      sessions: new Sessions(new SqliteSessionStore(store.db), users),
      publicUrl: 'https://metrics.example.com',
    });
    try {
      const { port } = await http.listen('127.0.0.1', 0);
      const c = new Client(`http://127.0.0.1:${port}`);
      const body = { email: 'p@acme.io', password: 'proxy passphrase' };
      const other = await c.call('POST', '/ui/api/session', body, { origin: 'https://other.example.com' });
      assert.equal(other.status, 403);
      assert.match(other.json.error, /--public-url https:\/\/other\.example\.com/);
      const ok = await c.call('POST', '/ui/api/session', body, { origin: 'https://metrics.example.com' });
      assert.equal(ok.status, 200);
      assert.match(ok.headers.get('set-cookie') ?? '', /; Secure$/);
      const info = await c.call('GET', '/ui/api/session', undefined, {
        origin: 'https://metrics.example.com',
      });
      assert.equal(info.json.server.publicUrl, 'https://metrics.example.com');
    } finally {
      dashboard.close();
      await http.close(100);
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
