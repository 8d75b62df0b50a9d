import { compare, normalize, type Comparison } from './compare.ts';
import type { Options } from './options.ts';
import { rangeWindow, type QueryDef } from './queries.ts';
import type { SystemRun } from './run.ts';
import { median, percentile } from './stats.ts';
import { PACKAGE_ROOT, SPECS, XSCALER_LIMITS, type SystemId } from './systems.ts';
import type { Workload } from './workload.ts';

/** Everything the report needs; also what --json writes (minus the catalogue). */
export interface Results {
  readonly startedAt: string;
  readonly machine: string;
  readonly versions: Readonly<Partial<Record<SystemId, string>>>;
  readonly skipped: Readonly<Partial<Record<SystemId, string>>>;
  readonly options: Options;
  readonly workload: Workload;
  readonly queries: readonly QueryDef[];
  /** Rounds per system, in run order. */
  readonly runs: Readonly<Partial<Record<SystemId, readonly SystemRun[]>>>;
  readonly seconds: number;
}

const MiB = 1024 * 1024;
const fmt = (v: number | undefined, digits = 0): string =>
  v === undefined || !Number.isFinite(v)
    ? '—'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** Enough significant digits for small and large numbers alike. */
const sig = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v)
    ? '—'
    : Math.abs(v) >= 100
      ? fmt(v, 0)
      : Math.abs(v) >= 10
        ? fmt(v, 1)
        : fmt(v, 2);

interface Row {
  readonly name: string;
  readonly better: 'higher' | 'lower' | '';
  readonly value: (r: SystemRun, w: Workload) => number | undefined;
  readonly format: (v: number | undefined) => string;
}

function queryStat(r: SystemRun, kinds: readonly QueryDef['kind'][], p: number): number | undefined {
  const per = (r.queries ?? [])
    .filter((q) => kinds.includes(q.def.kind) && q.latencies.length > 0)
    .map((q) => percentile(q.latencies, p) * 1000);
  return per.length === 0 ? undefined : median(per);
}

const accepted = (r: SystemRun): number =>
  (r.backfill?.samplesAccepted ?? 0) + (r.sustained?.samplesAccepted ?? 0);

const ROWS: readonly Row[] = [
  {
    name: 'accepted samples/s at saturation (backfill)',
    better: 'higher',
    value: (r) => (r.backfill === undefined ? undefined : r.backfill.samplesAccepted / r.backfill.seconds),
    format: (v) => fmt(v),
  },
  {
    name: 'server CPU-seconds per million samples (backfill)',
    better: 'lower',
    value: (r) =>
      r.backfillCpuSeconds === undefined || !r.backfill?.samplesAccepted
        ? undefined
        : r.backfillCpuSeconds / (r.backfill.samplesAccepted / 1e6),
    format: sig,
  },
  {
    name: 'server CPU-seconds per million samples (sustained rate)',
    better: 'lower',
    value: (r) =>
      r.sustainedCpuSeconds === undefined || !r.sustained?.samplesAccepted
        ? undefined
        : r.sustainedCpuSeconds / (r.sustained.samplesAccepted / 1e6),
    format: sig,
  },
  {
    name: 'RSS idle after start (MiB)',
    better: 'lower',
    value: (r) => r.idleRssBytes,
    format: (v) => fmt(v && v / MiB),
  },
  { name: 'peak RSS (MiB)', better: 'lower', value: (r) => r.peakRssBytes, format: (v) => fmt(v && v / MiB) },
  {
    name: 'steady RSS, median during the sustained phase (MiB)',
    better: 'lower',
    value: (r) => r.steadyRssBytes,
    format: (v) => fmt(v && v / MiB),
  },
  {
    name: 'steady RSS per active series (bytes)',
    better: 'lower',
    value: (r, w) => (r.steadyRssBytes === undefined ? undefined : r.steadyRssBytes / w.series),
    format: (v) => fmt(v),
  },
  {
    name: 'steady RSS above idle, per active series (bytes)',
    better: 'lower',
    value: (r, w) =>
      r.steadyRssBytes === undefined || r.idleRssBytes === undefined
        ? undefined
        : (r.steadyRssBytes - r.idleRssBytes) / w.series,
    format: (v) => fmt(v),
  },
  {
    name: 'on-disk bytes per sample, compacted',
    better: 'lower',
    value: (r) =>
      r.compactedBytes === undefined || accepted(r) === 0 ? undefined : r.compactedBytes / accepted(r),
    format: (v) => fmt(v, 2),
  },
  {
    name: 'on-disk bytes per sample, whole data dir',
    better: 'lower',
    value: (r) =>
      r.dataDirBytes === undefined || accepted(r) === 0 ? undefined : r.dataDirBytes / accepted(r),
    format: (v) => fmt(v, 2),
  },
  {
    name: 'start to ready, empty (s)',
    better: 'lower',
    value: (r) => r.startupSeconds,
    format: (v) => fmt(v, 2),
  },
  {
    name: 'ready after SIGKILL, data in place (s)',
    better: 'lower',
    value: (r) => r.restartReadySeconds,
    format: (v) => fmt(v, 2),
  },
  {
    name: 'instant queries p50 (ms)',
    better: 'lower',
    value: (r) => queryStat(r, ['instant'], 50),
    format: sig,
  },
  {
    name: 'instant queries p99 (ms)',
    better: 'lower',
    value: (r) => queryStat(r, ['instant'], 99),
    format: sig,
  },
  { name: 'range queries p50 (ms)', better: 'lower', value: (r) => queryStat(r, ['range'], 50), format: sig },
  { name: 'range queries p99 (ms)', better: 'lower', value: (r) => queryStat(r, ['range'], 99), format: sig },
  {
    name: 'label values / series p50 (ms)',
    better: 'lower',
    value: (r) => queryStat(r, ['label values', 'series'], 50),
    format: sig,
  },
];

