export * from './proto-reader.ts';
export * from './proto-writer.ts';
export * from './snappy.ts';
export * from './crc32c.ts';
export * from './varint.ts';
export * from './xor-stream.ts';
export * from './xor-chunk.ts';
