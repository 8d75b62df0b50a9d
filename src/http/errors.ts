import { AppError, RateLimitedError, UnavailableError, type ErrorKind } from '../model/index.ts';

/**
 * The only place where error kinds become HTTP status codes. `satisfies` makes the compiler
 * reject this table when a new kind is added but not mapped here.
 */
const STATUS = {
  bad_data: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  too_large: 413,
  unsupported_media: 415,
  execution: 422,
  rate_limited: 429,
  canceled: 499, // the client went away; nobody reads this, but logs do
  internal: 500,
  timeout: 503,
  unavailable: 503,
} as const satisfies Record<ErrorKind, number>;

export interface ErrorReply {
  readonly status: number;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  /** True when the error was not thrown on purpose: log it with its stack. */
  readonly unexpected: boolean;
}

/** Maps any thrown value to what the client should see. Unexpected errors leak nothing. */
export function errorReply(err: unknown): ErrorReply {
  if (!(err instanceof AppError)) {
    return { status: 500, kind: 'internal', message: 'internal error', headers: {}, unexpected: true };
  }
  const headers: Record<string, string> = {};
  const retryAfter =
    err instanceof RateLimitedError
      ? err.retryAfterSeconds
      : err instanceof UnavailableError
        ? err.retryAfterSeconds
        : undefined;
  if (retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  return { status: STATUS[err.kind], kind: err.kind, message: err.message, headers, unexpected: false };
}
