import { ProtoReader, SnappyDecoder } from '../codec/index.ts';
import type { Ingester } from '../ingest/index.ts';
import { BadDataError, SampleBatch, UnsupportedMediaError } from '../model/index.ts';
import { decodeWriteRequest } from '../protocol/index.ts';
import type { Authenticator } from '../tenancy/index.ts';
import { readBody, sendEmpty, type Handler } from './context.ts';
import { gated } from './gate.ts';

export interface PushLimits {
  /** Largest compressed body accepted (413 above). */
  readonly maxBodyBytes: number;
  /** Largest decompressed body accepted (413 above), checked from the snappy preamble. */
  readonly maxDecodedBytes: number;
}

export const DEFAULT_PUSH_LIMITS: PushLimits = {
  maxBodyBytes: 32 * 1024 * 1024,
  maxDecodedBytes: 64 * 1024 * 1024,
};

/**
 * `POST /api/v1/push`: Prometheus remote write 1.0. 204 once every sample is durable; 400 with
 * the reason for bad bodies and refused samples (the valid rest is stored); 413 over the size
 * limits; 415 for remote write 2.0 and non-protobuf bodies; 503 when storage cannot take writes.
 *
 * One decoder, reader and batch serve all requests: decoding and the synchronous part of the
 * append run without an await in between, so no two requests ever share them at the same time.
 */
export function pushHandler(
  auth: Authenticator,
  ingester: Ingester,
  limits: PushLimits = DEFAULT_PUSH_LIMITS,
): Handler {
  const snappy = new SnappyDecoder(limits.maxDecodedBytes);
  const reader = new ProtoReader();
  const batch = new SampleBatch();
  return gated(auth, 'write', 'text', async (ctx, caller) => {
    checkContentEncoding(ctx.req.headers['content-encoding']);
    checkContentType(ctx.req.headers['content-type']);
    const body = await readBody(ctx.req, limits.maxBodyBytes);
    const writer = await ingester.writer(caller.tenant);
    // From here to writer.push() there must be no await: the buffers above are shared.
    decodeWriteRequest(reader.reset(snappy.decode(body)), batch);
    await writer.push(batch);
    sendEmpty(ctx.res, 204);
  });
}

function checkContentEncoding(value: string | undefined): void {
  if (value === undefined || value === '' || value.toLowerCase() === 'snappy') return;
  throw new BadDataError(
    `unsupported Content-Encoding "${value}": remote write bodies must be snappy-compressed ` +
      `(Content-Encoding: snappy)`,
  );
}

/** Remote write 1.0 only: `application/x-protobuf`, optionally `;proto=prometheus.WriteRequest`. */
function checkContentType(value: string | undefined): void {
  if (value === undefined || value === '') return;
  const [media, ...params] = value.split(';').map((p) => p.trim());
  if (media?.toLowerCase() !== 'application/x-protobuf') {
    throw new UnsupportedMediaError(
      `unsupported Content-Type "${value}": remote write bodies are application/x-protobuf`,
    );
  }
  for (const param of params) {
    const [key, proto] = param.split('=').map((p) => p.trim());
    if (key !== 'proto') continue;
    if (proto === 'prometheus.WriteRequest') return;
    if (proto === 'io.prometheus.write.v2.Request') {
      throw new UnsupportedMediaError(
        'remote write 2.0 (io.prometheus.write.v2.Request) is not supported yet; ' +
          'send remote write 1.0 (protobuf_message: prometheus.WriteRequest)',
      );
    }
    throw new UnsupportedMediaError(`unsupported remote write message "${proto ?? ''}"`);
  }
}
