import { UnauthorizedError } from '../../model/index.ts';
import type { User } from '../../tenancy/index.ts';
import { sendEmpty, sendJson, type RequestContext } from '../context.ts';
import { JsonBody } from './json-body.ts';
import type { LoginThrottle } from './login-throttle.ts';
import {
  clearSessionCookie,
  isSecureRequest,
  readCookie,
  requestOrigins,
  SESSION_COOKIE,
  sessionCookie,
} from './session-gate.ts';
import type { DashboardDeps, UiCall } from './types.ts';

/** What the dashboard may know about a user. */
export function publicUser(u: User): Record<string, unknown> {
  return {
    id: u.id,
    email: u.email,
    tenant: u.tenant,
    role: u.role,
    createdAt: u.createdAt,
    lastLoginAt: u.lastLoginAt,
    mustChangePassword: u.mustChangePassword,
  };
}

/** `POST /ui/api/session {email, password}`: signs in and sets the session cookie. */
export async function signIn(
  deps: DashboardDeps,
  throttle: LoginThrottle,
  ctx: RequestContext,
): Promise<void> {
  const body = await JsonBody.of(ctx);
  const email = body.string('email').trim().toLowerCase();
  const password = body.string('password');
  const client = ctx.req.socket.remoteAddress ?? 'unknown';
  throttle.check(email, client);
  const user = await deps.accounts.authenticate(email, password);
  if (user === null) {
    throttle.failed(email, client);
    throw new UnauthorizedError('wrong email or password');
  }
  throttle.succeeded(email);
  const { secret } = await deps.sessions.start(user.id);
  const cookie = sessionCookie(secret, deps.sessions.absoluteMs / 1000, isSecureRequest(ctx, deps.publicUrl));
  sendJson(ctx.res, 200, { user: publicUser(user) }, { 'set-cookie': cookie, 'cache-control': 'no-store' });
}

/** `DELETE /ui/api/session`: signs out (ends the session and clears the cookie). */
export async function signOut(deps: DashboardDeps, ctx: RequestContext): Promise<void> {
  const secret = readCookie(ctx, SESSION_COOKIE);
  if (secret !== undefined) await deps.sessions.end(secret);
  ctx.res.setHeader('set-cookie', clearSessionCookie(isSecureRequest(ctx, deps.publicUrl)));
  sendEmpty(ctx.res, 204);
}

/** `GET /ui/api/session`: who is signed in, which tenants they may act on, how to reach us. */
export async function sessionInfo(deps: DashboardDeps, call: UiCall): Promise<void> {
  const { user } = call.who;
  const tenants =
    user.role === 'operator' ? (await deps.store.listTenants()).map((t) => t.id) : [user.tenant];
  sendJson(
    call.ctx.res,
    200,
    {
      user: publicUser(user),
      tenants,
      server: {
        publicUrl: publicUrlOf(deps, call.ctx),
        region: deps.region ?? null,
        features: {
          prometheusApi: deps.prometheusApi !== undefined,
          usage: deps.usage !== undefined,
          limits: deps.limits !== undefined,
        },
      },
    },
    { 'cache-control': 'no-store' },
  );
}

/** `PUT /ui/api/session/password {current, next}`: changes one's own password, ends other sessions. */
export async function changePassword(deps: DashboardDeps, call: UiCall): Promise<void> {
  const body = await JsonBody.of(call.ctx);
  await deps.accounts.changePassword(call.who.user.id, body.string('current'), body.string('next'));
  await deps.sessions.endAllFor(call.who.user.id, call.who.session);
  sendEmpty(call.ctx.res, 204);
}

/** The configured public URL, else the origin the browser used to reach us. */
export function publicUrlOf(deps: DashboardDeps, ctx: RequestContext): string {
  if (deps.publicUrl !== undefined) return deps.publicUrl.replace(/\/+$/, '');
  return requestOrigins(ctx, undefined)[0] ?? 'http://localhost:8080';
}
