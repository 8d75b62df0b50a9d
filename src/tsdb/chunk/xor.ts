/**
 * The float chunk codec: Gorilla-style delta-of-delta timestamps and XOR-compressed values
 * (byte layout in ../FORMAT.md, "XOR chunk"). A chunk's first timestamp and sample count are kept
 * in its meta, not in the bytes, so the stream starts with the first value's 64 raw bits.
 *
 * The stream is codec's XOR stream (src/codec/xor-stream.ts), which also serves Prometheus's chunk
 * format: one writer class and one reader class for both keep the ingest and query paths
 * monomorphic.
 */
export {
  bitsToFloat,
  floatBits,
  MAX_SAMPLE_BYTES,
  XorStreamReader as XorReader,
  XorStreamWriter as XorWriter,
} from '../../codec/index.ts';
