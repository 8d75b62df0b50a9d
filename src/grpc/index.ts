export * from './errors.ts';
export * from './otlp-server.ts';
