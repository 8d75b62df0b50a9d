import { WireType, type ProtoReader } from '../../codec/index.ts';
import {
  BadDataError,
  Labels,
  MetricType,
  SampleFlag,
  isStaleBytes,
  type SampleBatch,
} from '../../model/index.ts';
import { readHistogram } from './histogram.ts';
import { grow, RefList, SymbolTable } from './symbols.ts';

/** How many distinct problems a decode keeps for the error message (the counts are complete). */
const MAX_PROBLEMS = 8;
const METRIC_TYPES = 8;

/**
 * Decodes a Prometheus remote-write 2.0 `io.prometheus.write.v2.Request` (already decompressed)
 * into a SampleBatch, the same one remote write 1.0 fills (specs/remote-write.md §4).
 *
 * Labels stay byte offsets into the request: `symbols` is scanned once per request (its strings'
 * offsets kept in typed arrays), and each `labels_refs` pair becomes the offsets of two symbols, so
 * storage still finds known series by hashing bytes and decodes text only for new ones. The sample
 * loop allocates nothing; histograms, exemplars and metadata are rare and become small objects.
 * Stale markers are recognised on the raw eight bytes. Both wire revisions are read: rc.3's
 * per-series `created_timestamp` (field 6) and rc.4's per-sample `start_timestamp` (Sample field 3,
 * Histogram field 17); a per-sample one wins. Start timestamps of 0 mean unset (NaN in the batch).
 *
 * Partial writes: a series that is invalid — odd `labels_refs`, a reference past the symbol table,
 * neither samples nor histograms, or both — is left out of the batch with everything it carried,
 * and counted (`invalidSeries`, `droppedSamples`, ...) with a message in `problems`; so is an
 * invalid histogram or exemplar, alone. Everything else is decoded, so the caller can store the
 * rest and answer 400 naming the problems. Malformed protobuf (truncation, wrong wire types)
 * throws BadDataError for the whole request. Unknown fields are skipped.
 *
 * Metadata (type, help, unit per series) is keyed by metric family: the series' `__name__`, less a
 * `_bucket`/`_count`/`_sum` suffix for histograms and summaries; one entry per name per request.
 *
 * Reuse: one decoder serves many requests, one at a time; `out` and the counters are valid until
 * the next `decode`, and `out`'s label offsets point into `r.buf`.
 */
export class WriteV2Decoder {
  /** Series left out as invalid by the last decode. */
  invalidSeries = 0;
  /** Samples, histograms and exemplars not in the batch because they or their series were invalid. */
  droppedSamples = 0;
  droppedHistograms = 0;
  droppedExemplars = 0;
  /** Distinct problems of the last decode, at most MAX_PROBLEMS; `problemCount` counts them all. */
  readonly problems: string[] = [];
  problemCount = 0;

  private readonly symbols = new SymbolTable();
  private readonly refs = new RefList();
  private readonly exemplarRefs = new RefList();
  /** `metaStamp[nameValueRef] === generation`: metadata of that name is already in the batch. */
  private metaStamp = new Uint32Array(256);
  private generation = 0;
  private seriesIndex = 0;

