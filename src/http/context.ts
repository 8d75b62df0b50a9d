import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from 'pino';

import { BadDataError, TooLargeError } from '../model/index.ts';
import { errorReply, type ErrorReply } from './errors.ts';

/** Everything a handler needs about one request. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Aborted when the client goes away before the response is complete. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

/** How a family of endpoints renders errors. */
export type ErrorStyle = 'text' | 'prometheus-json';

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const body = Buffer.from(text.endsWith('\n') ? text : text + '\n');
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-length': body.length,
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, headers);
  res.end();
}

/**
 * Renders an error in the endpoint family's style and logs the unexpected ones. `headers` are
 * added to the error's own (Retry-After).
 */
export function sendError(
  ctx: RequestContext,
  err: unknown,
  style: ErrorStyle,
  headers: Record<string, string> = {},
): ErrorReply {
  const reply = errorReply(err);
  if (reply.unexpected) ctx.log.error({ err, path: ctx.url.pathname }, 'unexpected error');
  else if (reply.status >= 500)
    ctx.log.warn({ msg: reply.message, path: ctx.url.pathname }, 'request failed');
  const all = { ...headers, ...reply.headers };
  if (style === 'prometheus-json') {
    sendJson(ctx.res, reply.status, { status: 'error', errorType: reply.kind, error: reply.message }, all);
  } else {
    sendText(ctx.res, reply.status, reply.message, all);
  }
  return reply;
}

/**
 * Reads the whole body, refusing more than `maxBytes` with TooLargeError (413) as soon as it is
 * known: from Content-Length up front, or while streaming.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    req.resume();
    throw new TooLargeError(`request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > maxBytes) {
      req.resume();
      throw new TooLargeError(`request body exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(b);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}

/**
 * Request parameters as Prometheus reads them: URL query and, for POST with a form body, the form.
 * For single values the form wins; for repeated values the form's come first.
 */
export class Params {
  private readonly form: URLSearchParams;
  private readonly query: URLSearchParams;

  constructor(query: URLSearchParams, form: URLSearchParams = new URLSearchParams()) {
    this.query = query;
    this.form = form;
  }

  static async of(ctx: RequestContext, maxBytes = 8 * 1024 * 1024): Promise<Params> {
    if (ctx.req.method !== 'POST') return new Params(ctx.url.searchParams);
    const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      ctx.req.resume();
      return new Params(ctx.url.searchParams);
    }
    const body = await readBody(ctx.req, maxBytes);
    return new Params(ctx.url.searchParams, new URLSearchParams(body.toString('utf8')));
  }

  get(name: string): string | undefined {
    return this.form.get(name) ?? this.query.get(name) ?? undefined;
  }

  getAll(name: string): string[] {
    return [...this.form.getAll(name), ...this.query.getAll(name)];
  }

  /** A required parameter, or 400 `missing parameter`. */
  require(name: string): string {
    const v = this.get(name);
    if (v === undefined || v === '') throw new BadDataError(`invalid parameter "${name}": missing parameter`);
    return v;
  }
}
