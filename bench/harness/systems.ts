import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { HttpClient } from './http-client.ts';

/**
 * The three systems under test and the little each needs to be started, written to, queried and
 * flushed. Everything else (workload, measurement, comparison) is identical for all three.
 */

export type SystemId = 'xscaler' | 'victoriametrics' | 'prometheus';
export const SYSTEM_IDS: readonly SystemId[] = ['xscaler', 'victoriametrics', 'prometheus'];

export interface Ports {
  readonly http: number;
  readonly grpc: number;
}

export interface FlushResult {
  /**
   * Bytes of the compacted representation of the data (what each system keeps long-term);
   * undefined when the system offers no way to force it.
   */
  readonly compactedBytes: number | undefined;
  /** What was done, for the report. */
  readonly note: string;
}

export interface SystemSpec {
  readonly id: SystemId;
  readonly title: string;
  readonly readyPath: string;
  readonly writePath: string;
  /** Prefix of the Prometheus HTTP API (`/api/v1` or `/prometheus/api/v1`). */
  readonly apiPrefix: string;
  /** Creates what the fresh data dir needs before the first start; returns the request headers. */
  setup(dataDir: string, workDir: string): Record<string, string>;
  command(
    dataDir: string,
    workDir: string,
    ports: Ports,
  ): { command: string; args: string[]; env?: NodeJS.ProcessEnv };
  /**
   * Makes acknowledged data durable before the SIGKILL of the restart step, without compacting
   * (VictoriaMetrics keeps recent rows in memory for a few seconds; the others are durable).
   */
  sync?(http: HttpClient, dataDir: string, settle: (path: string) => Promise<number>): Promise<void>;
  /** Flushes/compacts, then reports the compacted size; the caller waits for the dir to settle. */
  flush(http: HttpClient, dataDir: string, settle: (path: string) => Promise<number>): Promise<FlushResult>;
}

/** The package root (where package.json and dist/ live). */
export const PACKAGE_ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
const XSCALER_CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
/** The shipped launcher (`xscaler` bin, `npm start`): the server is measured as users run it. */
const XSCALER_BIN = join(PACKAGE_ROOT, 'bin', 'xscaler');
export const BENCH_TENANT = 'bench';
/** Limit overrides for the benchmark tenant (printed in the report). */
export const XSCALER_LIMITS = [
  'ingestion_rate=0',
  'ingestion_burst_size=0',
  'max_global_series_per_tenant=0',
];

