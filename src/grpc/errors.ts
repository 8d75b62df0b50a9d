import { status as Status, Metadata } from '@grpc/grpc-js';

import { AppError, RateLimitedError, UnavailableError, type ErrorKind } from '../model/index.ts';
import { encodeStatus } from '../protocol/index.ts';

/**
 * The gRPC edge's table from error kinds to status codes (the HTTP edge has its own). Retryable for
 * OTLP clients: UNAVAILABLE, CANCELLED, DEADLINE_EXCEEDED, and RESOURCE_EXHAUSTED only when the
 * status carries RetryInfo, which we add for rate limits alone (a too-large request stays final).
 */
const CODE = {
  bad_data: Status.INVALID_ARGUMENT,
  unauthorized: Status.UNAUTHENTICATED,
  forbidden: Status.PERMISSION_DENIED,
  not_found: Status.NOT_FOUND,
  too_large: Status.RESOURCE_EXHAUSTED,
  unsupported_media: Status.INVALID_ARGUMENT,
  execution: Status.INVALID_ARGUMENT,
  rate_limited: Status.RESOURCE_EXHAUSTED,
  canceled: Status.CANCELLED,
  timeout: Status.UNAVAILABLE,
  unavailable: Status.UNAVAILABLE,
  internal: Status.INTERNAL,
} as const satisfies Record<ErrorKind, Status>;

export interface GrpcErrorReply {
  readonly code: Status;
  readonly details: string;
  readonly metadata: Metadata;
  /** True when the error was not thrown on purpose: log it with its stack. */
  readonly unexpected: boolean;
}

/** Maps any thrown value to a gRPC status with `grpc-status-details-bin` (google.rpc.Status). */
export function grpcErrorReply(err: unknown): GrpcErrorReply {
  const metadata = new Metadata();
  if (!(err instanceof AppError)) {
    return { code: Status.INTERNAL, details: 'internal error', metadata, unexpected: true };
  }
  const code = CODE[err.kind];
  const retryAfter =
    err instanceof RateLimitedError
      ? err.retryAfterSeconds
      : err instanceof UnavailableError
        ? err.retryAfterSeconds
        : undefined;
  const details = encodeStatus(
    'protobuf',
    code,
    err.message,
    retryAfter === undefined ? undefined : Math.max(1, Math.ceil(retryAfter)),
  );
  metadata.set('grpc-status-details-bin', Buffer.from(details as Uint8Array));
  return { code, details: err.message, metadata, unexpected: false };
}
