import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { Matcher } from '../../src/model/index.ts';
import { ValueKind } from '../../src/storage/index.ts';
import { openTsdb } from '../../src/tsdb/index.ts';
import { CRASH_SERIES, CRASH_TSDB_OPTIONS, crashIsStale, crashTime, crashValue } from './crash-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsdb-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it is killed `killAfterMs` after it is ready; returns the acknowledged batch indexes. */
function runChild(
  first: number,
  count: number,
  killAfterMs: number,
): Promise<{ acked: number[]; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('test', 'tsdb', 'crash-child.ts'), dir, String(first), String(count)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const acked: number[] = [];
    let buf = '';
    let finished = false;
    let timer: NodeJS.Timeout | null = null;
    const hardStop = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (line === 'done') finished = true;
        else if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
        else if (line.startsWith('rejected')) reject(new Error(`child refused samples: ${line}`));
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      if (timer) clearTimeout(timer);
      clearTimeout(hardStop);
      resolve({ acked, finished });
    });
  });
}

test(
  'every acknowledged sample survives SIGKILL during ingest, head cuts and compaction',
  { timeout: 180_000 },
  async () => {
    const allAcked: number[] = [];
    const rounds = 4;
    let seed = 7;
    for (let round = 0; round < rounds; round++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // Random kill points; the last round lives long enough for the worker to start and compact.
      const killAfter = round === rounds - 1 ? 6000 : 300 + (seed % 2000);
      // Each round writes later timestamps than any earlier round could have attempted.
      const { acked, finished } = await runChild(round * 100_000, 100_000, killAfter);
      assert.ok(!finished, 'the child should have been killed before finishing');
      allAcked.push(...acked);

      // Reopen in this process and check every acknowledged sample, bit for bit.
      const db = await openTsdb(dir, { ...CRASH_TSDB_OPTIONS, maintenanceIntervalMs: 0 });
      const unexpected = db.warnings.filter((w) => !w.includes('torn tail'));
      assert.deepEqual(unexpected, [], 'opening after a kill found corruption');
      const want = new Set(allAcked);
      const q = await db.querier(-Infinity, Infinity);
      const series = await q.select(
        [new Matcher('=~', '__name__', 'crash_.*')],
        { start: -Infinity, end: Infinity },
        new AbortController().signal,
      );
      const seen = new Map<number, number>();
      for (const s of series) {
        const k = Number(s.labels.get('k'));
        const it = s.iterator();
        let prevT = -Infinity;
        for (let kind = it.next(), n = 0; kind !== ValueKind.None && n < 1e7; kind = it.next(), n++) {
          assert.ok(it.t > prevT, 'timestamps must increase');
          prevT = it.t;
          const idx = Math.round((it.t - crashTime(0)) / (crashTime(1) - crashTime(0)));
          if (crashIsStale(idx, k))
            assert.equal(kind, ValueKind.Stale, `series ${k} batch ${idx} should be a stale marker`);
          else assert.equal(it.v, crashValue(idx, k), `series ${k} batch ${idx} value`);
          if (want.has(idx)) seen.set(idx, (seen.get(idx) ?? 0) + 1);
        }
      }
      q.close();
      const missing = [...want].filter((idx) => seen.get(idx) !== CRASH_SERIES);
      assert.deepEqual(
        missing.slice(0, 10),
        [],
        `acknowledged batches missing after round ${round} (of ${want.size} acked)`,
      );
      await db.close();
    }
    assert.ok(allAcked.length > 50, `only ${allAcked.length} batches were acknowledged in ${rounds} rounds`);
    // The kills happened while blocks were being cut and compacted, not only during plain ingest.
    const db = await openTsdb(dir, { ...CRASH_TSDB_OPTIONS, maintenanceIntervalMs: 0 });
    const levels = db.blocks.list.map((b) => b.meta.compaction.level);
    await db.close();
    assert.ok(levels.length > 0, 'no block was cut');
    assert.ok(
      levels.some((l) => l > 1),
      `no compaction happened: levels ${levels.join(',')}`,
    );
  },
);
