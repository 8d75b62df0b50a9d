import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { eventually, freePort } from './tools.ts';

export interface RunningPrometheus {
  readonly url: string;
  readonly dir: string;
  output(): string;
  /** SIGTERM (Prometheus flushes its remote-write queue), then remove its directory. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's `prometheus` on 127.0.0.1 with `config` (YAML text; `$PORT` is replaced by its own
 * port, so it can scrape itself). Waits until it is ready.
 */
export async function startPrometheus(
  config: string,
  extraArgs: readonly string[] = [],
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'xscaler-prom-'));
  const port = await freePort();
  const configPath = join(dir, 'prometheus.yml');
  writeFileSync(configPath, config.replaceAll('$PORT', String(port)));
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=debug',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
        const res = await fetch(`${url}/-/ready`);
        return res.status === 200 ? true : undefined;
      },
      30_000,
      'prometheus to be ready',
    );
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    dir,
    output: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
