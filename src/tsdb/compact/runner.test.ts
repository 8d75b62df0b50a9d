import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SharedWorker } from './runner.ts';

const JOB = {
  job: { blocksDir: '/nonexistent-xscaler-test-dir', sources: ['A', 'B'], ulid: 'C', compress: true },
  tombstones: [],
};

/** Polls `cond` every 20 ms for at most `ms`. */
async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (let i = 0; i < ms / 20 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

test('the compaction worker stops after idleMs without a job and starts again for the next one', async () => {
  const w = new SharedWorker(100);
  w.acquire();
  try {
    // A job over a missing directory fails inside the worker: the round trip is what matters.
    await assert.rejects(w.run(JOB), /compaction failed in the worker/);
    assert.equal(w.running, true, 'kept for a while after a job');
    assert.equal(await waitFor(() => !w.running, 5_000), true, 'stopped once idle');
    await assert.rejects(w.run(JOB), /compaction failed in the worker/);
    assert.equal(w.running, true);
  } finally {
    await w.release();
  }
  assert.equal(w.running, false, 'stopped when the last user releases it');
});

test('a job queued right after an idle stop is not failed by the old thread exiting', async () => {
  const w = new SharedWorker(1);
  w.acquire();
  try {
    for (let i = 0; i < 5; i++) {
      await assert.rejects(w.run(JOB), /compaction failed in the worker/);
      // Land the next job around the moment the idle stop fires.
      await new Promise((r) => setTimeout(r, i));
    }
  } finally {
    await w.release();
  }
});

test('a job still queued when the last user releases the worker is failed, not left hanging', async () => {
  const w = new SharedWorker(60_000);
  w.acquire();
  const failed = assert.rejects(w.run(JOB), /compaction worker stopped/);
  await w.release();
  await failed;
});
