import { WireType, decodeUtf8, type ProtoReader } from '../../codec/index.ts';
import {
  BadDataError,
  CUSTOM_BUCKETS_SCHEMA,
  Labels,
  SampleFlag,
  isStaleBytes,
  type BucketSpan,
  type FloatHistogram,
  type MetricType,
  type SampleBatch,
} from '../../model/index.ts';

/**
 * Decodes a Prometheus remote-write 1.0 `WriteRequest` (already decompressed) into `out`.
 * The sample loop creates no objects: numbers go straight into typed arrays and labels stay as
 * byte offsets into the request. Stale markers are recognised on the raw eight bytes, before the
 * value becomes a JS number, and travel as a flag. Metadata, exemplars and native histograms are
 * rare and decoded into small objects.
 *
 * Throws BadDataError for malformed input. Unknown fields are skipped, as protobuf requires.
 * `out` is valid until its next reset; its label offsets point into `r.buf`.
 */
export function decodeWriteRequest(r: ProtoReader, out: SampleBatch): void {
  out.reset(r.buf);
  // message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
  while (r.next()) {
    if (r.field === 1) timeSeries(r, out);
    else if (r.field === 3) metadata(r, out);
    else r.skip();
  }
}

function timeSeries(r: ProtoReader, out: SampleBatch): void {
  // message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2;
  //                      repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
  const outer = r.enter();
  const series = out.seriesCount; // the index endSeries() will give this series
  while (r.next()) {
    switch (r.field) {
      case 1:
        label(r, out);
        break;
      case 2:
        sample(r, out, series);
        break;
      case 3:
        exemplar(r, out, series);
        break;
      case 4:
        histogram(r, out, series);
        break;
      default:
        r.skip();
    }
  }
  r.exit(outer);
  out.endSeries();
}

function label(r: ProtoReader, out: SampleBatch): void {
  // message Label { string name = 1; string value = 2; }
  const outer = r.enter();
  let nameStart = 0;
  let nameEnd = 0;
  let valueStart = 0;
  let valueEnd = 0;
  while (r.next()) {
    if (r.field === 1) {
      r.bytes();
      nameStart = r.start;
      nameEnd = r.end;
    } else if (r.field === 2) {
      r.bytes();
      valueStart = r.start;
      valueEnd = r.end;
    } else {
      r.skip();
    }
  }
  r.exit(outer);
  out.addLabel(nameStart, nameEnd, valueStart, valueEnd);
}

function sample(r: ProtoReader, out: SampleBatch, series: number): void {
  // message Sample { double value = 1; int64 timestamp = 2; }
  const outer = r.enter();
  let value = 0;
  let timestamp = 0;
  let flags = 0;
  while (r.next()) {
    if (r.field === 1) {
      if (r.wireType === WireType.Fixed64 && r.pos + 8 <= r.limit && isStaleBytes(r.buf, r.pos)) {
        flags = SampleFlag.Stale;
      } else {
        flags = 0;
      }
      value = r.double();
    } else if (r.field === 2) {
      timestamp = r.int64();
    } else {
      r.skip();
    }
  }
  r.exit(outer);
  out.addSample(series, timestamp, value, flags);
}

function labelPair(r: ProtoReader): [string, string] {
  const outer = r.enter();
  let name = '';
  let value = '';
  while (r.next()) {
    if (r.field === 1) name = r.string();
    else if (r.field === 2) value = r.string();
    else r.skip();
  }
  r.exit(outer);
  return [name, value];
}

function exemplar(r: ProtoReader, out: SampleBatch, series: number): void {
  // message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
  const outer = r.enter();
  const pairs: Array<[string, string]> = [];
  let value = 0;
  let timestamp = 0;
  while (r.next()) {
    if (r.field === 1) pairs.push(labelPair(r));
    else if (r.field === 2) value = r.double();
    else if (r.field === 3) timestamp = r.int64();
    else r.skip();
  }
  r.exit(outer);
  out.exemplars.push({ series, labels: Labels.from(pairs), t: timestamp, v: value });
}

const METRIC_TYPES = 8;

function metadata(r: ProtoReader, out: SampleBatch): void {
  // message MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
  const outer = r.enter();
  let type = 0;
  let family = '';
  let help = '';
  let unit = '';
  while (r.next()) {
    if (r.field === 1) type = r.uint32();
    else if (r.field === 2) family = r.string();
    else if (r.field === 4) help = r.string();
    else if (r.field === 5) unit = r.string();
    else r.skip();
  }
  r.exit(outer);
  if (family === '') return; // nothing to key it by; Prometheus drops these too
  out.metadata.push({ family, type: (type < METRIC_TYPES ? type : 0) as MetricType, help, unit });
}

/**
 * message Histogram: count_int 1 | count_float 2, sum 3, schema 4 (sint32), zero_threshold 5,
 * zero_count_int 6 | zero_count_float 7, negative_spans 8, negative_deltas 9 (sint64),
 * negative_counts 10, positive_spans 11, positive_deltas 12, positive_counts 13, reset_hint 14,
 * timestamp 15, custom_values 16.
 */
