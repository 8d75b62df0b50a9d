/** The label that holds the metric name. */
export const METRIC_NAME = '__name__';

const EMPTY_FLAT: readonly string[] = Object.freeze([]);

/**
 * A series identity: label pairs sorted by name (byte order of UTF-16 code units, which equals
 * byte-wise UTF-8 order for the BMP), names unique, no empty values (an empty value means "absent",
 * as in Prometheus). Stored flat as `[name0, value0, name1, value1, …]`. Immutable: every "change"
 * returns a new object, so a Labels may be shared freely between series, results and caches.
 */
export class Labels {
  static readonly EMPTY = new Labels(EMPTY_FLAT);

  private keyCache: string | undefined;

  private readonly flat: readonly string[];

  private constructor(flat: readonly string[]) {
    this.flat = flat;
  }

  /**
   * Builds labels from pairs in any order. Empty values are dropped. For repeated names the last
   * pair wins; callers that must reject duplicates (ingest validation) check before calling.
   */
  static from(pairs: Iterable<readonly [string, string]>): Labels {
    const map = new Map<string, string>();
    for (const [name, value] of pairs) map.set(name, value);
    return Labels.fromMap(map);
  }

  static fromObject(object: Readonly<Record<string, string>>): Labels {
    return Labels.from(Object.entries(object));
  }

  static fromMap(map: ReadonlyMap<string, string>): Labels {
    const names = [...map.keys()].filter((n) => map.get(n) !== '').sort(compareStrings);
    if (names.length === 0) return Labels.EMPTY;
    const flat: string[] = new Array<string>(names.length * 2);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      flat[2 * i] = name;
      flat[2 * i + 1] = map.get(name) as string;
    }
    return new Labels(flat);
  }

  /**
   * Trusted constructor: `flat` must already be sorted by name, unique, without empty values. The
   * array is taken over, not copied; the caller must not change it afterwards.
   */
  static fromSortedFlat(flat: string[]): Labels {
    return flat.length === 0 ? Labels.EMPTY : new Labels(flat);
  }

  /** Number of labels. */
  get size(): number {
    return this.flat.length >> 1;
  }

  name(i: number): string {
    return this.flat[2 * i] ?? '';
  }

  value(i: number): string {
    return this.flat[2 * i + 1] ?? '';
  }

  /** The value of `name`, or "" when absent. Binary search: labels are sorted. */
  get(name: string): string {
    const i = this.indexOf(name);
    return i < 0 ? '' : (this.flat[2 * i + 1] as string);
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  metricName(): string {
    return this.get(METRIC_NAME);
  }

  /** A string that is equal for equal label sets and different otherwise; for Map keys. Cached. */
  key(): string {
    return (this.keyCache ??= JSON.stringify(this.flat));
  }

  equals(other: Labels): boolean {
    if (this === other) return true;
    const a = this.flat;
    const b = other.flat;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Prometheus's order: compare label by label, name first, then value; a prefix sorts first. */
  static compare(a: Labels, b: Labels): number {
    const x = a.flat;
    const y = b.flat;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const c = compareStrings(x[i] as string, y[i] as string);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }

  /** The same labels without `__name__`. Returns `this` when there is none. */
  withoutMetricName(): Labels {
    return this.flat[0] === METRIC_NAME ? new Labels(this.flat.slice(2)) : this;
  }

  /** Drops the named labels. */
  without(names: Iterable<string>): Labels {
    const drop = names instanceof Set ? (names as ReadonlySet<string>) : new Set(names);
    const out: string[] = [];
    for (let i = 0; i < this.flat.length; i += 2) {
      const name = this.flat[i] as string;
      if (!drop.has(name)) out.push(name, this.flat[i + 1] as string);
    }
    return out.length === this.flat.length ? this : Labels.fromSortedFlat(out);
  }

  /** Keeps only the named labels. */
  keep(names: Iterable<string>): Labels {
    const keep = names instanceof Set ? (names as ReadonlySet<string>) : new Set(names);
    const out: string[] = [];
    for (let i = 0; i < this.flat.length; i += 2) {
      const name = this.flat[i] as string;
      if (keep.has(name)) out.push(name, this.flat[i + 1] as string);
    }
    return out.length === this.flat.length ? this : Labels.fromSortedFlat(out);
  }

  /** Sets `name` to `value`; an empty value removes the label. */
  with(name: string, value: string): Labels {
    const i = this.indexOf(name);
    if (i >= 0) {
      if (this.flat[2 * i + 1] === value) return this;
      const out = this.flat.slice();
      if (value === '') out.splice(2 * i, 2);
      else out[2 * i + 1] = value;
      return Labels.fromSortedFlat(out);
    }
    if (value === '') return this;
    const at = -i - 1;
    const out = this.flat.slice();
    out.splice(2 * at, 0, name, value);
    return new Labels(out);
  }

  forEach(fn: (name: string, value: string) => void): void {
    for (let i = 0; i < this.flat.length; i += 2) fn(this.flat[i] as string, this.flat[i + 1] as string);
  }

  toPairs(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    this.forEach((n, v) => out.push([n, v]));
    return out;
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    this.forEach((n, v) => (out[n] = v));
    return out;
  }

  /** The flat array itself, read-only. For hot loops that want no call per label. */
  raw(): readonly string[] {
    return this.flat;
  }

  /** Prometheus's text form: `name{a="x", b="y"}`, or `{a="x"}` without a name. */
  toString(): string {
    let name = '';
    const parts: string[] = [];
    this.forEach((n, v) => {
      if (n === METRIC_NAME && isLegacyMetricName(v)) name = v;
      else parts.push(`${isLegacyLabelName(n) ? n : JSON.stringify(n)}=${JSON.stringify(v)}`);
    });
    if (name !== '' && parts.length === 0) return name;
    return `${name}{${parts.join(', ')}}`;
  }

  /** Index of `name`, or `-(insertion point) - 1`. */
  private indexOf(name: string): number {
    let lo = 0;
    let hi = (this.flat.length >> 1) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareStrings(this.flat[2 * mid] as string, name);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }
}

/**
 * Byte-wise order of the UTF-8 encodings. JS `<` compares UTF-16 code units, which differs from
 * UTF-8 order only when surrogate pairs meet characters in U+E000..U+FFFF; handle that case.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return utf8Rank(x) - utf8Rank(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Surrogates (U+10000 and up in UTF-8) sort after U+E000..U+FFFF. */
function utf8Rank(c: number): number {
  return c >= 0xd800 && c <= 0xdfff ? c + 0x10000 : c;
}

/** `[a-zA-Z_:][a-zA-Z0-9_:]*` */
export function isLegacyMetricName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      c === 0x5f ||
      c === 0x3a ||
      (i > 0 && c >= 0x30 && c <= 0x39);
    if (!ok) return false;
  }
  return true;
}

/** `[a-zA-Z_][a-zA-Z0-9_]*` */
export function isLegacyLabelName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (i > 0 && c >= 0x30 && c <= 0x39);
    if (!ok) return false;
  }
  return true;
}
