import { Labels, METRIC_NAME } from '../../model/index.ts';
import { keyForLabels, keyWithoutLabels } from './label-util.ts';
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
  for (let i = 0; i < metas.length; i++) {
    const l = metas[i]!.labels;
    const key = without ? keyWithoutLabels(l, drop!) : grouping.length === 0 ? '' : keyForLabels(l, grouping);
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