function medianOf(
  runs: readonly SystemRun[] | undefined,
  f: (r: SystemRun) => number | undefined,
): number | undefined {
  const values = (runs ?? []).map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return values.length === 0 ? undefined : median(values);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

const duration = (ms: number): string =>
  ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;

/** Answers of one query per system (first round), compared with the reference system. */
function answers(res: Results, index: number, id: SystemId, ref: SystemId | undefined): string {
  const run = res.runs[id]?.[0]?.queries?.[index];
  if (run === undefined) return '—';
  if (run.error !== undefined) return `error: ${run.error.slice(0, 80)}`;
  if (ref === undefined || ref === id) return 'reference';
  const other = res.runs[ref]?.[0]?.queries?.[index];
  if (other?.body === undefined || run.body === undefined) return '—';
  let c: Comparison;
  try {
    c = compare(normalize(run.body), normalize(other.body));
  } catch (err) {
    return `unreadable: ${(err as Error).message.slice(0, 80)}`;
  }
  if (c.equal) return c.maxRelDiff > 0 ? `match (≤${c.maxRelDiff.toExponential(0)})` : 'match';
  const expected =
    id === 'victoriametrics' && run.def.vmDiffers ? 'differs, expected (MetricsQL rate) — ' : 'MISMATCH — ';
  return expected + c.detail.replaceAll('|', '\\|').slice(0, 160);
}

export function renderReport(res: Results): string {
  const { workload: w, options: o } = res;
  const ran = (['xscaler', 'victoriametrics', 'prometheus'] as const).filter(
    (id) => (res.runs[id]?.length ?? 0) > 0,
  );
  const ref: SystemId | undefined = ran.includes('prometheus') ? 'prometheus' : ran[0];
  const title = (id: SystemId): string => SPECS[id].title;
  const lines: string[] = [];
  lines.push(`# xScaler vs VictoriaMetrics vs Prometheus — ${res.startedAt}`, '');
  lines.push(`- Machine: ${res.machine}`);
  for (const id of ['xscaler', 'victoriametrics', 'prometheus'] as const) {
    const skipped = res.skipped[id];
    if (skipped !== undefined) {
      lines.push(`- ${title(id)}: not run — ${skipped}`);
      continue;
    }
    if (!ran.includes(id)) continue;
    const { command, args, env } = SPECS[id].command('DATA', 'WORK', { http: 1, grpc: 2 });
    // Settings passed through the environment change the figures too (node flags, malloc tuning).
    const settings = ['XSCALER_NODE_ARGS', 'GLIBC_TUNABLES', 'XSCALER_HEAD_CHUNK_CACHE_MIB']
      .filter((k) => (env?.[k] ?? '') !== '')
      .map((k) => `${k}=${env?.[k]}`);
    const shown = [...settings, command === process.execPath ? 'node' : command, ...args]
      .join(' ')
      .replace(PACKAGE_ROOT + '/', '')
      .replaceAll(':1', ':PORT')
      .replaceAll(':2', ':PORT');
    lines.push(`- ${title(id)} ${res.versions[id] ?? '?'}: \`${shown}\``);
  }
  const p = w.params;
  lines.push(
    `- Mode: ${o.mode}; rounds per system: ${o.repeat} (figures are medians over rounds); harness run time ${res.seconds.toFixed(0)} s`,
    '',
    '## Workload (identical bytes for every system)',
    '',
    `- ${p.targets.toLocaleString('en-US')} targets × ${p.families} metric families → **${w.series.toLocaleString('en-US')} active series**, ${w.metricNames.length} metric names (${w.metricNames.join(', ')})`,
    `- counters (increase, reset when a target restarts), gauges (mean-reverting walks), classic histograms (\`_bucket\` with 12 \`le\`, \`_sum\`, \`_count\`); labels cluster, namespace, job, instance, pod (+ code, method, container, queue, le); \`kube_pod_info\` carries node`,
    `- scrape interval ${duration(p.intervalMs)}; backfill ${duration(p.backfillMs)} = ${w.backfillScrapes} scrapes = ${w.backfillSamples.toLocaleString('en-US')} samples, sent as fast as accepted by ${p.senders} concurrent senders (series sharded like remote-write shards, ≤ 5 min skew between senders)`,
    `- sustained phase: ${p.sustainedScrapes} more scrape${p.sustainedScrapes === 1 ? '' : 's'} = ${w.sustainedSamples.toLocaleString('en-US')} samples paced at ${Math.round(o.sustainedRate).toLocaleString('en-US')} samples/s`,
    `- remote write 1.0, ${p.samplesPerRequest} samples per request, one sample per TimeSeries (as Prometheus sends), snappy: ${(w.rawBytes / MiB).toFixed(1)} MiB raw, ${(w.compressedBytes / MiB).toFixed(1)} MiB compressed, ${w.backfill.flat().length + w.sustained.flat().length} requests, sha256 ${w.sha256.slice(0, 16)}…`,
    `- data spans ${new Date(w.firstScrapeMs).toISOString()} → ${new Date(w.evalMs).toISOString()} (ends before the run started, so every system accepts it); instant queries evaluated at the end, range queries over its last ${duration(rangeWindow(w, o.rangeMs).endMs - rangeWindow(w, o.rangeMs).startMs)} at ${duration(p.intervalMs)} steps; seed ${p.seed}`,
    '',
    '## Figures',
    '',
  );
  const header = ['figure', ...ran.map(title)];
  const withRatios = ran.includes('xscaler');
  if (withRatios && ran.includes('victoriametrics')) header.push('xScaler/VM');
  if (withRatios && ran.includes('prometheus')) header.push('xScaler/Prom');
  header.push('better');
  lines.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const row of ROWS) {
    const values = new Map(ran.map((id) => [id, medianOf(res.runs[id], (r) => row.value(r, w))]));
    if ([...values.values()].every((v) => v === undefined)) continue;
    const cells = [row.name, ...ran.map((id) => row.format(values.get(id)))];
    if (withRatios && ran.includes('victoriametrics'))
      cells.push(ratio(values.get('xscaler'), values.get('victoriametrics')));
    if (withRatios && ran.includes('prometheus'))
      cells.push(ratio(values.get('xscaler'), values.get('prometheus')));
    cells.push(row.better);
    lines.push(`| ${cells.join(' | ')} |`);
  }

  lines.push('', '## Data checks (first round)', '');
  lines.push(
    '| check | ' + ran.map(title).join(' | ') + ' |',
    '|---|' + ran.map(() => '---:').join('|') + '|',
  );
  const first = (id: SystemId): SystemRun | undefined => res.runs[id]?.[0];
  const check = (name: string, f: (r: SystemRun) => string): void => {
    lines.push(
      `| ${name} | ${ran
        .map((id) => {
          const r = first(id);
          return r === undefined ? '—' : f(r);
        })
        .join(' | ')} |`,
    );
  };
  const n = (v: number | undefined): string => fmt(v);
  check('samples sent', (r) => n((r.backfill?.samplesSent ?? 0) + (r.sustained?.samplesSent ?? 0)));
  check('samples accepted (2xx)', (r) => n(accepted(r)));
  check('samples rejected', (r) =>
    n((r.backfill?.samplesRejected ?? 0) + (r.sustained?.samplesRejected ?? 0)),
  );
  check('requests retried', (r) => n((r.backfill?.retries ?? 0) + (r.sustained?.retries ?? 0)));
  check(`series with their last scrape queryable (expect ${fmt(w.series)})`, (r) => n(r.visibleSeries));
  check('seconds until visible after the last write', (r) => fmt(r.visibleSeconds, 2));
  check('samples counted by count_over_time', (r) => n(r.countedSamples));
  check(`series with their last scrape queryable after SIGKILL + restart`, (r) => n(r.seriesAfterRestart));
  check('sustained rate achieved (samples/s)', (r) =>
    r.sustained === undefined ? '—' : fmt(r.sustained.samplesAccepted / r.sustained.seconds),
  );
  check('harness (load generator) CPU-seconds during the backfill', (r) =>
    fmt(r.backfill?.clientCpuSeconds, 1),
  );
  check('backfill wall seconds', (r) => fmt(r.backfill?.seconds, 1));
  check('machine load average (1 min) at the end of the backfill', (r) => fmt(r.loadAfterBackfill, 2));
  check('flush / compaction', (r) => r.flushNote ?? '—');

  if (res.queries.length > 0 && ran.some((id) => first(id)?.queries !== undefined)) {
    lines.push(
      '',
      `## Queries (p50 / p99 ms over ${o.queryReps} timed passes after one warm-up; answers vs ${ref === undefined ? '—' : title(ref)})`,
      '',
    );
    const qh = [
      'query',
      'kind',
      ...ran.map((id) => `${title(id)} p50 / p99`),
      ...ran.filter((id) => id !== ref).map((id) => `${title(id)} answer`),
    ];
    lines.push(`| ${qh.join(' | ')} |`, `|${qh.map(() => '---').join('|')}|`);
    res.queries.forEach((def, i) => {
      const lat = ran.map((id) => {
        const p50 = medianOf(res.runs[id], (r) => {
          const q = r.queries?.[i];
          return q && q.latencies.length ? percentile(q.latencies, 50) * 1000 : undefined;
        });
        const p99 = medianOf(res.runs[id], (r) => {
          const q = r.queries?.[i];
          return q && q.latencies.length ? percentile(q.latencies, 99) * 1000 : undefined;
        });
        return `${sig(p50)} / ${sig(p99)}`;
      });
      const ans = ran.filter((id) => id !== ref).map((id) => answers(res, i, id, ref));
      lines.push(
        `| \`${def.expr.replaceAll('|', '\\|')}\` | ${def.kind} | ${[...lat, ...ans].join(' | ')} |`,
      );
    });
  }

  const errors = ran.flatMap((id) =>
    (res.runs[id] ?? []).flatMap((r, round) =>
      r.errors.map((e) => `- ${title(id)} round ${round + 1}: ${e.split('\n')[0]}`),
    ),
  );
  const sendErrors = ran.flatMap((id) =>
    (res.runs[id] ?? []).flatMap((r) =>
      [...(r.backfill?.errors ?? new Map()), ...(r.sustained?.errors ?? new Map())].map(
        ([e, count]) => `- ${title(id)}: ${count}× ${e}`,
      ),
    ),
  );
  if (errors.length + sendErrors.length > 0)
    lines.push('', '## Errors', '', ...errors, ...sendErrors.slice(0, 20));
  lines.push(
    '',
    '## How each figure is measured',
    '',
    '- Systems run one after another, each alone on the machine, on a fresh data dir and 127.0.0.1 port. CPU from /proc/<pid>/stat (utime+stime, process tree), RSS from /proc/<pid>/status (VmRSS sampled every 250 ms; peak also includes VmHWM).',
    '- Saturation: accepted samples ÷ wall time from the first request to the last response of the backfill. 5xx/429 are retried with backoff (≤ 6 attempts), other errors count as rejected.',
    '- Compacted size: VictoriaMetrics after /internal/force_flush + /internal/force_merge; Prometheus: its head written as one block by the admin snapshot API (the head is only compacted by time, after 3 h); xScaler: its flush endpoint (`POST /prometheus/api/v1/admin/tsdb/flush`) writes the head into blocks and compacts them, and the blocks directory is measured. Every size is read when it has not changed for 3 s (same rule for all). Bytes are allocated blocks (du).',
    '- Restart: SIGKILL, start again on the same data dir, time until the readiness endpoint answers 200 (xScaler /ready, VictoriaMetrics /health, Prometheus /-/ready).',
    `- xScaler's benchmark tenant has its ingest limits lifted (\`xscaler limits set bench ${XSCALER_LIMITS.join(' ')}\`): the peers have none.`,
    '- Queries: VictoriaMetrics runs with -search.disableCache; the answers of the first pass are compared with a relative tolerance of 1e-6. MetricsQL computes rate/increase without extrapolation, so VictoriaMetrics differences on those are expected.',
  );
  return lines.join('\n') + '\n';
}
