import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from 'pino';

import { sendText, type RequestContext } from './context.ts';
import { Router } from './router.ts';

/** Paths people mistake for the push endpoint, with the answer the seeds promise. */
const WRONG_PUSH_PATHS = new Set(['/api/v1/write', '/push', '/api/v1/push/', '/write', '/api/prom/push']);

export interface HttpServerOptions {
  readonly log: Logger;
  /** Whether the server should say it is ready (storage opened, not shutting down). */
  readonly ready: () => boolean;
}

/**
 * The HTTP edge: routing, readiness, abort signals and graceful shutdown. Endpoints are added to
 * `router` by the composition root; this class knows none of them.
 */
export class HttpServer {
  readonly router = new Router();
  private readonly server: Server;
  private readonly log: Logger;
  private readonly ready: () => boolean;
  private inFlight = 0;
  private closing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(options: HttpServerOptions) {
    this.log = options.log;
    this.ready = options.ready;
    this.server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 300_000 }, (req, res) => {
      void this.handle(req, res);
    });
    this.server.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      this.log.debug({ err }, 'client error');
    });
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (up to `drainMs`), then closes
   * every connection. Resolves when the server is closed.
   */
  async close(drainMs: number): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, drainMs).unref()),
      ]);
    }
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    if (this.closing) res.setHeader('connection', 'close');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendText(res, 400, 'malformed request URL');
      this.done();
      return;
    }
    const ctx: RequestContext = { req, res, url, signal: abort.signal, log: this.log };
    try {
      await this.dispatch(ctx);
    } catch (err) {
      this.log.error({ err, path: url.pathname }, 'unhandled error');
      sendText(res, 500, 'internal error');
    } finally {
      this.done();
    }
  }

  private async dispatch(ctx: RequestContext): Promise<void> {
    const { req, res, url } = ctx;
    const path = url.pathname;
    if (path === '/ready' || path === '/-/ready') {
      const ok = this.ready() && !this.closing;
      sendText(res, ok ? 200 : 503, ok ? 'ready' : 'not ready');
      return;
    }
    if (path === '/-/healthy' || path === '/healthz') {
      sendText(res, 200, 'healthy');
      return;
    }
    const routes = this.router.match(path);
    if (!routes) {
      req.resume();
      if (WRONG_PUSH_PATHS.has(path)) {
        sendText(
          res,
          404,
          `404 page not found: ${path} is not an endpoint of xScaler; Prometheus remote_write goes to POST /api/v1/push`,
        );
      } else {
        sendText(res, 404, '404 page not found');
      }
      return;
    }
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const route = routes.get(method);
    if (!route) {
      req.resume();
      sendText(res, 405, `method ${req.method ?? ''} not allowed; use ${[...routes.keys()].join(' or ')}`, {
        allow: [...routes.keys()].join(', '),
      });
      return;
    }
    await route.handler(ctx);
  }

  private done(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      for (const w of this.idleWaiters) w();
      this.idleWaiters = [];
    }
  }
}
