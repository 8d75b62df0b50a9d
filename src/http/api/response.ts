import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlib } from 'node:zlib';

import { CanceledError } from '../../model/index.ts';
import {
  JsonChunker,
  capAnnotations,
  successJson,
  annotationsJson,
  type TextSink,
} from '../../protocol/index.ts';
import type { RequestContext } from '../context.ts';

/** Whether the client takes gzip (`Accept-Encoding: gzip`, not with q=0). */
export function acceptsGzip(ctx: RequestContext): boolean {
  const header = ctx.req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * A response body written in chunks, gzip-compressed when the client accepts it, with
 * backpressure: `write` returns a promise when the socket (or the compressor) is full, and that
 * promise rejects with CanceledError when the client goes away. Headers go out with the first
 * chunk, so errors before then can still become a proper error reply.
 */
export class StreamingBody implements TextSink {
  private readonly ctx: RequestContext;
  private readonly status: number;
  private readonly headers: Record<string, string>;
  private target: Writable | null = null;
  private readonly gzip: boolean;

  constructor(ctx: RequestContext, status: number, contentType: string, gzip = acceptsGzip(ctx)) {
    this.ctx = ctx;
    this.status = status;
    this.gzip = gzip;
    this.headers = { 'content-type': contentType };
    if (gzip) {
      this.headers['content-encoding'] = 'gzip';
      this.headers['vary'] = 'Accept-Encoding';
    }
  }

  /** True once bytes (and so the status) went out. */
  get started(): boolean {
    return this.target !== null;
  }

  write(chunk: string | Uint8Array): void | Promise<void> {
    const target = this.open();
    if (target.write(chunk)) return undefined;
    return this.drain(target);
  }

  /** Ends the body; resolves when everything is handed to the socket. */
  async end(): Promise<void> {
    const target = this.open();
    const done = finished(this.ctx.res);
    target.end();
    try {
      await done;
    } catch {
      // `finished` rejects when the socket closed before the last byte: the client went away.
      throw new CanceledError('the client went away while the answer was being sent');
    }
  }

  /** After a failure mid-body: the status is gone, so all we can do is cut the connection. */
  abort(): void {
    this.target?.destroy();
    this.ctx.res.destroy();
  }

  private open(): Writable {
    if (this.target !== null) return this.target;
    const res = this.ctx.res;
    res.writeHead(this.status, this.headers);
    if (this.gzip) {
      // Level 1: these bodies are repetitive JSON; fast compression gets most of the gain.
      const gz = createGzip({ level: 1, flush: zlib.Z_NO_FLUSH });
      gz.pipe(res);
      this.target = gz;
    } else {
      this.target = res;
    }
    return this.target;
  }

  private async drain(target: Writable): Promise<void> {
    if (this.ctx.signal.aborted)
      throw new CanceledError('the client went away while the answer was being sent');
    try {
      await once(target, 'drain', { signal: this.ctx.signal });
    } catch {
      throw new CanceledError('the client went away while the answer was being sent');
    }
  }
}

/**
 * Sends a success envelope whose data is already JSON text (answers small enough to be one
 * string: labels, label values, series, metadata, status). Warnings and infos are capped as
 * Prometheus caps them. Without gzip the reply goes out in one write with a Content-Length (no
 * chunked encoding, no stream machinery); with gzip it goes through the compressing body.
 */
export async function sendSuccess(
  ctx: RequestContext,
  dataJson: string,
  warnings: readonly string[] = [],
  infos: readonly string[] = [],
): Promise<void> {
  const text = successJson(dataJson, capAnnotations(warnings, 'warning'), capAnnotations(infos, 'info'));
  if (!acceptsGzip(ctx)) {
    const bytes = Buffer.from(text, 'utf8');
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
    ctx.res.end(bytes);
    return;
  }
  const body = new StreamingBody(ctx, 200, 'application/json', true);
  body.write(text);
  await body.end();
}

/**
 * Writes the first `count` items as a JSON array, each rendered by `json`; waits only when the
 * chunker's sink asks to.
 */
export async function writeJsonArray<T>(
  out: JsonChunker,
  items: readonly T[],
  count: number,
  json: (item: T) => string,
): Promise<void> {
  out.push('[');
  for (let i = 0; i < count; i++) {
    const pending = out.push((i > 0 ? ',' : '') + json(items[i] as T));
    if (pending) await pending;
  }
  out.push(']');
}

/**
 * Streams a success envelope: `write(out)` produces the data through the chunker (awaiting its
 * promises), then warnings and infos follow. If the body fails after it started, the connection
 * is cut (the client sees a truncated answer, never a wrong one).
 */
export async function streamSuccess(
  ctx: RequestContext,
  write: (out: JsonChunker) => Promise<void>,
  warnings: () => readonly string[] = () => [],
  infos: () => readonly string[] = () => [],
): Promise<void> {
  const body = new StreamingBody(ctx, 200, 'application/json');
  const out = new JsonChunker(body);
  try {
    out.push('{"status":"success","data":');
    await write(out);
    out.push(annotationsJson(capAnnotations(warnings(), 'warning'), capAnnotations(infos(), 'info')) + '}');
    await out.flush();
    await body.end();
  } catch (err) {
    if (body.started) {
      body.abort();
      if (!(err instanceof CanceledError)) ctx.log.warn({ err, path: ctx.url.pathname }, 'answer cut short');
      return;
    }
    throw err;
  }
}
