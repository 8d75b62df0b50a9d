import { ProtoReader, SnappyDecoder, snappyEncode } from '../../codec/index.ts';
import { BadDataError, ExecutionError } from '../../model/index.ts';
import {
  ChunkedSeriesFramer,
  ReadResponseEncoder,
  ReadResponseType,
  SAMPLES_CONTENT_TYPE,
  STREAMED_CONTENT_TYPE,
  decodeReadRequest,
  type ReadQuery,
} from '../../protocol/index.ts';
import { ValueKind, type Querier, type Series } from '../../storage/index.ts';
import { readBody } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import type { PrometheusApiDeps, QueryLimits } from './deps.ts';
import { LimitedQueryable } from './limits.ts';
import { StreamingBody } from './response.ts';

export interface RemoteReadOptions {
  readonly maxBodyBytes: number;
  readonly maxDecodedBytes: number;
  /** Frame size of STREAMED_XOR_CHUNKS answers (Prometheus's default 1 MiB). */
  readonly maxBytesInFrame: number;
}

export const DEFAULT_REMOTE_READ_OPTIONS: RemoteReadOptions = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
  maxBytesInFrame: 1024 * 1024,
};

/**
 * `POST /api/v1/read`: Prometheus remote read. Answers with the first response type of the
 * client's list we support: STREAMED_XOR_CHUNKS (frames of XOR chunks, written as they are made,
 * with backpressure) or SAMPLES (one snappy-compressed ReadResponse). Series holding native
 * histograms cannot be streamed as XOR chunks yet, so such a request gets SAMPLES when the client
 * accepts it. The tenant's query limits apply (series fetched, lookback, and the samples cap for the
 * whole response). Errors are plain text, as Prometheus's remote-read client expects.
 */
export function remoteReadHandler(
  deps: PrometheusApiDeps,
  options: RemoteReadOptions = DEFAULT_REMOTE_READ_OPTIONS,
): GatedHandler {
  const snappy = new SnappyDecoder(options.maxDecodedBytes);
  const reader = new ProtoReader();
  return async (ctx, caller) => {
    const body = await readBody(ctx.req, options.maxBodyBytes);
    // The decoder's buffer is shared: decode completely before the next await.
    const request = decodeReadRequest(reader.reset(snappy.decode(body)));
    const accepted =
      request.acceptedResponseTypes.length > 0 ? request.acceptedResponseTypes : [ReadResponseType.Samples];
    const type = accepted.find(
      (t) => t === ReadResponseType.Samples || t === ReadResponseType.StreamedXorChunks,
    );
    if (type === undefined) {
      throw new BadDataError(
        `server does not support any of the requested response types: [${accepted.join(' ')}]; ` +
          `supported: SAMPLES (0) and STREAMED_XOR_CHUNKS (1)`,
      );
    }
    const limits = deps.limits(caller.tenant);
    const storage = await deps.storage(caller.tenant);
    const queryable = new LimitedQueryable(storage, limits, deps.now?.() ?? Date.now());
    const results: Series[][] = [];
    // Open until the answer is written: series may be read only while their querier is open.
    const queriers: Querier[] = [];
    let samples = 0;
    let histograms = false;
    try {
      for (const q of request.queries) {
        results.push(await select(queryable, q, ctx.signal, queriers));
      }
      if (type === ReadResponseType.StreamedXorChunks) {
        for (const list of results) {
          for (const s of list) {
            const scan = scanSeries(s);
            samples += scan.samples;
            histograms ||= scan.histograms;
          }
        }
        checkSamples(limits, samples);
      }
      const useSamples =
        type === ReadResponseType.Samples || (histograms && accepted.includes(ReadResponseType.Samples));
      if (type === ReadResponseType.StreamedXorChunks && histograms && !useSamples) {
        throw new BadDataError(
          'the selected series hold native histograms, which cannot be sent as STREAMED_XOR_CHUNKS yet; ' +
            'accept the SAMPLES response type too',
        );
      }
      deps.usage?.recordQuery(caller.tenant, samples);
      if (useSamples) await answerSamples(ctx, results, limits);
      else await answerStreamed(ctx, results, options.maxBytesInFrame);
    } catch (err) {
      if (samples === 0) deps.usage?.recordQuery(caller.tenant, 0);
      throw err;
    } finally {
      for (const q of queriers) q.close();
    }
  };
}

