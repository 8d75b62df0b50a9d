import { BadDataError } from '../../model/index.ts';
import { astToJson, parseExpr, prettify, type Expr } from '../../promql/index.ts';
import { invalidParam, jsonString } from '../../protocol/index.ts';
import { Params } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import { sendSuccess } from './response.ts';

function parseQueryParam(p: Params): Expr {
  try {
    return parseExpr(p.get('query') ?? '');
  } catch (err) {
    if (err instanceof BadDataError) throw invalidParam('query', err.message);
    throw err;
  }
}

/** `GET|POST /api/v1/format_query`: the expression pretty-printed, as a JSON string. */
export function formatQueryHandler(): GatedHandler {
  return async (ctx) => {
    const expr = parseQueryParam(await Params.of(ctx));
    await sendSuccess(ctx, jsonString(prettify(expr)));
  };
}

/** `GET|POST /api/v1/parse_query`: the expression's syntax tree as JSON (Prometheus's UI shape). */
export function parseQueryHandler(): GatedHandler {
  return async (ctx) => {
    const expr = parseQueryParam(await Params.of(ctx));
    await sendSuccess(ctx, JSON.stringify(astToJson(expr)));
  };
}
