import { ProtoReader, WireType } from '../../codec/index.ts';
import { base64Text, doubleText, hexText, rawValueJson, type RawValue } from './attr-text.ts';
import {
  MetricKind,
  MetricScratch,
  PointScratch,
  type ExemplarScratch,
  type FloatList,
  type OtlpSink,
} from './point.ts';

/**
 * Decodes a binary `ExportMetricsServiceRequest` (already decompressed) and feeds it to a sink.
 * Field numbers are those of opentelemetry-proto (specs/otlp-metrics.md §1); unknown fields are
 * skipped. Malformed bytes throw BadDataError and nothing else.
 *
 * Messages are walked twice where the proto allows fields in any order but the sink needs the
 * header first (a resource before its scopes, a metric's name and temporality before its points):
 * the first pass only skips, so it costs a few comparisons per field.
 *
 * One decoder is reused for many requests (not concurrently): its scratch objects are handed to
 * the sink and are valid only during each sink call.
 */
export class OtlpProtoDecoder {
  private readonly r = new ProtoReader();
  private readonly metricScratch = new MetricScratch();
  private readonly pointScratch = new PointScratch();
  private readonly resourceAttrs: string[] = [];
  private readonly scopeAttrs: string[] = [];

  decode(body: Uint8Array, sink: OtlpSink): void {
    // message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
    eachField(this.r.reset(body), 0, body.length, 1, () => this.resourceMetrics(sink));
  }

  private resourceMetrics(sink: OtlpSink): void {
    // message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
    const r = this.r;
    r.bytes();
    const start = r.start;
    const end = r.end;
    let resourceStart = -1;
    let resourceEnd = -1;
    const outer = seek(r, start, end);
    while (r.next()) {
      if (r.field === 1) {
        r.bytes();
        resourceStart = r.start;
        resourceEnd = r.end;
      } else r.skip();
    }
    r.exit(outer);
    const attrs = this.resourceAttrs;
    attrs.length = 0;
    if (resourceStart >= 0) {
      // message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; ... }
      eachField(r, resourceStart, resourceEnd, 1, () => keyValue(r, attrs));
    }
    sink.resource(attrs);
    eachField(r, start, end, 2, () => this.scopeMetrics(sink));
  }

  private scopeMetrics(sink: OtlpSink): void {
    // message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
    const r = this.r;
    r.bytes();
    const start = r.start;
    const end = r.end;
    let scopeStart = -1;
    let scopeEnd = -1;
    let schemaUrl = '';
    let outer = seek(r, start, end);
    while (r.next()) {
      if (r.field === 1) {
        r.bytes();
        scopeStart = r.start;
        scopeEnd = r.end;
      } else if (r.field === 3) schemaUrl = r.string();
      else r.skip();
    }
    r.exit(outer);
    let name = '';
    let version = '';
    const attrs = this.scopeAttrs;
    attrs.length = 0;
    if (scopeStart >= 0) {
      // message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; ... }
      outer = seek(r, scopeStart, scopeEnd);
      while (r.next()) {
        if (r.field === 1) name = r.string();
        else if (r.field === 2) version = r.string();
        else if (r.field === 3) keyValue(r, attrs);
        else r.skip();
      }
      r.exit(outer);
    }
    sink.scope(name, version, schemaUrl, attrs);
    eachField(r, start, end, 2, () => this.metric(sink));
  }

  private metric(sink: OtlpSink): void {
    // message Metric { string name = 1; string description = 2; string unit = 3;
    //   oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9;
    //                ExponentialHistogram exponential_histogram = 10; Summary summary = 11; }
    //   repeated KeyValue metadata = 12; }
    const r = this.r;
    const m = this.metricScratch;
    m.clear();
    const outer = r.enter();
    let dataStart = -1;
    let dataEnd = -1;
    while (r.next()) {
      switch (r.field) {
        case 1:
          m.name = r.string();
          break;
        case 2:
          m.description = r.string();
          break;
        case 3:
          m.unit = r.string();
          break;
        case 5:
        case 7:
        case 9:
        case 10:
        case 11:
          m.kind = KIND_BY_FIELD[r.field] ?? MetricKind.None;
          r.bytes();
          dataStart = r.start;
          dataEnd = r.end;
          break;
        default:
          r.skip();
      }
    }
    if (m.kind === MetricKind.None) {
      r.exit(outer);
      sink.metric(m);
      return;
    }
    // Gauge/Summary { repeated points = 1; }  Sum/Histogram/ExponentialHistogram { repeated points = 1;
    //   AggregationTemporality aggregation_temporality = 2; }  Sum { bool is_monotonic = 3; }
    const hasTemporality = m.kind !== MetricKind.Gauge && m.kind !== MetricKind.Summary;
    let inner = seek(r, dataStart, dataEnd);
    while (r.next()) {
      if (r.field === 1) {
        m.pointCount++;
        r.skip();
      } else if (r.field === 2 && hasTemporality) m.temporality = r.uint32();
      else if (r.field === 3 && m.kind === MetricKind.Sum) m.monotonic = r.bool();
      else r.skip();
    }
    r.exit(inner);
    sink.metric(m);
    const p = this.pointScratch;
    inner = seek(r, dataStart, dataEnd);
    while (r.next()) {
      if (r.field !== 1) {
        r.skip();
        continue;
      }
      p.clear();
      const pointOuter = r.enter();
      switch (m.kind) {
        case MetricKind.Gauge:
        case MetricKind.Sum:
          numberPoint(r, p);
          break;
        case MetricKind.Histogram:
          histogramPoint(r, p);
          break;
        case MetricKind.ExponentialHistogram:
          exponentialPoint(r, p);
          break;
        case MetricKind.Summary:
          summaryPoint(r, p);
          break;
      }
      r.exit(pointOuter);
      sink.point(m, p);
    }
    r.exit(inner);
    r.exit(outer);
  }
}

