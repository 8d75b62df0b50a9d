import type { FloatHistogram } from '../model/index.ts';
import type { Labels } from '../model/index.ts';
import type { Matcher } from '../model/index.ts';

/** What a sample iterator is positioned on; `next()` returns it so loops need one call per step. */
export const ValueKind = { None: 0, Float: 1, Histogram: 2, Stale: 3 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

/**
 * A cursor over one series' samples in time order. It allocates nothing per float sample: `next()`
 * and `seek()` move it; `t`, `v`, `h`, `st` read where it stands.
 *
 * `Stale` means the sample at `t` is a staleness marker (float or histogram); `v` and `h` are then
 * meaningless. Timestamps are strictly increasing.
 */
export interface SampleIterator {
  next(): ValueKind;
  /**
   * Moves to the first sample at or after `t` and returns its kind (`None` past the end). Never
   * moves backwards: if the current sample is already at or after `t`, it stays.
   */
  seek(t: number): ValueKind;
  /** Timestamp in milliseconds. */
  readonly t: number;
  readonly v: number;
  /** The histogram when positioned on a `Histogram` sample; valid until the iterator moves. */
  readonly h: FloatHistogram | null;
  /** Start (created) timestamp in milliseconds, NaN when unknown. */
  readonly st: number;
}

export interface Series {
  readonly labels: Labels;
  /** Pass the previous iterator back in and implementations may reuse it. */
  iterator(reuse?: SampleIterator): SampleIterator;
  /**
   * Optional fast path for PromQL (callers fall back to `iterator()` when absent or when it returns
   * false): writes the float samples with timestamps in [mint, maxt] (inclusive), in time order, to
   * `out.t`/`out.v` from index 0 and sets `out.n`. Stale markers in the range are not among them:
   * their timestamps go to `out.staleT` (count in `out.ns`), so an instant selector can still tell
   * where a series ended and range functions can ignore them. Arrays that are too small are
   * replaced by bigger ones; all stay the caller's, to reuse for the next series. Returns false
   * (and `out` is unspecified) when the range holds a histogram sample or a sample with a start
   * timestamp.
   */
  readFloats?(mint: number, maxt: number, out: FloatColumns): boolean;
}

/** Reusable float columns for Series.readFloats. */
export interface FloatColumns {
  t: Float64Array;
  v: Float64Array;
  n: number;
  /** Timestamps of the stale markers in the range, in time order; `ns` of them. */
  staleT: Float64Array;
  ns: number;
}

export interface SelectHints {
  /** Inclusive bounds in milliseconds: the samples the caller may read. */
  readonly start: number;
  readonly end: number;
  /** The function around the selector, such as `rate`. Storage may ignore hints. */
  readonly func?: string;
  /** Query step and selector range in milliseconds, when known. */
  readonly step?: number;
  readonly range?: number;
  /** Stop after this many series (label and series API calls); 0 or absent = all. */
  readonly limit?: number;
}

/**
 * Everything PromQL knows about storage. The only `await` is in `select`: I/O happens there, and
 * evaluation afterwards is synchronous. All matchers of one call are ANDed; a matcher that matches
 * "" also matches series without that label.
 */
export interface Querier {
  /** Series matching all matchers, sorted by labels (Labels.compare). */
  select(matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal): Promise<readonly Series[]>;
  /**
   * Sorted label names of the series matching all matchers (all series when none are given). The
   * lists of both calls are never changed once returned: callers may keep them (the HTTP layer
   * caches their JSON by identity), and an implementation may return the same list again.
   */
  labelNames(matchers: readonly Matcher[], signal: AbortSignal): Promise<readonly string[]>;
  /** Sorted values of `name` over the series matching all matchers. */
  labelValues(name: string, matchers: readonly Matcher[], signal: AbortSignal): Promise<readonly string[]>;
  close(): void;
}

export interface Queryable {
  /** A querier over [mint, maxt], in milliseconds, inclusive. */
  querier(mint: number, maxt: number): Promise<Querier>;
}
