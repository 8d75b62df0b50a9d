import type { Authenticator, Caller, Permission } from '../tenancy/index.ts';
import { sendError, type ErrorStyle, type Handler, type RequestContext } from './context.ts';

export type GatedHandler = (ctx: RequestContext, caller: Caller) => Promise<void>;

/**
 * Wraps a data endpoint in the gate (tenant header, bearer token, scope). The gate's own refusals
 * are plain text, like Mimir's (`no org id`), whatever the endpoint's style; errors from the
 * handler itself use the endpoint's style.
 */
export function gated(
  auth: Authenticator,
  need: Permission,
  style: ErrorStyle,
  inner: GatedHandler,
): Handler {
  return async (ctx) => {
    let caller: Caller;
    try {
      caller = await auth.authorize(header(ctx, 'x-scope-orgid'), header(ctx, 'authorization'), need);
    } catch (err) {
      ctx.req.resume(); // drain the body so keep-alive connections stay usable
      sendError(ctx, err, 'text');
      return;
    }
    try {
      await inner(ctx, caller);
    } catch (err) {
      sendError(ctx, err, style);
    }
  };
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
