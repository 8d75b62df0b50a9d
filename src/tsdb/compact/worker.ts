import { parentPort } from 'node:worker_threads';

import { Matcher, type MatchType } from '../../model/index.ts';
import { realFs } from '../fs.ts';
import { Tombstones } from '../meta-stores.ts';
import { compactBlocks, type CompactJob } from './compact.ts';

/** Message to the compaction worker: a job and the tombstones to apply, as plain data. */
export interface WorkerRequest {
  readonly id: number;
  readonly job: CompactJob;
  readonly tombstones: ReadonlyArray<{
    matchers: ReadonlyArray<{ type: MatchType; name: string; value: string }>;
    start: number;
    end: number;
  }>;
}

// Runs compactions off the main thread, so ingest never waits for one.
parentPort?.on('message', (msg: WorkerRequest) => {
  const ts = new Tombstones();
  for (const t of msg.tombstones)
    ts.add({
      matchers: t.matchers.map((m) => new Matcher(m.type, m.name, m.value)),
      start: t.start,
      end: t.end,
    });
  compactBlocks(realFs, msg.job, ts).then(
    (meta) => parentPort?.postMessage({ id: msg.id, ok: true, meta }),
    (err: unknown) =>
      parentPort?.postMessage({ id: msg.id, ok: false, error: String((err as Error)?.stack ?? err) }),
  );
});
