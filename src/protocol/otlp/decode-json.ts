import { BadDataError } from '../../model/index.ts';
import { base64Text, doubleText, rawValueJson, type RawValue } from './attr-text.ts';
import {
  MetricKind,
  MetricScratch,
  PointScratch,
  Temporality,
  type FloatList,
  type OtlpSink,
} from './point.ts';

/**
 * Decodes an OTLP/JSON `ExportMetricsServiceRequest` (specs/otlp-metrics.md §2.3) and feeds it to a
 * sink, like OtlpProtoDecoder. Lenient where proto3 JSON parsers are: keys in lowerCamelCase or
 * snake_case, 64-bit integers as decimal strings or numbers, enums as numbers or names, doubles as
 * numbers or "NaN"/"Infinity"/"-Infinity", `null` = absent, unknown keys ignored. Trace and span ids
 * are hex. Anything else malformed throws BadDataError naming the field.
 */
export class OtlpJsonDecoder {
  private readonly metricScratch = new MetricScratch();
  private readonly pointScratch = new PointScratch();
  private readonly resourceAttrs: string[] = [];
  private readonly scopeAttrs: string[] = [];

  decode(text: string, sink: OtlpSink): void {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new BadDataError(`OTLP JSON: cannot parse the body: ${(err as Error).message}`);
    }
    const root = object(doc, 'ExportMetricsServiceRequest');
    for (const rm of list(get(root, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics')) {
      this.resourceMetrics(object(rm, 'resourceMetrics[]'), sink);
    }
  }

  private resourceMetrics(rm: Obj, sink: OtlpSink): void {
    const attrs = this.resourceAttrs;
    attrs.length = 0;
    const resource = get(rm, 'resource', 'resource');
    if (resource !== undefined) attributes(object(resource, 'resource'), 'attributes', attrs);
    sink.resource(attrs);
    for (const sm of list(get(rm, 'scopeMetrics', 'scope_metrics'), 'scopeMetrics')) {
      this.scopeMetrics(object(sm, 'scopeMetrics[]'), sink);
    }
  }

  private scopeMetrics(sm: Obj, sink: OtlpSink): void {
    const attrs = this.scopeAttrs;
    attrs.length = 0;
    let name = '';
    let version = '';
    const scope = get(sm, 'scope', 'scope');
    if (scope !== undefined) {
      const s = object(scope, 'scope');
      name = str(get(s, 'name', 'name'), 'scope.name');
      version = str(get(s, 'version', 'version'), 'scope.version');
      attributes(s, 'attributes', attrs);
    }
    sink.scope(name, version, str(get(sm, 'schemaUrl', 'schema_url'), 'schemaUrl'), attrs);
    for (const metric of list(get(sm, 'metrics', 'metrics'), 'metrics')) {
      this.metric(object(metric, 'metrics[]'), sink);
    }
  }

  private metric(json: Obj, sink: OtlpSink): void {
    const m = this.metricScratch;
    m.clear();
    m.name = str(get(json, 'name', 'name'), 'name');
    m.description = str(get(json, 'description', 'description'), 'description');
    m.unit = str(get(json, 'unit', 'unit'), 'unit');
    let data: Obj | undefined;
    for (const [camel, snake, kind] of DATA_MEMBERS) {
      const d = get(json, camel, snake);
      if (d !== undefined) {
        data = object(d, camel);
        m.kind = kind;
      }
    }
    if (data === undefined) {
      sink.metric(m);
      return;
    }
    if (m.kind !== MetricKind.Gauge && m.kind !== MetricKind.Summary) {
      m.temporality = temporality(get(data, 'aggregationTemporality', 'aggregation_temporality'));
    }
    if (m.kind === MetricKind.Sum)
      m.monotonic = bool(get(data, 'isMonotonic', 'is_monotonic'), 'isMonotonic');
    const points = list(get(data, 'dataPoints', 'data_points'), 'dataPoints');
    m.pointCount = points.length;
    sink.metric(m);
    const p = this.pointScratch;
    for (const raw of points) {
      p.clear();
      const dp = object(raw, 'dataPoints[]');
      attributes(dp, 'attributes', p.attrs);
      const start = nanosToMs(get(dp, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
      p.startMs = start === 0 ? NaN : start;
      p.timeMs = nanosToMs(get(dp, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano');
      p.flags = int(get(dp, 'flags', 'flags'), 'flags');
      switch (m.kind) {
        case MetricKind.Gauge:
        case MetricKind.Sum:
          numberValue(dp, p);
          break;
        case MetricKind.Histogram:
          histogram(dp, p);
          break;
        case MetricKind.ExponentialHistogram:
          exponential(dp, p);
          break;
        case MetricKind.Summary:
          summary(dp, p);
          break;
      }
      if (m.kind !== MetricKind.Summary) exemplars(dp, p);
      sink.point(m, p);
    }
  }
}

type Obj = Readonly<Record<string, unknown>>;

const DATA_MEMBERS: ReadonlyArray<readonly [string, string, MetricKind]> = [
  ['gauge', 'gauge', MetricKind.Gauge],
  ['sum', 'sum', MetricKind.Sum],
  ['histogram', 'histogram', MetricKind.Histogram],
  ['exponentialHistogram', 'exponential_histogram', MetricKind.ExponentialHistogram],
  ['summary', 'summary', MetricKind.Summary],
];

const TEMPORALITY_NAMES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: Temporality.Unspecified,
  AGGREGATION_TEMPORALITY_DELTA: Temporality.Delta,
  AGGREGATION_TEMPORALITY_CUMULATIVE: Temporality.Cumulative,
};

/** A present, non-null field in either spelling, else undefined. */
function get(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel] ?? o[snake];
  return v === null ? undefined : v;
}

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function fail(field: string, want: string, got: unknown): never {
  throw new BadDataError(`OTLP JSON: ${field} must be ${want}, got ${describe(got)}`);
}

function object(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'an object', v);
  return v as Obj;
}

function list(v: unknown, field: string): readonly unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(field, 'an array', v);
  return v;
}

function str(v: unknown, field: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') fail(field, 'a string', v);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') fail(field, 'true or false', v);
  return v;
}

