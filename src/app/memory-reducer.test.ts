import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';

import { MemoryReducer, type NewSpaceSample } from './memory-reducer.ts';

const MiB = 1024 * 1024;

/** A reducer over a scripted young generation; `reductions` counts the collections asked for. */
function scripted(
  samples: NewSpaceSample[],
  busy: number[] = [],
): { reducer: MemoryReducer; reductions: () => number } {
  let i = 0;
  let b = 0;
  let reductions = 0;
  const reducer = new MemoryReducer({
    utilization: () => busy[b++] ?? 0,
    quietTicks: 3,
    quietBytesPerSecond: MiB,
    intervalMs: 1000,
    minNewSpaceBytes: 4 * MiB,
    sample: () => samples[Math.min(i++, samples.length - 1)] as NewSpaceSample,
    reduce: async () => {
      reductions++;
    },
  });
  return { reducer, reductions: () => reductions };
}

test('three quiet ticks over a large young generation start one reduction', async () => {
  const big = 32 * MiB;
  const { reducer, reductions } = scripted([
    { used: 1 * MiB, physical: big }, // first look: no baseline yet
    { used: 1.1 * MiB, physical: big },
    { used: 1.2 * MiB, physical: big },
    { used: 1.3 * MiB, physical: big }, // third quiet tick
    { used: 0.1 * MiB, physical: MiB }, // after the reduction
  ]);
  for (let t = 0; t < 3; t++) assert.equal(reducer.tick(), undefined);
  const started = reducer.tick();
  assert.ok(started);
  await started;
  assert.equal(reductions(), 1);
});

test('a busy young generation (fast growth or a scavenge) is left alone', () => {
  const big = 32 * MiB;
  const { reducer, reductions } = scripted([
    { used: 1 * MiB, physical: big },
    { used: 3 * MiB, physical: big }, // 2 MiB in a second: busy
    { used: 3.1 * MiB, physical: big },
    { used: 3.2 * MiB, physical: big },
    { used: 0.5 * MiB, physical: big }, // a scavenge ran: busy
    { used: 0.6 * MiB, physical: big },
    { used: 0.7 * MiB, physical: big },
  ]);
  for (let t = 0; t < 7; t++) assert.equal(reducer.tick(), undefined);
  assert.equal(reductions(), 0);
});

test('a busy event loop is not quiet, whatever the young generation does (queries)', () => {
  const big = 32 * MiB;
  const flat = Array.from({ length: 8 }, (): NewSpaceSample => ({ used: 1 * MiB, physical: big }));
  const { reducer, reductions } = scripted(flat, [0, 0.5, 0.5, 0.5, 0.9, 0.5, 0.3, 0.2]);
  for (let t = 0; t < 8; t++) assert.equal(reducer.tick(), undefined);
  assert.equal(reductions(), 0);
});

test('a small young generation is left alone however quiet', () => {
  const { reducer, reductions } = scripted([{ used: 100, physical: 2 * MiB }]);
  for (let t = 0; t < 10; t++) assert.equal(reducer.tick(), undefined);
  assert.equal(reductions(), 0);
});

test('a failing collection is reported, not thrown', async () => {
  const seen: unknown[] = [];
  const reducer = new MemoryReducer({
    sample: () => ({ used: 0, physical: 32 * MiB }),
    reduce: () => Promise.reject(new Error('no inspector')),
    onReduce: (r) => seen.push(r.error),
  });
  await reducer.reduceNow();
  assert.equal((seen[0] as Error).message, 'no inspector');
});

test(
  'the real collection shrinks a grown young generation',
  { skip: !process.features.inspector },
  async () => {
    const keep: unknown[] = [];
    // Survivors make V8 grow the young generation.
    for (let i = 0; i < 400_000; i++) keep.push({ i, s: `x${i}` });
    const before = newSpacePhysical();
    keep.length = 0;
    let after = 0;
    await new MemoryReducer({ onReduce: (r) => (after = r.afterBytes) }).reduceNow();
    assert.ok(before > 4 * MiB, `young generation grew to ${before} bytes`);
    assert.ok(after < before / 2, `young generation ${before} -> ${after} bytes`);
  },
);

function newSpacePhysical(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
}
