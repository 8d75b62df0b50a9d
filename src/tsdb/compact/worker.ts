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

// Runs compactions off the main thread, one at a time (jobs from every tenant queue here), so
// ingest never waits for one and memory holds one compaction's data at most.
let chain: Promise<void> = Promise.resolve();
parentPort?.on('message', (msg: WorkerRequest) => {
  chain = chain.then(async () => {
    const ts = new Tombstones();
    for (const t of msg.tombstones)
      ts.add({
        matchers: t.matchers.map((m) => new Matcher(m.type, m.name, m.value)),
        start: t.start,
        end: t.end,
      });
    try {
      const meta = await compactBlocks(realFs, msg.job, ts);
      parentPort?.postMessage({ id: msg.id, ok: true, meta });
    } catch (err) {
      parentPort?.postMessage({ id: msg.id, ok: false, error: String((err as Error)?.stack ?? err) });
    }
  });
});
