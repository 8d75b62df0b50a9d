import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './supervisor.ts';

/**
 * Bytes a directory tree occupies on disk (allocated blocks, like `du`), so preallocated or sparse
 * files count for what they really take. Files that vanish during the walk count as 0.
 */
export function diskBytes(path: string): number {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.blocks * 512;
  let total = st.blocks * 512;
  let names: string[] = [];
  try {
    names = readdirSync(path);
  } catch {
    return total;
  }
  for (const name of names) total += diskBytes(join(path, name));
  return total;
}

/**
 * The same wait-for-flush rule for every system: poll the size once a second until three readings
 * in a row are equal (or `timeoutMs` passes), then return the last reading.
 */
export async function settledBytes(path: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = diskBytes(path);
  let same = 0;
  while (same < 2 && performance.now() < deadline) {
    await sleep(1_000);
    const now = diskBytes(path);
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}
