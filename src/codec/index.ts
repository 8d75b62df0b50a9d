export * from './proto-reader.ts';
export * from './proto-writer.ts';
export * from './snappy.ts';
