/**
 * What the two OTLP decoders (protobuf, JSON) hand to the translator. A decoder walks one request
 * and calls an `OtlpSink` in document order: `resource`, then for each of its scopes `scope`, then
 * for each metric `metric` followed by one `point` call per data point. The scratch objects are
 * owned by the decoder and reused: they are valid only during the call that receives them.
 *
 * Attribute lists are flat `[key0, value0, key1, value1, …]` arrays whose values are already the
 * Prometheus label text of the OTel value (`attributeText`), because that is all translation needs.
 */

/** Which `data` member a Metric has (0 = none: unsupported, dropped). */
export const MetricKind = {
  None: 0,
  Gauge: 1,
  Sum: 2,
  Histogram: 3,
  ExponentialHistogram: 4,
  Summary: 5,
} as const;
export type MetricKind = (typeof MetricKind)[keyof typeof MetricKind];

/** OTLP AggregationTemporality. */
export const Temporality = { Unspecified: 0, Delta: 1, Cumulative: 2 } as const;

/** DataPointFlags bit 0: the point carries no value (Prometheus: a stale marker). */
export const FLAG_NO_RECORDED_VALUE = 1;

export class MetricScratch {
  name = '';
  description = '';
  unit = '';
  kind: MetricKind = MetricKind.None;
  temporality = 0;
  monotonic = false;
  /** Number of data points the metric carries (known before its first `point` call). */
  pointCount = 0;

  clear(): void {
    this.name = '';
    this.description = '';
    this.unit = '';
    this.kind = MetricKind.None;
    this.temporality = 0;
    this.monotonic = false;
    this.pointCount = 0;
  }
}

export class ExemplarScratch {
  readonly attrs: string[] = [];
  /** ms; 0 when the exemplar has no timestamp. */
  timeMs = 0;
  value = 0;
  hasValue = false;
  /** Lower-case hex, "" when absent. */
  traceId = '';
  spanId = '';

  clear(): void {
    this.attrs.length = 0;
    this.timeMs = 0;
    this.value = 0;
    this.hasValue = false;
    this.traceId = '';
    this.spanId = '';
  }
}

/** A growable float column with a length: the scratch point's repeated numeric fields. */
export class FloatList {
  data = new Float64Array(16);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  at(i: number): number {
    return this.data[i] ?? 0;
  }
}

/** One data point of any kind; fields that do not apply to the metric's kind are ignored. */
export class PointScratch {
  readonly attrs: string[] = [];
  /** ms since the epoch; NaN when `start_time_unix_nano` is 0 (unknown). */
  startMs = NaN;
  /** ms since the epoch; 0 when `time_unix_nano` is 0 (missing). */
  timeMs = 0;
  flags = 0;
  // Number point.
  value = 0;
  hasValue = false;
  // Histogram, exponential histogram, summary.
  count = 0;
  sum = 0;
  hasSum = false;
  readonly bucketCounts = new FloatList();
  readonly bounds = new FloatList();
  scale = 0;
  zeroCount = 0;
  zeroThreshold = 0;
  positiveOffset = 0;
  readonly positive = new FloatList();
  negativeOffset = 0;
  readonly negative = new FloatList();
  /** Summary quantiles and their values, in pairs. */
  readonly quantiles = new FloatList();
  /** `exemplars[0 .. exemplarCount)` are this point's; the rest is a pool for reuse. */
  readonly exemplars: ExemplarScratch[] = [];
  exemplarCount = 0;

  clear(): void {
    this.attrs.length = 0;
    this.startMs = NaN;
    this.timeMs = 0;
    this.flags = 0;
    this.value = 0;
    this.hasValue = false;
    this.count = 0;
    this.sum = 0;
    this.hasSum = false;
    this.bucketCounts.length = 0;
    this.bounds.length = 0;
    this.scale = 0;
    this.zeroCount = 0;
    this.zeroThreshold = 0;
    this.positiveOffset = 0;
    this.positive.length = 0;
    this.negativeOffset = 0;
    this.negative.length = 0;
    this.quantiles.length = 0;
    this.exemplarCount = 0;
  }

  /** A cleared exemplar slot, appended to this point's exemplars. */
  addExemplar(): ExemplarScratch {
    let e = this.exemplars[this.exemplarCount];
    if (e === undefined) {
      e = new ExemplarScratch();
      this.exemplars.push(e);
    } else {
      e.clear();
    }
    this.exemplarCount++;
    return e;
  }
}

export interface OtlpSink {
  resource(attrs: readonly string[]): void;
  scope(name: string, version: string, schemaUrl: string, attrs: readonly string[]): void;
  metric(m: MetricScratch): void;
  point(m: MetricScratch, p: PointScratch): void;
}
