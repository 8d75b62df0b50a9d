import { Labels, MetricType, SampleFlag, type SampleBatch } from '../../model/index.ts';
import type { DeltaAccumulator } from './delta.ts';
import { exponentialToClassic, exponentialToNative } from './exponential.ts';
import { LabelSet } from './label-set.ts';
import {
  escapesNames,
  formatFloatPlain,
  labelName,
  metadataUnit,
  metricFamilyName,
  type LabelNameRules,
  type NamingType,
} from './names.ts';
import type { OtlpTranslationOptions } from './options.ts';
import {
  FLAG_NO_RECORDED_VALUE,
  FloatList,
  MetricKind,
  Temporality,
  type MetricScratch,
  type OtlpSink,
  type PointScratch,
} from './point.ts';

/** What happened to one request's data points. */
export interface OtlpTranslateResult {
  /** Data points seen (a histogram point counts once). */
  readonly points: number;
  /** Data points dropped by translation; the rest are in the batch. */
  readonly rejectedPoints: number;
  /** Why, one message per distinct cause, at most MAX_MESSAGES. */
  readonly errors: readonly string[];
  /** Things dropped that are not data points (metrics without data, empty metrics). */
  readonly warnings: readonly string[];
}

const MAX_MESSAGES = 8;
/** target_info samples are repeated this often between a resource's first and last point (lookback / 2). */
const TARGET_INFO_STEP_MS = 150_000;
/** At most this many target_info samples before the last one (2.5 hours of points). */
const MAX_TARGET_INFO_STEPS = 60;
/** OpenMetrics' limit on the runes of an exemplar's labels. */
const MAX_EXEMPLAR_RUNES = 128;
const IDENTIFYING = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/**
 * Turns decoded OTLP metrics into Prometheus series (specs/otlp-metrics.md §4) in a SampleBatch.
 *
 * Use: `begin(batch)`, run a decoder with this as its sink, then `finish()`. The batch is started
 * with `resetOwned()`; its content is valid until its next reset. One translator serves one
 * tenant's options and may be reused for many requests, one at a time. Invalid points and metrics
 * are dropped and counted, never thrown: OTLP answers them with a partial success.
 */
export class OtlpTranslator implements OtlpSink {
  private readonly options: OtlpTranslationOptions;
  private readonly delta: DeltaAccumulator | null;
  private readonly rules: LabelNameRules;
  private readonly labelNames = new Map<string, string | null>();
  private readonly leTexts = new Map<number, string>();
  private batch: SampleBatch | null = null;

  private points = 0;
  private rejected = 0;
  private errors: string[] = [];
  private warnings: string[] = [];
  private readonly families = new Set<string>();

  // Resource.
  private resourceAttrs: string[] = [];
  private job = '';
  private instance = '';
  private promoted: Array<[string, string]> = [];
  private minT = Infinity;
  private maxT = -Infinity;
  // Scope.
  private scopeLabels: Array<[string, string]> = [];
  // Metric.
  private family = '';
  private metricError: string | null = null;
  private temporalityDelta = false;

  private readonly labels = new LabelSet();
  private readonly order = new Int32Array(64);
  private readonly f1 = new FloatList();
  private readonly f2 = new FloatList();
  private readonly f3 = new FloatList();

  constructor(options: OtlpTranslationOptions, delta: DeltaAccumulator | null = null) {
    this.options = options;
    this.delta = delta;
    this.rules = {
      escape: escapesNames(options.translationStrategy),
      preserveMultipleUnderscores: options.labelNamePreserveMultipleUnderscores,
      underscoreSanitization: options.labelNameUnderscoreSanitization,
    };
  }

  begin(batch: SampleBatch): void {
    batch.resetOwned();
    this.batch = batch;
    this.points = 0;
    this.rejected = 0;
    this.errors = [];
    this.warnings = [];
    this.families.clear();
    this.resourceAttrs = [];
    this.minT = Infinity;
    this.maxT = -Infinity;
  }

  finish(): OtlpTranslateResult {
    this.endResource();
    this.batch = null;
    return {
      points: this.points,
      rejectedPoints: this.rejected,
      errors: this.errors,
      warnings: this.warnings,
    };
  }

  resource(attrs: readonly string[]): void {
    this.endResource();
    this.resourceAttrs = attrs.slice();
    this.minT = Infinity;
    this.maxT = -Infinity;
    let name = '';
    let namespace = '';
    let instance = '';
    for (let i = 0; i < attrs.length; i += 2) {
      const key = attrs[i] as string;
      if (key === 'service.name') name = attrs[i + 1] as string;
      else if (key === 'service.namespace') namespace = attrs[i + 1] as string;
      else if (key === 'service.instance.id') instance = attrs[i + 1] as string;
    }
    this.job = name === '' ? '' : namespace === '' ? name : `${namespace}/${name}`;
    this.instance = instance;
    this.promoted = [];
    const wanted = this.options.promoteResourceAttributes;
    if (wanted.length > 0) {
      const set = new LabelSet();
      this.attributeLabels(this.resourceAttrs, set, (key) => wanted.includes(key));
      set.sort();
      this.promoted = set.pairs();
    }
  }

