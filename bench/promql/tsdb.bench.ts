/**
 * PromQL over the real storage: the engine evaluating against a `Tsdb` (XOR chunks in head pages
 * and in compacted on-disk blocks), for the dashboard shapes of the performance issue.
 *
 * Default: 10 000 series (40 % counters, 20 % gauges, 40 % classic-histogram buckets) × 24 h at
 * 60 s, remote-write-like batches appended in time order; every simulated hour the engine's
 * maintenance runs, so the older data is cut into blocks and compacted (2 h → 6 h → 18 h), and
 * the newest hours stay in the head. Then range queries over the whole day at 60 s steps and
 * instant queries at its end.
 *
 *   node --max-old-space-size=8000 --import tsx bench/promql/tsdb.bench.ts [--runs N]
 *     [--series N] [--hours H] [--interval S] [--step S] [--counters-only] [--only REGEX]
 *
 * `--series 100000 --hours 1 --interval 15 --step 15 --counters-only` is the comparison shape
 * (100k counters, 1 h at 15 s, all in the head), where VictoriaMetrics without its cache took
 * ≈150 ms and Prometheus ≈760 ms for `sum by (job) (rate(x[5m]))` on the development machine.
 *
 * Sealed head chunks (in the head chunk files, read through the head chunk cache): at 15 s
 * scrapes a chunk is sealed every 120 samples (30 min), so most of an hour in the head is sealed;
 * at 60 s only the block-range boundary (even hours) seals. `--start-minute M` starts the data M
 * minutes after midnight (default 0), e.g. `--hours 2 --start-minute 54 --interval 60` puts the
 * first 66 min in sealed chunks, like the harness started at xx:54 after an even hour.
 * `--head-cache-mb N` sets the cache budget (0 = no cache: every query reads the files into fresh
 * buffers, as before the cache); `--head-cache-segment-kb N` its segment size.
 *
 * `--cpu-prof FILE` writes a V8 CPU profile of the query runs only (not of the load) to FILE.
 *
 * Per query: the first run ("first": block chunk frames not yet inflated into the blocks' frame
 * caches), then the median wall and CPU time of the next N runs ("warm"). The engine itself keeps
 * no cache between queries.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SampleBatch } from '../../src/model/index.ts';
import { Engine } from '../../src/promql/index.ts';
import { HeadChunkCache, openTsdb } from '../../src/tsdb/index.ts';
import {
  arg,
  COUNTERS_ONLY,
  HOURS,
  INSTANT_QUERIES,
  INTERVAL,
  median,
  RANGE_QUERIES,
  rng,
  RUNS,
  SERIES,
  STEP,
  strArg,
} from './common.ts';

const ONLY = strArg('only');
const PROFILE = strArg('cpu-prof');
const HOUR = 3_600_000;
// Scrapes at a fixed offset inside the interval (never exactly on a step), as real targets do.
const START = 1_700_000_000_000 - (1_700_000_000_000 % 86_400_000) + arg('start-minute', 0) * 60_000 + 7_000;
const CACHE = new HeadChunkCache({
  maxBytes: arg('head-cache-mb', 64) * 1024 * 1024,
  segmentBytes: arg('head-cache-segment-kb', 256) * 1024,
});
const END = START + HOURS * HOUR;
const POINTS = Math.floor((END - START) / INTERVAL) + 1;
const PER_BATCH = 2000;

const KIND_COUNTER = 0;
const KIND_GAUGE = 1;
const KIND_BUCKET = 2;
const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
const LE_NUM = LES.map((x) => (x === '+Inf' ? Infinity : Number(x)));

/** The series (labels as in bench/promql/engine.bench.ts) and a time-major value generator. */
class Dataset {
  readonly labels: Array<Record<string, string>> = [];
  readonly kind: number[] = [];
  /** Counter: value and rate; gauge: value; bucket: index of its histogram base and le. */
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly cum: Float64Array[] = [];
  private readonly rand = rng(42);

