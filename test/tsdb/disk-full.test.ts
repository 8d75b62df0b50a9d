import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { UnavailableError } from '../../src/model/index.ts';
import { FaultyFs, openTsdb } from '../../src/tsdb/index.ts';
import { batchOf, dump, OPTS, type TestSample } from '../../src/tsdb/test-util.ts';

const T0 = OPTS.now - 3_600_000;

function samples(i: number, n = 50): TestSample[] {
  const out: TestSample[] = [];
  for (let k = 0; k < n; k++)
    out.push({
      labels: { __name__: 'disk', k: String(k), round: String(i % 3) },
      t: T0 + i * 1000,
      v: i * 1000 + k,
    });
  return out;
}

/** Expected content for the acknowledged batch indexes. */
function expected(acked: readonly number[], n = 50): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (const i of [...acked].sort((a, b) => a - b)) {
    for (const s of samples(i, n)) {
      const key = `disk{k="${s.labels['k']}", round="${s.labels['round']}"}`;
      (out[key] ??= []).push([s.t, s.v as number]);
    }
  }
  return out;
}

test('injected ENOSPC (partial write) and EIO refuse the append, corrupt nothing, and recover', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-fault-'));
  const fs = new FaultyFs();
  try {
    const db = await openTsdb(dir, { fs, maintenanceIntervalMs: 0, walFsync: 'always' });
    const acked: number[] = [];
    for (let i = 0; i < 5; i++) {
      await db.append(batchOf(samples(i)), OPTS);
      acked.push(i);
    }
    for (const [code, partial, failFsync] of [
      ['ENOSPC', 37, false],
      ['EIO', 0, false],
      ['EIO', 0, true],
    ] as const) {
      fs.plan = { writeError: code, partialBytes: partial, failFsync, pathFilter: '/wal/' };
      // Batch 100 brings a new series whose WAL record is lost with the failed write.
      await assert.rejects(
        db.append(
          batchOf([...samples(acked.length), { labels: { __name__: 'fresh', code }, t: T0, v: 1 }]),
          OPTS,
        ),
        (err: unknown) => {
          assert.ok(err instanceof UnavailableError, String(err));
          assert.match((err as Error).message, new RegExp(code));
          return true;
        },
      );
      fs.plan = { writeError: null, partialBytes: 0, failFsync: false, pathFilter: '' };
      const i = acked.length + 1;
      await db.append(
        batchOf([...samples(i), { labels: { __name__: 'fresh', code }, t: T0 + 1, v: 2 }]),
        OPTS,
      );
      acked.push(i);
    }
    await db.close();

    const again = await openTsdb(dir, { maintenanceIntervalMs: 0 });
    assert.deepEqual(again.warnings, []);
    const got = await dump(await again.querier(-Infinity, Infinity));
    const disk = Object.fromEntries(Object.entries(got).filter(([k]) => k.startsWith('disk')));
    const want = expected(acked);
    for (const [k, rows] of Object.entries(want)) {
      // Unacknowledged samples may be present or not; acknowledged ones must be.
      for (const row of rows)
        assert.ok(
          disk[k]?.some(([t, v]) => t === row[0] && v === row[1]),
          `${k} ${row[0]} missing`,
        );
    }
    // The series first seen by a failed append was logged again with its next sample.
    for (const code of ['ENOSPC', 'EIO'])
      assert.ok(
        got[`fresh{code="${code}"}`]?.some(([t]) => t === T0 + 1),
        `fresh ${code}`,
      );
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed block write leaves the head intact and is retried', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-fault-'));
  const fs = new FaultyFs();
  try {
    const db = await openTsdb(dir, {
      fs,
      maintenanceIntervalMs: 0,
      blockRangeMs: 60_000,
      compactInWorker: false,
    });
    for (let i = 0; i < 300; i++) await db.append(batchOf(samples(i, 5)), OPTS);
    const before = await dump(await db.querier(-Infinity, Infinity));
    fs.plan = { writeError: 'ENOSPC', partialBytes: 10, failFsync: false, pathFilter: '/blocks/' };
    await db.maintain();
    assert.ok(
      db.warnings.some((w) => w.includes('ENOSPC')),
      db.warnings.join('\n'),
    );
    assert.deepEqual(await dump(await db.querier(-Infinity, Infinity)), before);
    fs.plan = { writeError: null, partialBytes: 0, failFsync: false, pathFilter: '' };
    await db.maintain();
    assert.ok(db.blocks.list.length > 0);
    assert.deepEqual(await dump(await db.querier(-Infinity, Infinity)), before);
    await db.close();
    const again = await openTsdb(dir, { maintenanceIntervalMs: 0, blockRangeMs: 60_000 });
    assert.deepEqual(await dump(await again.querier(-Infinity, Infinity)), before);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real full disk (tiny tmpfs): appends fail with UnavailableError, then recover when space returns', async (t) => {
  const mnt = mkdtempSync(join(tmpdir(), 'tsdb-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    rmSync(mnt, { recursive: true, force: true });
    if (process.env['CI'])
      throw new Error(`cannot mount a tmpfs for the disk-full test in CI: ${String(err)}`);
    t.skip(
      `SKIPPED LOUDLY: cannot mount a tmpfs here (${String(err).split('\n')[0]}); the real disk-full path is untested`,
    );
    return;
  }
  try {
    const dir = join(mnt, 'tenant');
    mkdirSync(dir);
    const db = await openTsdb(dir, { maintenanceIntervalMs: 0, walSegmentBytes: 64 * 1024 });
    const acked: number[] = [];
    let failed = 0;
    for (let i = 0; i < 5000 && failed === 0; i++) {
      try {
        await db.append(batchOf(samples(i, 200)), OPTS);
        acked.push(i);
      } catch (err) {
        assert.ok(err instanceof UnavailableError, String(err));
        failed = i;
      }
    }
    assert.ok(failed > 0, 'the disk never filled up');
    // Still full: refused again, nothing acknowledged.
    await assert.rejects(db.append(batchOf(samples(failed + 1, 200)), OPTS), UnavailableError);
    // Space returns.
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    const i = failed + 2;
    await db.append(batchOf(samples(i, 200)), OPTS);
    acked.push(i);
    await db.close();
    const again = await openTsdb(dir, { maintenanceIntervalMs: 0 });
    assert.deepEqual(again.warnings, []);
    const got = await dump(await again.querier(-Infinity, Infinity));
    const want = expected(acked, 200);
    for (const [k, rows] of Object.entries(want))
      for (const row of rows)
        assert.ok(
          got[k]?.some(([ts, v]) => ts === row[0] && v === row[1]),
          `${k} ${row[0]} missing`,
        );
    await again.close();
  } finally {
    execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
});
