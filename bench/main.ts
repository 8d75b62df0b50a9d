/**
 * `npm run bench [-- options]`: xScaler vs VictoriaMetrics vs Prometheus on the same workload, in
 * one run. See bench/harness/ and docs/performance.md; `--help` lists the options.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { seriesPerTarget } from './harness/catalogue.ts';
import { parseOptions, USAGE } from './harness/options.ts';
import { dashboardQueries } from './harness/queries.ts';
import { renderReport, type Results } from './harness/report.ts';
import { runSystem, type SystemRun } from './harness/run.ts';
import { Supervisor } from './harness/supervisor.ts';
import { availability, PACKAGE_ROOT, SPECS, versionOf, type SystemId } from './harness/systems.ts';
import { generateWorkload } from './harness/workload.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function machine(): string {
  const list = cpus();
  const gib = (totalmem() / 1024 ** 3).toFixed(1);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `${list.length} cores × ${list[0]?.model.trim() ?? 'unknown CPU'}, ${gib} GiB RAM, Linux ${release()}, Node ${process.version}; load average at start ${load}`;
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    say(USAGE);
    return 0;
  }
  const o = parsed;
  const started = performance.now();
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  say(`xScaler benchmark harness (${o.mode} mode) — ${startedAt}`);
  say(`machine: ${machine()}`);

  const skipped: Partial<Record<SystemId, string>> = {};
  const systems: SystemId[] = [];
  for (const id of o.systems) {
    const reason = availability(id, o.install, say);
    if (reason === undefined) systems.push(id);
    else if (o.systemsExplicit) throw new Error(`${SPECS[id].title} cannot run: ${reason}`);
    else {
      skipped[id] = reason;
      say(`!!! ${SPECS[id].title} will NOT be measured: ${reason}`);
    }
  }
  if (systems.length === 0) throw new Error('no system can run');
  const versions: Partial<Record<SystemId, string>> = {};
  for (const id of systems) {
    versions[id] = versionOf(id);
    say(`${SPECS[id].title}: ${versions[id]}`);
  }

  const supervisor = new Supervisor();
  const workRoot = mkdtempSync(join(tmpdir(), 'xscaler-bench-'));
  supervisor.installSignalHandlers(
    (signal) => say(`\n${signal}: stopping every server the harness started`),
    () => {
      if (!o.keep) rmSync(workRoot, { recursive: true, force: true });
    },
  );
  const runs: Partial<Record<SystemId, SystemRun[]>> = {};
  try {
    const series = o.targets * seriesPerTarget(o.families);
    const sustainedScrapes = Math.max(1, Math.ceil((o.sustainedSeconds * o.sustainedRate) / series));
    say(`generating the workload (${series.toLocaleString('en-US')} series) ...`);
    const workload = generateWorkload(
      {
        targets: o.targets,
        families: o.families,
        intervalMs: o.intervalMs,
        backfillMs: o.backfillMs,
        sustainedScrapes,
        samplesPerRequest: o.samplesPerRequest,
        senders: o.senders,
        seed: o.seed,
        notAfterMs: Date.now() - 60_000,
      },
      join(workRoot, 'workload.bin'),
    );
    say(
      `workload: ${(workload.backfillSamples + workload.sustainedSamples).toLocaleString('en-US')} samples, ` +
        `${(workload.compressedBytes / 1024 ** 2).toFixed(1)} MiB compressed, generated in ${workload.generateSeconds.toFixed(1)} s`,
    );
    const ctx = { workload, options: o, supervisor, workRoot, say };
    for (let round = 0; round < o.repeat; round++) {
      for (const id of systems) {
        say(`${SPECS[id].title}${o.repeat > 1 ? ` (round ${round + 1}/${o.repeat})` : ''}:`);
        (runs[id] ??= []).push(await runSystem(ctx, SPECS[id], round));
      }
    }
    const results: Results = {
      startedAt,
      machine: machine(),
      versions,
      skipped,
      options: o,
      workload,
      queries: dashboardQueries(workload),
      runs,
      seconds: (performance.now() - started) / 1000,
    };
    const report = renderReport(results);
    say('');
    say(report);
    const outDir = isAbsolute(o.outDir) ? o.outDir : join(PACKAGE_ROOT, o.outDir);
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `${startedAt.replaceAll(':', '-')}.md`);
    writeFileSync(file, report);
    say(`written to ${file}`);
    if (o.json !== undefined) {
      const { catalogue: _omit, ...workloadSummary } = workload;
      writeFileSync(
        o.json,
        JSON.stringify(
          { ...results, workload: workloadSummary, options: { ...o, figures: [...o.figures] } },
          (_key, value: unknown) => (value instanceof Map ? Object.fromEntries(value) : value),
          2,
        ),
      );
    }
    if (o.keep) say(`data dirs and server logs kept in ${workRoot}`);
    const failed = Object.values(runs).some((list) => list.some((r) => r.errors.length > 0));
    return failed ? 2 : 0;
  } finally {
    await supervisor.stopAll();
    if (!o.keep) rmSync(workRoot, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
