import type { Matcher } from '../../src/model/index.ts';
import {
  ValueKind,
  type FloatColumns,
  type Querier,
  type Queryable,
  type SampleIterator,
  type SelectHints,
  type Series,
} from '../../src/storage/index.ts';

/**
 * Wraps a Queryable so every series also offers `readFloats`, built on its iterator with the
 * port's contract (floats in [mint, maxt], stale markers apart, false for histograms and start
 * timestamps). Running the conformance vectors through it tests the engine's columnar read paths
 * with the same expectations as its iterator paths.
 */
export function withReadFloats(inner: Queryable): Queryable {
  return {
    async querier(mint: number, maxt: number): Promise<Querier> {
      const q = await inner.querier(mint, maxt);
      return {
        async select(matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal) {
          return (await q.select(matchers, hints, signal)).map((s) => new ColumnarSeries(s));
        },
        labelNames: (m, signal) => q.labelNames(m, signal),
        labelValues: (name, m, signal) => q.labelValues(name, m, signal),
        close: () => q.close(),
      };
    },
  };
}

class ColumnarSeries implements Series {
  readonly labels;
  private readonly inner: Series;

  constructor(inner: Series) {
    this.inner = inner;
    this.labels = inner.labels;
  }

  iterator(reuse?: SampleIterator): SampleIterator {
    return this.inner.iterator(reuse);
  }

  readFloats(mint: number, maxt: number, out: FloatColumns): boolean {
    const t: number[] = [];
    const v: number[] = [];
    const stale: number[] = [];
    const it = this.inner.iterator();
    for (let k = it.seek(mint); k !== ValueKind.None && it.t <= maxt; k = it.next()) {
      if (it.st === it.st) return false;
      if (k === ValueKind.Stale) stale.push(it.t);
      else if (k === ValueKind.Float) {
        t.push(it.t);
        v.push(it.v);
      } else return false;
    }
    // Deliberately small or exact-sized arrays: callers must take the replaced ones.
    if (out.t.length < t.length) {
      out.t = new Float64Array(t.length);
      out.v = new Float64Array(t.length);
    }
    out.t.set(t);
    out.v.set(v);
    out.n = t.length;
    if (out.staleT.length < stale.length) out.staleT = new Float64Array(stale.length);
    out.staleT.set(stale);
    out.ns = stale.length;
    return true;
  }
}
