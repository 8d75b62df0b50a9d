import { CounterResetHint, type FloatHistogram } from '../../model/index.ts';
import { ValueKind, type FloatColumns, type SampleIterator, type Series } from '../../storage/index.ts';
import { copyHistogram, detectReset } from './histogram.ts';

/**
 * A reusable columnar buffer of one series' samples in a time range, floats and histograms kept
 * apart (as Prometheus's FPoint/HPoint slices). Stale markers are never stored. Arrays grow on
 * demand and are reused across series; contents are valid until the next `reset()`.
 */
export class SampleBuf {
  fn = 0;
  ft: Float64Array = new Float64Array(64);
  fv: Float64Array = new Float64Array(64);
  /** Start timestamps of the floats (NaN when unknown); only filled when `withSt`. */
  fst: Float64Array = new Float64Array(64);
  hn = 0;
  ht = new Float64Array(8);
  hh: FloatHistogram[] = [];
  hst = new Float64Array(8);
  withSt = false;
  /** Scratch for Series.readFloats (its arrays are ft/fv; stale markers are not needed here). */
  readonly columns: FloatColumns = { t: this.ft, v: this.fv, n: 0, staleT: new Float64Array(8), ns: 0 };
  /** Some sample has a known start timestamp (only tracked when `withSt`). */
  hasSt = false;

  reset(): void {
    this.fn = 0;
    this.hn = 0;
    this.hasSt = false;
  }

  pushFloat(t: number, v: number, st: number): void {
    if (this.fn === this.ft.length) this.growFloats();
    this.ft[this.fn] = t;
    this.fv[this.fn] = v;
    if (this.withSt) {
      this.fst[this.fn] = st;
      if (st === st) this.hasSt = true;
    }
    this.fn++;
  }

  pushHist(t: number, h: FloatHistogram, st: number): void {
    if (this.hn === this.ht.length) {
      const n = this.ht.length * 2;
      const ht = new Float64Array(n);
      ht.set(this.ht);
      this.ht = ht;
      const hst = new Float64Array(n);
      hst.set(this.hst);
      this.hst = hst;
    }
    this.ht[this.hn] = t;
    this.hh[this.hn] = h;
    if (this.withSt) {
      this.hst[this.hn] = st;
      if (st === st) this.hasSt = true;
    }
    this.hn++;
  }

  private growFloats(): void {
    const n = this.ft.length * 2;
    const ft = new Float64Array(n);
    ft.set(this.ft);
    this.ft = ft;
    const fv = new Float64Array(n);
    fv.set(this.fv);
    this.fv = fv;
    if (this.withSt) {
      const fst = new Float64Array(n);
      fst.set(this.fst.subarray(0, Math.min(this.fst.length, n)));
      this.fst = fst;
    } else if (this.fst.length < n) {
      this.fst = new Float64Array(n);
    }
  }
}

/**
 * Reads the samples of `series` with timestamps in [mint, maxt] (inclusive) into `buf` (through
 * Series.readFloats when the series offers it and the range holds only floats), dropping stale markers and copying histograms (an iterator's histogram is only valid until it moves).
 * Returns the iterator for reuse. With `resolveHints` (stats-only selectors, see VSelNode), an
 * unknown counter-reset hint of a histogram that follows another loaded histogram becomes reset or
 * not-reset by comparing the two, as Prometheus's HistogramStatsIterator does.
 */
export function loadSeries(
  series: Series,
  mint: number,
  maxt: number,
  buf: SampleBuf,
  reuse: SampleIterator | undefined,
  resolveHints = false,
): SampleIterator {
  buf.reset();
  if (series.readFloats !== undefined) {
    const cols = buf.columns;
    cols.t = buf.ft;
    cols.v = buf.fv;
    cols.n = 0;
    if (series.readFloats(mint, maxt, cols)) {
      buf.ft = cols.t;
      buf.fv = cols.v;
      buf.fn = cols.n;
      if (buf.fst.length < buf.ft.length) buf.fst = new Float64Array(buf.ft.length);
      // readFloats only succeeds without start timestamps: none are known.
      if (buf.withSt) buf.fst.fill(NaN, 0, cols.n);
      return reuse ?? series.iterator();
    }
    buf.ft = cols.t;
    buf.fv = cols.v;
    if (buf.fst.length < buf.ft.length) buf.fst = new Float64Array(buf.ft.length);
  }
  const it = series.iterator(reuse);
  let k = it.seek(mint);
  let prev: FloatHistogram | null = null;
  while (k !== ValueKind.None) {
    const t = it.t;
    if (t > maxt) break;
    if (k === ValueKind.Float) buf.pushFloat(t, it.v, it.st);
    else if (k === ValueKind.Histogram) {
      const h = copyHistogram(it.h as FloatHistogram);
      if (resolveHints) {
        if (prev !== null && h.counterResetHint === CounterResetHint.Unknown)
          h.counterResetHint = detectReset(h, prev) ? CounterResetHint.Reset : CounterResetHint.NotReset;
        prev = h;
      }
      buf.pushHist(t, h, it.st);
    }
    k = it.next();
  }
  return it;
}

/** Index of the first element of a[0..n) greater than x (a sorted ascending). */
export function upperBound(a: Float64Array, n: number, x: number, from = 0): number {
  let lo = from;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
