import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const WAL = fileURLToPath(new URL('./wal.ts', import.meta.url));
const FS = fileURLToPath(new URL('../fs.ts', import.meta.url));

// The scenario runs in a child process with a time limit: the bug it guards against was a
// synchronous endless loop, which would block this test's own timers too.
const SCENARIO = `
const { Wal } = await import(${JSON.stringify(WAL)});
const { realFs } = await import(${JSON.stringify(FS)});
const dir = process.argv[1];
const listener = { durable() {}, lost() {} };
const wal = await Wal.create(realFs, dir, 0, { segmentBytes: 1 << 20, fsync: 'interval', fsyncIntervalMs: 60_000 }, listener);
for (let round = 0; round < 20; round++) {
  wal.rec.begin(1);
  wal.rec.u8(0);
  wal.rec.end();
  await wal.commit();
  // The state of the race seen in production: the fsync timer found the segment dirty and marked
  // a sync due, and a checkpoint's cut ran before the writer did. The cut's fsync leaves nothing
  // dirty while the sync is still marked due. (Set directly: the timer's moment cannot be chosen.)
  wal.syncDue = true;
  await wal.cut();
}
await wal.close();
console.log('closed at segment', wal.segment);
`;

test('a segment cut while a timed fsync is due does not leave the WAL writer spinning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-sync-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCENARIO, dir], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(r.signal, null, `the WAL did not finish within 10 s (killed): ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /closed at segment 20/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