/** The series of one read query; its querier goes to `queriers` (the caller closes it). */
async function select(
  queryable: LimitedQueryable,
  q: ReadQuery,
  signal: AbortSignal,
  queriers: Querier[],
): Promise<Series[]> {
  const querier = await queryable.querier(q.startMs, q.endMs);
  queriers.push(querier);
  const h = q.hints;
  const hints = {
    start: q.startMs, // the limited querier moves it up to the lookback limit
    end: q.endMs,
    ...(h !== null && h.func !== '' ? { func: h.func } : {}),
    ...(h !== null && h.stepMs > 0 ? { step: h.stepMs } : {}),
    ...(h !== null && h.rangeMs > 0 ? { range: h.rangeMs } : {}),
  };
  return [...(await querier.select(q.matchers, hints, signal))];
}

function scanSeries(s: Series): { samples: number; histograms: boolean } {
  const it = s.iterator();
  let samples = 0;
  let histograms = false;
  for (let k = it.next(); k !== ValueKind.None; k = it.next()) {
    samples++;
    if (k === ValueKind.Histogram) histograms = true;
  }
  return { samples, histograms };
}

function checkSamples(limits: QueryLimits, samples: number): void {
  if (limits.maxSamplesPerQuery > 0 && samples > limits.maxSamplesPerQuery) {
    throw new ExecutionError(
      `remote read would return ${samples} samples, more than this tenant's max_samples_per_query of ` +
        `${limits.maxSamplesPerQuery}: ask for a shorter time range or fewer series`,
    );
  }
}

async function answerSamples(
  ctx: Parameters<GatedHandler>[0],
  results: readonly Series[][],
  limits: QueryLimits,
): Promise<void> {
  const enc = new ReadResponseEncoder();
  let samples = 0;
  for (const list of results) {
    enc.beginResult();
    for (const s of list) {
      ctx.signal.throwIfAborted();
      enc.beginSeries(s.labels);
      const it = s.iterator();
      for (let k = it.next(); k !== ValueKind.None; k = it.next()) {
        if (k === ValueKind.Float) enc.float(it.t, it.v);
        else if (k === ValueKind.Stale) enc.stale(it.t);
        else if (it.h !== null) enc.histogram(it.t, it.h);
        samples++;
      }
      checkSamples(limits, samples);
      enc.endSeries();
    }
    enc.endResult();
  }
  const body = snappyEncode(enc.finish());
  const out = new StreamingBody(ctx, 200, SAMPLES_CONTENT_TYPE, false);
  ctx.res.setHeader('content-encoding', 'snappy');
  ctx.res.setHeader('content-length', body.length);
  const pending = out.write(body);
  if (pending) await pending;
  await out.end();
}

async function answerStreamed(
  ctx: Parameters<GatedHandler>[0],
  results: readonly Series[][],
  maxBytesInFrame: number,
): Promise<void> {
  const out = new StreamingBody(ctx, 200, STREAMED_CONTENT_TYPE, false);
  const framer = new ChunkedSeriesFramer(maxBytesInFrame);
  try {
    for (let qi = 0; qi < results.length; qi++) {
      for (const s of results[qi] as Series[]) {
        framer.begin(qi, s.labels);
        const it = s.iterator();
        for (let k = it.next(); k !== ValueKind.None; k = it.next()) {
          const frame = k === ValueKind.Stale ? framer.addStale(it.t) : framer.addFloat(it.t, it.v);
          if (frame !== null) {
            const pending = out.write(frame);
            if (pending) await pending;
          }
        }
        const last = framer.end();
        if (last !== null) {
          const pending = out.write(last);
          if (pending) await pending;
        }
      }
    }
    await out.end();
  } catch (err) {
    if (!out.started) throw err;
    out.abort();
  }
}
