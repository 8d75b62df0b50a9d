/**
 * The PromQL engine's public face: the Engine, its options, and the result types the HTTP API
 * renders.
 */
export { Engine, type EngineOptions, type QueryOptions } from './engine.ts';
export type { Annotations, QueryResult, QueryStats, QueryValue, Sample, SeriesPoints } from './value.ts';