const KIND_BY_FIELD: Readonly<Record<number, MetricKind>> = {
  5: MetricKind.Gauge,
  7: MetricKind.Sum,
  9: MetricKind.Histogram,
  10: MetricKind.ExponentialHistogram,
  11: MetricKind.Summary,
};

/** Calls `each` on every `field` of the message in `[start, end)`; skips the other fields. */
function eachField(r: ProtoReader, start: number, end: number, field: number, each: () => void): void {
  const outer = seek(r, start, end);
  while (r.next()) {
    if (r.field === field) each();
    else r.skip();
  }
  r.exit(outer);
}

/** Narrows the reader to `[start, end)`; hand the result to `r.exit`, which leaves `pos` at `end`. */
function seek(r: ProtoReader, start: number, end: number): number {
  const outer = r.limit;
  r.pos = start;
  r.limit = end;
  return outer;
}

/**
 * Where a data point kind puts the fields all kinds share: attributes, exemplars and flags move
 * between kinds; start_time_unix_nano = 2 and time_unix_nano = 3 never do, nor do count = 4 and
 * sum = 5 where a kind has them. 0 stands for "no such field" (protobuf never uses it).
 */
interface PointLayout {
  readonly attrs: number;
  readonly exemplars: number;
  readonly flags: number;
  readonly countAndSum: boolean;
}

const NUMBER_POINT: PointLayout = { attrs: 7, exemplars: 5, flags: 8, countAndSum: false };
const HISTOGRAM_POINT: PointLayout = { attrs: 9, exemplars: 8, flags: 10, countAndSum: true };
const EXPONENTIAL_POINT: PointLayout = { attrs: 1, exemplars: 11, flags: 10, countAndSum: true };
const SUMMARY_POINT: PointLayout = { attrs: 7, exemplars: 0, flags: 8, countAndSum: true };

/** Reads one of the fields every point kind shares (placed as `layout` says); skips any other. */
function pointField(r: ProtoReader, p: PointScratch, layout: PointLayout): void {
  const field = r.field;
  if (field === layout.attrs) keyValue(r, p.attrs);
  else if (field === 2) p.startMs = startMs(r);
  else if (field === 3) p.timeMs = nanosToMs(r);
  else if (field === layout.exemplars) exemplar(r, p.addExemplar());
  else if (field === layout.flags) p.flags = r.uint32();
  else if (field === 4 && layout.countAndSum) p.count = r.fixed64();
  else if (field === 5 && layout.countAndSum) {
    p.sum = r.double();
    p.hasSum = true;
  } else r.skip();
}

function numberPoint(r: ProtoReader, p: PointScratch): void {
  // message NumberDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2;
  //   fixed64 time_unix_nano = 3; oneof value { double as_double = 4; sfixed64 as_int = 6; }
  //   repeated Exemplar exemplars = 5; uint32 flags = 8; }
  while (r.next()) {
    if (r.field === 4) {
      p.value = r.double();
      p.hasValue = true;
    } else if (r.field === 6) {
      p.value = r.sfixed64();
      p.hasValue = true;
    } else pointField(r, p, NUMBER_POINT);
  }
}

function histogramPoint(r: ProtoReader, p: PointScratch): void {
  // message HistogramDataPoint { repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2;
  //   fixed64 time_unix_nano = 3; fixed64 count = 4; optional double sum = 5;
  //   repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7;
  //   repeated Exemplar exemplars = 8; uint32 flags = 10; optional double min = 11, max = 12; }
  while (r.next()) {
    if (r.field === 6) packedInto(r, p.bucketCounts, WireType.Fixed64, readFixed64);
    else if (r.field === 7) packedInto(r, p.bounds, WireType.Fixed64, readDouble);
    else pointField(r, p, HISTOGRAM_POINT);
  }
}

