export * from './deps.ts';
export * from './limits.ts';
export * from './response.ts';
export * from './routes.ts';
export { labelNameFromPath, parseMatchers } from './series.ts';
export { extractSelectors } from './exemplars.ts';
export { MAX_POINTS_PER_SERIES, TRUNCATED_WARNING } from './query.ts';
