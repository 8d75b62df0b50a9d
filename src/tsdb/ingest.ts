import {
  type FloatHistogram,
  checkSeriesLabels,
  Labels,
  SampleFlag,
  STALE_NAN_HI,
  STALE_NAN_LO,
  type SampleBatch,
} from '../model/index.ts';
import type { AppendOptions, AppendResult, RejectedSample, RejectReason } from '../storage/index.ts';
import { WalState, type Head } from './head/head.ts';
import { labelHash, viewOf } from './head/symbols.ts';
import type { ExemplarStore, MetadataStore } from './meta-stores.ts';
import { RecordType } from './wal/record.ts';
import type { Wal } from './wal/wal.ts';
import { writeExemplar, writeMetadata } from './wal/encode.ts';
import { sameHistogram, writeHistogram } from './chunk/histogram.ts';

/** How many refused samples an AppendResult names. */
export const MAX_REJECT_EXAMPLES = 5;

/** Reason codes kept in `resolved` for refused series (stored as -1 - code). */
const REASONS: readonly RejectReason[] = [
  'invalid_labels',
  'series_limit',
  'metric_series_limit',
  'max_label_names_per_series',
  'label_name_too_long',
  'label_value_too_long',
  'out_of_order',
  'too_old',
  'too_far_in_future',
  'duplicate_timestamp',
];

export interface IngestTarget {
  readonly head: Head;
  readonly wal: Wal;
  readonly exemplars: ExemplarStore;
  readonly metadata: MetadataStore;
}

/**
 * Appends a batch to the head and stages its WAL records, synchronously; the caller then awaits
 * `wal.commit()` before acknowledging. Rules (the reference semantics of MemoryStorage):
 *
 * 1. t > now + maxFutureMs → `too_far_in_future`.
 * 2. t before the head's min valid time (already cut into a block) → `too_old`.
 * 3. t older than the series' newest sample by more than the out-of-order window → `out_of_order`
 *    (window 0) or `too_old`.
 * 4. a sample at an existing timestamp: same value (bits; any NaN equals any NaN, stale only equals
 *    stale) is accepted silently (and logged again), another value → `duplicate_timestamp`.
 *    Native histograms share the series' timeline (see `mixed`).
 * 5. otherwise stored: appended when newest, inserted out of order when older.
 *
 * Hot path: known series are found by hashing the label bytes of the request (no text decoded);
 * per sample the work is a few typed-array reads and one chunk append. No allocation per sample.
 */
export class Ingester {
  private resolved = new Int32Array(256);
  private readonly target: IngestTarget;

  constructor(target: IngestTarget) {
    this.target = target;
  }