  scope(name: string, version: string, schemaUrl: string, attrs: readonly string[]): void {
    this.scopeLabels = [];
    if (!this.options.promoteScopeMetadata || name === '') return;
    const set = new LabelSet();
    this.attributeLabels(
      attrs,
      set,
      (key) => key !== 'name' && key !== 'version' && key !== 'schema_url',
      'otel_scope_',
    );
    set.set('otel_scope_name', name);
    set.set('otel_scope_version', version);
    set.set('otel_scope_schema_url', schemaUrl);
    set.sort();
    this.scopeLabels = set.pairs();
  }

  metric(m: MetricScratch): void {
    this.metricError = null;
    this.temporalityDelta = false;
    if (m.kind === MetricKind.None) {
      this.warn(`metric "${m.name}" has no data (unsupported metric type); dropped`);
      return;
    }
    if (m.pointCount === 0) return;
    if (
      m.kind === MetricKind.Sum ||
      m.kind === MetricKind.Histogram ||
      m.kind === MetricKind.ExponentialHistogram
    ) {
      if (m.temporality === Temporality.Delta) {
        this.temporalityDelta = true;
        if (this.delta === null || !this.options.deltaToCumulative) {
          this.metricError = `invalid temporality and type combination for metric "${m.name}": delta temporality is not accepted for this tenant; send cumulative data`;
        }
      } else if (m.temporality !== Temporality.Cumulative) {
        this.metricError = `invalid temporality and type combination for metric "${m.name}": aggregation temporality ${m.temporality} is neither delta (1) nor cumulative (2)`;
      }
    }
    const naming = namingType(m);
    const family = metricFamilyName(m.name, m.unit, naming, this.options.translationStrategy);
    if (family === null) {
      this.metricError ??= `metric name "${m.name}" cannot be translated to a Prometheus name (empty or only underscores)`;
      return;
    }
    this.family = family;
    if (this.metricError === null && !this.families.has(family)) {
      this.families.add(family);
      this.batch?.metadata.push({
        family,
        type: metadataType(m),
        help: m.description,
        unit: metadataUnit(m.unit, this.options.translationStrategy),
      });
    }
  }

  point(m: MetricScratch, p: PointScratch): void {
    this.points++;
    if (this.metricError !== null) return this.reject(this.metricError);
    if (p.timeMs === 0) return this.reject(`a data point of metric "${m.name}" has no time_unix_nano`);
    const problem = this.pointLabels(p);
    if (problem !== null) return this.reject(`a data point of metric "${m.name}" ${problem}`);
    if (m.kind === MetricKind.ExponentialHistogram && (p.scale < -10 || p.scale > 20)) {
      return this.reject(`a data point of metric "${m.name}" has scale ${p.scale}, outside OTel's -10..20`);
    }
    if (this.temporalityDelta && this.delta !== null) {
      const kind =
        m.kind === MetricKind.Sum ? 'number' : m.kind === MetricKind.Histogram ? 'histogram' : 'exponential';
      const why = this.delta.accumulate(this.labels.key(this.family), kind, p);
      if (why !== null) return this.reject(`a delta point of metric "${m.name}" was dropped: ${why}`);
    }
    switch (m.kind) {
      case MetricKind.Gauge:
      case MetricKind.Sum:
        if (!p.hasValue && (p.flags & FLAG_NO_RECORDED_VALUE) === 0) {
          return this.reject(`a data point of metric "${m.name}" has neither as_double nor as_int`);
        }
        this.numberPoint(p, m.kind === MetricKind.Sum);
        break;
      case MetricKind.Histogram:
        this.histogramPoint(p);
        break;
      case MetricKind.ExponentialHistogram:
        if (this.options.exponentialHistograms === 'native') {
          const h = exponentialToNative(p, this.f1);
          if (typeof h === 'string')
            return this.reject(`a data point of metric "${m.name}" was dropped: ${h}`);
          const series = this.labels.write(this.batch as SampleBatch, this.family);
          const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
          (this.batch as SampleBatch).histograms.push({
            series,
            t: p.timeMs,
            h: stale ? null : h,
            startTimestamp: p.startMs,
          });
          this.exemplarsOf(p, series, -1);
        } else {
          exponentialToClassic(p, this.options.exponentialClassicMaxScale, this.f3, this.f1, this.f2);
          this.classicHistogram(p, this.f1, this.f2);
        }
        break;
      case MetricKind.Summary:
        this.summaryPoint(p);
        break;
    }
    if (p.timeMs < this.minT) this.minT = p.timeMs;
    if (p.timeMs > this.maxT) this.maxT = p.timeMs;
  }

