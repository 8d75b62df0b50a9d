/**
 * Smoke run of the benchmark harness (bench/main.ts) with tiny sizes against the real servers:
 * xScaler (dist/, built by `npm test`'s pretest), VictoriaMetrics and Prometheus. It checks the
 * harness end to end (start, write, check, query, flush, SIGKILL restart, stop, report), not
 * performance. A missing peer or build fails the test under CI=true and skips it elsewhere.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { REPO_ROOT as ROOT } from '../support/server.ts';
import { missingTool } from '../support/tools.ts';

/** The skip reason when a peer or the build is missing; throws under CI=true. */
function missingPeers(): string | false {
  const tool = missingTool('prometheus', 'victoria-metrics');
  if (tool !== false || existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return tool;
  const why = 'dist/cli/main.js missing (npm run build)';
  if (process.env['CI'] === 'true') throw new Error(`${why}; npm test builds it first`);
  return why;
}

interface Run {
  backfill?: { samplesSent: number; samplesAccepted: number; samplesRejected: number };
  sustained?: { samplesSent: number; samplesAccepted: number; samplesRejected: number };
  visibleSeries?: number;
  countedSamples?: number;
  seriesAfterRestart?: number;
  restartReadySeconds?: number;
  dataDirBytes?: number;
  compactedBytes?: number;
  queries?: { def: { id: string; vmDiffers?: string }; latencies: number[]; body?: string; error?: string }[];
  errors: string[];
}
interface Results {
  workload: { series: number };
  runs: Record<string, Run[]>;
}

function runHarness(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', ...args], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // SIGTERM lets the harness stop the servers it started before it exits.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('benchmark harness smoke run', { skip: missingPeers() }, () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it(
    'runs all three systems on a tiny workload and reports consistent figures',
    { timeout: 240_000 },
    async () => {
      const json = join(out, 'results.json');
      const { code, output } = await runHarness(
        [
          ...['--targets', '4', '--families', '4', '--interval', '15s', '--backfill', '15m'],
          ...[
            '--sustained',
            '1s',
            '--sustained-rate',
            '5000',
            '--senders',
            '2',
            '--samples-per-request',
            '500',
            '--query-reps',
            '2',
          ],
          ...['--no-install', '--out', out, '--json', json],
        ],
        200_000,
      );
      assert.ok(code === 0 || code === 2, `harness exit code ${code}:\n${output}`);
      const results = JSON.parse(readFileSync(json, 'utf8')) as Results;
      const series = results.workload.series;
      assert.equal(series, 4 * 23);

      for (const id of ['xscaler', 'victoriametrics', 'prometheus']) {
        const run = results.runs[id]?.[0];
        assert.ok(run !== undefined, `${id} did not run:\n${output}`);
        const sent = (run.backfill?.samplesSent ?? 0) + (run.sustained?.samplesSent ?? 0);
        const accepted = (run.backfill?.samplesAccepted ?? 0) + (run.sustained?.samplesAccepted ?? 0);
        assert.ok(sent > 0 && accepted === sent, `${id}: accepted ${accepted} of ${sent} samples`);
        assert.ok((run.restartReadySeconds ?? -1) >= 0, `${id}: no restart figure`);
        assert.ok((run.dataDirBytes ?? 0) > 0, `${id}: no data dir size`);
        assert.ok((run.compactedBytes ?? 0) > 0, `${id}: no compacted size`);
        assert.deepEqual(run.errors, [], `${id} reported errors`);
        assert.equal(run.visibleSeries, series, `${id}: series with their last scrape`);
        assert.equal(run.countedSamples, accepted, `${id}: samples counted by count_over_time`);
        assert.equal(run.seriesAfterRestart, series, `${id}: series after SIGKILL + restart`);
        for (const q of run.queries ?? []) {
          assert.equal(q.error, undefined, `${id} ${q.def.id}`);
          assert.equal(q.latencies.length, 2, `${id} ${q.def.id}: timed passes`);
        }
      }

      // Two independent implementations agree wherever MetricsQL is not known to differ: the
      // comparison plumbing (normalisation, tolerance) sees equal answers as equal.
      const report = readFileSync(
        join(
          out,
          readdirSync(out).find((f) => f.endsWith('.md'))!,
        ),
        'utf8',
      );
      assert.match(
        report,
        /\| figure \| xScaler \| VictoriaMetrics \| Prometheus \| xScaler\/VM \| xScaler\/Prom \| better \|/,
      );
      assert.match(report, /\| accepted samples\/s at saturation \(backfill\) \|/);
      const vmRows = report.split('\n').filter((l) => l.startsWith('| `'));
      assert.equal(vmRows.length, 17);
      for (const row of vmRows)
        assert.doesNotMatch(row, /MISMATCH[^|]*\|[^|]*$/, `VictoriaMetrics vs Prometheus: ${row}`);
    },
  );
});