  append(batch: SampleBatch, opts: AppendOptions): AppendResult {
    const { head, wal } = this.target;
    const rec = wal.rec;
    let rejected: Map<RejectReason, number> | null = null;
    const examples: RejectedSample[] = [];
    let accepted = 0;
    let acceptedHistograms = 0;
    let acceptedExemplars = 0;
    let newSeries = 0;

    const reject = (reason: RejectReason, s: number, ref: number, t: number): void => {
      rejected ??= new Map();
      rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
      if (examples.length < MAX_REJECT_EXAMPLES) {
        examples.push({
          reason,
          series: ref >= 0 ? head.labelsOf(ref).toString() : batchLabelsText(batch, s),
          t,
        });
      }
    };

    // 1. Resolve every series of the batch: ref >= 0, or -1 - reason code.
    if (this.resolved.length < batch.seriesCount) this.resolved = new Int32Array(batch.seriesCount * 2);
    const resolved = this.resolved;
    const src = batch.source;
    const dv = viewOf(src);
    const offs = batch.labels;
    rec.begin(RecordType.Series);
    let prev = -1;
    for (let s = 0; s < batch.seriesCount; s++) {
      const from = batch.labelStart(s);
      const to = batch.labelEnd[s] as number;
      // Most series follow the one they followed in the sender's previous request.
      let ref = prev >= 0 ? head.findNext(prev, dv, src, offs, from, to) : -1;
      if (ref < 0) {
        let h = 0;
        for (let l = from; l < to; l++) {
          const o = l * 4;
          const vs = offs[o + 2] as number;
          const ve = offs[o + 3] as number;
          if (vs !== ve) h = (h + labelHash(dv, src, offs[o] as number, offs[o + 1] as number, vs, ve)) >>> 0;
        }
        ref = head.findBytes(h, dv, src, offs, from, to);
        if (ref < 0) {
          const r = this.slowResolve(batch, s, opts);
          if (r.created) newSeries++;
          ref = r.ref;
        }
        if (prev >= 0 && ref >= 0) head.succ[prev] = ref;
      }
      resolved[s] = ref;
      prev = ref;
      if (ref >= 0 && head.walState[ref] === WalState.None) {
        head.writeSeriesRecord(rec, ref);
        head.walState[ref] = WalState.Pending;
        wal.pendingRefs.push(ref);
      }
    }
    rec.end();

    // 2. Float samples.
    const maxT = opts.now + opts.maxFutureMs;
    const window = opts.outOfOrderWindowMs;
    const minValid = head.minValidTime;
    const vals = batch.values;
    const vbits = new Uint32Array(vals.buffer, vals.byteOffset, vals.length * 2);
    const ts = batch.timestamps;
    const flags = batch.flags;
    const sser = batch.sampleSeries;
    const f64 = head.f64; // rows do not grow below: series were created above
    rec.begin(RecordType.Samples);
    let prevT = 0;
    for (let i = 0; i < batch.sampleCount; i++) {
      const s = sser[i] as number;
      const ref = resolved[s] as number;
      const t = ts[i] as number;
      if (ref < 0) {
        reject(REASONS[-1 - ref] as RejectReason, s, -1, t);
        continue;
      }
      let hi: number;
      let lo: number;
      if (((flags[i] as number) & SampleFlag.Stale) !== 0) {
        hi = STALE_NAN_HI;
        lo = STALE_NAN_LO;
      } else {
        hi = vbits[2 * i + 1] as number;
        lo = vbits[2 * i] as number;
        // A plain NaN that happens to carry the marker's bits is not a marker: canonicalise it.
        if (hi === STALE_NAN_HI && lo === STALE_NAN_LO) {
          hi = 0x7ff80000;
          lo = 0;
        }
      }
      if (t > maxT) {
        reject('too_far_in_future', s, ref, t);
        continue;
      }
      if (t < minValid) {
        reject('too_old', s, ref, t);
        continue;
      }
      const last = f64[ref * 8] as number;
      if (head.hists.size > 0 && head.hists.has(ref)) {
        // The series also has native histograms: one timeline, slower rules.
        const kind = hi === STALE_NAN_HI && lo === STALE_NAN_LO ? KIND_STALE : KIND_FLOAT;
        const outcome = this.mixed(ref, t, window, kind, hi, lo, null);
        if (outcome === STORE) {
          if (t > last) head.append(ref, t, hi, lo);
          else head.insertOoo(ref, t, hi, lo);
        } else if (outcome !== DUPLICATE) {
          reject(outcome, s, ref, t);
          continue;
        }
      } else if (t < last && t < last - window) {
        reject(window > 0 ? 'too_old' : 'out_of_order', s, ref, t);
        continue;
      } else if (t > last) {
        head.append(ref, t, hi, lo);
      } else {
        const exists =
          t === last
            ? ((head.foundHi = head.u32[ref * 16 + 8] as number),
              (head.foundLo = head.u32[ref * 16 + 9] as number),
              true)
            : head.findSample(ref, t);
        if (exists) {
          if (!sameValue(head.foundHi, head.foundLo, hi, lo)) {
            reject('duplicate_timestamp', s, ref, t);
            continue;
          }
          // A duplicate is logged again: the stored copy may come from an append whose WAL write
          // failed (kept in memory, never acknowledged), and this acknowledgement must not rely on
          // it. Replay ignores the repeat.
        } else head.insertOoo(ref, t, hi, lo);
      }
      accepted++;
      rec.sample(ref, t - prevT, hi, lo);
      prevT = t;
    }
    rec.end();

    // 3. Native histograms (rare: plain objects, one timeline with the series' floats).
    if (batch.histograms.length > 0) {
      rec.begin(RecordType.Histograms);
      prevT = 0;
      for (const hs of batch.histograms) {
        const ref = resolved[hs.series] as number;
        const t = hs.t;
        if (ref < 0) {
          reject(REASONS[-1 - ref] as RejectReason, hs.series, -1, t);
          continue;
        }
        if (t > maxT) {
          reject('too_far_in_future', hs.series, ref, t);
          continue;
        }
        if (t < minValid) {
          reject('too_old', hs.series, ref, t);
          continue;
        }
        const outcome = this.mixed(ref, t, window, hs.h === null ? KIND_STALE : KIND_HIST, 0, 0, hs.h);
        if (outcome === STORE) head.insertHist(ref, t, hs.h);
        else if (outcome !== DUPLICATE) {
          reject(outcome, hs.series, ref, t);
          continue;
        }
        accepted++;
        acceptedHistograms++;
        rec.uvarint(ref);
        rec.varint(t - prevT);
        writeHistogram(rec, hs.h);
        prevT = t;
      }
      rec.end();
    }

    // 4. Exemplars and metadata.
    if (batch.exemplars.length > 0) {
      rec.begin(RecordType.Exemplars);
      for (const ex of batch.exemplars) {
        const ref = resolved[ex.series] as number;
        if (ref < 0) continue;
        acceptedExemplars++;
        const labels = head.labelsOf(ref);
        if (this.target.exemplars.add(labels, { labels: ex.labels, t: ex.t, v: ex.v }))
          writeExemplar(rec, ref, ex.labels, ex.t, ex.v);
      }
      rec.end();
    }
    if (batch.metadata.length > 0) {
      rec.begin(RecordType.Metadata);
      for (const m of batch.metadata) if (this.target.metadata.put(m)) writeMetadata(rec, m);
      rec.end();
    }
    return {
      accepted,
      acceptedHistograms,
      acceptedExemplars,
      rejected: rejected ?? EMPTY_REJECTED,
      examples,
      newSeries,
    };
  }

