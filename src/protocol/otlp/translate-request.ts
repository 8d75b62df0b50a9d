import { BadDataError, type SampleBatch } from '../../model/index.ts';
import { OtlpJsonDecoder } from './decode-json.ts';
import { OtlpProtoDecoder } from './decode-proto.ts';
import type { OtlpEncoding } from './response.ts';
import type { OtlpTranslateResult, OtlpTranslator } from './translate.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
// Decoding is synchronous, so one pair of decoders (and their scratch objects) serves every request.
const protoDecoder = new OtlpProtoDecoder();
const jsonDecoder = new OtlpJsonDecoder();

/**
 * Decodes one OTLP `ExportMetricsServiceRequest` body (decompressed) and translates it into `batch`
 * with `translator` (the tenant's options and delta state). Throws BadDataError when the body cannot
 * be decoded at all (nothing is then usable); points that are only invalid are counted in the result.
 */
export function translateOtlpRequest(
  body: Uint8Array,
  encoding: OtlpEncoding,
  translator: OtlpTranslator,
  batch: SampleBatch,
): OtlpTranslateResult {
  translator.begin(batch);
  if (encoding === 'protobuf') {
    protoDecoder.decode(body, translator);
  } else {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      throw new BadDataError('OTLP JSON: the body is not valid UTF-8');
    }
    jsonDecoder.decode(text, translator);
  }
  return translator.finish();
}
