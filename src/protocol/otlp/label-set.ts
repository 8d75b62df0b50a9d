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
  count = 0;

  clear(): void {
    this.count = 0;
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
   */
  write(batch: SampleBatch, metric: string, extraName = '', extraValue = ''): number {
    let pendingName = true;
    let pendingExtra = extraName !== '';
    for (let k = 0; k < this.count; k++) {
      const i = this.order[k] as number;
      const name = this.names[i] as string;
      if (pendingName && name >= NAME) {
        batch.addLabelText(NAME, metric);
        pendingName = false;
      }
      if (pendingExtra && name >= extraName) {
        batch.addLabelText(extraName, extraValue);
        pendingExtra = false;
      }
      if (name === NAME || name === extraName) continue;
      const value = this.values[i] as string;
      if (value !== '') batch.addLabelText(name, value);
    }
    if (pendingName) batch.addLabelText(NAME, metric);
    if (pendingExtra) batch.addLabelText(extraName, extraValue);
    return batch.endSeries();
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
