import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { pino } from 'pino';

import { Engine } from '../../promql/index.ts';
import { MemoryStorage } from '../../storage/index.ts';
import { Authenticator, SqliteControlPlane, type Scope } from '../../tenancy/index.ts';
import { HttpServer } from '../server.ts';
import { DEFAULT_QUERY_LIMITS, type PrometheusApiDeps, type QueryLimits } from './deps.ts';
import { prometheusApiEndpoints, registerPrometheusApi } from './routes.ts';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body when it is JSON, else undefined. */
  readonly json: any;
}

/**
 * An in-process server with the Prometheus API over in-memory storage, a real control plane and a
 * token of each scope for tenant `acme` (plus `other`). For the tests beside the handlers; the
 * end-to-end suites in test/e2e run the real `xscaler serve`.
 */
export class ApiHarness {
  readonly storage: MemoryStorage;
  readonly otherStorage = new MemoryStorage();
  readonly tokens: Record<Scope, string> = { read: '', write: '', 'read+write': '' };
  limits: QueryLimits = DEFAULT_QUERY_LIMITS;
  recorded: Array<{ tenant: string; samples: number }> = [];
  base = '';
  private dir = '';
  private store: SqliteControlPlane | null = null;
  private http: HttpServer | null = null;

  /** `storage` is tenant acme's (default: a plain MemoryStorage). */
  constructor(storage: MemoryStorage = new MemoryStorage()) {
    this.storage = storage;
  }

  async start(overrides: Partial<PrometheusApiDeps> = {}): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'xscaler-api-'));
    const store = new SqliteControlPlane(join(this.dir, 'control.db'));
    this.store = store;
    await store.createTenant('acme');
    await store.createTenant('other');
    for (const scope of ['read', 'write', 'read+write'] as const) {
      this.tokens[scope] = (await store.createToken({ tenant: 'acme', scope, name: scope })).token;
    }
    const auth = new Authenticator(store);
    const http = new HttpServer({ log: pino({ level: 'silent' }), ready: () => true });
    this.http = http;
    const deps: PrometheusApiDeps = {
      storage: async (t) => (t === 'acme' ? this.storage : this.otherStorage),
      engine: new Engine(),
      limits: () => this.limits,
      usage: { recordQuery: (tenant, samples) => void this.recorded.push({ tenant, samples }) },
      retentionMs: () => 30 * 24 * 3600_000,
      ...overrides,
    };
    registerPrometheusApi(http.router, auth, prometheusApiEndpoints(deps));
    const addr = await http.listen('127.0.0.1', 0);
    this.base = `http://127.0.0.1:${addr.port}/prometheus`;
    return this;
  }

  async stop(): Promise<void> {
    await this.http?.close(1000);
    this.store?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  headers(scope: Scope | null = 'read', tenant = 'acme'): Record<string, string> {
    const h: Record<string, string> = { 'x-scope-orgid': tenant };
    if (scope !== null) h['authorization'] = `Bearer ${this.tokens[scope]}`;
    return h;
  }

  /** GET with URL parameters (repeat a name by giving an array). */
  get(
    path: string,
    params: Record<string, string | string[]> = {},
    scope: Scope | null = 'read',
  ): Promise<Reply> {
    return this.call('GET', path + '?' + encode(params), undefined, scope);
  }

  /** POST with a form body. */
  post(
    path: string,
    params: Record<string, string | string[]> = {},
    scope: Scope | null = 'read',
  ): Promise<Reply> {
    return this.call('POST', path, encode(params), scope);
  }

  async call(
    method: string,
    pathAndQuery: string,
    form?: string,
    scope: Scope | null = 'read',
    extra: Record<string, string> = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...this.headers(scope), ...extra };
    if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(this.base + pathAndQuery, {
      method,
      headers,
      ...(form !== undefined ? { body: form } : {}),
      signal: AbortSignal.timeout(20_000),
    });
    const raw = Buffer.from(await res.arrayBuffer());
    // fetch undoes gzip itself; a raw gzip body only shows up when asked for with `extra`.
    const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString() : raw.toString();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }
}

export function encode(params: Record<string, string | string[]>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) u.append(k, x);
  return u.toString();
}
