import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Labels } from '../../model/index.ts';
import { Head } from './head.ts';
import { truncateHead } from './truncate.ts';

const H = 3_600_000;

function series(i: number): Labels {
  return Labels.fromObject({ __name__: i % 2 === 0 ? 'even' : 'odd', instance: `i${i}` });
}

test('truncation removes emptied series in slices while appends go on; lookups, postings and reuse stay right', async () => {
  const head = new Head(2 * H);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const ref = head.create(series(i));
    head.append(ref, 1000, 0, i);
    // Odd series also have data after the cut.
    if (i % 2 === 1) head.append(ref, 3 * H, 0, i);
  }
  head.minValidTime = 2 * H;
  const run = truncateHead(head, 2 * H);
  // Appends while truncation runs: a removed series is never found half removed; a new series
  // with the labels of a removed one gets a fresh ref.
  let created = 0;
  const appender = (async () => {
    for (let k = 0; k < 50; k++) {
      await new Promise((r) => setImmediate(r));
      const i = (k * 397) % n;
      let ref = head.findLabels(series(i));
      if (ref >= 0) assert.equal(head.dead[ref], 0);
      if (ref < 0) {
        ref = head.create(series(i));
        created++;
      }
      if ((head.f64[ref * 8] as number) < 3 * H + 1) head.append(ref, 3 * H + 1, 0, i);
    }
  })();
  const removed = await run;
  await appender;
  assert.ok(removed.length > 0 && removed.length <= n / 2);
  assert.equal(head.live, n - removed.length + created);
  for (let i = 0; i < n; i++) {
    const ref = head.findLabels(series(i));
    if (i % 2 === 1) assert.ok(ref >= 0 && head.dead[ref] === 0, `odd series ${i} is kept`);
    if (ref >= 0) assert.equal(head.labelsOf(ref).toString(), series(i).toString());
  }
  const even = head.postings.get(head.symbols.lookup('__name__'), head.symbols.lookup('even'));
  for (const ref of even) assert.equal(head.dead[ref], 0);
  assert.equal(even.length, head.seriesOfMetric(head.symbols.lookup('even')));
  assert.equal(head.minT, 3 * H);
  // Removed refs are reused once a checkpoint made them free; lookups still find every series.
  head.freeRetired(head.takeRetired(), true);
  for (let i = n; i < n + 5000; i++) head.create(series(i));
  for (let i = 0; i < n + 5000; i++) {
    const ref = head.findLabels(series(i));
    if (i % 2 === 1 || i >= n) assert.ok(ref >= 0, `series ${i} is found`);
  }
});
