import { seriesPerTarget } from './catalogue.ts';
import { SYSTEM_IDS, type SystemId } from './systems.ts';

/** Figures that can be switched off while developing; ingest always runs (it loads the data). */
export const FIGURES = ['sustained', 'queries', 'disk', 'restart'] as const;
export type Figure = (typeof FIGURES)[number];

export interface Options {
  readonly mode: 'quick' | 'default' | 'custom';
  readonly systems: readonly SystemId[];
  /** True when --systems was given: a system that cannot run is then an error, not a warning. */
  readonly systemsExplicit: boolean;
  readonly figures: ReadonlySet<Figure>;
  readonly targets: number;
  readonly families: number;
  readonly intervalMs: number;
  readonly backfillMs: number;
  readonly sustainedSeconds: number;
  /** Samples/s during the sustained phase; defaults to the real-time rate (series / interval). */
  readonly sustainedRate: number;
  readonly senders: number;
  readonly samplesPerRequest: number;
  readonly seed: number;
  readonly queryReps: number;
  /** Span of the range queries, ending at the evaluation time (capped by the history). */
  readonly rangeMs: number;
  readonly repeat: number;
  readonly ingestTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly settleTimeoutMs: number;
  readonly outDir: string;
  readonly json: string | undefined;
  readonly keep: boolean;
  readonly install: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]      (or: node --import tsx bench/main.ts [options])

Runs xScaler, VictoriaMetrics and Prometheus one after another on fresh data dirs, sends each the
same generated remote-write traffic, and prints a markdown table of figures and ratios.

Modes:
  --quick                  small workload, finishes in under 2 minutes
  (default)                ≥100k active series, 2 h of history, under 15 minutes on 2 cores
Selection (while developing):
  --systems a,b            xscaler, victoriametrics (vm), prometheus (prom)      [all three]
  --figures a,b            sustained, queries, disk, restart (ingest always runs)   [all]
Workload:
  --targets N              scrape targets (pods)                      [quick 50, default 2400]
  --families N             metric families per target (≥ 4)           [8 → 42 series per target]
  --interval D             scrape interval, e.g. 15s                  [quick 10s, default 60s]
  --backfill D             history sent as fast as possible, e.g. 2h  [quick 30m, default 2h]
  --sustained D            duration of the real-time-rate phase        [quick 10s, default 60s]
  --sustained-rate N       samples/s in that phase                     [series / interval]
  --senders N              concurrent remote-write senders (shards)    [4]
  --samples-per-request N  samples per remote-write request            [2000]
  --seed N                                                             [1]
Measurement:
  --query-reps N           timed passes over the query set             [quick 5, default 10]
  --range D                span of the range queries (step = interval), at most the
                           history minus 10m, e.g. 24h with --backfill 25h         [1h]
  --repeat N               run every system N times (interleaved), report medians   [1]
  --ingest-timeout D       stop the backfill of one system after D     [quick 60s, default 240s]
Output:
  --out DIR                where <timestamp>.md goes                    [bench/results]
  --json FILE              also write the raw results as JSON
  --keep                   keep data dirs and server logs
  --no-install             never apt-get install a missing peer
`;

/** Parses "30s", "2h", "1h30m", "500ms" or a plain number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let rest = text;
  for (let guard = 0; rest !== '' && guard < 10; guard++) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest);
    if (m === null) throw new Error(`cannot parse duration "${text}": use e.g. 30s, 10m, 2h or 1h30m`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  if (rest !== '') throw new Error(`cannot parse duration "${text}"`);
  return total;
}

const ALIASES: Readonly<Record<string, SystemId>> = {
  xscaler: 'xscaler',
  xs: 'xscaler',
  victoriametrics: 'victoriametrics',
  'victoria-metrics': 'victoriametrics',
  vm: 'victoriametrics',
  prometheus: 'prometheus',
  prom: 'prometheus',
};

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return n;
}

/** Parses argv (without node and script); throws with a message naming the bad option. */
export function parseOptions(argv: readonly string[]): Options | 'help' {
  const flags = new Map<string, string>();
  const booleans = new Set(['--quick', '--keep', '--no-install', '--help', '-h']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (booleans.has(arg)) {
      flags.set(arg, 'true');
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!USAGE.includes(`${name} `)) throw new Error(`unknown option ${name} (see --help)`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`option ${name} needs a value`);
    flags.set(name, value);
  }
  if (flags.has('--help') || flags.has('-h')) return 'help';
  const quick = flags.has('--quick');
  const get = (name: string): string | undefined => flags.get(name);

  const systemsText = get('--systems');
  const systems =
    systemsText === undefined
      ? SYSTEM_IDS
      : systemsText.split(',').map((s) => {
          const id = ALIASES[s.trim().toLowerCase()];
          if (id === undefined)
            throw new Error(`unknown system "${s}" in --systems (use xscaler, vm, prometheus)`);
          return id;
        });
  const figuresText = get('--figures');
  const figures = new Set<Figure>(
    figuresText === undefined
      ? FIGURES
      : figuresText
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f !== 'ingest')
          .map((f) => {
            if (!(FIGURES as readonly string[]).includes(f))
              throw new Error(`unknown figure "${f}" (use ${FIGURES.join(', ')})`);
            return f as Figure;
          }),
  );

  const targets = positiveInt('--targets', get('--targets') ?? (quick ? '50' : '2400'));
  const families = positiveInt('--families', get('--families') ?? '8');
  const intervalMs = parseDuration(get('--interval') ?? (quick ? '10s' : '60s'));
  const backfillMs = parseDuration(get('--backfill') ?? (quick ? '30m' : '2h'));
  const sustainedSeconds = parseDuration(get('--sustained') ?? (quick ? '10s' : '60s')) / 1000;
  const series = targets * seriesPerTarget(families);
  const rateText = get('--sustained-rate');
  const sustainedRate =
    rateText === undefined ? series / (intervalMs / 1000) : positiveInt('--sustained-rate', rateText);
  if (intervalMs < 1000) throw new Error('--interval must be at least 1s');
  if (backfillMs < 15 * 60_000)
    throw new Error('--backfill must be at least 15m (the range queries need history)');
  const custom = [
    '--targets',
    '--families',
    '--interval',
    '--backfill',
    '--sustained',
    '--sustained-rate',
  ].some((f) => flags.has(f));
  return {
    mode: custom ? 'custom' : quick ? 'quick' : 'default',
    systems: [...new Set(systems)],
    systemsExplicit: systemsText !== undefined,
    figures,
    targets,
    families,
    intervalMs,
    backfillMs,
    sustainedSeconds,
    sustainedRate,
    senders: positiveInt('--senders', get('--senders') ?? '4'),
    samplesPerRequest: positiveInt('--samples-per-request', get('--samples-per-request') ?? '2000'),
    seed: positiveInt('--seed', get('--seed') ?? '1'),
    queryReps: positiveInt('--query-reps', get('--query-reps') ?? (quick ? '5' : '10')),
    rangeMs: parseDuration(get('--range') ?? '1h'),
    repeat: positiveInt('--repeat', get('--repeat') ?? '1'),
    ingestTimeoutMs: parseDuration(get('--ingest-timeout') ?? (quick ? '60s' : '240s')),
    queryTimeoutMs: quick ? 30_000 : 180_000,
    settleTimeoutMs: quick ? 15_000 : 60_000,
    outDir: get('--out') ?? 'bench/results',
    json: get('--json'),
    keep: flags.has('--keep'),
    install: !flags.has('--no-install'),
  };
}
