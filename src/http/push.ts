import { ProtoReader, SnappyDecoder } from '../codec/index.ts';
import { PartialWriteError, type Ingester, type WrittenCounts } from '../ingest/index.ts';
import { BadDataError, SampleBatch, UnsupportedMediaError } from '../model/index.ts';
import { decodeWriteRequest, WriteV2Decoder } from '../protocol/index.ts';
import type { Authenticator, Caller } from '../tenancy/index.ts';
import { readBody, sendEmpty, sendError, sendText, type Handler, type RequestContext } from './context.ts';
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

/** The remote write message a request carries, from its Content-Type. */
export type RemoteWriteVersion = 1 | 2;

const V1_MESSAGE = 'prometheus.WriteRequest';
const V2_MESSAGE = 'io.prometheus.write.v2.Request';

/** Remote write 2.0's response headers: what was stored, on success and on error. */
export const WRITTEN_HEADERS = {
  samples: 'X-Prometheus-Remote-Write-Samples-Written',
  histograms: 'X-Prometheus-Remote-Write-Histograms-Written',
  exemplars: 'X-Prometheus-Remote-Write-Exemplars-Written',
} as const;

const NOTHING_WRITTEN: WrittenCounts = { samples: 0, histograms: 0, exemplars: 0 };

/**
 * `POST /api/v1/push`: Prometheus remote write 1.0 and 2.0, told apart by Content-Type
 * (`remoteWriteVersion`). Bodies are snappy-compressed protobuf.
 *
 * - 204 once everything is durable; 400 with the reason for bad bodies and for refused or invalid
 *   series and samples (the valid rest is stored: a partial write); 413 over the size limits; 415
 *   for other content types (and, for 2.0, other content encodings); 429/503 with Retry-After when
 *   rate-limited or when storage cannot take writes (nothing stored, so a retry is safe).
 * - 2.0 answers carry `X-Prometheus-Remote-Write-Samples-Written`, `-Histograms-Written` and
 *   `-Exemplars-Written` with exact counts, on success and on every error (0 when nothing was
 *   stored); 1.0 answers never do (senders would misread them).
 *
 * One decoder of each version, one reader and one batch serve all requests: decoding and the
 * synchronous part of the append run without an await in between, so no two requests ever share
 * them at the same time.
 */
export function pushHandler(
  auth: Authenticator,
  ingester: Ingester,
  limits: PushLimits = DEFAULT_PUSH_LIMITS,
): Handler {
  const snappy = new SnappyDecoder(limits.maxDecodedBytes);
  const reader = new ProtoReader();
  const batch = new SampleBatch();
  const v2 = new WriteV2Decoder();

  const pushV1 = async (ctx: RequestContext, caller: Caller): Promise<void> => {
    checkContentEncoding(ctx.req.headers['content-encoding'], BadDataError);
    const body = await readBody(ctx.req, limits.maxBodyBytes);
    const writer = await ingester.writer(caller.tenant);
    // From here to writer.push() there must be no await: the buffers above are shared.
    decodeWriteRequest(reader.reset(snappy.decode(body)), batch);
    await writer.push(batch);
    sendEmpty(ctx.res, 204);
  };

  const pushV2 = async (ctx: RequestContext, caller: Caller): Promise<void> => {
    let written = NOTHING_WRITTEN;
    try {
      checkContentEncoding(ctx.req.headers['content-encoding'], UnsupportedMediaError);
      const body = await readBody(ctx.req, limits.maxBodyBytes);
      const writer = await ingester.writer(caller.tenant);
      // From here to writer.push() there must be no await: the buffers above are shared.
      v2.decode(reader.reset(snappy.decode(body)), batch);
      const invalid = v2.describeProblems();
      let refused = '';
      try {
        written = (await writer.push(batch)).written;
      } catch (err) {
        if (!(err instanceof PartialWriteError)) throw err;
        written = err.written;
        refused = err.message;
      }
      if (invalid === '' && refused === '') {
        sendEmpty(ctx.res, 204, writtenHeaders(written));
        return;
      }
      const message = [invalid, refused].filter((m) => m !== '').join('\n');
      sendText(ctx.res, 400, message, writtenHeaders(written));
    } catch (err) {
      ctx.req.resume();
      sendError(ctx, err, 'text', writtenHeaders(written));
    }
  };

  return gated(auth, 'write', 'text', async (ctx, caller) => {
    if (remoteWriteVersion(ctx.req.headers['content-type']) === 2) await pushV2(ctx, caller);
    else await pushV1(ctx, caller);
  });
}

function writtenHeaders(w: WrittenCounts): Record<string, string> {
  return {
    [WRITTEN_HEADERS.samples]: String(w.samples),
    [WRITTEN_HEADERS.histograms]: String(w.histograms),
    [WRITTEN_HEADERS.exemplars]: String(w.exemplars),
  };
}

function checkContentEncoding(
  value: string | undefined,
  error: typeof BadDataError | typeof UnsupportedMediaError,
): void {
  if (value === undefined || value === '' || value.trim().toLowerCase() === 'snappy') return;
  throw new error(
    `unsupported Content-Encoding "${value}": remote write bodies must be snappy-compressed ` +
      `(Content-Encoding: snappy)`,
  );
}

/**
 * Which remote write message the body holds (specs/remote-write.md §1.2). No Content-Type → 1.0.
 * The media type must be `application/x-protobuf`; its `proto` parameter picks the message:
 * `prometheus.WriteRequest` (1.0, also the default without one) or `io.prometheus.write.v2.Request`
 * (2.0). Wider than Prometheus and Mimir on purpose: whitespace around parts is trimmed, the media
 * type and parameter names compare case-insensitively, and a quoted value is unquoted, so
 * `Application/X-Protobuf; proto=io.prometheus.write.v2.Request` is 2.0 (not 1.0, as Prometheus
 * would read it). Anything else is an UnsupportedMediaError (415).
 */
export function remoteWriteVersion(contentType: string | undefined): RemoteWriteVersion {
  if (contentType === undefined || contentType.trim() === '') return 1;
  const [media, ...params] = contentType.split(';').map((p) => p.trim());
  if (media?.toLowerCase() !== 'application/x-protobuf') {
    throw new UnsupportedMediaError(
      `unsupported Content-Type "${contentType}": remote write bodies are application/x-protobuf ` +
        `(1.0: ;proto=${V1_MESSAGE}, 2.0: ;proto=${V2_MESSAGE})`,
    );
  }
  let version: RemoteWriteVersion = 1;
  for (const param of params) {
    if (param === '') continue;
    const parts = param.split('=');
    if (parts.length !== 2) {
      throw new UnsupportedMediaError(
        `unsupported Content-Type "${contentType}": malformed parameter "${param}"`,
      );
    }
    const key = (parts[0] as string).trim().toLowerCase();
    if (key !== 'proto') continue;
    const message = unquote((parts[1] as string).trim());
    if (message === V1_MESSAGE) version = 1;
    else if (message === V2_MESSAGE) version = 2;
    else {
      throw new UnsupportedMediaError(
        `unsupported remote write message "${message}": this server takes ${V1_MESSAGE} (remote write ` +
          `1.0) and ${V2_MESSAGE} (remote write 2.0)`,
      );
    }
  }
  return version;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}
