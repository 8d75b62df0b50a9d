import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compactionRanges, planCompaction, planHeadCut, planRetention, type PlanBlock } from './plan.ts';

const H = 3_600_000;
const block = (ulid: string, fromHour: number, hours: number): PlanBlock => ({
  ulid,
  minTime: fromHour * H,
  maxTime: (fromHour + hours) * H - 1,
});

test('compaction ranges grow by three up to the maximum', () => {
  assert.deepEqual(compactionRanges(2 * H, 54 * H), [2 * H, 6 * H, 18 * H, 54 * H]);
  assert.deepEqual(compactionRanges(2 * H, 2 * H), [2 * H]);
});

test('overlapping blocks are merged first', () => {
  const plan = planCompaction(
    [block('a', 0, 2), block('b', 2, 2), block('c', 3, 2), block('d', 10, 2)],
    [2 * H, 6 * H],
  );
  assert.deepEqual(plan, ['b', 'c']);
});

test('a complete aligned window with several blocks is merged; a filling one waits', () => {
  const ranges = compactionRanges(2 * H, 18 * H);
  // 0-6 h window complete (newest block starts at 6 h), 6-12 h window has one block so far.
  assert.deepEqual(
    planCompaction([block('a', 0, 2), block('b', 2, 2), block('c', 4, 2), block('d', 6, 2)], ranges),
    ['a', 'b', 'c'],
  );
  // The window 0-6 h is not complete while the newest block is inside it.
  assert.equal(planCompaction([block('a', 0, 2), block('b', 2, 2)], ranges), null);
  // Next level: three 6 h blocks in an 18 h window, complete once a block starts at 18 h.
  assert.deepEqual(
    planCompaction([block('x', 0, 6), block('y', 6, 6), block('z', 12, 6), block('n', 18, 2)], ranges),
    ['x', 'y', 'z'],
  );
  assert.equal(planCompaction([block('x', 0, 6), block('y', 6, 6), block('z', 12, 6)], ranges), null);
  // A single block never needs compaction.
  assert.equal(planCompaction([block('a', 0, 2)], ranges), null);
});

test('retention drops blocks wholly older than newest - retention', () => {
  const blocks = [block('a', 0, 2), block('b', 2, 2), block('c', 4, 2)];
  assert.deepEqual(planRetention(blocks, 6 * H, 3 * H), ['a']);
  assert.deepEqual(planRetention(blocks, 6 * H, 10 * H), []);
  assert.deepEqual(planRetention(blocks, -Infinity, H), []);
});

test('the head is cut one aligned range at a time once it spans more than 1.5 ranges', () => {
  assert.equal(planHeadCut(0, 3 * H, 2 * H), null);
  assert.deepEqual(planHeadCut(H, 4.5 * H, 2 * H), { mint: 0, maxt: 2 * H - 1 });
  assert.equal(planHeadCut(Infinity, -Infinity, 2 * H), null);
});
