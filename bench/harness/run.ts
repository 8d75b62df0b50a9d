import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { settledBytes } from './disk.ts';
import { HttpClient } from './http-client.ts';
import type { Options } from './options.ts';
import { cpuSeconds, peakRssBytes, RssSampler, rssBytes } from './proc.ts';
import { checkQueries, dashboardQueries, QueryFailed, runQueries, sumOf, type QueryRun } from './queries.ts';
import { sendPhase, type SendResult } from './sender.ts';
import { freePort, logTail, sleep, type Managed, type Supervisor } from './supervisor.ts';
import type { SystemSpec } from './systems.ts';
import { median } from './stats.ts';
import type { Workload } from './workload.ts';

/** Everything measured for one system in one round; undefined = not measured (see `errors`). */
export interface SystemRun {
  readonly id: SystemSpec['id'];
  startupSeconds?: number;
  idleRssBytes?: number;
  backfill?: SendResult;
  backfillCpuSeconds?: number;
  /** 1-minute load average of the machine when the backfill ended (other users make it noisy). */
  loadAfterBackfill?: number;
  peakRssBytes?: number;
  sustained?: SendResult;
  sustainedCpuSeconds?: number;
  steadyRssBytes?: number;
  /** Seconds after the last write until the last scrape of every series was queryable. */
  visibleSeconds?: number;
  visibleSeries?: number;
  countedSamples?: number;
  queries?: QueryRun[];
  compactedBytes?: number;
  dataDirBytes?: number;
  flushNote?: string;
  restartReadySeconds?: number;
  seriesAfterRestart?: number;
  readonly errors: string[];
}

export interface RunContext {
  readonly workload: Workload;
  readonly options: Options;
  readonly supervisor: Supervisor;
  readonly workRoot: string;
  readonly say: (line: string) => void;
}

class Crashed extends Error {}

export async function waitReady(
  client: HttpClient,
  spec: SystemSpec,
  proc: Managed,
  timeoutMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!proc.alive()) throw new Crashed(`${spec.title} exited while starting:\n${logTail(proc.logPath)}`);
    try {
      const res = await client.get(spec.readyPath, 2_000);
      if (res.status === 200) return (performance.now() - proc.startedAt) / 1000;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(
    `${spec.title} not ready after ${timeoutMs / 1000} s (GET ${spec.readyPath}):\n${logTail(proc.logPath)}`,
  );
}

/**
 * The same wait-for-visibility rule for every system: poll until the last scrape of every series is
 * queryable (or the timeout); returns how many series had it at the last poll.
 */
async function waitVisible(
  client: HttpClient,
  prefix: string,
  w: Workload,
  timeoutMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const paths = checkQueries(w).lastScrape;
  let seen = 0;
  do {
    try {
      seen = await sumOf(client, prefix, paths, 60_000);
    } catch (err) {
      // A missing route or a rejected query does not get better by waiting; the rest is retried.
      if (err instanceof QueryFailed && err.permanent) throw err;
    }
    if (seen >= w.series) break;
    await sleep(250);
  } while (performance.now() < deadline);
  return seen;
}

/**
 * One system, one round, on a fresh data dir: start → backfill at saturation → sustained rate →
 * checks → queries → SIGKILL and restart → flush and disk size → stop. The restart comes before the
 * flush so every system restarts with its data where ingest left it (a flush empties xScaler's
 * head, which would make its replay trivially short); acknowledged data is made durable first
 * (`sync`). A failing step records its error and the next steps still run, unless the server died.
 */