const INTEGER = /^-?\d+$/;

/** A 32- or 64-bit integer as a JSON number or decimal string. */
function int(v: unknown, field: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && INTEGER.test(v)) return Number(v);
  return fail(field, 'an integer (number or decimal string)', v);
}

/** An attribute integer, exact even beyond 2^53. */
function intExact(v: unknown, field: string): number | bigint {
  if (typeof v === 'string' && INTEGER.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : BigInt.asIntN(64, BigInt(v));
  }
  return int(v, field);
}

/** A fixed64 nanosecond timestamp as whole ms (truncated); exact for decimal strings. */
function nanosToMs(v: unknown, field: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'string' && /^\d+$/.test(v)) return v.length > 6 ? Number(v.slice(0, -6)) : 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return Math.floor(v / 1e6);
  return fail(field, 'a non-negative integer of nanoseconds (decimal string or number)', v);
}

function double(v: unknown, field: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fail(field, 'a number', v);
}

function temporality(v: unknown): number {
  if (v === undefined) return Temporality.Unspecified;
  if (typeof v === 'string' && v in TEMPORALITY_NAMES) return TEMPORALITY_NAMES[v] as number;
  return int(v, 'aggregationTemporality');
}

function numberValue(dp: Obj, p: PointScratch): void {
  const d = get(dp, 'asDouble', 'as_double');
  const i = get(dp, 'asInt', 'as_int');
  if (d !== undefined) {
    p.value = double(d, 'asDouble');
    p.hasValue = true;
  } else if (i !== undefined) {
    p.value = int(i, 'asInt');
    p.hasValue = true;
  }
}

function histogram(dp: Obj, p: PointScratch): void {
  p.count = int(get(dp, 'count', 'count'), 'count');
  const sum = get(dp, 'sum', 'sum');
  if (sum !== undefined) {
    p.sum = double(sum, 'sum');
    p.hasSum = true;
  }
  for (const c of list(get(dp, 'bucketCounts', 'bucket_counts'), 'bucketCounts')) {
    p.bucketCounts.push(int(c, 'bucketCounts[]'));
  }
  for (const b of list(get(dp, 'explicitBounds', 'explicit_bounds'), 'explicitBounds')) {
    p.bounds.push(double(b, 'explicitBounds[]'));
  }
}

function exponential(dp: Obj, p: PointScratch): void {
  p.count = int(get(dp, 'count', 'count'), 'count');
  const sum = get(dp, 'sum', 'sum');
  if (sum !== undefined) {
    p.sum = double(sum, 'sum');
    p.hasSum = true;
  }
  p.scale = int(get(dp, 'scale', 'scale'), 'scale');
  p.zeroCount = int(get(dp, 'zeroCount', 'zero_count'), 'zeroCount');
  const zt = get(dp, 'zeroThreshold', 'zero_threshold');
  p.zeroThreshold = zt === undefined ? 0 : double(zt, 'zeroThreshold');
  p.positiveOffset = buckets(get(dp, 'positive', 'positive'), 'positive', p.positive);
  p.negativeOffset = buckets(get(dp, 'negative', 'negative'), 'negative', p.negative);
}

function buckets(v: unknown, field: string, out: FloatList): number {
  if (v === undefined) return 0;
  const b = object(v, field);
  for (const c of list(get(b, 'bucketCounts', 'bucket_counts'), `${field}.bucketCounts`)) {
    out.push(int(c, `${field}.bucketCounts[]`));
  }
  return int(get(b, 'offset', 'offset'), `${field}.offset`);
}