function cli(args: string[]): string {
  return execFileSync(process.execPath, [XSCALER_CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export const xscaler: SystemSpec = {
  id: 'xscaler',
  title: 'xScaler',
  readyPath: '/ready',
  writePath: '/api/v1/push',
  apiPrefix: '/prometheus/api/v1',
  setup(dataDir) {
    cli(['tenant', 'create', BENCH_TENANT, '--data-dir', dataDir]);
    // The peers have no per-tenant limits: lift ours (0 = none) so the engine, not the default
    // 10k samples/s rate limit or the 150k series cap, is what gets measured.
    cli(['limits', 'set', BENCH_TENANT, ...XSCALER_LIMITS, '--data-dir', dataDir]);
    const token = cli([
      'token',
      'create',
      '--tenant',
      BENCH_TENANT,
      '--scope',
      'read+write',
      '--data-dir',
      dataDir,
    ]);
    if (!/^\S+$/.test(token))
      throw new Error(`xscaler token create printed ${JSON.stringify(token)}, expected one token`);
    return { 'X-Scope-OrgID': BENCH_TENANT, Authorization: `Bearer ${token}` };
  },
  command(dataDir, _workDir, ports) {
    // Extra node flags for the server only (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it
    // under the harness's load; the profile is written when the server exits on SIGTERM), passed
    // to the launcher, which runs node itself, as XSCALER_NODE_ARGS.
    const nodeArgs = process.env['XSCALER_BENCH_NODE_ARGS'] ?? '';
    return {
      command: XSCALER_BIN,
      env: { ...process.env, XSCALER_NODE_ARGS: nodeArgs },
      args: [
        'serve',
        '--listen',
        `127.0.0.1:${ports.http}`,
        '--grpc-listen',
        `127.0.0.1:${ports.grpc}`,
        '--data-dir',
        dataDir,
      ],
    };
  },
  async flush(http, dataDir, settle) {
    // The head is cut into blocks only by time (like Prometheus); the flush endpoint writes the
    // whole head into blocks and compacts them now. The blocks are what is kept long-term.
    const res = await http.send('POST', '/prometheus/api/v1/admin/tsdb/flush', undefined, {}, 300_000);
    if (res.status !== 204)
      throw new Error(`xScaler flush answered ${res.status}: ${res.body.slice(0, 200)}`);
    const bytes = await settle(join(dataDir, 'tenants', BENCH_TENANT, 'blocks'));
    return {
      compactedBytes: bytes,
      note: 'POST /prometheus/api/v1/admin/tsdb/flush (head → blocks, compacted), blocks dir',
    };
  },
};

async function vmFlush(http: HttpClient): Promise<void> {
  for (const path of ['/internal/force_flush', '/internal/force_merge']) {
    const res = await http.get(path, 300_000);
    if (res.status !== 200)
      throw new Error(`VictoriaMetrics ${path} answered ${res.status}: ${res.body.slice(0, 200)}`);
  }
}

export const victoriametrics: SystemSpec = {
  id: 'victoriametrics',
  title: 'VictoriaMetrics',
  readyPath: '/health',
  writePath: '/api/v1/write',
  apiPrefix: '/api/v1',
  setup: () => ({}),
  async sync(http, dataDir, settle) {
    // force_flush alone does not make the newest rows survive SIGKILL in 1.79; what the restart
    // step had before it came first (flush + merge + a settled dir) does.
    await vmFlush(http);
    await settle(dataDir);
  },
  command(dataDir, _workDir, ports) {
    return {
      command: 'victoria-metrics',
      args: [
        `-httpListenAddr=127.0.0.1:${ports.http}`,
        `-storageDataPath=${dataDir}`,
        // Every query is answered from storage, not from the rollup result cache.
        '-search.disableCache',
      ],
    };
  },
  async flush(http, dataDir, settle) {
    await vmFlush(http);
    const bytes = await settle(dataDir);
    return { compactedBytes: bytes, note: '/internal/force_flush + /internal/force_merge, then data dir' };
  },
};

export const prometheus: SystemSpec = {
  id: 'prometheus',
  title: 'Prometheus',
  readyPath: '/-/ready',
  writePath: '/api/v1/write',
  apiPrefix: '/api/v1',
  setup(_dataDir, workDir) {
    // No scrape targets: Prometheus only receives remote write and answers queries.
    writeFileSync(join(workDir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
    return {};
  },
  command(dataDir, workDir, ports) {
    return {
      command: 'prometheus',
      args: [
        `--config.file=${join(workDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${ports.http}`,
        '--web.enable-remote-write-receiver',
        // For the snapshot used to measure the compacted size (see flush).
        '--web.enable-admin-api',
      ],
    };
  },
  async flush(http, dataDir, settle) {
    // The head (≤ 3 h) is only compacted into a block by time; the admin snapshot API writes the
    // head as a block, which is exactly the compacted form. It is measured, then deleted.
    const res = await http.send('POST', '/api/v1/admin/tsdb/snapshot', undefined, {}, 300_000);
    if (res.status !== 200)
      throw new Error(`Prometheus snapshot answered ${res.status}: ${res.body.slice(0, 200)}`);
    const name = (JSON.parse(res.body) as { data?: { name?: string } }).data?.name;
    if (name === undefined || name === '')
      throw new Error(`Prometheus snapshot returned no name: ${res.body}`);
    const path = join(dataDir, 'snapshots', name);
    const bytes = await settle(path);
    rmSync(join(dataDir, 'snapshots'), { recursive: true, force: true });
    return { compactedBytes: bytes, note: 'admin snapshot of the head (one compacted block), block size' };
  },
};

export const SPECS: Readonly<Record<SystemId, SystemSpec>> = { xscaler, victoriametrics, prometheus };

/** Absolute path of `binary` on PATH, or undefined. */
export function which(binary: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

const PACKAGES: Readonly<Record<Exclude<SystemId, 'xscaler'>, string>> = {
  victoriametrics: 'victoria-metrics',
  prometheus: 'prometheus',
};

/**
 * Why `id` cannot run here, or undefined when it can. Installs a missing peer with apt-get when
 * `install` is set (saying so on stdout).
 */
export function availability(
  id: SystemId,
  install: boolean,
  say: (line: string) => void,
): string | undefined {
  if (id === 'xscaler') {
    return existsSync(XSCALER_CLI) ? undefined : `${XSCALER_CLI} is missing: run \`npm run build\` first`;
  }
  const pkg = PACKAGES[id];
  if (which(pkg) !== undefined) return undefined;
  if (!install) return `\`${pkg}\` is not on PATH (install it: apt-get install -y ${pkg})`;
  say(`${pkg} is not installed: running apt-get update && apt-get install -y ${pkg}`);
  for (const args of [['update'], ['install', '-y', pkg]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', timeout: 600_000 });
    if (r.status !== 0) return `apt-get ${args.join(' ')} failed (exit ${r.status}); install ${pkg} by hand`;
  }
  return which(pkg) === undefined ? `apt-get installed ${pkg} but it is still not on PATH` : undefined;
}

/** Version string of a system, for the report. */
export function versionOf(id: SystemId): string {
  const run = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  };
  if (id === 'xscaler') {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string };
    const commit = run('git', ['-C', PACKAGE_ROOT, 'rev-parse', '--short', 'HEAD']);
    return `${pkg.version ?? '?'} (git ${commit || 'unknown'})`;
  }
  if (id === 'prometheus') {
    const m = /version (\S+)/.exec(run('prometheus', ['--version']));
    return m?.[1] ?? 'unknown';
  }
  const own = /v?(\d+\.\d+\.\d+)/.exec(run('victoria-metrics', ['-version']));
  if (own !== null) return own[1]!;
  const deb = run('dpkg-query', ['-W', '-f=${Version}', 'victoria-metrics']);
  return deb !== '' ? `${deb} (Debian package)` : 'unknown';
}