export async function runSystem(ctx: RunContext, spec: SystemSpec, round: number): Promise<SystemRun> {
  const { workload: w, options: o, supervisor, say } = ctx;
  const result: SystemRun = { id: spec.id, errors: [] };
  const workDir = join(ctx.workRoot, `${spec.id}-${round}`);
  const dataDir = join(workDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const ports = { http: await freePort(), grpc: await freePort() };
  let client: HttpClient | undefined;
  let proc: Managed | undefined;
  const start = (): Managed => {
    const { command, args, env } = spec.command(dataDir, workDir, ports);
    return supervisor.spawn(spec.id, command, args, join(workDir, 'server.log'), env);
  };
  const step = async (name: string, body: () => Promise<void>): Promise<void> => {
    if (proc !== undefined && !proc.alive()) return;
    const t0 = performance.now();
    try {
      await body();
      say(`  ${spec.title}: ${name} done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      const message = (err as Error).message;
      result.errors.push(`${name}: ${message}`);
      say(`  ${spec.title}: ${name} failed: ${message.split('\n')[0]}`);
      if (err instanceof Crashed) throw err;
    }
    if (proc !== undefined && !proc.alive()) {
      result.errors.push(`${name}: ${spec.title} exited unexpectedly:\n${logTail(proc.logPath)}`);
      say(`  ${spec.title} exited unexpectedly during ${name} (log: ${proc.logPath})`);
    }
  };

  try {
    const headers = spec.setup(dataDir, workDir);
    client = new HttpClient(ports.http, headers, o.senders + 2);
    const http = client;
    proc = start();
    const pid = proc.pid;
    result.startupSeconds = await waitReady(http, spec, proc, 120_000);
    await sleep(1_000);
    result.idleRssBytes = rssBytes(pid);
    say(`  ${spec.title}: ready in ${result.startupSeconds.toFixed(2)} s (pid ${pid}, port ${ports.http})`);

    await step('backfill', async () => {
      const cpu0 = cpuSeconds(pid);
      const sampler = new RssSampler(pid);
      const r = await sendPhase(w, {
        client: http,
        writePath: spec.writePath,
        requests: w.backfill,
        rate: 0,
        maxSkewScrapes: Math.max(1, Math.floor(300_000 / w.params.intervalMs)),
        deadline: performance.now() + o.ingestTimeoutMs,
        requestTimeoutMs: 60_000,
      });
      result.backfillCpuSeconds = cpuSeconds(pid) - cpu0;
      result.loadAfterBackfill = loadavg()[0]!;
      result.peakRssBytes = Math.max(peakRssBytes(pid), ...sampler.stop());
      result.backfill = r;
      say(
        `  ${spec.title}: backfill ${r.samplesAccepted.toLocaleString('en-US')} samples accepted in ${r.seconds.toFixed(1)} s` +
          ` (${Math.round(r.samplesAccepted / r.seconds).toLocaleString('en-US')}/s)` +
          (r.samplesRejected > 0 ? `, ${r.samplesRejected.toLocaleString('en-US')} rejected` : '') +
          (r.truncated ? ', STOPPED AT THE DEADLINE' : ''),
      );
    });

    await step('sustained', async () => {
      const paced = o.figures.has('sustained');
      const cpu0 = cpuSeconds(pid);
      const sampler = new RssSampler(pid);
      const r = await sendPhase(w, {
        client: http,
        writePath: spec.writePath,
        requests: w.sustained,
        rate: paced ? o.sustainedRate : 0,
        maxSkewScrapes: Math.max(1, Math.floor(300_000 / w.params.intervalMs)),
        deadline: performance.now() + o.sustainedSeconds * 1000 * 3 + 30_000,
        requestTimeoutMs: 60_000,
      });
      const samples = sampler.stop();
      result.sustained = r;
      if (paced) {
        result.sustainedCpuSeconds = cpuSeconds(pid) - cpu0;
        result.steadyRssBytes = median(samples);
      }
    });

    await step('visibility', async () => {
      const t0 = performance.now();
      result.visibleSeries = await waitVisible(http, spec.apiPrefix, w, 60_000);
      result.visibleSeconds = (performance.now() - t0) / 1000;
      result.countedSamples = await sumOf(http, spec.apiPrefix, checkQueries(w).samples, 300_000);
    });

    if (o.figures.has('queries')) {
      await step('queries', async () => {
        result.queries = await runQueries(
          http,
          spec.apiPrefix,
          dashboardQueries(w, o.rangeMs),
          o.queryReps,
          performance.now() + o.queryTimeoutMs,
          60_000,
        );
      });
    }

    if (o.figures.has('restart')) {
      await step('restart', async () => {
        await spec.sync?.(http, dataDir, (path) => settledBytes(path, o.settleTimeoutMs));
        await supervisor.kill(proc!);
        proc = start();
        result.restartReadySeconds = await waitReady(http, spec, proc, 300_000);
        // A check that the data survived, not a latency: a short wait, then whatever is there.
        result.seriesAfterRestart = await waitVisible(http, spec.apiPrefix, w, 15_000);
      });
    }

    if (o.figures.has('disk')) {
      await step('disk', async () => {
        const f = await spec.flush(http, dataDir, (path) => settledBytes(path, o.settleTimeoutMs));
        if (f.compactedBytes !== undefined) result.compactedBytes = f.compactedBytes;
        result.flushNote = f.note;
        result.dataDirBytes = await settledBytes(dataDir, o.settleTimeoutMs);
      });
    }
  } catch (err) {
    if (!result.errors.some((e) => e.includes((err as Error).message)))
      result.errors.push((err as Error).message);
    say(`  ${spec.title}: aborted: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    if (proc !== undefined) await supervisor.stop(proc);
    client?.close();
    if (!o.keep) rmSync(workDir, { recursive: true, force: true });
  }
  return result;
}
