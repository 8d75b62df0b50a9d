export * from './ast.ts';
export { parseExpr, parseMetricSelector } from './parser.ts';
export { ParseError, type ParseProblem } from './errors.ts';
export type { ParseOptions } from './state.ts';
export { FUNCTIONS, getFunction, arity, argType } from './functions.ts';
export { typeOf, documentedType } from './check.ts';
export { parseDuration, formatDuration } from './numbers.ts';
