import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Starts the servers under test and guarantees they are stopped, by PID, whatever happens: normal
 * end, thrown errors (callers use try/finally → stopAll), Ctrl-C (SIGINT/SIGTERM handlers) and a
 * last-resort synchronous SIGKILL in the process 'exit' hook.
 */

export interface Managed {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly startedAt: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  alive(): boolean;
}

export class Supervisor {
  private readonly running = new Map<number, { child: ChildProcess; managed: Managed }>();
  private signalsInstalled = false;

  /** Spawns `command args`, stdout/stderr appended to `logPath`. Throws if spawning fails. */
  spawn(
    name: string,
    command: string,
    args: readonly string[],
    logPath: string,
    env?: NodeJS.ProcessEnv,
  ): Managed {
    const log = openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ['ignore', log, log], env: env ?? process.env });
    } finally {
      closeSync(log);
    }
    if (child.pid === undefined) throw new Error(`could not start ${name}: ${command} ${args.join(' ')}`);
    let done = false;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        done = true;
        this.running.delete(child.pid!);
        resolve();
      });
      child.once('error', () => {
        done = true;
        this.running.delete(child.pid!);
        resolve();
      });
    });
    const managed: Managed = {
      name,
      pid: child.pid,
      logPath,
      startedAt: performance.now(),
      exited,
      alive: () => !done,
    };
    this.running.set(child.pid, { child, managed });
    return managed;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(m: Managed, graceMs = 20_000): Promise<void> {
    if (!m.alive()) return;
    this.signal(m, 'SIGTERM');
    const timer = setTimeout(() => this.signal(m, 'SIGKILL'), graceMs);
    await m.exited;
    clearTimeout(timer);
  }

  /** SIGKILL, no grace (the crash-recovery figure); resolves once the process is gone. */
  async kill(m: Managed): Promise<void> {
    if (!m.alive()) return;
    this.signal(m, 'SIGKILL');
    await m.exited;
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    await Promise.all([...this.running.values()].map(({ managed }) => this.stop(managed, graceMs)));
  }

  /**
   * Stops everything on Ctrl-C / SIGTERM (then runs `afterStop`, e.g. removing data dirs) and kills
   * leftovers when the harness exits for any reason.
   */
  installSignalHandlers(announce: (signal: string) => void, afterStop: () => void): void {
    if (this.signalsInstalled) return;
    this.signalsInstalled = true;
    const handler = (signal: NodeJS.Signals): void => {
      announce(signal);
      void this.stopAll(5_000).finally(() => {
        afterStop();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    process.once('exit', () => {
      for (const { managed } of this.running.values()) this.signal(managed, 'SIGKILL');
    });
  }

  private signal(m: Managed, signal: NodeJS.Signals): void {
    try {
      process.kill(m.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Last `lines` lines of a log file, for error messages. */
export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; the caller binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
