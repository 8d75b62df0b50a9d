/**
 * Restart and memory benchmark with many series in the head.
 *
 *   node --expose-gc --import tsx bench/tsdb/replay.bench.ts [series=1000000] [scrapes=20] [runs=3]
 *
 * Phase 1 (a child process) ingests `scrapes` scrapes of `series` series, with a head checkpoint
 * three quarters in, and exits without closing (every append was acknowledged, so this is what
 * kill -9 leaves behind: a checkpoint plus a quarter of the samples in WAL segments). Phase 2 (fresh child
 * processes, `runs` times) opens the directory, replays the WAL and reports the time to ready,
 * RSS per series once settled, and label/postings query latencies on the replayed head.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Matcher } from '../../src/model/index.ts';
import { openTsdb } from '../../src/tsdb/index.ts';
import { appendOptions, gc, median, stallProbe, T0, Workload } from './workload.ts';

const opts = appendOptions();

async function write(dir: string, series: number, scrapes: number): Promise<void> {
  const w = new Workload(series);
  // A checkpoint three quarters in, as the periodic checkpoint would leave it.
  const db = await openTsdb(dir, { maintenanceIntervalMs: 0, checkpointBytes: 1 });
  for (let k = 0; k < scrapes; k++) {
    if (k === Math.floor((scrapes * 3) / 4)) {
      // Measure the longest event-loop stall while the checkpoint runs (its capture is synchronous).
      const probe = stallProbe();
      const t0 = performance.now();
      await db.maintain();
      const worst = probe.stop();
      console.log(
        `checkpoint of ${series} series: ${Math.round(performance.now() - t0)} ms, longest event-loop stall ${Math.round(worst)} ms`,
      );
    }
    w.tick(T0 + k * 15_000);
    const pending = [];
    for (const b of w.batches) pending.push(db.append(b, opts));
    await Promise.all(pending);
  }
  process.exit(0); // no close: as after kill -9
}

async function read(dir: string): Promise<void> {
  gc();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const db = await openTsdb(dir, { maintenanceIntervalMs: 0 });
  const replayMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const replayCpuMs = Math.round((cpu.user + cpu.system) / 1000);
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const rss = process.memoryUsage().rss - rss0;
  const n = db.head.live;
  const q = await db.querier(-Infinity, Infinity);
  const sig = new AbortController().signal;
  const time = async (f: () => Promise<unknown>): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      await f();
      xs.push(performance.now() - s);
    }
    return median(xs);
  };
  const names = await time(() => q.labelNames([], sig));
  const values = await time(() => q.labelValues('instance', [], sig));
  const valuesJob = await time(() => q.labelValues('instance', [new Matcher('=', 'job', 'svc-3')], sig));
  const valuesRe = await time(() =>
    q.labelValues('handler', [new Matcher('=~', 'job', 'svc-(1|2)'), new Matcher('!=', 'code', '200')], sig),
  );
  const selectEq = await time(() =>
    q.select(
      [new Matcher('=', '__name__', 'http_requests_total'), new Matcher('=', 'instance', '10.0.1.1:9100')],
      { start: -Infinity, end: Infinity },
      sig,
    ),
  );
  const selectJob = await time(() =>
    q.select(
      [new Matcher('=', 'job', 'svc-3'), new Matcher('=~', 'handler', '/api/v1/h1.*')],
      { start: -Infinity, end: Infinity },
      sig,
    ),
  );
  console.log(
    JSON.stringify({
      series: n,
      samples: db.replay?.samples,
      replayMs: Math.round(replayMs),
      replayCpuMs,
      rssPerSeries: Math.round(rss / n),
      labelNamesMs: names,
      labelValuesInstanceMs: values,
      labelValuesWithJobMs: valuesJob,
      labelValuesRegexMs: valuesRe,
      selectEqMs: selectEq,
      selectRegexMs: selectJob,
    }),
  );
  q.close();
  process.exit(0);
}

const mode = process.argv[2];
if (mode === 'write')
  await write(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
else if (mode === 'read') await read(process.argv[3] as string);
else {
  const series = Number(process.argv[2] ?? 1_000_000);
  const scrapes = Number(process.argv[3] ?? 20);
  const runs = Number(process.argv[4] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-replay-'));
  const self = fileURLToPath(import.meta.url);
  const node = [
    ...process.execArgv.filter((a) => a !== '--expose-gc'),
    '--expose-gc',
    '--max-old-space-size=16000',
  ];
  try {
    const t = performance.now();
    execFileSync(process.execPath, [...node, self, 'write', dir, String(series), String(scrapes)], {
      stdio: 'inherit',
    });
    console.log(
      `ingested ${series} series x ${scrapes} scrapes in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const results = [];
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(process.execPath, [...node, self, 'read', dir], { encoding: 'utf8' });
      console.log(out.trim());
      results.push(
        JSON.parse(out.trim().split('\n').pop() as string) as { replayMs: number; rssPerSeries: number },
      );
    }
    console.log(
      `median replay ${median(results.map((r) => r.replayMs))} ms, median RSS ${median(results.map((r) => r.rssPerSeries))} B/series`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
