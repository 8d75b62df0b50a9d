import { WireType, decodeUtf8, type ProtoReader } from '../../codec/index.ts';
import {
  BadDataError,
  Labels,
  SampleFlag,
  isStaleBytes,
  type MetricType,
  type SampleBatch,
} from '../../model/index.ts';
import { readHistogram } from './histogram.ts';
import { labelPair } from './label-pair.ts';

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
        if (!shortLabel(r, out)) label(r, out);
        break;
      case 2:
        if (!shortSample(r, out, series)) sample(r, out, series);
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

/**
 * The fast path for a Label as every sender encodes it: `0x0a len 0x0a nameLen name 0x12 valueLen
 * value`, each length one byte (< 128) and the two fields filling the message exactly. Reads bytes
 * directly instead of going through the reader's tag and length calls (a request of 2,000 series
 * has some 20,000 labels). Returns false, with the reader unmoved, for anything else; `label`
 * then decodes it (it yields the same offsets for these bytes). Every byte read here lies inside
 * [r.pos, r.pos + 1 + len) and that range inside the current message, or the shape check fails.
 */
function shortLabel(r: ProtoReader, out: SampleBatch): boolean {
  if (r.wireType !== WireType.Len) return false;
  const buf = r.buf;
  const p = r.pos;
  const len = buf[p] as number; // undefined past the end: every comparison below is then false
  const end = p + 1 + len;
  if (!(len < 0x80) || end > r.limit || len < 4 || buf[p + 1] !== 0x0a) return false;
  const nameLen = buf[p + 2] as number;
  const nameStart = p + 3;
  const nameEnd = nameStart + nameLen;
  if (!(nameLen < 0x80) || nameEnd + 2 > end || buf[nameEnd] !== 0x12) return false;
  const valueLen = buf[nameEnd + 1] as number;
  const valueStart = nameEnd + 2;
  if (!(valueLen < 0x80) || valueStart + valueLen !== end) return false;
  out.addLabel(nameStart, nameEnd, valueStart, end);
  r.pos = end;
  return true;
}

/**
 * The fast path for a Sample as senders encode it: `0x12 len 0x09 <8 value bytes> 0x10 <timestamp
 * varint of 1..7 bytes>` filling the message exactly (any timestamp in [0, 2^49)), or the same
 * without the value field, which proto3 senders leave out when it is 0 (counters and buckets at
 * zero). Returns false, with the reader unmoved, for anything else (`sample` decodes it then, to
 * the same result).
 */
function shortSample(r: ProtoReader, out: SampleBatch, series: number): boolean {
  if (r.wireType !== WireType.Len) return false;
  const buf = r.buf;
  const p = r.pos;
  const len = buf[p] as number;
  const end = p + 1 + len;
  if (!(len < 0x80) || end > r.limit) return false;
  let at: number;
  let value = 0;
  let flags = 0;
  if (len >= 11 && len <= 17 && buf[p + 1] === 0x09 && buf[p + 10] === 0x10) {
    at = p + 11;
    value = r.doubleAt(p + 2);
    if (isStaleBytes(buf, p + 2)) flags = SampleFlag.Stale;
  } else if (len >= 2 && len <= 8 && buf[p + 1] === 0x10) {
    at = p + 2;
  } else return false;
  let t = 0;
  let scale = 1;
  for (;;) {
    const b = buf[at++] as number;
    t += (b & 0x7f) * scale;
    if (b < 0x80) break;
    if (at === end) return false; // the varint runs past the message
    scale *= 128;
  }
  if (at !== end) return false;
  out.addSample(series, t, value, flags);
  r.pos = end;
  return true;
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

function histogram(r: ProtoReader, out: SampleBatch, series: number): void {
  const d = readHistogram(r);
  // Remote write 1.0 has no partial writes for bad data: an invalid histogram fails the request.
  if (d.problem !== null) throw new BadDataError(d.problem);
  out.histograms.push({ series, t: d.t, h: d.h });
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
