import { Random } from './random.ts';

/**
 * The series catalogue of the workload: T scrape targets (Kubernetes pods) × M metric families,
 * plus `up` and `kube_pod_info` per target. Everything is derived from the seed, so two runs with
 * the same parameters produce the same series in the same order.
 */

/** What a series' values do over time. */
export const Kind = {
  /** Integer counter: increases, resets to 0 when its target restarts. */
  Counter: 0,
  /** Float counter (CPU seconds). */
  FloatCounter: 1,
  /** Mean-reverting random walk, never negative. */
  Gauge: 2,
  /** Integer gauge (goroutines, queue depth). */
  IntGauge: 3,
  /** Classic histogram `_bucket` series (cumulative count of observations ≤ le). */
  Bucket: 4,
  /** Classic histogram `_sum`. */
  HistSum: 5,
  /** Classic histogram `_count`. */
  HistCount: 6,
  /** Constant 1 (`up`, `kube_pod_info`). */
  One: 7,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

type Pair = readonly [string, string];
type Variant = readonly Pair[];
interface Family {
  readonly name: string;
  readonly kind: 'counter' | 'float-counter' | 'gauge' | 'int-gauge' | 'histogram';
  /** One series (or one histogram) per variant; each variant adds these labels. */
  readonly variants: readonly Variant[];
  /** Typical per-second rate (counters, histogram observations) or level (gauges) of variant 0. */
  readonly scale: number;
}

/** Prometheus's default histogram buckets (client libraries' DefBuckets). */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity] as const;

/** The family templates; families beyond this list repeat them under a `appN_` name prefix. */
const TEMPLATES: readonly Family[] = [
  {
    name: 'http_requests_total',
    kind: 'counter',
    variants: [
      [
        ['code', '200'],
        ['method', 'GET'],
      ],
      [
        ['code', '200'],
        ['method', 'POST'],
      ],
      [
        ['code', '500'],
        ['method', 'GET'],
      ],
      [
        ['code', '500'],
        ['method', 'POST'],
      ],
    ],
    scale: 20,
  },
  { name: 'http_request_duration_seconds', kind: 'histogram', variants: [[]], scale: 20 },
  { name: 'process_resident_memory_bytes', kind: 'gauge', variants: [[]], scale: 300e6 },
  {
    name: 'container_cpu_usage_seconds_total',
    kind: 'float-counter',
    variants: [[['container', 'app']], [['container', 'istio-proxy']]],
    scale: 0.3,
  },
  { name: 'go_goroutines', kind: 'int-gauge', variants: [[]], scale: 200 },
  { name: 'process_cpu_seconds_total', kind: 'float-counter', variants: [[]], scale: 0.4 },
  { name: 'grpc_server_handling_seconds', kind: 'histogram', variants: [[]], scale: 5 },
  {
    name: 'queue_depth',
    kind: 'int-gauge',
    variants: [[['queue', 'export']], [['queue', 'ingest']], [['queue', 'retry']]],
    scale: 30,
  },
];

/** The families the fixed dashboard query set reads; the workload must contain them. */
export const MIN_FAMILIES = 4;

export interface Target {
  readonly cluster: string;
  readonly namespace: string;
  readonly job: string;
  readonly pod: string;
  readonly instance: string;
  readonly node: string;
}

/** Columnar description of every series; index i is series i everywhere. */
export interface Catalogue {
  readonly targets: readonly Target[];
  /** Sorted label pairs per series (name, value, name, value, ...), `__name__` first. */
  readonly labels: readonly (readonly string[])[];
  readonly kind: Uint8Array;
  /** Target index of each series (restarts reset every counter of a target). */
  readonly target: Uint32Array;
  /** Histogram instance of a Bucket/HistSum/HistCount series; 0 otherwise. */
  readonly histogram: Uint32Array;
  /** Bucket series: P(observation ≤ le) of its histogram's latency distribution (1 for +Inf). */
  readonly fraction: Float64Array;
  /** Counters: mean increase per second; gauges: mean level; histograms: observations per second. */
  readonly scale: Float64Array;
  /** Histogram instances: mean observation (seconds), for `_sum`. */
  readonly histogramMean: Float64Array;
  /** Observations per second of each histogram instance. */
  readonly histogramRate: Float64Array;
  /** Distinct metric names. */
  readonly metricNames: readonly string[];
}

function familyAt(index: number): Family {
  const template = TEMPLATES[index % TEMPLATES.length]!;
  const round = Math.floor(index / TEMPLATES.length);
  return round === 0 ? template : { ...template, name: `app${round + 1}_${template.name}` };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf), accurate to ~1e-7: plenty for bucket shares. */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

