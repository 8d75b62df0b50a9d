import type { FloatHistogram } from '../../model/index.ts';
import type { Labels } from '../../model/index.ts';

/**
 * Query results as the engine hands them to the API. Timestamps are ms. These are the only
 * engine types the HTTP layer needs: it streams them to JSON without building one big string.
 */

/** One element of an instant vector: exactly one of a float or a histogram. */
export interface Sample {
  readonly labels: Labels;
  readonly t: number;
  /** The float value; meaningless when `h` is set. */
  readonly v: number;
  readonly h: FloatHistogram | null;
}

/**
 * One series of a matrix: float points and histogram points, each in time order. Read-only: the
 * arrays may be shared between series (a range query's series with a value at every step share
 * one `floatTimes`).
 */
export interface SeriesPoints {
  readonly labels: Labels;
  readonly floatTimes: ArrayLike<number>;
  readonly floatValues: ArrayLike<number>;
  readonly histogramTimes: ArrayLike<number>;
  readonly histograms: readonly FloatHistogram[];
}

export type QueryValue =
  | { readonly type: 'vector'; readonly vector: readonly Sample[] }
  | { readonly type: 'matrix'; readonly matrix: readonly SeriesPoints[] }
  | { readonly type: 'scalar'; readonly t: number; readonly v: number }
  | { readonly type: 'string'; readonly t: number; readonly v: string };

/** Rendered annotations, e.g. `PromQL warning: … (1:5)`. */
export interface Annotations {
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}

export interface QueryStats {
  /** Samples read from storage (Prometheus `totalQueryableSamples`). */
  readonly samplesScanned: number;
  /** Largest number of samples held at once (`peakSamples`). */
  readonly peakSamples: number;
  /** Wall-clock ms of the phases. */
  readonly prepareMs: number;
  readonly evalMs: number;
}

export interface QueryResult {
  readonly value: QueryValue;
  readonly annotations: Annotations;
  readonly stats: QueryStats;
}
