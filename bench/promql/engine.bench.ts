/**
 * PromQL engine benchmark: 10 000 series × 24 h at 60 s (14.4 M samples) of realistic counters,
 * gauges and classic-histogram `_bucket` series, held in a compact columnar store (typed arrays
 * behind the storage ports), then range queries over the whole day at 60 s steps (1 441 steps) and
 * a set of instant queries. Prints the median of several runs per query, the samples read from
 * storage and samples/s (samples read ÷ median time).
 *
 * Run: node --import tsx bench/promql/engine.bench.ts [--runs N] [--series N] [--hours H]
 *        [--interval S] [--step S] [--counters-only] [--only REGEX]
 * (`--series 100000 --hours 1 --interval 15 --step 15 --counters-only` is the shape of the
 * VictoriaMetrics/Prometheus comparison: 100k counters, 1 h at 15 s.)
 */
import { Labels, type Matcher } from '../../src/model/index.ts';
import { Engine } from '../../src/promql/index.ts';
import {
  ValueKind,
  type FloatColumns,
  type Querier,
  type Queryable,
  type SampleIterator,
  type SelectHints,
  type Series,
} from '../../src/storage/index.ts';
import {
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

/** `--only REGEX`: time only the queries it matches. */
const ONLY = strArg('only');

const START = 1_700_000_000_000 - (1_700_000_000_000 % 86_400_000);
const END = START + HOURS * 3_600_000;
const POINTS = Math.floor((END - START) / INTERVAL) + 1;

/** One stored series: columns of timestamps and values. */
class ColumnSeries implements Series {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;

  constructor(labels: Labels, t: Float64Array, v: Float64Array) {
    this.labels = labels;
    this.t = t;
    this.v = v;
  }

  /** Bulk read (the optional fast path of the Series port): a copy of the samples in [mint, maxt]. */
  readFloats(mint: number, maxt: number, out: FloatColumns): boolean {
    const t = this.t;
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((t[mid] as number) < mint) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    hi = t.length;
    while (end < hi) {
      const mid = (end + hi) >>> 1;
      if ((t[mid] as number) <= maxt) end = mid + 1;
      else hi = mid;
    }
    const n = end - lo;
    if (out.t.length < n) {
      out.t = new Float64Array(Math.max(n, out.t.length * 2));
      out.v = new Float64Array(out.t.length);
    }
    // A plain loop: subarray() would allocate two views per call.
    const ot = out.t;
    const ov = out.v;
    const v = this.v;
    for (let i = 0; i < n; i++) {
      ot[i] = t[lo + i] as number;
      ov[i] = v[lo + i] as number;
    }
    out.n = n;
    out.ns = 0;
    return true;
  }

  iterator(reuse?: SampleIterator): SampleIterator {
    if (reuse instanceof ColumnIterator) {
      reuse.reset(this);
      return reuse;
    }
    return new ColumnIterator(this);
  }
}

class ColumnIterator implements SampleIterator {
  t = 0;
  v = 0;
  readonly h = null;
  readonly st = NaN;
  private s: ColumnSeries;
  private i = -1;

  constructor(s: ColumnSeries) {
    this.s = s;
  }

  reset(s: ColumnSeries): void {
    this.s = s;
    this.i = -1;
  }

  next(): ValueKind {
    const i = ++this.i;
    if (i >= this.s.t.length) return ValueKind.None;
    this.t = this.s.t[i] as number;
    this.v = this.s.v[i] as number;
    return ValueKind.Float;
  }

  seek(t: number): ValueKind {
    if (this.i >= 0 && this.i < this.s.t.length && this.t >= t) return ValueKind.Float;
    const ts = this.s.t;
    let lo = Math.max(0, this.i);
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ts[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    this.i = lo - 1;
    return this.next();
  }
}

/** All series in memory; select() filters by matchers (series sorted by labels). */
class ColumnStore implements Queryable {
  readonly series: ColumnSeries[] = [];

  async querier(): Promise<Querier> {
    const all = this.series;
    return {
      async select(matchers: readonly Matcher[], _hints: SelectHints): Promise<readonly Series[]> {
        return all.filter((s) => matchers.every((m) => m.matches(s.labels.get(m.name))));
      },
      async labelNames() {
        return [];
      },
      async labelValues() {
        return [];
      },
      close() {},
    };
  }
}

function buildStore(): { store: ColumnStore; samples: number } {
  const store = new ColumnStore();
  const rand = rng(42);
  const t = new Float64Array(POINTS);
  for (let i = 0; i < POINTS; i++) t[i] = START + i * INTERVAL;
  const jobs = Array.from({ length: 10 }, (_, i) => `job-${i}`);
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  const codes = ['200', '500'];
  const les = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  const nCounters = COUNTERS_ONLY ? SERIES : Math.round(SERIES * 0.4);
  const nGauges = COUNTERS_ONLY ? 0 : Math.round(SERIES * 0.2);
  const nHistBases = Math.round((SERIES - nCounters - nGauges) / les.length);
  const instances = Math.max(1, Math.round(nCounters / (methods.length * codes.length)));
  let made = 0;
  const counter = (): Float64Array => {
    const v = new Float64Array(POINTS);
    const rate = 1 + rand() * 100;
    let c = rand() * 1000;
    for (let i = 0; i < POINTS; i++) {
      c += rate * (INTERVAL / 1000) * (0.5 + rand());
      if (rand() < 0.0005) c = 0; // an occasional restart
      v[i] = Math.round(c);
    }
    return v;
  };
  for (let inst = 0; inst < instances && made < nCounters; inst++) {
    const job = jobs[inst % jobs.length]!;
    const instance = `10.0.${inst >> 8}.${inst & 255}:9100`;
    for (const method of methods) {
      for (const code of codes) {
        if (made >= nCounters) break;
        const labels = Labels.fromObject({ __name__: 'http_requests_total', job, instance, method, code });
        store.series.push(new ColumnSeries(labels, t, counter()));
        made++;
      }
    }
  }
  for (let g = 0; g < nGauges; g++) {
    const job = jobs[g % jobs.length]!;
    const instance = `10.0.${g >> 8}.${g & 255}:9100`;
    const v = new Float64Array(POINTS);
    let x = 1e8 + rand() * 1e9;
    for (let i = 0; i < POINTS; i++) {
      x = Math.max(1e7, x + (rand() - 0.5) * 1e7);
      v[i] = Math.round(x);
    }
    const labels = Labels.fromObject({ __name__: 'memory_usage_bytes', job, instance, pod: `pod-${g}` });
    store.series.push(new ColumnSeries(labels, t, v));
  }
  for (let b = 0; b < nHistBases; b++) {
    const job = jobs[b % jobs.length]!;
    const instance = `10.0.${b >> 8}.${b & 255}:9100`;
    const pod = `pod-${b}`;
    // Cumulative bucket counters: each observation lands in le ≥ its value.
    const cum = les.map(() => new Float64Array(POINTS));
    const acc = new Float64Array(les.length);
    for (let i = 0; i < POINTS; i++) {
      const n = 50 + Math.floor(rand() * 50);
      for (let k = 0; k < n; k++) {
        const x = -Math.log(1 - rand()) * 0.08;
        for (let l = 0; l < les.length; l++) {
          const le = les[l] === '+Inf' ? Infinity : Number(les[l]);
          if (x <= le) acc[l]!++;
        }
      }
      for (let l = 0; l < les.length; l++) cum[l]![i] = acc[l]!;
    }
    les.forEach((le, l) => {
      const labels = Labels.fromObject({
        __name__: 'http_request_duration_seconds_bucket',
        job,
        instance,
        pod,
        le,
      });
      store.series.push(new ColumnSeries(labels, t, cum[l]!));
    });
  }
  store.series.sort((a, b) => Labels.compare(a.labels, b.labels));
  return { store, samples: store.series.length * POINTS };
}

/** CPU time of this process in ms (user + system): steadier than wall time on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const { store, samples } = buildStore();
  console.log(
    `loaded ${store.series.length} series × ${POINTS} points = ${(samples / 1e6).toFixed(1)} M samples in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const engine = new Engine({ maxSamples: 1e9 });
  const step = STEP;
  console.log(
    `\nrange queries, ${HOURS} h at ${step / 1000} s steps (${Math.floor((END - START) / step) + 1} steps), median of ${RUNS} runs`,
  );
  console.log(
    `${'query'.padEnd(92)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)} ${'series'.padStart(7)} ${'samples/s'.padStart(12)}`,
  );
  const only = ONLY === null ? null : new RegExp(ONLY);
  for (const q of RANGE_QUERIES) {
    if (only !== null && !only.test(q)) continue;
    const times: number[] = [];
    const cpus: number[] = [];
    let scanned = 0;
    let series = 0;
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      const c = cpuMs();
      const res = await engine.rangeQuery(store, q, START, END, step);
      cpus.push(cpuMs() - c);
      times.push(performance.now() - s);
      scanned = res.stats.samplesScanned;
      series = res.value.type === 'matrix' ? res.value.matrix.length : 1;
    }
    const ms = median(times);
    console.log(
      `${q.padEnd(92)} ${ms.toFixed(1).padStart(8)} ${median(cpus).toFixed(1).padStart(8)} ${String(series).padStart(7)} ${(scanned / (ms / 1000) / 1e6).toFixed(1).padStart(10)} M`,
    );
  }
  console.log(`\ninstant queries at the end of the day, median of ${RUNS * 4} runs`);
  for (const q of INSTANT_QUERIES) {
    if (only !== null && !only.test(q)) continue;
    const times: number[] = [];
    const cpus: number[] = [];
    let series = 0;
    for (let r = 0; r < RUNS * 4; r++) {
      const s = performance.now();
      const c = cpuMs();
      const res = await engine.instantQuery(store, q, END);
      cpus.push(cpuMs() - c);
      times.push(performance.now() - s);
      series = res.value.type === 'vector' ? res.value.vector.length : 1;
    }
    console.log(
      `${q.padEnd(92)} ${median(times).toFixed(2).padStart(8)} ${median(cpus).toFixed(2).padStart(8)} ${String(series).padStart(7)}`,
    );
  }
}

await main();