  /**
   * The rules for a series that has native histogram samples: the out-of-order window counts from
   * its newest sample of either kind, and a sample at an existing timestamp is a duplicate only if
   * it is of the same kind (a stale marker equals a stale marker of either kind) and value.
   */
  private mixed(
    ref: number,
    t: number,
    window: number,
    kind: number,
    hi: number,
    lo: number,
    h: FloatHistogram | null,
  ): RejectReason | typeof STORE | typeof DUPLICATE {
    const head = this.target.head;
    const fl = head.f64[ref * 8 + 0] as number;
    const last = Math.max(fl, head.hists.lastT(ref));
    if (t < last && t < last - window) return window > 0 ? 'too_old' : 'out_of_order';
    let existing: number;
    if (t === fl || (t < fl && head.findSample(ref, t))) {
      const fh = t === fl ? (head.u32[ref * 16 + 8] as number) : head.foundHi;
      const flo = t === fl ? (head.u32[ref * 16 + 9] as number) : head.foundLo;
      existing = fh === STALE_NAN_HI && flo === STALE_NAN_LO ? KIND_STALE : KIND_FLOAT;
      if (existing === KIND_FLOAT && kind === KIND_FLOAT)
        return sameValue(fh, flo, hi, lo) ? DUPLICATE : 'duplicate_timestamp';
    } else if (head.hists.find(ref, t)) {
      const found = head.hists.found;
      existing = found === null ? KIND_STALE : KIND_HIST;
      if (existing === KIND_HIST && kind === KIND_HIST)
        return sameHistogram(found, h) ? DUPLICATE : 'duplicate_timestamp';
    } else return STORE;
    return existing === kind && kind === KIND_STALE ? DUPLICATE : 'duplicate_timestamp';
  }

  /** A series not found by its bytes: decode, validate, look up by labels, maybe create. */
  private slowResolve(batch: SampleBatch, s: number, opts: AppendOptions): { ref: number; created: boolean } {
    const { head } = this.target;
    let pairs: Array<[string, string]>;
    try {
      pairs = batch.seriesLabelPairs(s);
    } catch {
      return { ref: -1 - REASONS.indexOf('invalid_labels'), created: false };
    }
    if (checkSeriesLabels(pairs) !== null)
      return { ref: -1 - REASONS.indexOf('invalid_labels'), created: false };
    const labels = Labels.from(pairs);
    const known = head.findLabels(labels);
    if (known >= 0) return { ref: known, created: false };
    let reason: RejectReason | null = opts.checkNewSeries?.(labels) ?? null;
    if (reason === null && opts.maxSeries > 0 && head.live >= opts.maxSeries) reason = 'series_limit';
    if (reason === null && opts.maxSeriesPerMetric > 0) {
      const sym = head.symbols.lookup(labels.metricName());
      if (sym >= 0 && head.seriesOfMetric(sym) >= opts.maxSeriesPerMetric) reason = 'metric_series_limit';
    }
    if (reason !== null) {
      const code = REASONS.indexOf(reason);
      return { ref: -1 - (code < 0 ? 0 : code), created: false };
    }
    return { ref: head.create(labels), created: true };
  }
}

const EMPTY_REJECTED: ReadonlyMap<RejectReason, number> = new Map();
const STORE = 0;
const DUPLICATE = 1;
const KIND_FLOAT = 1;
const KIND_HIST = 2;
const KIND_STALE = 3;

function isStale(hi: number, lo: number): boolean {
  return hi === STALE_NAN_HI && lo === STALE_NAN_LO;
}

function isNaNBits(hi: number, lo: number): boolean {
  return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) !== 0 || lo !== 0);
}

/** Duplicate rule: identical bits, or both NaN; a stale marker only equals a stale marker. */
export function sameValue(ahi: number, alo: number, bhi: number, blo: number): boolean {
  if (ahi === bhi && alo === blo) return true;
  if (isStale(ahi, alo) || isStale(bhi, blo)) return false;
  return isNaNBits(ahi, alo) && isNaNBits(bhi, blo);
}

function batchLabelsText(batch: SampleBatch, s: number): string {
  try {
    return Labels.from(batch.seriesLabelPairs(s)).toString();
  } catch {
    return '<undecodable labels>';
  }
}
