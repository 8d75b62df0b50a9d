import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Matcher } from '../../model/index.ts';
import { openTsdb } from '../index.ts';
import { batchOf, OPTS, tempDirs } from '../test-util.ts';

const dir = tempDirs();
const T0 = 1_800_000_000_000;
const opts = { ...OPTS, now: T0 + 3_600_000 };

test('repeated selects see series added and removed since, in label order', async () => {
  const db = await openTsdb(dir(), { maintenanceIntervalMs: 0, compactInWorker: false });
  const signal = new AbortController().signal;
  const names = async (): Promise<string[]> => {
    const q = await db.querier(T0, T0 + 3_600_000);
    const s = await q.select(
      [new Matcher('=', '__name__', 'up')],
      { start: T0, end: T0 + 3_600_000 },
      signal,
    );
    q.close();
    return s.map((x) => x.labels.get('pod'));
  };
  const add = async (pod: string, t: number): Promise<void> => {
    await db.append(batchOf([{ labels: { __name__: 'up', pod }, t, v: 1 }]), opts);
  };
  await add('b', T0);
  await add('d', T0);
  assert.deepEqual(await names(), ['b', 'd']);
  assert.deepEqual(await names(), ['b', 'd']);
  await add('c', T0 + 1000);
  await add('a', T0 + 1000);
  assert.deepEqual(await names(), ['a', 'b', 'c', 'd']);
  // Another selector in between does not disturb the first one's entry.
  const q = await db.querier(T0, T0 + 3_600_000);
  assert.equal(
    (await q.select([new Matcher('=', 'pod', 'c')], { start: T0, end: T0 + 3_600_000 }, signal)).length,
    1,
  );
  q.close();
  assert.deepEqual(await names(), ['a', 'b', 'c', 'd']);
  await db.close();
});
