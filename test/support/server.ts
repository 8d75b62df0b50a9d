import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whatever the current directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const START_TIMEOUT_MS = 30_000;

/**
 * How to run the `xscaler` command in tests: from source through tsx by default (no build needed),
 * or as shipped, the `bin/xscaler` launcher over the built `dist/`, when XSCALER_TEST_DIST=1.
 */
function command(args: string[]): { file: string; argv: string[] } {
  if (process.env['XSCALER_TEST_DIST'] === '1') {
    return { file: join(REPO_ROOT, 'bin', 'xscaler'), argv: args };
  }
  return {
    file: process.execPath,
    argv: ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args],
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `xscaler <args>` to completion (bounded by a timeout) and returns its output. */
export function runCli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  const { file, argv } = command(args);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`xscaler ${args.join(' ')} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Runs `xscaler <args>` and fails with its stderr unless it exits 0. */
export async function cli(args: string[]): Promise<string> {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`xscaler ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export interface TestServer {
  readonly url: string;
  /** The server's process id. */
  readonly pid: number;
  readonly port: number;
  readonly dataDir: string;
  /** The `--limits-config` file written from `StartOptions.limits` (rewrite it to change limits). */
  readonly limitsFile: string | undefined;
  /** Creates a tenant through the CLI. */
  createTenant(id: string): Promise<void>;
  /** Creates a token through the CLI and returns the secret. */
  createToken(tenant: string, scope: 'read' | 'write' | 'read+write', name?: string): Promise<string>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /**
   * Starts again on the same data directory and limits file (after stop or kill); the port may
   * change. Use the new handle from then on: its cleanup() deletes a data directory made here.
   */
  restart(): Promise<TestServer>;
  /** stop() and delete the data directory, unless it was given by the caller. */
  cleanup(): Promise<void>;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
}

export interface StartOptions {
  /** Reuse this data directory (it is then not deleted by cleanup()). */
  readonly dataDir?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** A limits config (YAML text): written to `<dataDir>/limits.yaml` and passed as `--limits-config`. */
  readonly limits?: string;
}

/**
 * Starts `xscaler serve` on 127.0.0.1 with ports chosen by the OS, and waits until `/ready` says
 * so. The HTTP port is read from the server's "xscaler ready" log line.
 */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'xscaler-test-'));
  const limitsFile = options.limits === undefined ? undefined : join(dataDir, 'limits.yaml');
  if (limitsFile !== undefined) writeFileSync(limitsFile, options.limits as string);
  return launch({ options, dataDir, ownDir, limitsFile });
}

interface Launch {
  readonly options: StartOptions;
  readonly dataDir: string;
  /** The data directory was made here: cleanup() deletes it, also after restart(). */
  readonly ownDir: boolean;
  readonly limitsFile: string | undefined;
}

async function launch(l: Launch): Promise<TestServer> {
  const { options, dataDir, limitsFile } = l;
  const { file, argv } = command([
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--grpc-listen',
    '127.0.0.1:0',
    '--data-dir',
    dataDir,
    ...(limitsFile === undefined ? [] : ['--limits-config', limitsFile]),
    ...(options.args ?? []),
  ]);
  const child = spawn(file, argv, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let log = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not become ready in ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    const onData = (d: Buffer): void => {
      log += d.toString();
      const m = /"http":"127\.0\.0\.1:(\d+)"/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${log}`));
    });
  });
  child.removeAllListeners('exit');
  const url = `http://127.0.0.1:${port}`;
  const res = await fetch(`${url}/ready`);
  if (res.status !== 200) throw new Error(`/ready answered ${res.status}`);
  return handle(child, url, port, l, () => log);
}

function handle(child: ChildProcess, url: string, port: number, l: Launch, output: () => string): TestServer {
  const { dataDir, limitsFile } = l;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const server: TestServer = {
    url,
    pid: child.pid as number,
    port,
    dataDir,
    limitsFile,
    async createTenant(id) {
      await cli(['tenant', 'create', id, '--data-dir', dataDir]);
    },
    async createToken(tenant, scope, name = `test-${scope}`) {
      return (
        await cli([
          'token',
          'create',
          '--tenant',
          tenant,
          '--scope',
          scope,
          '--name',
          name,
          '--data-dir',
          dataDir,
        ])
      ).trim();
    },
    stop,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await stop();
      return launch(l);
    },
    async cleanup() {
      await stop();
      if (l.ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
    output,
  };
  return server;
}
