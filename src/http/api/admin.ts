import { BadDataError } from '../../model/index.ts';
import { MAX_TIME_MS, MIN_TIME_MS, invalidParam, parseOptionalTime } from '../../protocol/index.ts';
import { Params, sendEmpty } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import type { PrometheusApiDeps } from './deps.ts';
import { parseMatchers } from './series.ts';

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
    let sets;
    try {
      sets = parseMatchers(selectors);
    } catch (err) {
      if (err instanceof BadDataError) throw invalidParam('match[]', err.message);
      throw err;
    }
    const storage = await deps.storage(caller.tenant);
    for (const set of sets) await storage.deleteSeries(set, start, end);
    ctx.log.info({ tenant: caller.tenant, match: selectors, start, end }, 'deleted series');
    sendEmpty(ctx.res, 204);
  };
}