function exponentialPoint(r: ProtoReader, p: PointScratch): void {
  // message ExponentialHistogramDataPoint { repeated KeyValue attributes = 1; fixed64 start_time_unix_nano = 2;
  //   fixed64 time_unix_nano = 3; fixed64 count = 4; optional double sum = 5; sint32 scale = 6;
  //   fixed64 zero_count = 7; Buckets positive = 8; Buckets negative = 9; uint32 flags = 10;
  //   repeated Exemplar exemplars = 11; optional double min = 12, max = 13; double zero_threshold = 14; }
  while (r.next()) {
    switch (r.field) {
      case 6:
        p.scale = r.sint32();
        break;
      case 7:
        p.zeroCount = r.fixed64();
        break;
      case 8:
        p.positive.length = 0;
        p.positiveOffset = buckets(r, p.positive);
        break;
      case 9:
        p.negative.length = 0;
        p.negativeOffset = buckets(r, p.negative);
        break;
      case 14:
        p.zeroThreshold = r.double();
        break;
      default:
        pointField(r, p, EXPONENTIAL_POINT);
    }
  }
}

/** message Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; } Returns the offset. */
function buckets(r: ProtoReader, out: FloatList): number {
  const outer = r.enter();
  let offset = 0;
  while (r.next()) {
    if (r.field === 1) offset = r.sint32();
    else if (r.field === 2) packedInto(r, out, WireType.Varint, readUint64);
    else r.skip();
  }
  r.exit(outer);
  return offset;
}

function summaryPoint(r: ProtoReader, p: PointScratch): void {
  // message SummaryDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2;
  //   fixed64 time_unix_nano = 3; fixed64 count = 4; double sum = 5;
  //   repeated ValueAtQuantile quantile_values = 6; uint32 flags = 8; }
  while (r.next()) {
    if (r.field === 6) quantileValue(r, p);
    else pointField(r, p, SUMMARY_POINT);
  }
}

/** message ValueAtQuantile { double quantile = 1; double value = 2; } */
function quantileValue(r: ProtoReader, p: PointScratch): void {
  const outer = r.enter();
  let q = 0;
  let v = 0;
  while (r.next()) {
    if (r.field === 1) q = r.double();
    else if (r.field === 2) v = r.double();
    else r.skip();
  }
  r.exit(outer);
  p.quantiles.push(q);
  p.quantiles.push(v);
}

function exemplar(r: ProtoReader, e: ExemplarScratch): void {
  // message Exemplar { repeated KeyValue filtered_attributes = 7; fixed64 time_unix_nano = 2;
  //   oneof value { double as_double = 3; sfixed64 as_int = 6; } bytes span_id = 4; bytes trace_id = 5; }
  const outer = r.enter();
  while (r.next()) {
    switch (r.field) {
      case 7:
        keyValue(r, e.attrs);
        break;
      case 2:
        e.timeMs = nanosToMs(r);
        break;
      case 3:
        e.value = r.double();
        e.hasValue = true;
        break;
      case 6:
        e.value = r.sfixed64();
        e.hasValue = true;
        break;
      case 4:
        r.bytes();
        e.spanId = hexText(r.buf.subarray(r.start, r.end));
        break;
      case 5:
        r.bytes();
        e.traceId = hexText(r.buf.subarray(r.start, r.end));
        break;
      default:
        r.skip();
    }
  }
  r.exit(outer);
}

/** message KeyValue { string key = 1; AnyValue value = 2; } → pushes key and value text. */
function keyValue(r: ProtoReader, out: string[]): void {
  const outer = r.enter();
  let key = '';
  let value = '';
  while (r.next()) {
    if (r.field === 1) key = r.string();
    else if (r.field === 2) value = anyValueText(r);
    else r.skip();
  }
  r.exit(outer);
  out.push(key, value);
}

/**
 * message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
 *   double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6;
 *   bytes bytes_value = 7; int32 string_value_strindex = 8; } }
 * An empty AnyValue is "" (no label). For repeated oneof members the last one wins, as in protobuf.
 */
function anyValueText(r: ProtoReader): string {
  const outer = r.enter();
  let text = '';
  while (r.next()) {
    switch (r.field) {
      case 1:
        text = r.string();
        break;
      case 2:
        text = r.bool() ? 'true' : 'false';
        break;
      case 3:
        text = int64Raw(r).toString();
        break;
      case 4:
        text = doubleText(r.double());
        break;
      case 5:
      case 6:
      case 7: {
        const raw = anyValueMember(r);
        text = raw instanceof Uint8Array ? base64Text(raw) : rawValueJson(raw);
        break;
      }
      default:
        text = '';
        r.skip();
    }
  }
  r.exit(outer);
  return text;
}

