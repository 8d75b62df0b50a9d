import { DEFAULTS, parseListen, startServer, type ServeConfig } from '../app/index.ts';
import { parse, type Command } from './command.ts';

const env = process.env;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the server (remote write, OTLP, the Prometheus API, the dashboard)',
  usage:
    'xscaler serve [--listen HOST:PORT] [--grpc-listen HOST:PORT] [--data-dir DIR] [--log-level LEVEL]\n' +
    '  environment: XSCALER_LISTEN, XSCALER_GRPC_LISTEN, XSCALER_DATA_DIR, XSCALER_LOG_LEVEL',
  async run(argv) {
    const { values } = parse({
      args: argv,
      options: {
        listen: { type: 'string', default: env['XSCALER_LISTEN'] ?? DEFAULTS.listen },
        'grpc-listen': { type: 'string', default: env['XSCALER_GRPC_LISTEN'] ?? DEFAULTS.grpcListen },
        'data-dir': { type: 'string', default: env['XSCALER_DATA_DIR'] ?? DEFAULTS.dataDir },
        'log-level': { type: 'string', default: env['XSCALER_LOG_LEVEL'] ?? DEFAULTS.logLevel },
      },
      strict: true,
    });
    const config: ServeConfig = {
      listen: parseListen(values.listen, '--listen'),
      grpcListen: parseListen(values['grpc-listen'], '--grpc-listen'),
      dataDir: values['data-dir'],
      logLevel: values['log-level'],
      drainMs: DEFAULTS.drainMs,
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
