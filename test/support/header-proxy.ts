import { createServer, request, type Server } from 'node:http';

export interface HeaderProxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A reverse proxy that adds headers a client cannot send (only those the request lacks). Debian's
 * 2.42 builds cannot send `X-Scope-OrgID` where we need it (promtool has no `--http.config.file`,
 * and the packaged Prometheus does not send `remote_read.headers`, which upstream has had since
 * 2.26), so the tests put this in front of xScaler; clients that send the header pass unchanged.
 */
export function startHeaderProxy(target: string, headers: Record<string, string>): Promise<HeaderProxy> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const merged: Record<string, string | string[] | undefined> = { ...req.headers, host: upstream.host };
    for (const [k, v] of Object.entries(headers))
      if (merged[k.toLowerCase()] === undefined) merged[k.toLowerCase()] = v;
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: merged },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    }),
  );
}
