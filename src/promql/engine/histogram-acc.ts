import type { FloatHistogram } from '../../model/index.ts';
import {
  addInPlace,
  compactInPlace,
  copyHistogram,
  divInPlace,
  hasOverflow,
  kahanAddInPlace,
  mulInPlace,
} from './histogram.ts';

/**
 * Compensated (Kahan–Neumaier) sum and mean of native histograms, shared by `sum`/`avg` and
 * `sum_over_time`/`avg_over_time`. Every component (count, sum, zero bucket, each bucket) keeps its
 * own compensation term, so `1e100 + x - 1e100` keeps x like the float paths do.
 *
 * The first histogram is copied; later ones are only read. `add` throws IncompatibleSchemaError
 * (exponential mixed with custom buckets); the accumulator is unusable afterwards. The result's
 * counter-reset hint follows the pairwise rules of addInPlace (equal hints stay, a gauge wins,
 * otherwise unknown) and is not disturbed by the compensation terms.
 */
export class HistogramMean {
  private sum: FloatHistogram;
  private comp: FloatHistogram | null = null;
  private mean: FloatHistogram | null = null;
  private count = 1;
  private readonly averaging: boolean;
  /** Whether mismatched custom bounds were reconciled on the way. */
  reconciled = false;

  constructor(first: FloatHistogram, averaging: boolean) {
    this.sum = copyHistogram(first);
    this.averaging = averaging;
  }

  add(h: FloatHistogram): void {
    this.count++;
    if (this.mean === null) {
      if (!this.averaging) {
        const r = kahanAddInPlace(this.sum, h, this.comp);
        this.comp = r.comp;
        if (r.res.nhcbBoundsReconciled) this.reconciled = true;
        return;
      }
      // Averages switch to an incremental mean once the plain sum overflows, as Prometheus does.
      const s2 = copyHistogram(this.sum);
      const r = kahanAddInPlace(s2, h, this.comp === null ? null : copyHistogram(this.comp));
      if (r.res.nhcbBoundsReconciled) this.reconciled = true;
      if (!hasOverflow(s2)) {
        this.sum = s2;
        this.comp = r.comp;
        return;
      }
      this.mean = divInPlace(copyHistogram(this.sum), this.count - 1);
      if (this.comp !== null) divInPlace(this.comp, this.count - 1);
    }
    const q = (this.count - 1) / this.count;
    if (this.comp !== null) mulInPlace(this.comp, q);
    const toAdd = divInPlace(copyHistogram(h), this.count);
    const r = kahanAddInPlace(mulInPlace(this.mean, q), toAdd, this.comp);
    this.comp = r.comp;
    if (r.res.nhcbBoundsReconciled) this.reconciled = true;
  }

  /** The sum (or mean); call once. */
  result(): FloatHistogram {
    let res: FloatHistogram;
    let comp = this.comp;
    if (this.mean !== null) res = this.mean;
    else if (this.averaging) {
      res = divInPlace(this.sum, this.count);
      if (comp !== null) comp = divInPlace(comp, this.count);
    } else res = this.sum;
    if (comp !== null) {
      const hint = res.counterResetHint;
      addInPlace(res, comp);
      res.counterResetHint = hint;
    }
    return compactInPlace(res);
  }
}