  /** Merges the point's labels (§4.7) into `this.labels`, sorted; returns a problem or null. */
  private pointLabels(p: PointScratch): string | null {
    const set = this.labels;
    set.clear();
    const problem = this.attributeLabels(p.attrs, set, null);
    if (problem !== null) return problem;
    for (const [name, value] of this.promoted) set.setIfAbsent(name, value);
    if (this.job !== '') set.set('job', this.job);
    if (this.instance !== '') set.set('instance', this.instance);
    for (const [name, value] of this.scopeLabels) set.set(name, value);
    set.sort();
    return null;
  }

  /**
   * Adds the label form of flat attributes to `set`, in order of original key (collisions joined
   * with `;`), skipping `__name__` and keys `keep` refuses. Returns a problem or null.
   */
  private attributeLabels(
    attrs: readonly string[],
    set: LabelSet,
    keep: ((key: string) => boolean) | null,
    prefix = '',
  ): string | null {
    const n = attrs.length >> 1;
    const order = n <= this.order.length ? this.order : new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = attrs[2 * i] as string;
      let j = i - 1;
      while (j >= 0 && (attrs[2 * (order[j] as number)] as string) > key) {
        order[j + 1] = order[j] as number;
        j--;
      }
      order[j + 1] = i;
    }
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      const key = attrs[2 * i] as string;
      if (keep !== null && !keep(key)) continue;
      const name = this.labelNameOf(prefix + key);
      if (name === null)
        return `has attribute "${key}", which cannot be a label name (empty or only underscores)`;
      if (name === '__name__') continue;
      set.join(name, attrs[2 * i + 1] as string);
    }
    return null;
  }

  private labelNameOf(key: string): string | null {
    let name = this.labelNames.get(key);
    if (name === undefined) {
      if (this.labelNames.size >= 10_000) this.labelNames.clear();
      name = labelName(key, this.rules);
      this.labelNames.set(key, name);
    }
    return name;
  }

  private sample(series: number, p: PointScratch, value: number): void {
    const batch = this.batch as SampleBatch;
    if ((p.flags & FLAG_NO_RECORDED_VALUE) !== 0)
      batch.addSample(series, p.timeMs, NaN, SampleFlag.Stale, p.startMs);
    else batch.addSample(series, p.timeMs, value, 0, p.startMs);
  }

  private numberPoint(p: PointScratch, isSum: boolean): void {
    const series = this.labels.write(this.batch as SampleBatch, this.family);
    this.sample(series, p, p.value);
    // Exemplars of gauges are dropped (Prometheus and the OTel spec agree); sums keep them.
    if (isSum) this.exemplarsOf(p, series, -1);
  }

  private histogramPoint(p: PointScratch): void {
    const bounds = this.f1;
    const cumulative = this.f2;
    bounds.length = 0;
    cumulative.length = 0;
    const n = Math.min(p.bounds.length, p.bucketCounts.length);
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += p.bucketCounts.at(i);
      bounds.push(p.bounds.at(i));
      cumulative.push(total);
    }
    this.classicHistogram(p, bounds, cumulative);
  }

  /** `_bucket{le}` per bound plus `+Inf`, `_count`, and `_sum` when the point has one. */
  private classicHistogram(p: PointScratch, bounds: FloatList, cumulative: FloatList): void {
    const batch = this.batch as SampleBatch;
    const bucket = `${this.family}_bucket`;
    const firstSeries = batch.seriesCount;
    for (let i = 0; i < bounds.length; i++) {
      const series = this.labels.write(batch, bucket, 'le', this.leText(bounds.at(i)));
      this.sample(series, p, cumulative.at(i));
    }
    const inf = this.labels.write(batch, bucket, 'le', '+Inf');
    this.sample(inf, p, p.count);
    this.sample(this.labels.write(batch, `${this.family}_count`), p, p.count);
    if (p.hasSum) this.sample(this.labels.write(batch, `${this.family}_sum`), p, p.sum);
    if (p.exemplarCount === 0) return;
    for (let k = 0; k < p.exemplarCount; k++) {
      const e = p.exemplars[k];
      if (e === undefined) continue;
      let series = inf;
      for (let i = 0; i < bounds.length; i++) {
        if (bounds.at(i) >= e.value) {
          series = firstSeries + i;
          break;
        }
      }
      this.exemplarsOf(p, series, k);
    }
  }

  private leText(bound: number): string {
    let text = this.leTexts.get(bound);
    if (text === undefined) {
      if (this.leTexts.size >= 10_000) this.leTexts.clear();
      text = formatFloatPlain(bound);
      this.leTexts.set(bound, text);
    }
    return text;
  }

  private summaryPoint(p: PointScratch): void {
    const batch = this.batch as SampleBatch;
    for (let i = 0; i + 1 < p.quantiles.length; i += 2) {
      const series = this.labels.write(batch, this.family, 'quantile', this.leText(p.quantiles.at(i)));
      this.sample(series, p, p.quantiles.at(i + 1));
    }
    this.sample(this.labels.write(batch, `${this.family}_sum`), p, p.sum);
    this.sample(this.labels.write(batch, `${this.family}_count`), p, p.count);
  }

  /** Attaches exemplar `only` (or all when -1) of `p` to `series` (§4.10). */
  private exemplarsOf(p: PointScratch, series: number, only: number): void {
    const from = only < 0 ? 0 : only;
    const to = only < 0 ? p.exemplarCount : only + 1;
    for (let k = from; k < to; k++) {
      const e = p.exemplars[k];
      if (e === undefined || !e.hasValue) continue;
      const pairs: Array<[string, string]> = [];
      if (e.traceId !== '') pairs.push(['trace_id', e.traceId]);
      if (e.spanId !== '') pairs.push(['span_id', e.spanId]);
      let runes = 0;
      for (const [name, value] of pairs) runes += runeCount(name) + runeCount(value);
      const extra: Array<[string, string]> = [];
      for (let i = 0; i + 1 < e.attrs.length; i += 2) {
        const name = this.labelNameOf(e.attrs[i] as string);
        if (name === null || name === 'trace_id' || name === 'span_id') continue;
        const value = e.attrs[i + 1] as string;
        runes += runeCount(name) + runeCount(value);
        extra.push([name, value]);
      }
      if (runes <= MAX_EXEMPLAR_RUNES) pairs.push(...extra);
      (this.batch as SampleBatch).exemplars.push({
        series,
        labels: Labels.from(pairs),
        t: e.timeMs === 0 ? p.timeMs : e.timeMs,
        v: e.value,
      });
    }
  }

  /** Emits `target_info` for the resource that just ended (§4.5). */
  private endResource(): void {
    const batch = this.batch;
    if (batch === null || !this.options.targetInfo || this.minT === Infinity) return;
    if (this.job === '' && this.instance === '') return;
    const keepIds = this.options.keepIdentifyingResourceAttributes;
    let informative = false;
    for (let i = 0; i < this.resourceAttrs.length; i += 2) {
      if (!IDENTIFYING.has(this.resourceAttrs[i] as string)) informative = true;
    }
    if (!informative) return;
    const set = this.labels;
    set.clear();
    this.attributeLabels(this.resourceAttrs, set, (key) => keepIds || !IDENTIFYING.has(key));
    if (this.job !== '') set.set('job', this.job);
    if (this.instance !== '') set.set('instance', this.instance);
    set.sort();
    if (!this.families.has('target_info')) {
      this.families.add('target_info');
      batch.metadata.push({
        family: 'target_info',
        type: MetricType.Gauge,
        help: 'Target metadata',
        unit: '',
      });
    }
    const series = set.write(batch, 'target_info');
    // Bounded: a request spanning days (or a bogus timestamp) must not make millions of samples.
    let n = 0;
    for (let t = this.minT; t < this.maxT && n < MAX_TARGET_INFO_STEPS; t += TARGET_INFO_STEP_MS, n++) {
      batch.addSample(series, t, 1);
    }
    batch.addSample(series, this.maxT, 1);
    this.minT = Infinity;
  }

  private reject(message: string): void {
    this.rejected++;
    if (this.errors.length < MAX_MESSAGES && !this.errors.includes(message)) this.errors.push(message);
  }

  private warn(message: string): void {
    if (this.warnings.length < MAX_MESSAGES && !this.warnings.includes(message)) this.warnings.push(message);
  }
}

function namingType(m: MetricScratch): NamingType {
  switch (m.kind) {
    case MetricKind.Sum:
      return m.monotonic ? 'monotonic' : 'nonmonotonic';
    case MetricKind.Histogram:
      return 'histogram';
    case MetricKind.ExponentialHistogram:
      return 'exphistogram';
    case MetricKind.Summary:
      return 'summary';
    default:
      return 'gauge';
  }
}

function metadataType(m: MetricScratch): MetricType {
  switch (m.kind) {
    case MetricKind.Sum:
      return m.monotonic ? MetricType.Counter : MetricType.Gauge;
    case MetricKind.Histogram:
    case MetricKind.ExponentialHistogram:
      return MetricType.Histogram;
    case MetricKind.Summary:
      return MetricType.Summary;
    default:
      return MetricType.Gauge;
  }
}

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // a low surrogate belongs to the rune before it
  }
  return n;
}
