import { Agent, request } from 'node:http';

/**
 * A minimal HTTP/1.1 client for 127.0.0.1 only: the harness never sends traffic anywhere else.
 * Every call has a timeout; bodies are collected whole (responses here are small or bounded).
 */

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  /** Seconds from sending the request to the last response byte. */
  readonly seconds: number;
}

export class HttpClient {
  readonly base: string;
  private readonly agent: Agent;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly port: number;

  constructor(port: number, headers: Readonly<Record<string, string>>, maxSockets = 16) {
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.headers = headers;
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Sends one request; rejects on network errors and on `timeoutMs` without a full response. */
  send(
    method: 'GET' | 'POST',
    path: string,
    body: Uint8Array | undefined,
    extraHeaders: Readonly<Record<string, string>>,
    timeoutMs: number,
    maxBodyChars = 64 * 1024 * 1024,
  ): Promise<HttpResponse> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            ...this.headers,
            ...extraHeaders,
            ...(body === undefined ? {} : { 'Content-Length': String(body.length) }),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < maxBodyChars) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              seconds: (performance.now() - started) / 1000,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  get(path: string, timeoutMs: number): Promise<HttpResponse> {
    return this.send('GET', path, undefined, {}, timeoutMs);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The remote-write 1.0 request headers Prometheus sends (the body is a snappy block). */
export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
  'User-Agent': 'xscaler-bench/1',
};