function summary(dp: Obj, p: PointScratch): void {
  p.count = int(get(dp, 'count', 'count'), 'count');
  const sum = get(dp, 'sum', 'sum');
  p.sum = sum === undefined ? 0 : double(sum, 'sum');
  p.hasSum = true;
  for (const raw of list(get(dp, 'quantileValues', 'quantile_values'), 'quantileValues')) {
    const qv = object(raw, 'quantileValues[]');
    const q = get(qv, 'quantile', 'quantile');
    const v = get(qv, 'value', 'value');
    p.quantiles.push(q === undefined ? 0 : double(q, 'quantile'));
    p.quantiles.push(v === undefined ? 0 : double(v, 'value'));
  }
}

function exemplars(dp: Obj, p: PointScratch): void {
  for (const raw of list(get(dp, 'exemplars', 'exemplars'), 'exemplars')) {
    const ex = object(raw, 'exemplars[]');
    const e = p.addExemplar();
    attributes(ex, 'filteredAttributes', e.attrs, 'filtered_attributes');
    e.timeMs = nanosToMs(get(ex, 'timeUnixNano', 'time_unix_nano'), 'exemplars[].timeUnixNano');
    const d = get(ex, 'asDouble', 'as_double');
    const i = get(ex, 'asInt', 'as_int');
    if (d !== undefined) {
      e.value = double(d, 'exemplars[].asDouble');
      e.hasValue = true;
    } else if (i !== undefined) {
      e.value = int(i, 'exemplars[].asInt');
      e.hasValue = true;
    }
    e.traceId = hexId(get(ex, 'traceId', 'trace_id'), 'traceId');
    e.spanId = hexId(get(ex, 'spanId', 'span_id'), 'spanId');
  }
}

function hexId(v: unknown, field: string): string {
  if (v === undefined || v === '') return '';
  if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(v)) {
    return fail(field, 'a hex string', v);
  }
  return v.toLowerCase();
}

/** Appends `[key, text]` pairs of a KeyValue list found under `camel`/`snake` to `out`. */
function attributes(o: Obj, camel: string, out: string[], snake = camel): void {
  for (const raw of list(get(o, camel, snake), camel)) {
    const kv = object(raw, `${camel}[]`);
    const key = str(get(kv, 'key', 'key'), `${camel}[].key`);
    const value = get(kv, 'value', 'value');
    out.push(key, value === undefined ? '' : anyValueText(object(value, `${camel}[].value`)));
  }
}

function anyValueText(v: Obj): string {
  const raw = anyValueRaw(v);
  if (raw === null) return '';
  switch (typeof raw) {
    case 'string':
      return raw;
    case 'boolean':
      return raw ? 'true' : 'false';
    case 'bigint':
      return raw.toString();
    case 'number':
      // Integers arrive as numbers here only from intValue; doubles keep their own formatting.
      return isIntValue(v) ? String(raw) : doubleText(raw);
  }
  return raw instanceof Uint8Array ? base64Text(raw) : rawValueJson(raw);
}

function isIntValue(v: Obj): boolean {
  return get(v, 'intValue', 'int_value') !== undefined;
}

function anyValueRaw(v: Obj): RawValue {
  let x = get(v, 'stringValue', 'string_value');
  if (x !== undefined) return str(x, 'stringValue');
  x = get(v, 'boolValue', 'bool_value');
  if (x !== undefined) return bool(x, 'boolValue');
  x = get(v, 'intValue', 'int_value');
  if (x !== undefined) return intExact(x, 'intValue');
  x = get(v, 'doubleValue', 'double_value');
  if (x !== undefined) return double(x, 'doubleValue');
  x = get(v, 'arrayValue', 'array_value');
  if (x !== undefined) {
    const values = list(get(object(x, 'arrayValue'), 'values', 'values'), 'arrayValue.values');
    return values.map((item) => anyValueRaw(object(item, 'arrayValue.values[]')));
  }
  x = get(v, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    const map = new Map<string, RawValue>();
    for (const item of list(get(object(x, 'kvlistValue'), 'values', 'values'), 'kvlistValue.values')) {
      const kv = object(item, 'kvlistValue.values[]');
      const value = get(kv, 'value', 'value');
      map.set(
        str(get(kv, 'key', 'key'), 'kvlistValue.values[].key'),
        value === undefined ? null : anyValueRaw(object(value, 'kvlistValue.values[].value')),
      );
    }
    return { map };
  }
  x = get(v, 'bytesValue', 'bytes_value');
  if (x !== undefined) return base64Bytes(str(x, 'bytesValue'));
  return null;
}

function base64Bytes(s: string): Uint8Array {
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return fail('bytesValue', 'base64', s);
  }
}
