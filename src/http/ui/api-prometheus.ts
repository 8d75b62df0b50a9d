import { NotFoundError } from '../../model/index.ts';
import type { Caller } from '../../tenancy/index.ts';
import { sendError, type RequestContext } from '../context.ts';
import type { DashboardDeps, UiCall } from './types.ts';

/**
 * `/ui/api/t/<tenant>/prometheus/<path>`: the Prometheus API handlers themselves, for the signed-in
 * user on that tenant, read-only. The editor's autocompletion, Explore and the cardinality tables
 * use it, so the dashboard never holds an API token.
 */
export async function prometheusApi(deps: DashboardDeps, call: UiCall): Promise<void> {
  const [tenant, rest] = call.params as [string, string];
  const path = '/' + rest;
  const method = call.ctx.req.method === 'HEAD' ? 'GET' : (call.ctx.req.method ?? 'GET');
  const handler = deps.prometheusApi?.(method, path);
  if (handler === undefined) {
    call.ctx.req.resume();
    sendError(
      call.ctx,
      new NotFoundError(
        deps.prometheusApi === undefined
          ? 'the Prometheus query API is not available on this server yet'
          : `no Prometheus API endpoint ${method} ${path}`,
      ),
      'prometheus-json',
    );
    return;
  }
  // The handler sees the request as if it had come to /prometheus<path> through the gate.
  const url = new URL(call.ctx.url.href);
  url.pathname = '/prometheus' + path;
  const ctx: RequestContext = { ...call.ctx, url };
  const { session, user } = call.who;
  const caller: Caller = {
    tenant,
    token: {
      id: `session:${user.id}`,
      tenant,
      name: `dashboard (${user.email})`,
      scope: 'read',
      prefix: '',
      createdAt: session.createdAt,
      lastUsedAt: null,
      expiresAt: session.expiresAt,
    },
  };
  try {
    await handler(ctx, caller);
  } catch (err) {
    sendError(ctx, err, 'prometheus-json');
  }
}