  constructor() {
    const jobs = Array.from({ length: 10 }, (_, i) => `job-${i}`);
    const methods = ['GET', 'POST', 'PUT', 'DELETE'];
    const codes = ['200', '500'];
    const nCounters = COUNTERS_ONLY ? SERIES : Math.round(SERIES * 0.4);
    const nGauges = COUNTERS_ONLY ? 0 : Math.round(SERIES * 0.2);
    const nHistBases = Math.round((SERIES - nCounters - nGauges) / LES.length);
    const instances = Math.max(1, Math.round(nCounters / (methods.length * codes.length)));
    const rand = this.rand;
    const a: number[] = [];
    const b: number[] = [];
    for (let inst = 0; inst < instances && this.kind.length < nCounters; inst++) {
      const job = jobs[inst % jobs.length]!;
      const instance = `10.0.${inst >> 8}.${inst & 255}:9100`;
      for (const method of methods) {
        for (const code of codes) {
          if (this.kind.length >= nCounters) break;
          this.labels.push({ __name__: 'http_requests_total', job, instance, method, code });
          this.kind.push(KIND_COUNTER);
          a.push(rand() * 1000);
          b.push(1 + rand() * 100);
        }
      }
    }
    for (let g = 0; g < nGauges; g++) {
      const job = jobs[g % jobs.length]!;
      const instance = `10.0.${g >> 8}.${g & 255}:9100`;
      this.labels.push({ __name__: 'memory_usage_bytes', job, instance, pod: `pod-${g}` });
      this.kind.push(KIND_GAUGE);
      a.push(1e8 + rand() * 1e9);
      b.push(0);
    }
    for (let h = 0; h < nHistBases; h++) {
      const job = jobs[h % jobs.length]!;
      const instance = `10.0.${h >> 8}.${h & 255}:9100`;
      this.cum.push(new Float64Array(LES.length));
      for (let l = 0; l < LES.length; l++) {
        this.labels.push({
          __name__: 'http_request_duration_seconds_bucket',
          job,
          instance,
          pod: `pod-${h}`,
          le: LES[l]!,
        });
        this.kind.push(KIND_BUCKET);
        a.push(h);
        b.push(l);
      }
    }
    this.a = Float64Array.from(a);
    this.b = Float64Array.from(b);
  }