/** The raw value of the AnyValue member the reader is on (inside arrays and maps). */
function anyValueMember(r: ProtoReader): RawValue {
  switch (r.field) {
    case 1:
      return r.string();
    case 2:
      return r.bool();
    case 3:
      return int64Raw(r);
    case 4:
      return r.double();
    case 5:
      return arrayValue(r);
    case 6:
      return kvlistValue(r);
    case 7:
      r.bytes();
      return r.buf.slice(r.start, r.end);
    default:
      r.skip();
      return null;
  }
}

/** message ArrayValue { repeated AnyValue values = 1; } */
function arrayValue(r: ProtoReader): RawValue[] {
  const items: RawValue[] = [];
  const outer = r.enter();
  while (r.next()) {
    if (r.field === 1) items.push(anyValueRaw(r));
    else r.skip();
  }
  r.exit(outer);
  return items;
}

/** message KeyValueList { repeated KeyValue values = 1; } */
function kvlistValue(r: ProtoReader): RawValue {
  const map = new Map<string, RawValue>();
  const outer = r.enter();
  while (r.next()) {
    if (r.field !== 1) {
      r.skip();
      continue;
    }
    const kvOuter = r.enter();
    let key = '';
    let value: RawValue = null;
    while (r.next()) {
      if (r.field === 1) key = r.string();
      else if (r.field === 2) value = anyValueRaw(r);
      else r.skip();
    }
    r.exit(kvOuter);
    map.set(key, value);
  }
  r.exit(outer);
  return { map };
}

function anyValueRaw(r: ProtoReader): RawValue {
  const outer = r.enter();
  let value: RawValue = null;
  while (r.next()) value = anyValueMember(r);
  r.exit(outer);
  return value;
}

/** An int64 varint with every bit kept (attribute integers may exceed 2^53). */
function int64Raw(r: ProtoReader): number | bigint {
  r.expect(WireType.Varint);
  const from = r.pos;
  r.skip();
  const to = r.pos;
  if (to - from <= 7) {
    let v = 0;
    for (let i = to - 1; i >= from; i--) v = v * 128 + ((r.buf[i] as number) & 0x7f);
    return v;
  }
  let v = 0n;
  for (let i = to - 1; i >= from; i--) v = (v << 7n) | BigInt((r.buf[i] as number) & 0x7f);
  return BigInt.asIntN(64, v);
}

/** A fixed64 nanosecond timestamp as whole milliseconds (truncated, exact for every value). */
function nanosToMs(r: ProtoReader): number {
  r.expect(WireType.Fixed64);
  const at = r.pos;
  r.skip(); // bounds-checked advance by eight bytes
  const b = r.buf;
  const lo =
    ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16)) +
    (b[at + 3] as number) * 0x1000000;
  const hi =
    ((b[at + 4] as number) | ((b[at + 5] as number) << 8) | ((b[at + 6] as number) << 16)) +
    (b[at + 7] as number) * 0x1000000;
  return nanosPartsToMs(lo, hi);
}

/**
 * floor((hi * 2^32 + lo) / 1e6) without BigInt: 2^32 = 4294 * 1e6 + 967296, and
 * hi * 967296 + lo < 2^53, so every step is an exact integer operation.
 */
export function nanosPartsToMs(lo: number, hi: number): number {
  const rest = hi * 967296 + lo;
  let q = Math.floor(rest / 1e6);
  if (q * 1e6 > rest) q--;
  else if ((q + 1) * 1e6 <= rest) q++;
  return hi * 4294 + q;
}

function startMs(r: ProtoReader): number {
  const ms = nanosToMs(r);
  // A zero start time means "unknown"; a start below one millisecond is as good as unknown.
  return ms === 0 ? NaN : ms;
}

function readFixed64(r: ProtoReader): number {
  return r.rawFixed64();
}

function readDouble(r: ProtoReader): number {
  return r.rawDouble();
}

function readUint64(r: ProtoReader): number {
  return r.rawUint64();
}

/** A repeated numeric field, packed or not, appended to `out`. */
function packedInto(
  r: ProtoReader,
  out: FloatList,
  elementWireType: number,
  read: (r: ProtoReader) => number,
): void {
  if (r.wireType === WireType.Len) {
    const outer = r.enter();
    while (r.pos < r.limit) out.push(read(r));
    r.exit(outer);
  } else {
    r.expect(elementWireType);
    out.push(read(r));
  }
}
