/**
 * The error vocabulary every layer shares.
 *
 * Lower layers say *what* went wrong by picking a kind; only the edges (`http/`, `grpc/`) decide how
 * that looks on the wire. Where Prometheus has an `errorType` for the same idea we use its exact
 * string, so API bodies need no translation.
 */
export type ErrorKind =
  | 'bad_data' //          the input is wrong; sending it again will fail again
  | 'unauthorized' //      no credentials, or credentials we do not recognise
  | 'forbidden' //         known tenant, but not allowed to do this
  | 'not_found'
  | 'too_large' //         the body is over a size limit
  | 'unsupported_media' // a Content-Type or Content-Encoding we do not speak
  | 'rate_limited' //      a transient limit; the same request may succeed later
  | 'execution' //         a valid query that failed while being evaluated
  | 'timeout'
  | 'canceled'
  | 'unavailable' //       we cannot serve right now (closing, disk full, overloaded); retryable
  | 'internal'; //         a bug: we did not expect this

/** Base of every error thrown on purpose. Anything else reaching the edge is a bug. */
export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadDataError extends AppError {
  readonly kind = 'bad_data';
}

/** A permanent per-tenant cap (for example max series). Retrying cannot help, so it is bad data. */
export class LimitError extends BadDataError {}

export class UnauthorizedError extends AppError {
  readonly kind = 'unauthorized';
}

export class ForbiddenError extends AppError {
  readonly kind = 'forbidden';
}

export class NotFoundError extends AppError {
  readonly kind = 'not_found';
}

export class TooLargeError extends AppError {
  readonly kind = 'too_large';
}

export class UnsupportedMediaError extends AppError {
  readonly kind = 'unsupported_media';
}

export class RateLimitedError extends AppError {
  readonly kind = 'rate_limited';
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A valid query that failed at run time (Prometheus `execution`, HTTP 422). */
export class ExecutionError extends AppError {
  readonly kind = 'execution';
}

export class QueryTimeoutError extends AppError {
  readonly kind = 'timeout';
}

export class CanceledError extends AppError {
  readonly kind = 'canceled';
}

/** Retryable: we cannot take this now (closing, disk full, I/O error). Nothing was acknowledged. */
export class UnavailableError extends AppError {
  readonly kind = 'unavailable';
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options?: ErrorOptions & { retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export class InternalError extends AppError {
  readonly kind = 'internal';
}
