import { ProtoWriter, snappyEncode } from '../../src/codec/index.ts';
import { writeStaleBytes } from '../../src/model/index.ts';

export type TestSeries = {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: ReadonlyArray<readonly [timestampMs: number, value: number | 'stale']>;
  /** Native histograms (remote write 1.0 `TimeSeries.histograms`). */
  readonly histograms?: readonly TestHistogram[];
};

/**
 * A native histogram as a sender writes it. Integer histograms give `positiveDeltas` (each bucket's
 * count minus the previous one's, as on the wire); float histograms give `positiveCounts` and set
 * `float`. `stale` writes the stale marker into `sum` (the rest is then ignored by receivers).
 */
export interface TestHistogram {
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

/** Writes the fields of a `Histogram` message (the same numbers in remote write 1.0 and 2.0). */
export function writeHistogram(w: ProtoWriter, h: TestHistogram): void {
  if (h.float === true) w.double(2, h.count);
  else w.varint(1, h.count);
  if (h.sum === 'stale') w.fixed64Bytes(3, STALE);
  else w.double(3, h.sum);
  w.sint(4, h.schema);
  if (h.zeroThreshold !== undefined) w.double(5, h.zeroThreshold);
  if (h.float === true) w.double(7, h.zeroCount ?? 0);
  else w.varint(6, h.zeroCount ?? 0);
  for (const [offset, length] of h.negativeSpans ?? [])
    w.message(8, (s) => s.sint(1, offset).varint(2, length));
  w.packedSints(9, h.negativeDeltas ?? []);
  w.packedDoubles(10, h.negativeCounts ?? []);
  for (const [offset, length] of h.positiveSpans ?? [])
    w.message(11, (s) => s.sint(1, offset).varint(2, length));
  w.packedSints(12, h.positiveDeltas ?? []);
  w.packedDoubles(13, h.positiveCounts ?? []);
  if (h.resetHint !== undefined) w.varint(14, h.resetHint);
  w.varint(15, h.t);
  w.packedDoubles(16, h.customValues ?? []);
  if (h.startTimestamp !== undefined) w.varint(17, h.startTimestamp);
}

const STALE = new Uint8Array(8);
writeStaleBytes(STALE, 0);

/** Encodes a remote-write 1.0 WriteRequest (protobuf, not compressed). Labels are sent sorted. */
export function encodeWriteRequest(series: readonly TestSeries[]): Uint8Array {
  const w = new ProtoWriter();
  for (const s of series) {
    w.message(1, (ts) => {
      for (const name of Object.keys(s.labels).sort()) {
        ts.message(1, (l) => l.string(1, name).string(2, s.labels[name] as string));
      }
      for (const [t, v] of s.samples) {
        ts.message(2, (smp) => {
          if (v === 'stale') smp.fixed64Bytes(1, STALE);
          else smp.double(1, v);
          smp.varint(2, t);
        });
      }
      for (const h of s.histograms ?? []) ts.message(4, (hw) => writeHistogram(hw, h));
    });
  }
  return w.finish();
}

export interface PushOptions {
  readonly tenant?: string;
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends series to `POST /api/v1/push` as a real sender would (snappy, protobuf, RW 1.0 headers). */
export async function push(
  baseUrl: string,
  series: readonly TestSeries[],
  options: PushOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'snappy',
    'x-prometheus-remote-write-version': '0.1.0',
    ...options.headers,
  };
  if (options.tenant !== undefined) headers['x-scope-orgid'] = options.tenant;
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  return fetch(`${baseUrl}/api/v1/push`, {
    method: 'POST',
    headers,
    body: Buffer.from(snappyEncode(encodeWriteRequest(series))),
  });
}
