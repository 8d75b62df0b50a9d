import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { RequestContext } from '../context.ts';
import { header } from './session-gate.ts';

/**
 * Where `npm run build` puts the dashboard (`web/dist`), found from this file: it sits three
 * folders deep both in the sources (`src/http/ui/`) and in the build (`dist/http/ui/`).
 */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The dashboard's Content-Security-Policy: only our own scripts, styles, images and API. Inline
 * styles are allowed because the editor (CodeMirror) and the charts (uPlot) set them at run time;
 * inline scripts are not.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  readonly mtimeMs: number;
  readonly body: Buffer;
  readonly br: Buffer | undefined;
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
}

/**
 * Serves the built dashboard: hashed files under `/assets/` are cached for a year; `index.html`
 * (the answer for every page path, so deep links and reloads work) is revalidated each time.
 * Files are read once and kept in memory, with the `.br`/`.gz` siblings the build writes.
 */
export class StaticAssets {
  private readonly dir: string;
  private readonly cache = new Map<string, Asset | null>();

  constructor(dir: string = DEFAULT_ASSETS_DIR) {
    this.dir = dir;
  }

  /** Whether a built dashboard is there at all. */
  available(): boolean {
    return existsSync(join(this.dir, 'index.html'));
  }

  /** Serves `/assets/...` and other files of the build; false when there is no such file. */
  serveFile(ctx: RequestContext, urlPath: string): boolean {
    const asset = this.load(urlPath);
    if (asset === null) return false;
    const immutable = urlPath.startsWith('/assets/');
    this.send(ctx, asset, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    return true;
  }

  /** Serves the single page (`index.html`) for a dashboard path. */
  servePage(ctx: RequestContext): void {
    const asset = this.load('/index.html');
    if (asset === null) {
      const body = Buffer.from(NOT_BUILT);
      ctx.res.writeHead(503, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
      return;
    }
    this.send(ctx, asset, 'no-cache');
  }

  private send(ctx: RequestContext, asset: Asset, cacheControl: string): void {
    const { res } = ctx;
    const headers: Record<string, string | number> = {
      'content-type': asset.type,
      'cache-control': cacheControl,
      etag: asset.etag,
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
    };
    if (asset.type.startsWith('text/html')) {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      headers['x-frame-options'] = 'DENY';
      headers['referrer-policy'] = 'same-origin';
    }
    if (header(ctx, 'if-none-match') === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const accept = header(ctx, 'accept-encoding') ?? '';
    let body = asset.body;
    if (asset.br !== undefined && /\bbr\b/.test(accept)) {
      body = asset.br;
      headers['content-encoding'] = 'br';
    } else if (asset.gzip !== undefined && /\bgzip\b/.test(accept)) {
      body = asset.gzip;
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(ctx.req.method === 'HEAD' ? undefined : body);
  }

  private load(urlPath: string): Asset | null {
    const cached = this.cache.get(urlPath);
    // Hashed files never change; the rest (index.html) is re-read when a new build replaced it.
    if (
      cached !== undefined &&
      cached !== null &&
      (urlPath.startsWith('/assets/') || !this.changed(urlPath, cached))
    ) {
      return cached;
    }
    const asset = this.read(urlPath);
    // Misses are not cached: a build may land while the server runs.
    if (asset !== null) this.cache.set(urlPath, asset);
    else this.cache.delete(urlPath);
    return asset;
  }

  private changed(urlPath: string, asset: Asset): boolean {
    try {
      return statSync(join(this.dir, urlPath)).mtimeMs !== asset.mtimeMs;
    } catch {
      return true;
    }
  }

  private read(urlPath: string): Asset | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (decoded.includes('\0') || decoded.endsWith('.br') || decoded.endsWith('.gz')) return null;
    const file = normalize(join(this.dir, decoded));
    if (!file.startsWith(normalize(this.dir + sep))) return null; // no way out of the folder
    const type = TYPES[extname(file)];
    if (type === undefined) return null;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return null;
      const body = readFileSync(file);
      return {
        mtimeMs: stat.mtimeMs,
        body,
        br: readIfThere(file + '.br'),
        gzip: readIfThere(file + '.gz'),
        type,
        etag: `"${stat.size.toString(36)}-${Math.floor(stat.mtimeMs).toString(36)}"`,
      };
    } catch {
      return null;
    }
  }
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>xScaler</title></head>
<body><h1>The dashboard is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm run build:web</code>) and reload this page.
The APIs work without it.</p></body></html>
`;
