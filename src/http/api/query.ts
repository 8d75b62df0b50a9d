import { BadDataError } from '../../model/index.ts';
import { type QueryOptions, type QueryResult } from '../../promql/index.ts';
import {
  exceedsLimit,
  invalidParam,
  parseDurationParam,
  parseLimitParam,
  parseOptionalTime,
  parseTimeParam,
  statsJson,
  writeQueryData,
} from '../../protocol/index.ts';
import type { Caller } from '../../tenancy/index.ts';
import { Params, type RequestContext } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import type { PrometheusApiDeps } from './deps.ts';
import { LimitedQueryable, checkQueryLength, effectiveTimeout, maxSamples } from './limits.ts';
import { asParamError } from './parse.ts';
import { streamSuccess } from './response.ts';

/** Prometheus's cap on points per series of a range query: (end - start) / step may not exceed it. */
export const MAX_POINTS_PER_SERIES = 11_000;

export const TRUNCATED_WARNING = 'results truncated due to limit';

/** `GET|POST /api/v1/query`: `query`, `time` (default now), `timeout`, `lookback_delta`, `limit`, `stats`. */
export function instantQueryHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const p = await Params.of(ctx);
    const limit = parseLimitParam('limit', p.get('limit'));
    const now = deps.now?.() ?? Date.now();
    const time = parseOptionalTime('time', p.get('time'), now);
    const common = commonParams(p);
    const query = p.get('query') ?? '';
    await run(deps, ctx, caller, common, limit, now, (queryable, opts) =>
      deps.engine.instantQuery(queryable, query, time, opts),
    );
  };
}

/** `GET|POST /api/v1/query_range`: `query`, `start`, `end`, `step` (all required), and the rest as above. */
export function rangeQueryHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const p = await Params.of(ctx);
    const limit = parseLimitParam('limit', p.get('limit'));
    const start = parseTimeParam('start', p.get('start') ?? '');
    const end = parseTimeParam('end', p.get('end') ?? '');
    if (end < start) throw invalidParam('end', 'end timestamp must not be before start time');
    const step = parseDurationParam('step', p.get('step') ?? '');
    if (step <= 0) {
      throw invalidParam(
        'step',
        'zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    }
    if (Math.floor((end - start) / step) > MAX_POINTS_PER_SERIES) {
      throw new BadDataError(
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    }
    const common = commonParams(p);
    checkQueryLength(deps.limits(caller.tenant), start, end);
    const query = p.get('query') ?? '';
    const now = deps.now?.() ?? Date.now();
    await run(deps, ctx, caller, common, limit, now, (queryable, opts) =>
      deps.engine.rangeQuery(queryable, query, start, end, step, opts),
    );
  };
}

interface CommonParams {
  readonly timeoutMs: number | undefined;
  readonly lookbackDeltaMs: number | undefined;
  readonly stats: boolean;
}

function commonParams(p: Params): CommonParams {
  const timeout = p.get('timeout');
  const lookback = p.get('lookback_delta');
  let lookbackDeltaMs: number | undefined;
  if (lookback !== undefined && lookback !== '') {
    try {
      lookbackDeltaMs = parseDurationParam('lookback_delta', lookback);
    } catch (err) {
      // Prometheus reports this one under "query" (it comes from its query options).
      throw invalidParam(
        'query',
        `error parsing lookback delta duration: ${(err as Error).message.replace(/^invalid parameter "lookback_delta": /, '')}`,
      );
    }
  }
  return {
    timeoutMs: timeout === undefined || timeout === '' ? undefined : parseDurationParam('timeout', timeout),
    lookbackDeltaMs,
    stats: (p.get('stats') ?? '') !== '',
  };
}

/**
 * Runs a query under the tenant's limits, records usage, and streams the answer. Errors the engine
 * raises while parsing or type-checking (BadDataError) are reported against the `query` parameter,
 * as Prometheus does.
 */
async function run(
  deps: PrometheusApiDeps,
  ctx: RequestContext,
  caller: Caller,
  common: CommonParams,
  limit: number,
  now: number,
  exec: (queryable: LimitedQueryable, opts: QueryOptions) => Promise<QueryResult>,
): Promise<void> {
  const limits = deps.limits(caller.tenant);
  const storage = await deps.storage(caller.tenant);
  const queryable = new LimitedQueryable(storage, limits, now);
  const opts: QueryOptions = {
    timeout: effectiveTimeout(limits, common.timeoutMs),
    maxSamples: maxSamples(limits),
    signal: ctx.signal,
    ...(common.lookbackDeltaMs !== undefined ? { lookbackDelta: common.lookbackDeltaMs } : {}),
  };
  let result: QueryResult;
  try {
    result = await exec(queryable, opts);
  } catch (err) {
    deps.usage?.recordQuery(caller.tenant, 0);
    throw asParamError(err, 'query');
  }
  deps.usage?.recordQuery(caller.tenant, result.stats.samplesScanned);
  const warnings = [...result.annotations.warnings];
  if (exceedsLimit(result.value, limit)) warnings.push(TRUNCATED_WARNING);
  const clamp = queryable.warning();
  if (clamp !== null) warnings.push(clamp);
  const stats = common.stats ? statsJson(result.stats) : null;
  await streamSuccess(
    ctx,
    (out) => writeQueryData(out, result.value, limit, stats, ctx.signal),
    () => warnings,
    () => result.annotations.infos,
  );
}