function histogram(r: ProtoReader, out: SampleBatch, series: number): void {
  const outer = r.enter();
  let isFloat = false;
  let count = 0;
  let sum = 0;
  let stale = false;
  let schema = 0;
  let zeroThreshold = 0;
  let zeroCount = 0;
  let resetHint = 0;
  let timestamp = 0;
  const negativeSpans: BucketSpan[] = [];
  const positiveSpans: BucketSpan[] = [];
  const negativeDeltas: number[] = [];
  const positiveDeltas: number[] = [];
  const negativeCounts: number[] = [];
  const positiveCounts: number[] = [];
  const customValues: number[] = [];
  while (r.next()) {
    switch (r.field) {
      case 1:
        count = r.uint64();
        isFloat = false;
        break;
      case 2:
        count = r.double();
        isFloat = true;
        break;
      case 3:
        stale = r.wireType === WireType.Fixed64 && r.pos + 8 <= r.limit && isStaleBytes(r.buf, r.pos);
        sum = r.double();
        break;
      case 4:
        schema = r.sint32();
        break;
      case 5:
        zeroThreshold = r.double();
        break;
      case 6:
        zeroCount = r.uint64();
        break;
      case 7:
        zeroCount = r.double();
        break;
      case 8:
        negativeSpans.push(span(r));
        break;
      case 9:
        r.packed(() => negativeDeltas.push(r.rawSint64()), WireType.Varint);
        break;
      case 10:
        r.packed(() => negativeCounts.push(r.rawDouble()), WireType.Fixed64);
        break;
      case 11:
        positiveSpans.push(span(r));
        break;
      case 12:
        r.packed(() => positiveDeltas.push(r.rawSint64()), WireType.Varint);
        break;
      case 13:
        r.packed(() => positiveCounts.push(r.rawDouble()), WireType.Fixed64);
        break;
      case 14:
        resetHint = r.uint32();
        break;
      case 15:
        timestamp = r.int64();
        break;
      case 16:
        r.packed(() => customValues.push(r.rawDouble()), WireType.Fixed64);
        break;
      default:
        r.skip();
    }
  }
  r.exit(outer);
  if (stale) {
    out.histograms.push({ series, t: timestamp, h: null });
    return;
  }
  const h: FloatHistogram = {
    counterResetHint: (resetHint <= 3 ? resetHint : 0) as FloatHistogram['counterResetHint'],
    schema,
    zeroThreshold,
    zeroCount,
    count,
    sum,
    positiveSpans,
    positiveBuckets: isFloat ? positiveCounts : cumulate(positiveDeltas),
    negativeSpans,
    negativeBuckets: isFloat ? negativeCounts : cumulate(negativeDeltas),
    customValues,
  };
  validateHistogram(h);
  out.histograms.push({ series, t: timestamp, h });
}

function span(r: ProtoReader): BucketSpan {
  // message BucketSpan { sint32 offset = 1; uint32 length = 2; }
  const outer = r.enter();
  let offset = 0;
  let length = 0;
  while (r.next()) {
    if (r.field === 1) offset = r.sint32();
    else if (r.field === 2) length = r.uint32();
    else r.skip();
  }
  r.exit(outer);
  return { offset, length };
}

/** Integer histograms carry deltas: bucket i = sum of deltas[0..i]. */
function cumulate(deltas: number[]): number[] {
  let acc = 0;
  for (let i = 0; i < deltas.length; i++) {
    acc += deltas[i] as number;
    if (acc < 0) throw new BadDataError('native histogram: negative bucket count');
    deltas[i] = acc;
  }
  return deltas;
}

function validateHistogram(h: FloatHistogram): void {
  const spanTotal = (spans: BucketSpan[]): number => spans.reduce((n, s) => n + s.length, 0);
  if (spanTotal(h.positiveSpans) !== h.positiveBuckets.length) {
    throw new BadDataError('native histogram: positive spans and bucket counts disagree');
  }
  if (spanTotal(h.negativeSpans) !== h.negativeBuckets.length) {
    throw new BadDataError('native histogram: negative spans and bucket counts disagree');
  }
  const exponential = h.schema >= -4 && h.schema <= 8;
  if (!exponential && h.schema !== CUSTOM_BUCKETS_SCHEMA && !(h.schema > 8 && h.schema <= 52)) {
    throw new BadDataError(`native histogram: unsupported schema ${h.schema}`);
  }
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    for (let i = 1; i < h.customValues.length; i++) {
      if (!((h.customValues[i] as number) > (h.customValues[i - 1] as number))) {
        throw new BadDataError('native histogram: custom bucket bounds must increase');
      }
    }
  }
}

/** For error messages: the labels of series `s` as Prometheus text. Allocates. */
export function seriesText(batch: SampleBatch, s: number): string {
  const pairs: Array<[string, string]> = [];
  const end = batch.labelEnd[s] ?? 0;
  const src = batch.source;
  for (let l = batch.labelStart(s); l < end; l++) {
    const o = l * 4;
    const at = (k: number): number => batch.labels[o + k] ?? 0;
    pairs.push([decodeUtf8(src, at(0), at(1)), decodeUtf8(src, at(2), at(3))]);
  }
  return Labels.from(pairs).toString();
}
