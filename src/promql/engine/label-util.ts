import { Labels, METRIC_NAME } from '../../model/index.ts';
import type { SeriesMeta } from './types.ts';

/** The metadata labels PromQL drops together with the metric name. */
const METADATA_LABELS = new Set([METRIC_NAME, '__type__', '__unit__']);

/** Whether `name` is one of the labels dropped together with the metric name. */
export function isMetadataLabel(name: string): boolean {
  return METADATA_LABELS.has(name);
}

/**
 * The meta of a series whose metric name is dropped (not delayed), with the dropped label set
 * built on first read: a consumer that only looks at ordinary labels reads them from `source`
 * (same values; see computeGrouping), so `sum by (job) (rate(x[5m]))` builds no label set per
 * input series. Never marked `dropName`: the name is gone already.
 */
export class NameDroppedMeta implements SeriesMeta {
  readonly dropName = false;
  /** The labels before the drop. */
  readonly source: Labels;
  private dropped: Labels | null = null;

  constructor(source: Labels) {
    this.source = source;
  }

  get labels(): Labels {
    return (this.dropped ??= dropMetricName(this.source));
  }

  /** The meta of `m` with the name dropped (`m` itself when already dropped lazily). */
  static of(m: SeriesMeta): NameDroppedMeta {
    return m instanceof NameDroppedMeta ? m : new NameDroppedMeta(m.labels);
  }
}

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
