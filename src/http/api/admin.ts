import { BadDataError } from '../../model/index.ts';
import { MAX_TIME_MS, MIN_TIME_MS, parseOptionalTime } from '../../protocol/index.ts';
import { Params, sendEmpty } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import type { PrometheusApiDeps } from './deps.ts';
import { parseMatchParam } from './series.ts';

/**
 * `POST|PUT /api/v1/admin/tsdb/delete_series?match[]=…&start=…&end=…` (write scope): deletes the
 * matching samples in [start, end] (default all time) and answers 204, like Prometheus. Every
 * selector must have a matcher that does not match the empty string, so a typo cannot wipe a
 * tenant.
 */
export function deleteSeriesHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const p = await Params.of(ctx);
    const selectors = p.getAll('match[]');
    if (selectors.length === 0) throw new BadDataError('no match[] parameter provided');
    const start = parseOptionalTime('start', p.get('start'), MIN_TIME_MS);
    const end = parseOptionalTime('end', p.get('end'), MAX_TIME_MS);
    const sets = parseMatchParam(selectors);
    const storage = await deps.storage(caller.tenant);
    for (const set of sets) await storage.deleteSeries(set, start, end);
    ctx.log.info({ tenant: caller.tenant, match: selectors, start, end }, 'deleted series');
    sendEmpty(ctx.res, 204);
  };
}

/**
 * `POST /api/v1/admin/tsdb/flush` (write scope): writes the tenant's in-memory head into blocks and
 * compacts them now, answering 204 when done (the data stays queryable throughout). Afterwards the
 * tenant refuses samples at or before the newest flushed time, as after any head cut.
 */
export function flushHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const storage = await deps.storage(caller.tenant);
    const t0 = performance.now();
    await storage.flush();
    ctx.log.info({ tenant: caller.tenant, ms: Math.round(performance.now() - t0) }, 'flushed the head');
    sendEmpty(ctx.res, 204);
  };
}
