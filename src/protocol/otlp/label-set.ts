import type { SampleBatch } from '../../model/index.ts';

const NAME = '__name__';

/**
 * The labels of one data point while they are merged (specs/otlp-metrics.md §4.7), reused for every
 * point. `set` and `add` search linearly: an OTel point has a handful of attributes, and a linear
 * scan over a few strings beats hashing them. `sort` orders the labels by name so `write` can emit
 * a series in Prometheus order with `__name__` and one type label (`le`, `quantile`) merged in.
 */
export class LabelSet {
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  private order = new Int32Array(32);
  /** Byte offsets (4 per sorted label) of the labels as first encoded into `encoded`. */
  private spans = new Uint32Array(128);
  private encoded: SampleBatch | null = null;
  private readonly nameSpan = new Uint32Array(4);
  private nameBatch: SampleBatch | null = null;
  private nameText = '';
  count = 0;

  clear(): void {
    this.count = 0;
    this.encoded = null;
    this.nameBatch = null;
  }

  private indexOf(name: string): number {
    for (let i = 0; i < this.count; i++) if (this.names[i] === name) return i;
    return -1;
  }

  get(name: string): string | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  /** Sets `name`, replacing an existing value. */
  set(name: string, value: string): void {
    const i = this.indexOf(name);
    if (i >= 0) this.values[i] = value;
    else this.push(name, value);
  }

  /** Sets `name` only if it is not set yet. */
  setIfAbsent(name: string, value: string): void {
    if (this.indexOf(name) < 0) this.push(name, value);
  }

  /** Adds `name`; a second value for the same name is joined to the first with `;` (collisions). */
  join(name: string, value: string): void {
    const i = this.indexOf(name);
    if (i >= 0) this.values[i] = `${this.values[i] ?? ''};${value}`;
    else this.push(name, value);
  }

  private push(name: string, value: string): void {
    this.names[this.count] = name;
    this.values[this.count] = value;
    this.count++;
  }

  /** Orders the labels by name (insertion sort: sets are small and often nearly sorted). */
  sort(): void {
    if (this.order.length < this.count) this.order = new Int32Array(this.count * 2);
    const order = this.order;
    const names = this.names;
    for (let i = 0; i < this.count; i++) {
      const name = names[i] as string;
      let j = i - 1;
      while (j >= 0 && (names[order[j] as number] as string) > name) {
        order[j + 1] = order[j] as number;
        j--;
      }
      order[j + 1] = i;
    }
  }

  /**
   * Writes one series into `batch`: the sorted labels plus `__name__` = `metric` and, unless
   * `extraName` is "", `extraName` = `extraValue` (both replace same-named labels). Labels with an
   * empty value are absent in Prometheus and are not written. Call `sort` first. Returns the
   * series index.
   *
   * The series of one point (a histogram's buckets, `_sum`, `_count`) share most labels: the first
   * write encodes them into the batch's buffer and later writes point at the same bytes
   * (`addLabel` with the recorded offsets) instead of encoding them again. Valid until `clear`.
   */
  write(batch: SampleBatch, metric: string, extraName = '', extraValue = ''): number {
    let pendingName = true;
    let pendingExtra = extraName !== '';
    const reuse = this.encoded === batch;
    if (!reuse && this.spans.length < this.count * 4) this.spans = new Uint32Array(this.count * 8);
    for (let k = 0; k < this.count; k++) {
      const i = this.order[k] as number;
      const name = this.names[i] as string;
      if (pendingName && name >= NAME) {
        this.writeName(batch, metric);
        pendingName = false;
      }
      if (pendingExtra && name >= extraName) {
        batch.addLabelText(extraName, extraValue);
        pendingExtra = false;
      }
      if (name === NAME || name === extraName) continue;
      const value = this.values[i] as string;
      if (value === '') continue;
      const at = 4 * k;
      if (reuse) {
        const sp = this.spans;
        batch.addLabel(sp[at] as number, sp[at + 1] as number, sp[at + 2] as number, sp[at + 3] as number);
      } else {
        batch.addLabelText(name, value);
        this.spans.set(batch.labels.subarray(batch.labelCount * 4 - 4, batch.labelCount * 4), at);
      }
    }
    if (pendingName) this.writeName(batch, metric);
    if (pendingExtra) batch.addLabelText(extraName, extraValue);
    // Reuse is only sound when every label was encoded in the first pass, i.e. none was skipped
    // as a replaced `le`/`quantile`; those names never recur without the same extra.
    this.encoded = extraName === '' || this.get(extraName) === undefined ? batch : null;
    return batch.endSeries();
  }

  private writeName(batch: SampleBatch, metric: string): void {
    if (this.nameBatch === batch && this.nameText === metric) {
      const sp = this.nameSpan;
      batch.addLabel(sp[0] as number, sp[1] as number, sp[2] as number, sp[3] as number);
      return;
    }
    batch.addLabelText(NAME, metric);
    this.nameSpan.set(batch.labels.subarray(batch.labelCount * 4 - 4, batch.labelCount * 4));
    this.nameBatch = batch;
    this.nameText = metric;
  }

  /** A text key of the sorted labels, for per-series state (delta accumulation). Allocates. */
  key(metric: string): string {
    let out = metric;
    for (let k = 0; k < this.count; k++) {
      const i = this.order[k] as number;
      if (this.values[i] === '') continue;
      out += `\u0000${this.names[i] as string}\u0000${this.values[i] as string}`;
    }
    return out;
  }

  /** Label pairs in sorted order (tests and target_info). Allocates. */
  pairs(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let k = 0; k < this.count; k++) {
      const i = this.order[k] as number;
      out.push([this.names[i] as string, this.values[i] as string]);
    }
    return out;
  }
}
