import type { FloatHistogram } from '../../model/index.ts';
import type { Labels } from '../../model/index.ts';

/**
 * Internal value types of the evaluator. Everything is evaluated over a step grid at once: a vector
 * node yields, per output series, one value per step (columnar, typed arrays), never one object per
 * step. Instant queries are a grid of one step.
 */

/** Evaluation timestamps `start, start + step, …, end` (ms, inclusive); `n` of them. */
export interface Grid {
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly n: number;
}

export function makeGrid(start: number, end: number, step: number): Grid {
  const n = end < start ? 0 : Math.floor((end - start) / step) + 1;
  return { start, end: start + Math.max(0, n - 1) * step, step, n };
}

/** What a step holds. */
export const K_NONE = 0;
export const K_FLOAT = 1;
export const K_HIST = 2;

/**
 * The values of one series at every step of a grid. `k[i]` says whether step i holds nothing, a
 * float (`v[i]`) or a histogram (`h[i]`). `h` is null while the series has no histogram.
 */
export class StepData {
  readonly n: number;
  readonly v: Float64Array;
  readonly k: Uint8Array;
  h: Array<FloatHistogram | null> | null = null;

  constructor(n: number) {
    this.n = n;
    this.v = new Float64Array(n);
    this.k = new Uint8Array(n);
  }

  /** Forgets every value, keeping the buffers. */
  reset(): void {
    this.k.fill(0);
    if (this.h !== null) this.h.fill(null);
  }

  setHist(i: number, h: FloatHistogram): void {
    if (this.h === null) this.h = new Array<FloatHistogram | null>(this.n).fill(null);
    this.h[i] = h;
    this.k[i] = K_HIST;
  }

  /** True if any step holds a value. */
  any(): boolean {
    const k = this.k;
    for (let i = 0; i < k.length; i++) if (k[i] !== K_NONE) return true;
    return false;
  }

  count(): number {
    let c = 0;
    const k = this.k;
    for (let i = 0; i < k.length; i++) if (k[i] !== K_NONE) c++;
    return c;
  }

  copyFrom(o: StepData): void {
    this.v.set(o.v);
    this.k.set(o.k);
    if (o.h !== null) {
      if (this.h === null) this.h = o.h.slice();
      else for (let i = 0; i < this.n; i++) this.h[i] = o.h[i] ?? null;
    } else if (this.h !== null) this.h.fill(null);
  }

  clone(): StepData {
    const c = new StepData(this.n);
    c.copyFrom(this);
    return c;
  }
}

/** Identity of one output series of a vector node. */
export interface SeriesMeta {
  readonly labels: Labels;
  /**
   * Delayed name removal: the metric name (and `__type__`/`__unit__`) is still in `labels` but must
   * be dropped at the end of evaluation.
   */
  readonly dropName: boolean;
}

/**
 * An instant-vector result over a grid. Series metadata is known up front; values are produced on
 * demand by `get`, so a chain like `sum(rate(x[5m]))` streams one series at a time instead of
 * holding every intermediate series in memory.
 *
 * Contract: a consumer calls `get(i, scratch)` at most once per series i (in any order) unless the
 * vector is materialized (`data !== null`). The returned StepData is either an owned, materialized
 * one (read-only for the consumer) or `scratch`, valid until the next call.
 */
export interface VectorValue {
  readonly type: 'vector';
  readonly n: number;
  readonly metas: readonly SeriesMeta[];
  /** Materialized data, one per meta, or null for a lazy vector. */
  readonly data: readonly StepData[] | null;
  get(i: number, scratch: StepData): StepData;
}

export interface ScalarValue {
  readonly type: 'scalar';
  /** One value per step. */
  readonly v: Float64Array;
}

export interface StringValue {
  readonly type: 'string';
  readonly v: string;
}

/**
 * A range vector as an instant query returns it (a selector or subquery evaluated at one time):
 * per series its float and histogram points.
 */
export interface MatrixValue {
  readonly type: 'matrix';
  readonly series: readonly RangeSeries[];
}

export interface RangeSeries {
  readonly labels: Labels;
  readonly ft: Float64Array;
  readonly fv: Float64Array;
  readonly ht: Float64Array;
  readonly hh: readonly FloatHistogram[];
}

export type Value = VectorValue | ScalarValue | StringValue | MatrixValue;

export function materializedVector(n: number, metas: SeriesMeta[], data: StepData[]): VectorValue {
  return {
    type: 'vector',
    n,
    metas,
    data,
    get: (i) => data[i] as StepData,
  };
}

export function lazyVector(
  n: number,
  metas: readonly SeriesMeta[],
  fill: (i: number, out: StepData) => StepData,
): VectorValue {
  return { type: 'vector', n, metas, data: null, get: fill };
}
