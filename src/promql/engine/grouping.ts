import { Labels, METRIC_NAME } from '../../model/index.ts';
import { isMetadataLabel, keyForLabels, keyWithoutLabels, NameDroppedMeta } from './label-util.ts';
import type { SeriesMeta } from './types.ts';

/** Group index of every input series, and each group's output labels (first-seen order). */
export interface Grouping {
  readonly groupOf: Int32Array;
  readonly labels: Labels[];
}

export function computeGrouping(
  metas: readonly SeriesMeta[],
  grouping: readonly string[],
  without: boolean,
): Grouping {
  const groupOf = new Int32Array(metas.length);
  const labels: Labels[] = [];
  const index = new Map<string, number>();
  const drop = without ? new Set([...grouping, METRIC_NAME]) : null;
  const keep = without ? null : new Set(grouping);
  // `by (one_label)`, the common case: the value itself is the key (no string building; an absent
  // label and an empty value group together, as in Prometheus).
  const single = !without && grouping.length === 1 ? (grouping[0] as string) : null;
  // `by` ordinary labels: they read the same before and after the metric name is dropped, so a
  // lazily name-dropped series is read through its source labels and its own set is never built.
  const fromSource = !without && !grouping.some(isMetadataLabel);
  for (let i = 0; i < metas.length; i++) {
    const m = metas[i]!;
    const l = fromSource && m instanceof NameDroppedMeta ? m.source : m.labels;
    const key =
      single !== null
        ? valueOf(l.raw(), single)
        : without
          ? keyWithoutLabels(l, drop!)
          : grouping.length === 0
            ? ''
            : keyForLabels(l, grouping);
    let g = index.get(key);
    if (g === undefined) {
      g = labels.length;
      index.set(key, g);
      labels.push(without ? l.without(drop!) : grouping.length === 0 ? Labels.EMPTY : l.keep(keep!));
    }
    groupOf[i] = g;
  }
  return { groupOf, labels };
}

/** The value of `name` in a flat [name, value, …] array, "" when absent (a linear scan: few labels). */
function valueOf(raw: readonly string[], name: string): string {
  for (let i = 0; i < raw.length; i += 2) if (raw[i] === name) return raw[i + 1] as string;
  return '';
}
