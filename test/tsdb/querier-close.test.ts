import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Engine } from '../../src/promql/index.ts';
import { openTsdb } from '../../src/tsdb/index.ts';
import { batchOf, OPTS, tempDirs } from '../../src/tsdb/test-util.ts';

/**
 * The head's open chunks are read in place while a querier is open (see HeadReader.pin), so every
 * query must close its querier: after success, errors during selection or evaluation, and aborts.
 */
const T0 = 1_700_000_000_000;
const dir = tempDirs();

test('the engine closes its querier whatever the query ends with', async () => {
  const db = await openTsdb(dir(), { maintenanceIntervalMs: 0 });
  const samples = [];
  for (let i = 0; i < 100; i++)
    for (const job of ['a', 'b', 'c'])
      samples.push({ labels: { __name__: 'up', job }, t: T0 + i * 15_000, v: i });
  await db.append(batchOf(samples), OPTS);
  const engine = new Engine();
  const end = T0 + 99 * 15_000;
  const pinned = (): number => db.head.chunks.pinned;

  const ok = await engine.rangeQuery(db, 'sum(rate(up[5m]))', T0, end, 15_000);
  assert.equal(ok.value.type, 'matrix');
  assert.equal(pinned(), 0, 'after success');

  await assert.rejects(engine.rangeQuery(db, 'up', T0, end, 15_000, { maxSamples: 10 }));
  assert.equal(pinned(), 0, 'after an evaluation error');

  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(engine.instantQuery(db, 'up', end, { signal: aborted.signal }));
  assert.equal(pinned(), 0, 'after an abort');

  await assert.rejects(engine.instantQuery(db, 'up +', end));
  assert.equal(pinned(), 0, 'after a parse error');

  // Appends go on while queries are in flight: overlapping queries all end unpinned.
  const running = [];
  for (let k = 0; k < 8; k++) {
    running.push(engine.instantQuery(db, 'sum by (job) (rate(up[5m]))', end));
    await db.append(
      batchOf([{ labels: { __name__: 'up', job: 'a' }, t: end + (k + 1) * 15_000, v: 1 }]),
      OPTS,
    );
  }
  await Promise.all(running);
  assert.equal(pinned(), 0, 'after overlapping queries');
  assert.equal(db.head.chunks.retired, 0);
  await db.close();
});
