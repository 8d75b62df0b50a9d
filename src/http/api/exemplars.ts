import { BadDataError, type Matcher } from '../../model/index.ts';
import { parseExpr, type Expr } from '../../promql/index.ts';
import {
  MAX_TIME_MS,
  MIN_TIME_MS,
  formatSampleValue,
  formatTimestamp,
  labelsJson,
  parseOptionalTime,
} from '../../protocol/index.ts';
import type { SeriesExemplars } from '../../storage/index.ts';
import { Params, sendEmpty } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import type { PrometheusApiDeps } from './deps.ts';
import { LimitedQueryable } from './limits.ts';
import { streamSuccess, writeJsonArray } from './response.ts';

/** The matchers of every vector selector in the expression, in the order written. */
export function extractSelectors(expr: Expr): Matcher[][] {
  const out: Matcher[][] = [];
  const visit = (e: Expr): void => {
    switch (e.type) {
      case 'vectorSelector':
        out.push([...e.matchers]);
        return;
      case 'matrixSelector':
        visit(e.vectorSelector);
        return;
      case 'aggregate':
        visit(e.expr);
        if (e.param !== null) visit(e.param);
        return;
      case 'binary':
        visit(e.lhs);
        visit(e.rhs);
        return;
      case 'call':
        for (const a of e.args) visit(a);
        return;
      case 'paren':
      case 'unary':
      case 'subquery':
      case 'stepInvariant':
        visit(e.expr);
        return;
      case 'number':
      case 'string':
        return;
    }
  };
  visit(expr);
  return out;
}

/**
 * `GET|POST /api/v1/query_exemplars`: exemplars of every series any selector of `query` matches,
 * in [start, end] (default: all time). 204 when the expression has no selector.
 */
export function exemplarsHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const p = await Params.of(ctx);
    const start = parseOptionalTime('start', p.get('start'), MIN_TIME_MS);
    const end = parseOptionalTime('end', p.get('end'), MAX_TIME_MS);
    if (end < start) throw new BadDataError('end timestamp must not be before start timestamp');
    const selectors = extractSelectors(parseExpr(p.get('query') ?? ''));
    if (selectors.length === 0) {
      sendEmpty(ctx.res, 204);
      return;
    }
    const storage = await deps.storage(caller.tenant);
    const limited = new LimitedQueryable(storage, deps.limits(caller.tenant), deps.now?.() ?? Date.now());
    const from = Math.max(start, limited.minTime);
    const found = from > end ? [] : await storage.exemplars(selectors, from, end);
    limited.count(found.length);
    const explicitStart = (p.get('start') ?? '') !== '';
    const warnings =
      explicitStart && from > start
        ? [
            `exemplars before ${new Date(limited.minTime).toISOString()} are beyond this tenant's ` +
              `max_query_lookback and are not returned`,
          ]
        : [];
    await streamSuccess(
      ctx,
      (out) => writeJsonArray(out, found, found.length, exemplarSeriesJson),
      () => warnings,
    );
  };
}

function exemplarSeriesJson(s: SeriesExemplars): string {
  const items = s.exemplars.map(
    (e) =>
      `{"labels":${labelsJson(e.labels)},"value":"${formatSampleValue(e.v)}","timestamp":${formatTimestamp(e.t)}}`,
  );
  return `{"seriesLabels":${labelsJson(s.seriesLabels)},"exemplars":[${items.join(',')}]}`;
}
