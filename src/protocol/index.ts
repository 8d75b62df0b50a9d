export * from './remote-write/decode.ts';
