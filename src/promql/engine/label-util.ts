import { Labels, METRIC_NAME } from '../../model/index.ts';

/** The metadata labels PromQL drops together with the metric name. */
const METADATA_LABELS = new Set([METRIC_NAME, '__type__', '__unit__']);

/** The labels without `__name__`, `__type__` and `__unit__`. Returns `labels` when none is present. */
export function dropMetricName(labels: Labels): Labels {
  const raw = labels.raw();
  let count = 0;
  let first = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.charCodeAt(0) === 95 /* _ */ && METADATA_LABELS.has(name)) {
      if (first < 0) first = i;
      count++;
    } else if (name > '__unit__') break; // sorted: `__` names come before lowercase letters
  }
  if (count === 0) return labels;
  // One exact-size array (this runs once per series of most function results).
  if (count === 1 && first === 0) return Labels.fromSortedFlat(raw.slice(2));
  const out = raw.slice(0, raw.length - 2 * count);
  let k = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.charCodeAt(0) === 95 && METADATA_LABELS.has(name)) continue;
    out[k++] = name;
    out[k++] = raw[i + 1] as string;
  }
  return Labels.fromSortedFlat(out);
}

const SEP = '\xff';

/**
 * A string identifying the values of `names` (sorted, unique) in `labels`; equal for series that
 * agree on those labels (an absent label counts as the empty value). For Map keys.
 */
export function keyForLabels(labels: Labels, names: readonly string[]): string {
  let key = '';
  for (let i = 0; i < names.length; i++) key += labels.get(names[i] as string) + SEP;
  return key;
}

/** A string identifying `labels` without the listed names (a Set). */
export function keyWithoutLabels(labels: Labels, drop: ReadonlySet<string>): string {
  const raw = labels.raw();
  let key = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (drop.has(name)) continue;
    key += name + SEP + (raw[i + 1] as string) + SEP;
  }
  return key;
}

/** `{a="x", b="y"}` in Prometheus's Labels.String() form (always braces, name included as a label). */
export function labelsToString(labels: Labels): string {
  const parts: string[] = [];
  labels.forEach((n, v) => parts.push(`${n}=${JSON.stringify(v)}`));
  return `{${parts.join(', ')}}`;
}

/**
 * Prometheus accepts any non-empty valid UTF-8 label name. The parser turns bytes that are not
 * UTF-8 into U+FFFD, so that character marks an invalid name here.
 */
export function isValidLabelName(s: string): boolean {
  return (
    s.length > 0 &&
    !s.includes('\uFFFD') &&
    !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))
  );
}

export { Labels, METRIC_NAME };
