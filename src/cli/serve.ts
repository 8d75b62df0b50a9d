import {
  DEFAULTS,
  parseListen,
  parseMiB,
  parsePublicUrl,
  startServer,
  type ServeConfig,
} from '../app/index.ts';
import { BadDataError } from '../model/index.ts';
import { parse, type Command } from './command.ts';

const env = process.env;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the server (remote write, OTLP, the Prometheus API, the dashboard)',
  usage:
    'xscaler serve [--listen HOST:PORT] [--grpc-listen HOST:PORT] [--grpc-tls-cert FILE --grpc-tls-key FILE]\n' +
    '              [--data-dir DIR] [--log-level LEVEL] [--public-url URL] [--region NAME]\n' +
    '              [--limits-config FILE] [--head-chunk-cache-mib N] [--block-cache-mib N]\n' +
    '  environment: XSCALER_LISTEN, XSCALER_GRPC_LISTEN, XSCALER_GRPC_TLS_CERT, XSCALER_GRPC_TLS_KEY,\n' +
    '               XSCALER_DATA_DIR, XSCALER_LOG_LEVEL, XSCALER_PUBLIC_URL, XSCALER_REGION,\n' +
    '               XSCALER_LIMITS_CONFIG, XSCALER_HEAD_CHUNK_CACHE_MIB, XSCALER_BLOCK_CACHE_MIB\n' +
    '  --limits-config is a YAML or JSON file of per-tenant limits (defaults and overrides), re-read\n' +
    '  when it changes; see `xscaler limits --help`\n' +
    "  --public-url is how clients reach this server (shown in the dashboard's Connect snippets)\n" +
    '  --head-chunk-cache-mib is the memory (MiB, all tenants together; default 64, 0 = off) that\n' +
    '  queries may use to keep sealed head chunks (the last hours) instead of re-reading them from\n' +
    '  disk; it is given back after 5 minutes without queries\n' +
    '  --block-cache-mib is the same for older data: memory (MiB, all tenants; default 64, 0 = off)\n' +
    '  for chunk frames of blocks, kept inflated between queries',
  async run(argv) {
    const { values } = parse({
      args: argv,
      options: {
        listen: { type: 'string', default: env['XSCALER_LISTEN'] ?? DEFAULTS.listen },
        'grpc-listen': { type: 'string', default: env['XSCALER_GRPC_LISTEN'] ?? DEFAULTS.grpcListen },
        'grpc-tls-cert': { type: 'string', default: env['XSCALER_GRPC_TLS_CERT'] ?? '' },
        'grpc-tls-key': { type: 'string', default: env['XSCALER_GRPC_TLS_KEY'] ?? '' },
        'data-dir': { type: 'string', default: env['XSCALER_DATA_DIR'] ?? DEFAULTS.dataDir },
        'log-level': { type: 'string', default: env['XSCALER_LOG_LEVEL'] ?? DEFAULTS.logLevel },
        'public-url': { type: 'string', default: env['XSCALER_PUBLIC_URL'] ?? '' },
        region: { type: 'string', default: env['XSCALER_REGION'] ?? '' },
        'limits-config': { type: 'string', default: env['XSCALER_LIMITS_CONFIG'] ?? '' },
        'head-chunk-cache-mib': {
          type: 'string',
          default: env['XSCALER_HEAD_CHUNK_CACHE_MIB'] ?? String(DEFAULTS.headChunkCacheMiB),
        },
        'block-cache-mib': {
          type: 'string',
          default: env['XSCALER_BLOCK_CACHE_MIB'] ?? String(DEFAULTS.blockCacheMiB),
        },
      },
      strict: true,
    });
    const config: ServeConfig = {
      listen: parseListen(values.listen, '--listen'),
      grpcListen: parseListen(values['grpc-listen'], '--grpc-listen'),
      grpcTls: grpcTls(values['grpc-tls-cert'], values['grpc-tls-key']),
      dataDir: values['data-dir'],
      logLevel: values['log-level'],
      drainMs: DEFAULTS.drainMs,
      publicUrl:
        values['public-url'] === '' ? undefined : parsePublicUrl(values['public-url'], '--public-url'),
      region: values.region === '' ? undefined : values.region,
      limitsConfig: values['limits-config'] === '' ? undefined : values['limits-config'],
      headChunkCacheBytes: parseMiB(values['head-chunk-cache-mib'], '--head-chunk-cache-mib'),
      blockCacheBytes: parseMiB(values['block-cache-mib'], '--block-cache-mib'),
    };
    const server = await startServer(config);
    await new Promise<void>((resolve) => {
      let signalled = false;
      const stop = (signal: string): void => {
        if (signalled) {
          server.log.warn({ signal }, 'second signal: exiting without waiting');
          process.exit(1);
        }
        signalled = true;
        server.log.info({ signal }, 'signal received');
        server.close().then(resolve, (err: unknown) => {
          server.log.error({ err }, 'shutdown failed');
          process.exit(1);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};

/** Both TLS files or neither: one alone is a mistake worth stopping for. */
function grpcTls(certFile: string, keyFile: string): ServeConfig['grpcTls'] {
  if (certFile === '' && keyFile === '') return undefined;
  if (certFile === '' || keyFile === '') {
    throw new BadDataError(
      '--grpc-tls-cert and --grpc-tls-key go together: give both files, or neither for plaintext',
    );
  }
  return { certFile, keyFile };
}
