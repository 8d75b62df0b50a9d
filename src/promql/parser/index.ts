/**
 * The PromQL parser's public face: text → AST (`parseExpr`), AST → text (`exprToString`, the
 * compact form; `prettify`, what `/api/v1/format_query` returns), AST → `/api/v1/parse_query`
 * JSON (`astToJson`), the function table shared with the engine, and small helpers.
 */
export * from './ast.ts';
export { parseExpr, parseMetricSelector } from './parser.ts';
export type { ParseOptions } from './state.ts';
export { ParseError, lineAndByteColumn, type ParseProblem } from './errors.ts';
export { FUNCTIONS, getFunction, arity, argType } from './functions.ts';
export { typeOf, documentedType } from './check.ts';
export { exprToString, durationExprString } from './printer.ts';
export { prettify } from './prettier.ts';
export { astToJson, type Json } from './json.ts';
export { walk, children, mapChildren } from './walk.ts';
export { parseDuration, formatDuration } from './numbers.ts';
export { evalConstSeconds } from './durations.ts';
