/** The dashboard's only way to talk to the server: its JSON API under /ui/api/. */

export type Role = 'member' | 'operator';
export type Scope = 'read' | 'write' | 'read+write';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly tenant: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly lastLoginAt: number | null;
  readonly mustChangePassword: boolean;
}

export interface SessionInfo {
  readonly user: User;
  /** The tenants this user may act on (an operator's: all of them). */
  readonly tenants: readonly string[];
  readonly server: {
    readonly publicUrl: string;
    readonly region: string | null;
    readonly features: {
      readonly prometheusApi: boolean;
      readonly usage: boolean;
      readonly limits: boolean;
    };
  };
}

export interface Token {
  readonly id: string;
  readonly name: string;
  readonly scope: Scope;
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly expiresAt: number | null;
}

/** An error answer: Prometheus's shape (`errorType`, `error`) for every dashboard API. */
export class ApiError extends Error {
  readonly status: number;
  readonly errorType: string;

  constructor(status: number, errorType: string, message: string) {
    super(message);
    this.status = status;
    this.errorType = errorType;
  }
}

/** Tells the server this call comes from the dashboard (see the server's same-origin check). */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = { 'x-xscaler-dashboard': '1' };

let onSignedOut: (() => void) | undefined;

/** Called when any call finds the session gone (expired, signed out elsewhere). */
export function setSignedOutHandler(fn: () => void): void {
  onSignedOut = fn;
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { ...DASHBOARD_HEADERS, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal !== undefined) init.signal = signal;
  const res = await fetch(path, init);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = json as { errorType?: string; error?: string } | null;
    const message = err?.error ?? (text.trim() || `${res.status} ${res.statusText}`);
    if (res.status === 401 && path !== '/ui/api/session') onSignedOut?.();
    throw new ApiError(res.status, err?.errorType ?? 'error', message);
  }
  return json as T;
}

export function tenantPath(tenant: string, rest: string): string {
  return `/ui/api/t/${encodeURIComponent(tenant)}${rest}`;
}

/** Base URL of the Prometheus API for the signed-in user on a tenant (what the editor completes from). */
export function prometheusBase(tenant: string): string {
  return tenantPath(tenant, '/prometheus');
}

export interface PromResponse<T> {
  readonly data: T;
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}

/** Endpoints that Prometheus serves for GET only (label values, metadata, status pages). */
function getOnly(endpoint: string): boolean {
  return (
    endpoint.startsWith('/api/v1/label/') ||
    endpoint.startsWith('/api/v1/status/') ||
    endpoint === '/api/v1/metadata'
  );
}

/**
 * Calls a Prometheus API endpoint (`/api/v1/query`) for a tenant: with a form body like Grafana
 * (long queries fit), or with URL parameters where the endpoint only takes GET.
 */
export async function prom<T>(
  tenant: string,
  endpoint: string,
  params: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<PromResponse<T>> {
  const form = new URLSearchParams(params).toString();
  const get = getOnly(endpoint);
  const init: RequestInit = get
    ? { method: 'GET', headers: { ...DASHBOARD_HEADERS }, credentials: 'same-origin' }
    : {
        method: 'POST',
        headers: { ...DASHBOARD_HEADERS, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        credentials: 'same-origin',
      };
  if (signal !== undefined) init.signal = signal;
  const url = prometheusBase(tenant) + endpoint + (get && form !== '' ? `?${form}` : '');
  const res = await fetch(url, init);
  const text = await res.text();
  let json: {
    status?: string;
    data?: T;
    errorType?: string;
    error?: string;
    warnings?: string[];
    infos?: string[];
  } | null;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    json = null;
  }
  if (!res.ok || json?.status !== 'success') {
    if (res.status === 401) onSignedOut?.();
    throw new ApiError(
      res.status,
      json?.errorType ?? 'error',
      json?.error ?? (text.trim() || res.statusText),
    );
  }
  return { data: json.data as T, warnings: json.warnings ?? [], infos: json.infos ?? [] };
}
