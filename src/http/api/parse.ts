import { BadDataError } from '../../model/index.ts';
import { astToJson, parseExpr, prettify, type Expr } from '../../promql/index.ts';
import { invalidParam, jsonString } from '../../protocol/index.ts';
import { Params } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import { sendSuccess } from './response.ts';

/**
 * A BadDataError reported against parameter `name` (`invalid parameter "query": …`), as Prometheus
 * reports parse errors; errors that already name a parameter, and other errors, are returned as is.
 */
export function asParamError(err: unknown, name: string): unknown {
  if (err instanceof BadDataError && !err.message.startsWith('invalid parameter ')) {
    return invalidParam(name, err.message);
  }
  return err;
}

function parseQueryParam(p: Params): Expr {
  try {
    return parseExpr(p.get('query') ?? '');
  } catch (err) {
    throw asParamError(err, 'query');
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