  /** Advances every series by one scrape and writes the values into `out`. */
  tick(out: Float64Array): void {
    const rand = this.rand;
    const sec = INTERVAL / 1000;
    for (const cum of this.cum) {
      const n = 50 + Math.floor(rand() * 50);
      for (let k = 0; k < n; k++) {
        const x = -Math.log(1 - rand()) * 0.08;
        for (let l = 0; l < LE_NUM.length; l++) if (x <= (LE_NUM[l] as number)) cum[l]!++;
      }
    }
    for (let i = 0; i < this.kind.length; i++) {
      const kind = this.kind[i];
      if (kind === KIND_COUNTER) {
        let c = (this.a[i] as number) + (this.b[i] as number) * sec * (0.5 + rand());
        if (rand() < 0.0005) c = 0; // an occasional restart
        this.a[i] = c;
        out[i] = Math.round(c);
      } else if (kind === KIND_GAUGE) {
        const x = Math.max(1e7, (this.a[i] as number) + (rand() - 0.5) * 1e7);
        this.a[i] = x;
        out[i] = Math.round(x);
      } else {
        out[i] = this.cum[this.a[i] as number]![this.b[i] as number] as number;
      }
    }
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'promql-tsdb-bench-'));
  const db = await openTsdb(dir, {
    maintenanceIntervalMs: 0,
    compactInWorker: false,
    walFsync: 'segment',
    headChunkCache: CACHE,
  });
  try {
    const ds = new Dataset();
    const n = ds.labels.length;
    const batches: SampleBatch[] = [];
    for (let from = 0; from < n; from += PER_BATCH) {
      const batch = new SampleBatch();
      batch.resetOwned();
      for (let i = from; i < Math.min(n, from + PER_BATCH); i++) {
        for (const [k, v] of Object.entries(ds.labels[i]!).sort((x, y) => (x[0] < y[0] ? -1 : 1)))
          batch.addLabelText(k, v);
        batch.addSample(batch.endSeries(), 0, 0);
      }
      batches.push(batch);
    }
    const opts = {
      now: END + HOUR,
      maxFutureMs: 600_000,
      outOfOrderWindowMs: 0,
      maxSeries: 0,
      maxSeriesPerMetric: 0,
    };
    const values = new Float64Array(n);
    const t0 = performance.now();
    let lastMaint = START;
    for (let p = 0; p < POINTS; p++) {
      const t = START + p * INTERVAL;
      ds.tick(values);
      let i = 0;
      for (const batch of batches) {
        for (let k = 0; k < batch.sampleCount; k++, i++) {
          batch.timestamps[k] = t;
          batch.values[k] = values[i] as number;
        }
      }
      await Promise.all(batches.map((b) => db.append(b, opts)));
      if (t - lastMaint >= HOUR) {
        lastMaint = t;
        await db.maintain();
      }
    }
    await db.maintain();
    const blocks = db.blocks.list.map(
      (b) => `${((b.maxTime - b.minTime + 1) / HOUR).toFixed(0)}h(${b.meta.stats.numSamples} samples)`,
    );
    console.log(
      `loaded ${n} series × ${POINTS} points = ${((n * POINTS) / 1e6).toFixed(1)} M samples in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `blocks: ${blocks.length > 0 ? blocks.join(' ') : 'none'}; head ${((db.head.maxT - Math.max(db.head.minT, db.head.persistedBefore)) / HOUR).toFixed(1)} h; ` +
        `sealed head chunks ${db.head.chunks.live} (${(db.head.chunks.files.writtenBytes / 1048576).toFixed(1)} MiB written); ` +
        `head chunk cache ${CACHE.enabled ? `${CACHE.maxBytes / 1048576} MiB in ${CACHE.segmentBytes / 1024} KiB segments` : 'off'}`,
    );

    const engine = new Engine({ maxSamples: 1e9 });
    let session: Session | null = null;
    if (PROFILE !== null) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const only = ONLY === null ? null : new RegExp(ONLY);
    const header = `${'query'.padEnd(92)} ${'first ms'.padStart(9)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)} ${'series'.padStart(7)} ${'samples'.padStart(11)}`;
    const row = async (q: string, run: () => Promise<{ samples: number; series: number }>, runs: number) => {
      const s0 = performance.now();
      await run();
      const first = performance.now() - s0;
      const times: number[] = [];
      const cpus: number[] = [];
      let last = { samples: 0, series: 0 };
      for (let r = 0; r < runs; r++) {
        const s = performance.now();
        const c = cpuMs();
        last = await run();
        cpus.push(cpuMs() - c);
        times.push(performance.now() - s);
      }
      console.log(
        `${q.padEnd(92)} ${first.toFixed(1).padStart(9)} ${median(times).toFixed(1).padStart(8)} ${median(cpus).toFixed(1).padStart(8)} ${String(last.series).padStart(7)} ${String(last.samples).padStart(11)}`,
      );
    };
    const steps = Math.floor((END - START) / STEP) + 1;
    console.log(
      `\nrange queries, ${HOURS} h at ${STEP / 1000} s steps (${steps} steps); warm = median of ${RUNS} runs`,
    );
    console.log(header);
    for (const q of RANGE_QUERIES) {
      if (only !== null && !only.test(q)) continue;
      await row(
        q,
        async () => {
          const res = await engine.rangeQuery(db, q, START, END, STEP);
          return {
            samples: res.stats.samplesScanned,
            series: res.value.type === 'matrix' ? res.value.matrix.length : 1,
          };
        },
        RUNS,
      );
    }
    console.log(`\ninstant queries at the end; warm = median of ${RUNS * 4} runs`);
    console.log(header);
    for (const q of INSTANT_QUERIES) {
      if (only !== null && !only.test(q)) continue;
      await row(
        q,
        async () => {
          const res = await engine.instantQuery(db, q, END);
          return {
            samples: res.stats.samplesScanned,
            series: res.value.type === 'vector' ? res.value.vector.length : 1,
          };
        },
        RUNS * 4,
      );
    }
    console.log(
      `\nhead chunk cache: ${(CACHE.bytes / 1048576).toFixed(1)} MiB held, ${CACHE.hits} hits, ${CACHE.misses} misses, ${CACHE.evictions} evictions`,
    );
    if (session !== null && PROFILE !== null) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(PROFILE, JSON.stringify(profile));
      session.disconnect();
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
