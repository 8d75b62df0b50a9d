export * from './prom-api/format.ts';
export * from './remote-write/decode.ts';
export * from './otlp/index.ts';
