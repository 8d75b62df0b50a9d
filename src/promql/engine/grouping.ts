import { Labels, METRIC_NAME } from '../../model/index.ts';
import { isMetadataLabel, NameDroppedMeta } from './label-util.ts';
import { TupleIndex } from './tuple-index.ts';
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
  const drop = without ? new Set([...grouping, METRIC_NAME]) : null;
  const keep = without ? null : new Set(grouping);
  // `by (one_label)`, the common case: the value itself is the key (an absent label and an empty
  // value group together, as in Prometheus). Otherwise a trie over the values (`by`) or the
  // name/value pairs (`without`): no key string is built.
  const single = !without && grouping.length === 1 ? (grouping[0] as string) : null;
  const index = new Map<string, number>();
  const tuples = new TupleIndex();
  // `by` ordinary labels: they read the same before and after the metric name is dropped, so a
  // lazily name-dropped series is read through its source labels and its own set is never built.
  const fromSource = !without && !grouping.some(isMetadataLabel);
  for (let i = 0; i < metas.length; i++) {
    const m = metas[i]!;
    const l = fromSource && m instanceof NameDroppedMeta ? m.source : m.labels;
    let g: number;
    let fresh: boolean;
    if (single !== null) {
      const key = valueOf(l.raw(), single);
      const known = index.get(key);
      fresh = known === undefined;
      g = known ?? labels.length;
      if (fresh) index.set(key, g);
    } else {
      tuples.begin();
      if (without) {
        const raw = l.raw();
        for (let x = 0; x < raw.length; x += 2) {
          if (drop!.has(raw[x] as string)) continue;
          tuples.add(raw[x] as string);
          tuples.add(raw[x + 1] as string);
        }
      } else {
        for (let x = 0; x < grouping.length; x++) tuples.add(l.get(grouping[x] as string));
      }
      g = tuples.end();
      fresh = tuples.fresh;
    }
    if (fresh) labels.push(without ? l.without(drop!) : grouping.length === 0 ? Labels.EMPTY : l.keep(keep!));
    groupOf[i] = g;
  }
  return { groupOf, labels };
}

/** The value of `name` in a flat [name, value, …] array, "" when absent (a linear scan: few labels). */
function valueOf(raw: readonly string[], name: string): string {
  for (let i = 0; i < raw.length; i += 2) if (raw[i] === name) return raw[i + 1] as string;
  return '';
}
