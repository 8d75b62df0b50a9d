import { ForbiddenError, UnauthorizedError } from '../../model/index.ts';
import type { SignedIn } from '../../tenancy/index.ts';
import type { RequestContext } from '../context.ts';

/** The session cookie: HttpOnly, SameSite=Strict, sent only to the dashboard's API. */
export const SESSION_COOKIE = 'xsc_session';
export const SESSION_COOKIE_PATH = '/ui/api';

/**
 * Every dashboard API call carries this header. A page on another origin cannot add a custom
 * header to a request without a CORS preflight, which this server never approves, so together
 * with SameSite=Strict and the Origin check it makes the API safe from cross-site requests.
 */
export const DASHBOARD_HEADER = 'x-xscaler-dashboard';

export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The value of one cookie from the Cookie header, or undefined. */
export function readCookie(ctx: RequestContext, name: string): string | undefined {
  const raw = header(ctx, 'cookie');
  if (raw === undefined) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether cookies must be `Secure`: the public URL is https, or a proxy says the request was. */
export function isSecureRequest(ctx: RequestContext, publicUrl: string | undefined): boolean {
  if (publicUrl !== undefined) return publicUrl.startsWith('https:');
  return header(ctx, 'x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export function sessionCookie(secret: string, maxAgeSeconds: number, secure: boolean): string {
  return (
    `${SESSION_COOKIE}=${secret}; Path=${SESSION_COOKIE_PATH}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; ` +
    `HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
  );
}

export function clearSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/**
 * The origin this request was addressed to, as the browser sees it: the public URL's when one is
 * configured, else the Host header's (behind a proxy, X-Forwarded-Proto/Host).
 */
export function requestOrigins(ctx: RequestContext, publicUrl: string | undefined): string[] {
  const origins: string[] = [];
  if (publicUrl !== undefined) origins.push(new URL(publicUrl).origin);
  const host = header(ctx, 'x-forwarded-host')?.split(',')[0]?.trim() ?? header(ctx, 'host');
  if (host !== undefined && /^[A-Za-z0-9.\-:[\]]+$/.test(host)) {
    const proto = header(ctx, 'x-forwarded-proto')?.split(',')[0]?.trim() === 'https' ? 'https' : 'http';
    origins.push(`${proto}://${host.toLowerCase()}`);
    if (proto === 'http') origins.push(`https://${host.toLowerCase()}`);
  }
  return origins;
}

/**
 * Refuses requests that did not come from the dashboard itself: the custom header must be there,
 * the browser must not call it a cross-site request, and an Origin header (browsers send one on
 * every POST, PUT and DELETE) must be this server's.
 */
export function checkSameOrigin(ctx: RequestContext, publicUrl: string | undefined): void {
  if (header(ctx, DASHBOARD_HEADER) !== '1') {
    throw new ForbiddenError(
      `dashboard API requests need the "${DASHBOARD_HEADER}: 1" header; ` +
        'for programs, use the Prometheus API with an API token instead',
    );
  }
  const site = header(ctx, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ForbiddenError(`cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  const origin = header(ctx, 'origin');
  if (origin !== undefined && !requestOrigins(ctx, publicUrl).includes(origin.toLowerCase())) {
    throw new ForbiddenError(
      `cross-origin request refused (Origin: ${origin}); if the dashboard is reached through a proxy ` +
        `under another name, start the server with --public-url ${origin}`,
    );
  }
}

/** The tenants a signed-in user may act on: an operator every tenant, a member its own. */
export function checkTenantAccess(who: SignedIn, tenant: string): void {
  if (who.user.role === 'operator' || who.user.tenant === tenant) return;
  throw new ForbiddenError(`you are signed in to tenant "${who.user.tenant}", not "${tenant}"`);
}

export function requireOperator(who: SignedIn): void {
  if (who.user.role !== 'operator') throw new ForbiddenError('only operators can do this');
}

export function notSignedIn(): UnauthorizedError {
  return new UnauthorizedError('not signed in, or the session has expired: sign in again');
}
