import { BadDataError, Labels, NotFoundError, compareStrings, type Matcher } from '../../model/index.ts';
import { parseMetricSelector } from '../../promql/index.ts';
import {
  MAX_TIME_MS,
  MIN_TIME_MS,
  jsonString,
  jsonStringArray,
  labelsJson,
  parseLimitParam,
  parseOptionalTime,
  unescapeLabelName,
} from '../../protocol/index.ts';
import type { Querier } from '../../storage/index.ts';
import { Params, type RequestContext } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import type { PrometheusApiDeps } from './deps.ts';
import { LimitedQueryable } from './limits.ts';
import { asParamError } from './parse.ts';
import { TRUNCATED_WARNING } from './query.ts';
import { sendSuccess, streamSuccess, writeJsonArray } from './response.ts';

/**
 * Answers with at most this many items are written as one string and sent in one write; longer
 * ones are streamed in chunks (a label with a million values is never one string).
 */
const ONE_STRING_ITEMS = 20_000;

/**
 * The JSON of value lists the storage handed out before, by identity: the head hands out the same
 * sorted array for a label while its postings do not change, so a repeated label values call
 * (dashboards ask for the same ones over and over) writes no JSON. Lists are never changed once
 * handed out; entries go when their list does.
 */
const listJson = new WeakMap<readonly string[], string>();

function stringsJson(values: readonly string[], count: number): string {
  if (count < values.length) return jsonStringArray(values, count);
  let json = listJson.get(values);
  if (json === undefined) listJson.set(values, (json = jsonStringArray(values)));
  return json;
}

/** Parses `match[]` selectors. Each must have a matcher that does not match the empty string. */
export function parseMatchers(selectors: readonly string[]): Matcher[][] {
  return selectors.map((text) => {
    const matchers = [...parseMetricSelector(text).matchers];
    if (!matchers.some((m) => !m.matchesEmpty)) {
      throw new BadDataError('match[] must contain at least one non-empty matcher');
    }
    return matchers;
  });
}

interface RangeParams {
  readonly limit: number;
  readonly start: number;
  readonly end: number;
  /** Whether `start` was given: only then does leaving old data out deserve a warning. */
  readonly explicitStart: boolean;
}

function rangeParams(p: Params): RangeParams {
  return {
    limit: parseLimitParam('limit', p.get('limit')),
    start: parseOptionalTime('start', p.get('start'), MIN_TIME_MS),
    end: parseOptionalTime('end', p.get('end'), MAX_TIME_MS),
    explicitStart: (p.get('start') ?? '') !== '',
  };
}

/** Opens a querier over [start, end] under the tenant's limits; `use` gets it and closes it after. */
async function withQuerier<T>(
  deps: PrometheusApiDeps,
  tenant: string,
  r: RangeParams,
  use: (q: Querier, limited: LimitedQueryable) => Promise<T>,
): Promise<T> {
  const storage = await deps.storage(tenant);
  const limited = new LimitedQueryable(storage, deps.limits(tenant), deps.now?.() ?? Date.now());
  const q = await limited.querier(r.start, r.end);
  try {
    return await use(q, limited);
  } finally {
    q.close();
  }
}

/** `parseMatchers` for `series` and `delete_series`, whose errors name the `match[]` parameter. */
export function parseMatchParam(selectors: readonly string[]): Matcher[][] {
  try {
    return parseMatchers(selectors);
  } catch (err) {
    throw asParamError(err, 'match[]');
  }
}

/** `GET|POST /api/v1/series`: `match[]` (required), `start`, `end`, `limit`. */
export function seriesHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const p = await Params.of(ctx);
    const selectors = p.getAll('match[]');
    if (selectors.length === 0) throw new BadDataError('no match[] parameter provided');
    const r = rangeParams(p);
    const sets = parseMatchParam(selectors);
    const warnings: string[] = [];
    const series = await withQuerier(deps, caller.tenant, r, async (q, limited) => {
      const hints = {
        start: r.start,
        end: r.end,
        func: 'series',
        ...(r.limit > 0 ? { limit: r.limit + 1 } : {}),
      };
      let out: Labels[];
      if (sets.length === 1) {
        out = (await q.select(sets[0] as Matcher[], hints, ctx.signal)).map((s) => s.labels);
      } else {
        const byKey = new Map<string, Labels>();
        for (const set of sets) {
          for (const s of await q.select(set, hints, ctx.signal)) byKey.set(s.labels.key(), s.labels);
        }
        out = [...byKey.values()].sort(Labels.compare);
      }
      const w = r.explicitStart ? limited.warning() : null;
      if (w !== null) warnings.push(w);
      return out;
    });
    const count = limitCount(series.length, r.limit, warnings);
    if (count <= ONE_STRING_ITEMS) {
      const parts = new Array<string>(count);
      for (let i = 0; i < count; i++) parts[i] = labelsJson(series[i] as Labels);
      await sendSuccess(ctx, `[${parts.join(',')}]`, warnings);
      return;
    }
    await streamSuccess(
      ctx,
      (out) => writeJsonArray(out, series, count, labelsJson),
      () => warnings,
    );
  };
}

