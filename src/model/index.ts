export * from './errors.ts';
export * from './histogram.ts';
export * from './labels.ts';
export * from './matcher.ts';
export * from './sample-batch.ts';
export * from './stale.ts';
export * from './tenant.ts';
export * from './validate.ts';
