/**
 * The PromQL layer's public face, for the HTTP API:
 *
 * - `Engine` (`instantQuery`, `rangeQuery`) with `EngineOptions`/`QueryOptions`, returning a
 *   `QueryResult` (value, annotations, stats). It throws the model's errors: BadDataError (400),
 *   ExecutionError (422), QueryTimeoutError, CanceledError.
 * - The parser: `parseExpr`, `parseMetricSelector`, `ParseError`, `exprToString`, `prettify`,
 *   `astToJson`, and the AST types.
 */
export * from './engine/index.ts';
export {
  parseExpr,
  parseMetricSelector,
  ParseError,
  exprToString,
  prettify,
  astToJson,
  typeOf,
  documentedType,
  parseDuration,
  formatDuration,
  type Expr,
  type Json,
  type ParseOptions,
} from './parser/index.ts';
