import { ProtoWriter } from '../../codec/index.ts';
import { writeStaleBytes } from '../../model/index.ts';

const STALE = new Uint8Array(8);
writeStaleBytes(STALE, 0);

/**
 * A native histogram as a sender writes it (remote write 1.0 and 2.0 share the message). Integer
 * histograms give `positiveDeltas` (each bucket's count minus the previous one's, as on the wire);
 * float histograms give `positiveCounts` and set `float`. `sum: 'stale'` writes the stale marker.
 */
export interface HistogramMessage {
  readonly t: number;
  readonly count: number;
  readonly sum: number | 'stale';
  readonly schema: number;
  readonly zeroThreshold?: number;
  readonly zeroCount?: number;
  readonly float?: boolean;
  readonly positiveSpans?: ReadonlyArray<readonly [offset: number, length: number]>;
  readonly positiveDeltas?: readonly number[];
  readonly positiveCounts?: readonly number[];
  readonly negativeSpans?: ReadonlyArray<readonly [offset: number, length: number]>;
  readonly negativeDeltas?: readonly number[];
  readonly negativeCounts?: readonly number[];
  readonly resetHint?: number;
  readonly customValues?: readonly number[];
  /** Remote write 2.0 (rc.4) `Histogram.start_timestamp`. */
  readonly startTimestamp?: number;
}

/** Writes the fields of a `Histogram` message into `w` (inside the caller's `message`). */
export function writeHistogramMessage(w: ProtoWriter, h: HistogramMessage): void {
  if (h.float === true) w.double(2, h.count);
  else w.varint(1, h.count);
  if (h.sum === 'stale') w.fixed64Bytes(3, STALE);
  else w.double(3, h.sum);
  w.sint(4, h.schema);
  if (h.zeroThreshold !== undefined) w.double(5, h.zeroThreshold);
  if (h.float === true) w.double(7, h.zeroCount ?? 0);
  else w.varint(6, h.zeroCount ?? 0);
  for (const [offset, length] of h.negativeSpans ?? []) {
    w.message(8, (s) => s.sint(1, offset).varint(2, length));
  }
  w.packedSints(9, h.negativeDeltas ?? []);
  w.packedDoubles(10, h.negativeCounts ?? []);
  for (const [offset, length] of h.positiveSpans ?? []) {
    w.message(11, (s) => s.sint(1, offset).varint(2, length));
  }
  w.packedSints(12, h.positiveDeltas ?? []);
  w.packedDoubles(13, h.positiveCounts ?? []);
  if (h.resetHint !== undefined) w.varint(14, h.resetHint);
  w.varint(15, h.t);
  w.packedDoubles(16, h.customValues ?? []);
  if (h.startTimestamp !== undefined) w.varint(17, h.startTimestamp);
}

/** One `TimeSeries` of a remote write 2.0 request, as `encodeWriteRequestV2` writes it. */
export interface WriteV2Series {
  readonly labels: Readonly<Record<string, string>>;
  /** `[timestamp, value, start_timestamp (rc.4)?]`; `'stale'` writes the stale marker. */
  readonly samples?: ReadonlyArray<readonly [t: number, v: number | 'stale', st?: number]>;
  readonly histograms?: readonly HistogramMessage[];
  readonly exemplars?: ReadonlyArray<{
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number;
    readonly t: number;
  }>;
  /** `type` is the MetricType number (counter 1, gauge 2, histogram 3, ...). */
  readonly metadata?: { readonly type: number; readonly help?: string; readonly unit?: string };
  /** rc.3 `TimeSeries.created_timestamp` (field 6). */
  readonly createdTimestamp?: number;
}

/**
 * Encodes an `io.prometheus.write.v2.Request` (protobuf, not compressed) the way Prometheus does:
 * every string interned once in `symbols` (symbols[0] = ""), labels sorted by name, `labels_refs`
 * packed, symbols before series. For tests and benchmarks; the server only decodes.
 */
export function encodeWriteRequestV2(series: readonly WriteV2Series[]): Uint8Array {
  const symbols: string[] = [''];
  const index = new Map<string, number>([['', 0]]);
  const ref = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = symbols.length;
      symbols.push(s);
      index.set(s, i);
    }
    return i;
  };
  const refsOf = (labels: Readonly<Record<string, string>>): number[] =>
    Object.keys(labels)
      .sort()
      .flatMap((name) => [ref(name), ref(labels[name] as string)]);
  const body = new ProtoWriter();
  for (const s of series) {
    body.message(5, (ts) => {
      ts.packedVarints(1, refsOf(s.labels));
      for (const [t, v, st] of s.samples ?? []) {
        ts.message(2, (smp) => {
          if (v === 'stale') smp.fixed64Bytes(1, STALE);
          else smp.double(1, v);
          smp.varint(2, t);
          if (st !== undefined) smp.varint(3, st);
        });
      }
      for (const h of s.histograms ?? []) ts.message(3, (hw) => writeHistogramMessage(hw, h));
      for (const e of s.exemplars ?? []) {
        ts.message(4, (ew) => ew.packedVarints(1, refsOf(e.labels)).double(2, e.value).varint(3, e.t));
      }
      const m = s.metadata;
      if (m !== undefined) {
        const help = m.help === undefined || m.help === '' ? 0 : ref(m.help);
        const unit = m.unit === undefined || m.unit === '' ? 0 : ref(m.unit);
        ts.message(5, (mw) => mw.varint(1, m.type).varint(3, help).varint(4, unit));
      }
      if (s.createdTimestamp !== undefined) ts.varint(6, s.createdTimestamp);
    });
  }
  const out = new ProtoWriter();
  for (const s of symbols) out.string(4, s);
  const head = out.finish();
  const tail = body.finish();
  const all = new Uint8Array(head.length + tail.length);
  all.set(head);
  all.set(tail, head.length);
  return all;
}
