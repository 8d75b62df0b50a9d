/**
 * Child process of crash.test.ts: ingests deterministic batches as fast as it can (several appends
 * in flight, background cuts and compactions every few ms) and prints `ack <index>` on stdout once
 * the append of batch <index> resolved. The parent kills it with SIGKILL at a random moment.
 *
 *   node --import tsx test/tsdb/crash-child.ts <dir> <firstBatch> <batches>
 */
import { openTsdb } from '../../src/tsdb/index.ts';
import { crashBatch, CRASH_OPTS, CRASH_TSDB_OPTIONS } from './crash-data.ts';

const [dir, first, count] = [process.argv[2] as string, Number(process.argv[3]), Number(process.argv[4])];
const db = await openTsdb(dir, CRASH_TSDB_OPTIONS);
process.stdout.write('ready\n');
let next = first;
const end = first + count;
async function worker(): Promise<void> {
  while (next < end) {
    const idx = next++;
    const res = await db.append(crashBatch(idx), CRASH_OPTS);
    if (res.rejected.size > 0) process.stdout.write(`rejected ${idx} ${JSON.stringify([...res.rejected])}\n`);
    process.stdout.write(`ack ${idx}\n`);
  }
}
await Promise.all([worker(), worker(), worker(), worker()]);
await db.close();
process.stdout.write('done\n');
