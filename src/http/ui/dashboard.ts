import { ForbiddenError, NotFoundError } from '../../model/index.ts';
import type { SignedIn } from '../../tenancy/index.ts';
import { sendError, sendJson, sendText, type Handler, type RequestContext } from '../context.ts';
import type { Router } from '../router.ts';
import * as admin from './api-admin.ts';
import { prometheusApi } from './api-prometheus.ts';
import { changePassword, sessionInfo, signIn, signOut } from './api-session.ts';
import { createToken, deleteToken, listTokens } from './api-tokens.ts';
import { usage } from './api-usage.ts';
import { LoginThrottle } from './login-throttle.ts';
import {
  checkSameOrigin,
  checkTenantAccess,
  notSignedIn,
  readCookie,
  requireOperator,
  SESSION_COOKIE,
} from './session-gate.ts';
import { StaticAssets } from './static-assets.ts';
import type { DashboardDeps, UiCall } from './types.ts';
import { UsageHistory } from './usage-history.ts';

/** Who may call a route: anyone (sign-in), any signed-in user, or operators only. */
type Access = 'public' | 'user' | 'operator';

interface ApiRoute {
  readonly methods: readonly string[];
  readonly pattern: RegExp;
  readonly access: Access;
  /** The first path parameter is a tenant the user must have access to. */
  readonly tenantScoped?: boolean;
  /** Allowed while the user still has to replace a one-time password. */
  readonly beforePasswordChange?: boolean;
  readonly run: (ctx: RequestContext, params: string[], who: SignedIn | null) => Promise<void>;
}

/** Page paths of the single-page app (the rest of the URL space belongs to the APIs). */
const PAGES = ['/', '/login', '/connect', '/explore', '/usage'];
const PAGE_PREFIXES = ['/settings/', '/admin/'];
const SEGMENT = '([^/]+)';

export interface Dashboard {
  /** Stops the usage sampler and the pruning of expired sessions. */
  close(): void;
}

/**
 * Mounts the dashboard on the router: its JSON API under `/ui/api/` (session cookie, same-origin
 * checks) and the built single-page app at `/`.
 */
