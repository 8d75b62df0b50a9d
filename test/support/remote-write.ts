import { ProtoWriter, snappyEncode } from '../../src/codec/index.ts';
import { writeStaleBytes } from '../../src/model/index.ts';
import { writeHistogramMessage, type HistogramMessage } from '../../src/protocol/index.ts';

export type TestSeries = {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: ReadonlyArray<readonly [timestampMs: number, value: number | 'stale']>;
  /** Native histograms (remote write 1.0 `TimeSeries.histograms`). */
  readonly histograms?: readonly TestHistogram[];
};

/** A native histogram as a sender writes it (see `HistogramMessage`). */
export type TestHistogram = HistogramMessage;

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
      for (const h of s.histograms ?? []) ts.message(4, (hw) => writeHistogramMessage(hw, h));
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
