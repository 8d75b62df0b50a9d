import { WireType, type ProtoReader } from '../../codec/index.ts';
import {
  CUSTOM_BUCKETS_SCHEMA,
  isStaleBytes,
  type BucketSpan,
  type FloatHistogram,
} from '../../model/index.ts';

/** One decoded `Histogram` message. `h` is null for a stale marker; `problem` names what is invalid. */
export interface DecodedHistogram {
  readonly t: number;
  /** `start_timestamp` (remote write 2.0 rc.4, field 17) in ms; 0 = unset. */
  readonly startTimestamp: number;
  readonly h: FloatHistogram | null;
  /** Why the histogram cannot be stored (bad spans, schema, negative counts), or null. */
  readonly problem: string | null;
}

/**
 * Reads a native histogram message, the same in remote write 1.0 and 2.0 (specs/remote-write.md
 * §3, §4): count_int 1 | count_float 2, sum 3, schema 4 (sint32), zero_threshold 5,
 * zero_count_int 6 | zero_count_float 7, negative_spans 8, negative_deltas 9 (sint64),
 * negative_counts 10, positive_spans 11, positive_deltas 12, positive_counts 13, reset_hint 14,
 * timestamp 15, custom_values 16, start_timestamp 17 (2.0 only; 1.0 never sends it).
 *
 * Wire errors (truncation, wrong wire types) throw BadDataError; a well-formed histogram that
 * cannot be stored comes back with `problem` set, so the caller decides whether that fails the
 * request (1.0) or only this histogram (2.0). Allocates (histograms are rare).
 */
export function readHistogram(r: ProtoReader): DecodedHistogram {
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
  let startTimestamp = 0;
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
      case 17:
        startTimestamp = r.int64();
        break;
      default:
        r.skip();
    }
  }
  r.exit(outer);
  if (stale) return { t: timestamp, startTimestamp, h: null, problem: null };
  const positiveBuckets = isFloat ? positiveCounts : cumulate(positiveDeltas);
  const negativeBuckets = isFloat ? negativeCounts : cumulate(negativeDeltas);
  if (positiveBuckets === null || negativeBuckets === null) {
    return { t: timestamp, startTimestamp, h: null, problem: 'native histogram: negative bucket count' };
  }
  const h: FloatHistogram = {
    counterResetHint: (resetHint <= 3 ? resetHint : 0) as FloatHistogram['counterResetHint'],
    schema,
    zeroThreshold,
    zeroCount,
    count,
    sum,
    positiveSpans,
    positiveBuckets,
    negativeSpans,
    negativeBuckets,
    customValues,
  };
  return { t: timestamp, startTimestamp, h, problem: histogramProblem(h) };
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

/** Integer histograms carry deltas: bucket i = sum of deltas[0..i]. null when a count goes negative. */
function cumulate(deltas: number[]): number[] | null {
  let acc = 0;
  for (let i = 0; i < deltas.length; i++) {
    acc += deltas[i] as number;
    if (acc < 0) return null;
    deltas[i] = acc;
  }
  return deltas;
}

/** Why a decoded histogram cannot be stored, or null. */
function histogramProblem(h: FloatHistogram): string | null {
  const spanTotal = (spans: BucketSpan[]): number => spans.reduce((n, s) => n + s.length, 0);
  if (spanTotal(h.positiveSpans) !== h.positiveBuckets.length) {
    return 'native histogram: positive spans and bucket counts disagree';
  }
  if (spanTotal(h.negativeSpans) !== h.negativeBuckets.length) {
    return 'native histogram: negative spans and bucket counts disagree';
  }
  const exponential = h.schema >= -4 && h.schema <= 8;
  if (!exponential && h.schema !== CUSTOM_BUCKETS_SCHEMA && !(h.schema > 8 && h.schema <= 52)) {
    return `native histogram: unsupported schema ${h.schema}`;
  }
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    for (let i = 1; i < h.customValues.length; i++) {
      if (!((h.customValues[i] as number) > (h.customValues[i - 1] as number))) {
        return 'native histogram: custom bucket bounds must increase';
      }
    }
  }
  return null;
}