function makeTargets(count: number, rng: Random): Target[] {
  const services = [
    'checkout',
    'cart',
    'catalog',
    'payments',
    'search',
    'auth',
    'gateway',
    'ledger',
    'mailer',
    'ranker',
  ];
  const clusters = Math.max(1, Math.min(3, Math.ceil(count / 500)));
  const namespaces = Math.max(1, Math.ceil(count / 40));
  const nodes = Math.max(1, Math.ceil(count / 30));
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (let i = 0; i < count; i++) {
    const ns = i % namespaces;
    const service = services[Math.floor(i / namespaces) % services.length]!;
    const job = `${service}-${ns % 7}`;
    let pod = '';
    for (let attempt = 0; attempt < 100 && (pod === '' || seen.has(pod)); attempt++) {
      pod = `${job}-${rng.word(9)}-${rng.word(5)}`;
    }
    seen.add(pod);
    targets.push({
      cluster: `cluster-${ns % clusters}`,
      namespace: `ns-${ns}`,
      job,
      pod,
      instance: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080`,
      node: `node-${rng.int(nodes)}`,
    });
  }
  return targets;
}

function sortedPairs(pairs: Pair[]): string[] {
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.flat();
}

/** Builds the catalogue: `targets` pods × `families` metric families (+ `up` and `kube_pod_info`). */
export function buildCatalogue(targetCount: number, familyCount: number, seed: number): Catalogue {
  if (familyCount < MIN_FAMILIES) {
    throw new Error(
      `--families ${familyCount} is too small: the dashboard queries need at least ${MIN_FAMILIES}`,
    );
  }
  const rng = new Random(seed);
  const targets = makeTargets(targetCount, rng);
  const labels: string[][] = [];
  const kinds: number[] = [];
  const owner: number[] = [];
  const hist: number[] = [];
  const fraction: number[] = [];
  const scale: number[] = [];
  const histMean: number[] = [];
  const histRate: number[] = [];
  const names = new Set<string>();

  const add = (pairs: Pair[], kind: Kind, t: number, s: number, h = 0, f = 0): void => {
    names.add(pairs[0]![1]);
    labels.push(sortedPairs(pairs));
    kinds.push(kind);
    owner.push(t);
    scale.push(s);
    hist.push(h);
    fraction.push(f);
  };

  for (let t = 0; t < targets.length; t++) {
    const tg = targets[t]!;
    const base = (): Pair[] => [
      ['cluster', tg.cluster],
      ['namespace', tg.namespace],
      ['job', tg.job],
      ['instance', tg.instance],
      ['pod', tg.pod],
    ];
    // A per-target load factor makes some pods busier than others (skewed like real traffic).
    const load = Math.exp(rng.normal() * 0.8);
    add([['__name__', 'up'], ...base()], Kind.One, t, 1);
    add(
      [
        ['__name__', 'kube_pod_info'],
        ['cluster', tg.cluster],
        ['job', 'kube-state-metrics'],
        ['instance', 'kube-state-metrics:8080'],
        ['namespace', tg.namespace],
        ['pod', tg.pod],
        ['node', tg.node],
      ],
      Kind.One,
      t,
      1,
    );
    for (let f = 0; f < familyCount; f++) {
      const fam = familyAt(f);
      fam.variants.forEach((variant, v) => {
        // Later variants (errors, POSTs) are rarer than the first one.
        const share = v === 0 ? 1 : 0.3 / v;
        const s = fam.scale * load * share * rng.range(0.5, 1.5);
        if (fam.kind === 'histogram') {
          const h = histMean.length;
          const median = rng.range(0.02, 0.4);
          const sigma = rng.range(0.6, 1.4);
          histMean.push(median * Math.exp((sigma * sigma) / 2));
          histRate.push(s);
          for (const le of BUCKETS) {
            const frac = le === Infinity ? 1 : normalCdf((Math.log(le) - Math.log(median)) / sigma);
            const leText = le === Infinity ? '+Inf' : String(le);
            add(
              [['__name__', `${fam.name}_bucket`], ...base(), ...variant, ['le', leText]],
              Kind.Bucket,
              t,
              s,
              h,
              frac,
            );
          }
          add([['__name__', `${fam.name}_sum`], ...base(), ...variant], Kind.HistSum, t, s, h);
          add([['__name__', `${fam.name}_count`], ...base(), ...variant], Kind.HistCount, t, s, h);
          return;
        }
        const kind =
          fam.kind === 'counter'
            ? Kind.Counter
            : fam.kind === 'float-counter'
              ? Kind.FloatCounter
              : fam.kind === 'gauge'
                ? Kind.Gauge
                : Kind.IntGauge;
        add(
          [['__name__', fam.name], ...base(), ...variant],
          kind,
          t,
          fam.kind === 'gauge' ? fam.scale * load : s,
        );
      });
    }
  }
  return {
    targets,
    labels,
    kind: Uint8Array.from(kinds),
    target: Uint32Array.from(owner),
    histogram: Uint32Array.from(hist),
    fraction: Float64Array.from(fraction),
    scale: Float64Array.from(scale),
    histogramMean: Float64Array.from(histMean),
    histogramRate: Float64Array.from(histRate),
    metricNames: [...names].sort(),
  };
}

/** Series per target for `families` families (to size a workload before building it). */
export function seriesPerTarget(familyCount: number): number {
  let n = 2;
  for (let f = 0; f < familyCount; f++) {
    const fam = familyAt(f);
    n += fam.variants.length * (fam.kind === 'histogram' ? BUCKETS.length + 2 : 1);
  }
  return n;
}
