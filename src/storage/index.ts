export * from './appender.ts';
export * from './memory.ts';
export * from './querier.ts';
export * from './storage.ts';
