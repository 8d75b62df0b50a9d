import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Labels } from '../../model/index.ts';
import { computeGrouping } from './grouping.ts';
import { dropMetricName, NameDroppedMeta } from './label-util.ts';
import type { SeriesMeta } from './types.ts';

const SERIES = [
  { __name__: 'a_total', job: 'x', instance: '1' },
  { __name__: 'b_total', job: 'x', instance: '2', __type__: 'counter' },
  { __name__: 'a_total', job: 'y', instance: '1' },
  { job: 'y', instance: '3' },
  { __name__: 'c', instance: '3', __unit__: 'seconds' },
].map((o) => Labels.fromObject(o));

const GROUPINGS: Array<[string[], boolean]> = [
  [[], false],
  [['job'], false],
  [['instance', 'job'], false],
  [['__name__'], false],
  [['__type__', 'job'], false],
  [['__unit__'], false],
  [['job'], true],
  [['instance'], true],
  [[], true],
];

test('computeGrouping over lazily name-dropped metas equals grouping the dropped labels', () => {
  const eager: SeriesMeta[] = SERIES.map((l) => ({ labels: dropMetricName(l), dropName: false }));
  for (const [grouping, without] of GROUPINGS) {
    const lazy = SERIES.map((l) => new NameDroppedMeta(l));
    const want = computeGrouping(eager, grouping, without);
    const got = computeGrouping(lazy, grouping, without);
    const what = `${without ? 'without' : 'by'} (${grouping.join(', ')})`;
    assert.deepEqual([...got.groupOf], [...want.groupOf], what);
    assert.deepEqual(
      got.labels.map((l) => l.toString()),
      want.labels.map((l) => l.toString()),
      what,
    );
  }
});

test('by ordinary labels never builds the dropped label sets', () => {
  const lazy = SERIES.map((l) => new NameDroppedMeta(l));
  computeGrouping(lazy, ['job'], false);
  computeGrouping(lazy, [], false);
  for (const m of lazy) assert.equal((m as unknown as { dropped: Labels | null }).dropped, null);
  // Reading them builds them once, without the metadata labels.
  assert.equal(lazy[1]!.labels.toString(), '{instance="2", job="x"}');
  assert.equal(lazy[1]!.labels, lazy[1]!.labels);
  assert.equal(NameDroppedMeta.of(lazy[1]!), lazy[1]);
});
