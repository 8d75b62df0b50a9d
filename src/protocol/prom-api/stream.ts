import type { FloatHistogram, Labels } from '../../model/index.ts';
import {
  histogramPointJson,
  labelsJson,
  pointJson,
  scalarJson,
  stringResultJson,
  vectorSampleJson,
} from './json.ts';

/**
 * Streaming of big API answers: text goes into a buffer that is handed to a sink in chunks of about
 * `flushAt` characters, so a result of millions of points is never one string. The sink decides
 * about backpressure: it returns a promise when the writer should wait.
 */
export interface TextSink {
  write(chunk: string): void | Promise<void>;
}

export const DEFAULT_FLUSH_CHARS = 64 * 1024;

export class JsonChunker {
  private buf = '';
  private readonly sink: TextSink;
  private readonly flushAt: number;

  constructor(sink: TextSink, flushAt = DEFAULT_FLUSH_CHARS) {
    this.sink = sink;
    this.flushAt = flushAt;
  }

  /**
   * Appends text. Returns a promise only when a chunk went to a sink that asked to wait; callers
   * do `const p = out.push(s); if (p) await p;` to avoid a microtask per element.
   */
  push(text: string): void | Promise<void> {
    this.buf += text;
    if (this.buf.length < this.flushAt) return undefined;
    const chunk = this.buf;
    this.buf = '';
    return this.sink.write(chunk);
  }

  /** Hands over what is left. */
  flush(): void | Promise<void> {
    if (this.buf.length === 0) return undefined;
    const chunk = this.buf;
    this.buf = '';
    return this.sink.write(chunk);
  }
}

/** Structural twins of the engine's result types (protocol/ cannot import promql/). */
export interface VectorSampleLike {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  readonly h: FloatHistogram | null;
}

export interface SeriesPointsLike {
  readonly labels: Labels;
  readonly floatTimes: ArrayLike<number>;
  readonly floatValues: ArrayLike<number>;
  readonly histogramTimes: ArrayLike<number>;
  readonly histograms: readonly FloatHistogram[];
}

export type QueryValueLike =
  | { readonly type: 'vector'; readonly vector: readonly VectorSampleLike[] }
  | { readonly type: 'matrix'; readonly matrix: readonly SeriesPointsLike[] }
  | { readonly type: 'scalar'; readonly t: number; readonly v: number }
  | { readonly type: 'string'; readonly t: number; readonly v: string };

/** `{"metric":…,"values":[…],"histograms":[…]}`; empty lists are left out, as Prometheus does. */
export function matrixSeriesJson(s: SeriesPointsLike): string {
  let out = `{"metric":${labelsJson(s.labels)}`;
  const n = s.floatTimes.length;
  if (n > 0) {
    const parts = new Array<string>(n);
    for (let i = 0; i < n; i++) parts[i] = pointJson(s.floatTimes[i] as number, s.floatValues[i] as number);
    out += `,"values":[${parts.join(',')}]`;
  }
  const m = s.histogramTimes.length;
  if (m > 0) {
    const parts = new Array<string>(m);
    for (let i = 0; i < m; i++)
      parts[i] = histogramPointJson(s.histogramTimes[i] as number, s.histograms[i] as FloatHistogram);
    out += `,"histograms":[${parts.join(',')}]`;
  }
  return out + '}';
}

/**
 * Streams `{"resultType":…,"result":…[,"stats":…]}`. `limit` > 0 keeps the first `limit` series
 * of vectors and matrices (the caller adds the truncation warning). Checks `signal` between
 * chunks so a client that went away stops the work.
 */
export async function writeQueryData(
  out: JsonChunker,
  value: QueryValueLike,
  limit: number,
  statsJson: string | null,
  signal: AbortSignal | null,
): Promise<void> {
  let p: void | Promise<void>;
  out.push(`{"resultType":"${value.type}","result":`);
  switch (value.type) {
    case 'scalar':
      out.push(scalarJson(value.t, value.v));
      break;
    case 'string':
      out.push(stringResultJson(value.t, value.v));
      break;
    case 'vector': {
      const n = limit > 0 ? Math.min(limit, value.vector.length) : value.vector.length;
      out.push('[');
      for (let i = 0; i < n; i++) {
        const s = value.vector[i] as VectorSampleLike;
        if ((p = out.push((i > 0 ? ',' : '') + vectorSampleJson(s.labels, s.t, s.v, s.h)))) {
          await p;
          signal?.throwIfAborted();
        }
      }
      out.push(']');
      break;
    }
    case 'matrix': {
      const n = limit > 0 ? Math.min(limit, value.matrix.length) : value.matrix.length;
      out.push('[');
      for (let i = 0; i < n; i++) {
        if ((p = out.push((i > 0 ? ',' : '') + matrixSeriesJson(value.matrix[i] as SeriesPointsLike)))) {
          await p;
          signal?.throwIfAborted();
        }
      }
      out.push(']');
      break;
    }
  }
  if ((p = out.push(statsJson === null ? '}' : `,"stats":${statsJson}}`))) await p;
}

/** Whether a result would be cut by `limit` (scalars and strings never are). */
export function exceedsLimit(value: QueryValueLike, limit: number): boolean {
  if (limit <= 0) return false;
  if (value.type === 'vector') return value.vector.length > limit;
  if (value.type === 'matrix') return value.matrix.length > limit;
  return false;
}

export interface QueryStatsLike {
  readonly samplesScanned: number;
  readonly peakSamples: number;
  readonly prepareMs: number;
  readonly evalMs: number;
}

/** Prometheus's `stats` object (timings in seconds; per-step sample counts are not kept). */
export function statsJson(s: QueryStatsLike, queueMs = 0): string {
  const sec = (ms: number): string => String(ms / 1000);
  const total = s.prepareMs + s.evalMs;
  return (
    `{"timings":{"evalTotalTime":${sec(total)},"resultSortTime":0,"queryPreparationTime":${sec(s.prepareMs)},` +
    `"innerEvalTime":${sec(s.evalMs)},"execQueueTime":${sec(queueMs)},"execTotalTime":${sec(total + queueMs)}},` +
    `"samples":{"totalQueryableSamples":${s.samplesScanned},"peakSamples":${s.peakSamples}}}`
  );
}
