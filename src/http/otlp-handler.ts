import type { ServerResponse } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

import { BadDataError, TooLargeError, UnsupportedMediaError } from '../model/index.ts';
import { encodeExportResponse, encodeStatus, GrpcCode, type OtlpEncoding } from '../protocol/index.ts';
import type { Authenticator } from '../tenancy/index.ts';
import { readBody, type Handler, type RequestContext } from './context.ts';
import { errorReply } from './errors.ts';
import { gated } from './gate.ts';
import type { OtlpReceiver } from './otlp-receiver.ts';

const gunzipAsync = promisify(gunzip);

export const OTLP_METRICS_PATH = '/otlp/v1/metrics';

export interface OtlpLimits {
  /** Largest body as sent (compressed or not); 413 above. */
  readonly maxBodyBytes: number;
  /** Largest body after decompression (the OTLP spec recommends 64 MiB); 413 above. */
  readonly maxDecodedBytes: number;
}

export const DEFAULT_OTLP_LIMITS: OtlpLimits = {
  maxBodyBytes: 32 * 1024 * 1024,
  maxDecodedBytes: 64 * 1024 * 1024,
};

const MEDIA: Readonly<Record<string, OtlpEncoding>> = {
  'application/x-protobuf': 'protobuf',
  'application/json': 'json',
};
const CONTENT_TYPE: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/**
 * `POST /otlp/v1/metrics`: OTLP/HTTP in binary protobuf or JSON, optionally gzip-compressed.
 * The gate answers as for remote write (400 `no org id`, 401, 403, in text). After it, every answer
 * is OTLP: 200 with an `ExportMetricsServiceResponse` in the request's encoding (with
 * `partial_success` when points were dropped), or a `google.rpc.Status` body: 400 bad data, 413 too
 * large, 415 unsupported content type or encoding (in protobuf), 429 rate limited and 503
 * unavailable with Retry-After (the only codes OTLP clients retry), 500 for our bugs.
 */
export function otlpHandler(
  auth: Authenticator,
  receiver: OtlpReceiver,
  limits: OtlpLimits = DEFAULT_OTLP_LIMITS,
): Handler {
  return gated(auth, 'write', 'text', async (ctx, caller) => {
    let encoding: OtlpEncoding = 'protobuf';
    try {
      encoding = requestEncoding(ctx.req.headers['content-type']);
      const compressed = isGzip(ctx.req.headers['content-encoding']);
      const raw = await readBody(ctx.req, limits.maxBodyBytes);
      const body = compressed ? await decompress(raw, limits.maxDecodedBytes) : raw;
      const outcome = await receiver.export(caller.tenant, body, encoding);
      send(ctx.res, 200, encoding, encodeExportResponse(encoding, outcome.rejected, outcome.message));
    } catch (err) {
      ctx.req.resume();
      sendOtlpError(ctx, err, encoding);
    }
  });
}

/**
 * Answers every other path under `/otlp` (and `/otlp` itself) with 404 naming the right one: SDK
 * exporters need the full path, and a Collector's `otlphttp` exporter appends `/v1/metrics` itself.
 */
export function otlpWrongPathHandler(): Handler {
  return async (ctx) => {
    ctx.req.resume();
    const encoding = MEDIA[mediaType(ctx.req.headers['content-type'])] ?? null;
    const message =
      `404 page not found: ${ctx.url.pathname} is not an OTLP endpoint of xScaler; ` +
      `send OTLP metrics to POST ${OTLP_METRICS_PATH} (SDK exporters need this full path; ` +
      `a Collector otlphttp exporter takes the base URL and adds /v1/metrics itself)`;
    if (encoding === null) {
      const body = Buffer.from(`${message}\n`);
      ctx.res.writeHead(404, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
        'content-length': body.length,
      });
      ctx.res.end(body);
      return;
    }
    send(ctx.res, 404, encoding, encodeStatus(encoding, GrpcCode.NOT_FOUND, message));
  };
}

function mediaType(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return (v ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function requestEncoding(value: string | undefined): OtlpEncoding {
  const encoding = MEDIA[mediaType(value)];
  if (encoding === undefined) {
    throw new UnsupportedMediaError(
      `unsupported content type: ${value ?? '(none)'}, supported: [application/json, application/x-protobuf]`,
    );
  }
  return encoding;
}

function isGzip(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'identity') return false;
  if (v === 'gzip') return true;
  throw new UnsupportedMediaError(
    `unsupported compression: ${value ?? ''}. Only "gzip" or no compression supported`,
  );
}

async function decompress(body: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TooLargeError(
        `decompressed OTLP body exceeds the limit of ${maxBytes} bytes; send smaller batches`,
      );
    }
    throw new BadDataError(
      `Content-Encoding is gzip but the body is not valid gzip: ${(err as Error).message}`,
    );
  }
}

/** gRPC code carried in `google.rpc.Status.code` for an HTTP status (informational for HTTP clients). */
export function grpcCodeOf(status: number): GrpcCode {
  switch (status) {
    case 400:
    case 413:
    case 415:
    case 422:
      return GrpcCode.INVALID_ARGUMENT;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.NOT_FOUND;
    case 429:
      return GrpcCode.RESOURCE_EXHAUSTED;
    case 499:
      return GrpcCode.CANCELLED;
    case 503:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.INTERNAL;
  }
}

function sendOtlpError(ctx: RequestContext, err: unknown, encoding: OtlpEncoding): void {
  const reply = errorReply(err);
  if (reply.unexpected) ctx.log.error({ err, path: ctx.url.pathname }, 'unexpected error');
  else if (reply.status >= 500)
    ctx.log.warn({ msg: reply.message, path: ctx.url.pathname }, 'request failed');
  // A body in an encoding the client did not send would not be readable: 415 answers in protobuf.
  const retryAfter = reply.headers['retry-after'];
  const body = encodeStatus(
    encoding,
    grpcCodeOf(reply.status),
    reply.message,
    retryAfter === undefined ? undefined : Number(retryAfter),
  );
  send(ctx.res, reply.status, encoding, body, reply.headers);
}

function send(
  res: ServerResponse,
  status: number,
  encoding: OtlpEncoding,
  body: Uint8Array | string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) return;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    ...headers,
    'content-type': CONTENT_TYPE[encoding],
    'x-content-type-options': 'nosniff',
    'content-length': bytes.length,
  });
  res.end(bytes);
}
