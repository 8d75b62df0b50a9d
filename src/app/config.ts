import { BadDataError } from '../model/index.ts';

export interface ListenAddress {
  /** Empty means every interface. */
  readonly host: string;
  readonly port: number;
}

export interface ServeConfig {
  readonly listen: ListenAddress;
  readonly grpcListen: ListenAddress;
  /** TLS for OTLP/gRPC (PEM certificate chain and key files); plaintext when absent. */
  readonly grpcTls?: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly dataDir: string;
  readonly logLevel: string;
  /** How long SIGTERM waits for in-flight requests before closing connections. */
  readonly drainMs: number;
  /** The limits config file (YAML/JSON, defaults and per-tenant overrides), re-read when it changes. */
  readonly limitsConfig?: string | undefined;
  /** The URL clients reach this server at, shown in the dashboard's Connect snippets. */
  readonly publicUrl?: string | undefined;
  /** A region label shown in the dashboard (`euw1`). */
  readonly region?: string | undefined;
  /**
   * Budget of the cache of head chunk file bytes shared by all tenants (queries over the last
   * hours read sealed head chunks from it instead of the files); 0 turns it off. Default 64 MiB.
   */
  readonly headChunkCacheBytes?: number | undefined;
  /**
   * Budget of the cache of inflated block chunk frames shared by all tenants (queries over older
   * data read them from it instead of reading and inflating them again); 0 turns it off. Default
   * 64 MiB.
   */
  readonly blockCacheBytes?: number | undefined;
}

export const DEFAULTS = {
  listen: ':8080',
  grpcListen: ':4317',
  dataDir: './data',
  logLevel: 'info',
  drainMs: 10_000,
  headChunkCacheMiB: 64,
  blockCacheMiB: 64,
} as const;

/** Parses a whole number of MiB (`--head-chunk-cache-mib`), ≥ 0. */
export function parseMiB(text: string, flag: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > 1024 * 1024) {
    throw new BadDataError(`${flag}: expected a whole number of MiB (0 = off), got "${text}"`);
  }
  return n * 1024 * 1024;
}

/** Parses `host:port`, `:port` or `[v6]:port`. */
export function parseListen(text: string, flag: string): ListenAddress {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new BadDataError(`${flag}: expected HOST:PORT or :PORT, got "${text}"`);
  }
  return { host: m[1] ?? m[2] ?? '', port };
}

export function formatListen(a: ListenAddress): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** Checks `--public-url`: an http(s) URL; returned without a trailing slash. */
export function parsePublicUrl(text: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new BadDataError(`${flag}: expected a URL such as https://metrics.example.com, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadDataError(`${flag}: expected an http or https URL, got "${text}"`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new BadDataError(`${flag}: the URL must not have a query or fragment, got "${text}"`);
  }
  return url.href.replace(/\/+$/, '');
}