/** `GET|POST /api/v1/labels`: `match[]` (optional), `start`, `end`, `limit`. */
export function labelNamesHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const p = await Params.of(ctx);
    const r = rangeParams(p);
    const sets = parseMatchers(p.getAll('match[]'));
    await answerStrings(ctx, deps, caller.tenant, r, (q) =>
      sets.length === 0 ? [q.labelNames([], ctx.signal)] : sets.map((set) => q.labelNames(set, ctx.signal)),
    );
  };
}

export const LABEL_VALUES_PREFIX = '/prometheus/api/v1/label/';

/**
 * `GET /api/v1/label/<name>/values`: `match[]`, `start`, `end`, `limit`. The name may be
 * percent-encoded and/or `U__`-escaped.
 */
export function labelValuesHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const name = labelNameFromPath(ctx.url.pathname);
    if (name === undefined) {
      ctx.req.resume();
      throw new NotFoundError(
        `no endpoint ${ctx.url.pathname}; label values are at /prometheus/api/v1/label/<name>/values`,
      );
    }
    const p = await Params.of(ctx);
    const r = rangeParams(p);
    const sets = parseMatchers(p.getAll('match[]'));
    await answerStrings(ctx, deps, caller.tenant, r, (q) =>
      sets.length === 0
        ? [q.labelValues(name, [], ctx.signal)]
        : sets.map((set) => q.labelValues(name, set, ctx.signal)),
    );
  };
}

/** The label name of a `.../label/<name>/values` path, decoded; undefined when the path is not one. */
export function labelNameFromPath(path: string): string | undefined {
  const at = path.indexOf('/label/');
  if (at < 0 || !path.endsWith('/values')) return undefined;
  const segment = path.slice(at + '/label/'.length, path.length - '/values'.length);
  if (segment.includes('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new BadDataError(`invalid label name: ${jsonString(segment)}`);
  }
  const name = decoded.startsWith('U__') ? unescapeLabelName(decoded) : decoded;
  if (name === '') throw new BadDataError(`invalid label name: ${jsonString(name)}`);
  return name;
}

/** Answers a sorted, de-duplicated, limited list of strings gathered from one or more lookups. */
async function answerStrings(
  ctx: RequestContext,
  deps: PrometheusApiDeps,
  tenant: string,
  r: RangeParams,
  lookups: (q: Querier) => Array<Promise<readonly string[]>>,
): Promise<void> {
  const warnings: string[] = [];
  const values = await withQuerier(deps, tenant, r, async (q, limited) => {
    const lists = await Promise.all(lookups(q));
    const w = r.explicitStart ? limited.warning() : null;
    if (w !== null) warnings.push(w);
    if (lists.length === 1) return lists[0] as readonly string[];
    const set = new Set<string>();
    for (const list of lists) for (const v of list) set.add(v);
    return [...set].sort(compareStrings);
  });
  const count = limitCount(values.length, r.limit, warnings);
  if (count <= ONE_STRING_ITEMS) {
    await sendSuccess(ctx, stringsJson(values, count), warnings);
    return;
  }
  await streamSuccess(
    ctx,
    (out) => writeJsonArray(out, values, count, jsonString),
    () => warnings,
  );
}

/** How many of `n` items a `limit` parameter lets through (0 = all), warning when it cut some. */
function limitCount(n: number, limit: number, warnings: string[]): number {
  if (limit <= 0 || n <= limit) return n;
  warnings.push(TRUNCATED_WARNING);
  return limit;
}