  decode(r: ProtoReader, out: SampleBatch): void {
    out.reset(r.buf);
    this.invalidSeries = 0;
    this.droppedSamples = 0;
    this.droppedHistograms = 0;
    this.droppedExemplars = 0;
    this.problems.length = 0;
    this.problemCount = 0;
    this.seriesIndex = 0;
    this.symbols.clear();
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.metaStamp.fill(0);
      this.generation = 1;
    }
    const from = r.pos;
    const limit = r.limit;
    // message Request { reserved 1 to 3; repeated string symbols = 4; repeated TimeSeries timeseries = 5; }
    // Pass 1: the symbol table, which the wire may place anywhere.
    while (r.next()) {
      if (r.field === 4) {
        r.bytes();
        this.symbols.add(r.buf, r.start, r.end);
      } else {
        r.skip();
      }
    }
    // Pass 2: the series.
    r.pos = from;
    r.limit = limit;
    while (r.next()) {
      if (r.field === 5) this.timeSeries(r, out);
      else r.skip();
    }
  }

  /** The message for a 400 answer: what was left out and why. Empty when nothing was. */
  describeProblems(): string {
    if (this.problemCount === 0) return '';
    const more = this.problemCount - this.problems.length;
    return (
      `remote write 2.0: ${this.invalidSeries} invalid series and ${this.droppedSamples} samples, ` +
      `${this.droppedHistograms} histograms and ${this.droppedExemplars} exemplars were not written: ` +
      this.problems.join('; ') +
      (more > 0 ? `; and ${more} more` : '')
    );
  }

  private timeSeries(r: ProtoReader, out: SampleBatch): void {
    // message TimeSeries { repeated uint32 labels_refs = 1; repeated Sample samples = 2;
    //   repeated Histogram histograms = 3; repeated Exemplar exemplars = 4; Metadata metadata = 5;
    //   int64 created_timestamp = 6 (rc.3; reserved in rc.4); }
    const index = this.seriesIndex++;
    const outer = r.enter();
    const series = out.seriesCount; // the index endSeries() will give this series
    const sampleStart = out.sampleCount;
    const histogramStart = out.histograms.length;
    const exemplarStart = out.exemplars.length;
    this.refs.n = 0;
    let createdTimestamp = 0;
    let hasMetadata = false;
    let metricType = 0;
    let helpRef = 0;
    let unitRef = 0;
    let badHistograms = 0;
    let badExemplars = 0;
    let itemProblem: string | null = null;
    while (r.next()) {
      switch (r.field) {
        case 1:
          this.refs.read(r);
          break;
        case 2:
          this.sample(r, out, series);
          break;
        case 3: {
          const d = readHistogram(r);
          if (d.problem !== null) {
            badHistograms++;
            itemProblem ??= d.problem;
          } else {
            const st = d.startTimestamp === 0 ? NaN : d.startTimestamp;
            out.histograms.push({ series, t: d.t, h: d.h, startTimestamp: st });
          }
          break;
        }
        case 4: {
          const problem = this.exemplar(r, out, series);
          if (problem !== null) {
            badExemplars++;
            itemProblem ??= problem;
          }
          break;
        }
        case 5: {
          // message Metadata { MetricType type = 1; uint32 help_ref = 3; uint32 unit_ref = 4; }
          // A repeated singular message merges, field by field.
          hasMetadata = true;
          const m = r.enter();
          while (r.next()) {
            const field = r.field as number; // not the outer switch's 5 any more
            if (field === 1) metricType = r.uint32();
            else if (field === 3) helpRef = r.uint32();
            else if (field === 4) unitRef = r.uint32();
            else r.skip();
          }
          r.exit(m);
          break;
        }
        case 6:
          createdTimestamp = r.int64();
          break;
        default:
          r.skip();
      }
    }
    r.exit(outer);

    const samples = out.sampleCount - sampleStart;
    const histograms = out.histograms.length - histogramStart;
    const problem = this.seriesProblem(samples, histograms + badHistograms, helpRef, unitRef, hasMetadata);
    if (problem !== null || (samples === 0 && histograms === 0)) {
      // Left out whole: roll the batch back to where this series began.
      this.invalidSeries++;
      this.droppedSamples += samples;
      this.droppedHistograms += histograms + badHistograms;
      this.droppedExemplars += out.exemplars.length - exemplarStart + badExemplars;
      out.sampleCount = sampleStart;
      out.histograms.length = histogramStart;
      out.exemplars.length = exemplarStart;
      this.problem(`${this.describeSeries(r.buf, index)}: ${problem ?? itemProblem ?? 'invalid'}`);
      return;
    }

    let nameRef = -1;
    const symbols = this.symbols;
    const refs = this.refs.a;
    for (let k = 0; k < this.refs.n; k += 2) {
      const n = refs[k] as number;
      const v = refs[k + 1] as number;
      if (symbols.isMetricName[n] === 1) nameRef = v;
      out.addLabel(
        symbols.start[n] as number,
        symbols.end[n] as number,
        symbols.start[v] as number,
        symbols.end[v] as number,
      );
    }
    out.endSeries();

    if (badHistograms > 0 || badExemplars > 0) {
      this.droppedHistograms += badHistograms;
      this.droppedExemplars += badExemplars;
      this.problem(`${this.describeSeries(r.buf, index)}: ${itemProblem ?? 'invalid'}`);
    }
    if (createdTimestamp !== 0) {
      const st = out.startTimestamps;
      for (let i = sampleStart; i < out.sampleCount; i++) {
        if (Number.isNaN(st[i] as number)) st[i] = createdTimestamp;
      }
      for (let i = histogramStart; i < out.histograms.length; i++) {
        const h = out.histograms[i] as { startTimestamp?: number };
        if (Number.isNaN(h.startTimestamp)) h.startTimestamp = createdTimestamp;
      }
    }
    if (hasMetadata && (metricType !== 0 || helpRef !== 0 || unitRef !== 0) && nameRef >= 0) {
      this.metadata(r.buf, out, nameRef, metricType, helpRef, unitRef);
    }
  }

  /** Why a series (not its items) is invalid, or null. Refs were read but not yet checked. */
  private seriesProblem(
    samples: number,
    histograms: number,
    helpRef: number,
    unitRef: number,
    hasMetadata: boolean,
  ): string | null {
    const n = this.refs.n;
    if (n % 2 !== 0) return `labels_refs has an odd number of entries (${n}); it holds name/value pairs`;
    const refs = this.refs.a;
    for (let k = 0; k < n; k++) {
      const ref = refs[k] as number;
      if (ref >= this.symbols.count) return this.badRef('labels_refs', ref);
    }
    if (hasMetadata && helpRef >= this.symbols.count) return this.badRef('metadata.help_ref', helpRef);
    if (hasMetadata && unitRef >= this.symbols.count) return this.badRef('metadata.unit_ref', unitRef);
    if (samples > 0 && histograms > 0) {
      return 'a TimeSeries carries samples or histograms, not both; send them as two series entries';
    }
    if (samples === 0 && histograms === 0) {
      return 'a TimeSeries must contain at least one sample or histogram';
    }
    return null;
  }

  private badRef(field: string, ref: number): string {
    return `${field} refers to symbol ${ref}, but the request has ${this.symbols.count} symbols`;
  }

  private sample(r: ProtoReader, out: SampleBatch, series: number): void {
    // message Sample { double value = 1; int64 timestamp = 2; int64 start_timestamp = 3 (rc.4); }
    const outer = r.enter();
    let value = 0;
    let timestamp = 0;
    let start = 0;
    let flags = 0;
    while (r.next()) {
      if (r.field === 1) {
        flags =
          r.wireType === WireType.Fixed64 && r.pos + 8 <= r.limit && isStaleBytes(r.buf, r.pos)
            ? SampleFlag.Stale
            : 0;
        value = r.double();
      } else if (r.field === 2) {
        timestamp = r.int64();
      } else if (r.field === 3) {
        start = r.int64();
      } else {
        r.skip();
      }
    }
    r.exit(outer);
    out.addSample(series, timestamp, value, flags, start === 0 ? NaN : start);
  }

  /** Decodes one exemplar into `out`; returns why it was dropped instead, or null. */
  private exemplar(r: ProtoReader, out: SampleBatch, series: number): string | null {
    // message Exemplar { repeated uint32 labels_refs = 1; double value = 2; int64 timestamp = 3; }
    const outer = r.enter();
    const refs = this.exemplarRefs;
    refs.n = 0;
    let value = 0;
    let timestamp = 0;
    while (r.next()) {
      if (r.field === 1) refs.read(r);
      else if (r.field === 2) value = r.double();
      else if (r.field === 3) timestamp = r.int64();
      else r.skip();
    }
    r.exit(outer);
    if (refs.n % 2 !== 0) return `exemplar labels_refs has an odd number of entries (${refs.n})`;
    const pairs: Array<[string, string]> = [];
    for (let k = 0; k < refs.n; k += 2) {
      const n = refs.a[k] as number;
      const v = refs.a[k + 1] as number;
      if (n >= this.symbols.count) return this.badRef('exemplar labels_refs', n);
      if (v >= this.symbols.count) return this.badRef('exemplar labels_refs', v);
      try {
        pairs.push([this.symbols.text(r.buf, n), this.symbols.text(r.buf, v)]);
      } catch {
        return 'exemplar label is not valid UTF-8';
      }
    }
    out.exemplars.push({ series, labels: Labels.from(pairs), t: timestamp, v: value });
    return null;
  }

  private metadata(
    buf: Uint8Array,
    out: SampleBatch,
    nameRef: number,
    type: number,
    helpRef: number,
    unitRef: number,
  ): void {
    while (this.metaStamp.length <= nameRef) this.metaStamp = grow(this.metaStamp);
    if (this.metaStamp[nameRef] === this.generation) return;
    this.metaStamp[nameRef] = this.generation;
    const symbols = this.symbols;
    try {
      const name = symbols.text(buf, nameRef);
      if (name === '') return;
      const metricType = (type < METRIC_TYPES ? type : 0) as MetricType;
      out.metadata.push({
        family: familyName(name, metricType),
        type: metricType,
        // Reference 0 means "absent", whatever symbols[0] holds.
        help: helpRef === 0 ? '' : symbols.text(buf, helpRef),
        unit: unitRef === 0 ? '' : symbols.text(buf, unitRef),
      });
    } catch (err) {
      if (!(err instanceof BadDataError)) throw err;
      // Invalid UTF-8 in help or unit: the metadata is dropped; the series' labels are checked by storage.
    }
  }

  /** The series for messages: its labels when they can be read, else its position. Allocates. */
  private describeSeries(buf: Uint8Array, index: number): string {
    const n = this.refs.n;
    if (n % 2 !== 0 || n === 0) return `timeseries[${index}]`;
    const pairs: Array<[string, string]> = [];
    try {
      for (let k = 0; k < n; k += 2) {
        const name = this.refs.a[k] as number;
        const value = this.refs.a[k + 1] as number;
        if (name >= this.symbols.count || value >= this.symbols.count) return `timeseries[${index}]`;
        pairs.push([this.symbols.text(buf, name), this.symbols.text(buf, value)]);
      }
      return `series ${Labels.from(pairs).toString()}`;
    } catch {
      return `timeseries[${index}]`;
    }
  }

  private problem(message: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(message);
  }
}

/** The metric family of a series name: classic histogram and summary series share their family's. */
export function familyName(name: string, type: MetricType): string {
  const suffixes =
    type === MetricType.Histogram
      ? HISTOGRAM_SUFFIXES
      : type === MetricType.GaugeHistogram
        ? GAUGE_HISTOGRAM_SUFFIXES
        : type === MetricType.Summary
          ? SUMMARY_SUFFIXES
          : null;
  if (suffixes === null) return name;
  for (const suffix of suffixes) {
    if (name.length > suffix.length && name.endsWith(suffix)) return name.slice(0, -suffix.length);
  }
  return name;
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_count', '_sum'];
const GAUGE_HISTOGRAM_SUFFIXES = ['_bucket', '_gcount', '_gsum'];
const SUMMARY_SUFFIXES = ['_count', '_sum'];