export function mountDashboard(router: Router, deps: DashboardDeps): Dashboard {
  const throttle = deps.throttle ?? new LoginThrottle();
  const assets = deps.assets ?? new StaticAssets();
  const history =
    deps.usage === undefined
      ? undefined
      : new UsageHistory(deps.usage, async () => (await deps.store.listTenants()).map((t) => t.id));
  history?.start();
  void history?.sample().catch(() => undefined);
  const pruner = setInterval(() => void deps.sessions.prune().catch(() => undefined), 3600_000);
  pruner.unref();

  const call =
    (fn: (deps: DashboardDeps, call: UiCall) => Promise<void>) =>
    (ctx: RequestContext, params: string[], who: SignedIn | null): Promise<void> =>
      fn(deps, { ctx, params, who: who as SignedIn });

  const t = `^/ui/api/t/${SEGMENT}`;
  const routes: ApiRoute[] = [
    {
      methods: ['POST'],
      pattern: /^\/ui\/api\/session$/,
      access: 'public',
      run: (ctx) => signIn(deps, throttle, ctx),
    },
    {
      methods: ['DELETE'],
      pattern: /^\/ui\/api\/session$/,
      access: 'public',
      run: (ctx) => signOut(deps, ctx),
    },
    {
      methods: ['GET'],
      pattern: /^\/ui\/api\/session$/,
      access: 'user',
      beforePasswordChange: true,
      run: call(sessionInfo),
    },
    {
      methods: ['PUT'],
      pattern: /^\/ui\/api\/session\/password$/,
      access: 'user',
      beforePasswordChange: true,
      run: call(changePassword),
    },
    {
      methods: ['GET'],
      pattern: re(`${t}/tokens$`),
      access: 'user',
      tenantScoped: true,
      run: call(listTokens),
    },
    {
      methods: ['POST'],
      pattern: re(`${t}/tokens$`),
      access: 'user',
      tenantScoped: true,
      run: call(createToken),
    },
    {
      methods: ['DELETE'],
      pattern: re(`${t}/tokens/${SEGMENT}$`),
      access: 'user',
      tenantScoped: true,
      run: call(deleteToken),
    },
    {
      methods: ['GET'],
      pattern: re(`${t}/usage$`),
      access: 'user',
      tenantScoped: true,
      run: call((d, c) => usage(d, history, c)),
    },
    {
      methods: ['GET', 'POST'],
      pattern: re(`${t}/prometheus/(.+)$`),
      access: 'user',
      tenantScoped: true,
      run: call(prometheusApi),
    },
    {
      methods: ['GET'],
      pattern: /^\/ui\/api\/admin\/tenants$/,
      access: 'operator',
      run: call(admin.listTenants),
    },
    {
      methods: ['POST'],
      pattern: /^\/ui\/api\/admin\/tenants$/,
      access: 'operator',
      run: call(admin.createTenant),
    },
    {
      methods: ['GET'],
      pattern: /^\/ui\/api\/admin\/users$/,
      access: 'operator',
      run: call(admin.listUsers),
    },
    {
      methods: ['POST'],
      pattern: /^\/ui\/api\/admin\/users$/,
      access: 'operator',
      run: call(admin.createUser),
    },
    {
      methods: ['DELETE'],
      pattern: re(`^/ui/api/admin/users/${SEGMENT}$`),
      access: 'operator',
      run: call(admin.deleteUser),
    },
    {
      methods: ['POST'],
      pattern: re(`^/ui/api/admin/users/${SEGMENT}/password$`),
      access: 'operator',
      run: call(admin.resetPassword),
    },
    {
      methods: ['GET'],
      pattern: re(`^/ui/api/admin/limits/${SEGMENT}$`),
      access: 'operator',
      run: call(admin.getLimits),
    },
    {
      methods: ['PUT'],
      pattern: re(`^/ui/api/admin/limits/${SEGMENT}$`),
      access: 'operator',
      run: call(admin.updateLimits),
    },
  ];

  const api: Handler = async (ctx) => {
    try {
      await dispatch(ctx, routes, deps);
    } catch (err) {
      ctx.req.resume();
      sendError(ctx, err, 'prometheus-json');
    }
  };
  router.addPrefix(['GET', 'POST', 'PUT', 'DELETE'], '/ui/api/', api, 'prometheus-json');

  const page: Handler = async (ctx) => {
    ctx.req.resume();
    assets.servePage(ctx);
  };
  for (const p of PAGES) router.add('GET', p, page);
  for (const p of PAGE_PREFIXES) router.addPrefix('GET', p, page);
  const file: Handler = async (ctx) => {
    ctx.req.resume();
    if (!assets.serveFile(ctx, ctx.url.pathname)) sendText(ctx.res, 404, '404 page not found');
  };
  router.addPrefix('GET', '/assets/', file);
  router.add('GET', '/favicon.svg', file);

  return {
    close: () => {
      history?.stop();
      clearInterval(pruner);
    },
  };
}

async function dispatch(
  ctx: RequestContext,
  routes: readonly ApiRoute[],
  deps: DashboardDeps,
): Promise<void> {
  const path = ctx.url.pathname;
  const method = ctx.req.method === 'HEAD' ? 'GET' : (ctx.req.method ?? 'GET');
  let params: string[] | undefined;
  let route: ApiRoute | undefined;
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m === null) continue;
    allowed.push(...r.methods);
    if (r.methods.includes(method)) {
      route = r;
      params = m.slice(1).map((p) => decodeURIComponent(p));
      break;
    }
  }
  if (route === undefined || params === undefined) {
    if (allowed.length > 0) {
      ctx.req.resume();
      const error = `method ${method} not allowed; use ${allowed.join(' or ')}`;
      sendJson(
        ctx.res,
        405,
        { status: 'error', errorType: 'bad_data', error },
        { allow: allowed.join(', ') },
      );
      return;
    }
    throw new NotFoundError(`no dashboard API at ${path}`);
  }
  checkSameOrigin(ctx, deps.publicUrl);
  let who: SignedIn | null = null;
  if (route.access !== 'public') {
    who = await deps.sessions.resolve(readCookie(ctx, SESSION_COOKIE));
    if (who === null) throw notSignedIn();
    if (who.user.mustChangePassword && route.beforePasswordChange !== true) {
      throw new ForbiddenError(
        'choose a new password first: the one you signed in with was a one-time password',
      );
    }
    if (route.access === 'operator') requireOperator(who);
    if (route.tenantScoped === true) {
      const tenant = params[0] as string;
      checkTenantAccess(who, tenant);
      if (who.user.role === 'operator' && (await deps.store.getTenant(tenant)) === null) {
        throw new NotFoundError(`no tenant "${tenant}"`);
      }
    }
  }
  await route.run(ctx, params, who);
}

function re(source: string): RegExp {
  return new RegExp(source);
}
