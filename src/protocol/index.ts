export * from './prom-api/format.ts';
export * from './remote-write/decode.ts';
export * from './otlp/index.ts';
export * from './remote-read/decode.ts';
export * from './remote-read/decode-response.ts';
export * from './remote-read/encode.ts';
