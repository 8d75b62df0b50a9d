import { ProtoWriter } from '../../codec/index.ts';

/** The two OTLP/HTTP encodings; a response always uses the request's. */
export type OtlpEncoding = 'protobuf' | 'json';

/** gRPC status codes used in `google.rpc.Status.code` and by the gRPC edge. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

export const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * `ExportMetricsServiceResponse`: empty on full success; `partial_success { rejected_data_points = 1;
 * error_message = 2; }` when points were dropped (or, with 0 rejected, to carry a warning).
 */
export function encodeExportResponse(
  encoding: OtlpEncoding,
  rejected: number,
  message: string,
): Uint8Array | string {
  const partial = rejected > 0 || message !== '';
  if (encoding === 'json') {
    if (!partial) return '{}';
    return JSON.stringify({
      partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: message },
    });
  }
  const w = new ProtoWriter();
  if (partial) {
    w.fork(1);
    if (rejected > 0) w.varint(1, rejected);
    if (message !== '') w.string(2, message);
    w.join();
  }
  return w.finish();
}

/** `google.rpc.RetryInfo { Duration retry_delay = 1; }`, `Duration { int64 seconds = 1; int32 nanos = 2; }`. */
export function encodeRetryInfo(seconds: number): Uint8Array {
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  const w = new ProtoWriter();
  w.fork(1);
  if (whole > 0) w.varint(1, whole);
  if (nanos > 0) w.varint(2, nanos);
  w.join();
  return w.finish();
}

/**
 * `google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }`,
 * the body of OTLP/HTTP errors, with a `RetryInfo` detail when the client should wait before retrying.
 */
export function encodeStatus(
  encoding: OtlpEncoding,
  code: GrpcCode,
  message: string,
  retryAfterSeconds?: number,
): Uint8Array | string {
  if (encoding === 'json') {
    const body: Record<string, unknown> = { code, message };
    if (retryAfterSeconds !== undefined) {
      body['details'] = [{ '@type': RETRY_INFO_TYPE, retryDelay: `${retryAfterSeconds}s` }];
    }
    return JSON.stringify(body);
  }
  const w = new ProtoWriter();
  if (code !== 0) w.varint(1, code);
  if (message !== '') w.string(2, message);
  if (retryAfterSeconds !== undefined) {
    // message Any { string type_url = 1; bytes value = 2; }
    w.fork(3).string(1, RETRY_INFO_TYPE).bytes(2, encodeRetryInfo(retryAfterSeconds)).join();
  }
  return w.finish();
}

/** The partial-success message for a translation result: the errors, or the warnings when none. */
export function partialSuccessMessage(
  rejected: number,
  errors: readonly string[],
  warnings: readonly string[],
): string {
  if (rejected > 0) {
    const shown = errors.join('; ');
    return `${rejected} data point${rejected === 1 ? ' was' : 's were'} rejected: ${shown}`;
  }
  return warnings.join('; ');
}
