import type { TsdbFs } from './fs.ts';

/** Directories this process holds the lock of (a second open in the same process is refused too). */
const held = new Set<string>();

/** Whether a process with this id exists (a zombie counts; EPERM means it exists but is not ours). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The lock that keeps two engines from opening one tenant directory: a file `lock` holding the
 * owner's process id, created exclusively. A lock left by a process that no longer runs (kill -9,
 * power loss) is taken over; one held by a running process (or by this process) is an error.
 * Process ids can be reused, so a stale lock whose id now belongs to an unrelated process also
 * refuses the open: the message names the file to delete in that rare case.
 */
export class DirLock {
  private readonly fs: TsdbFs;
  readonly path: string;
  private readonly dir: string;
  private released = false;

  private constructor(fs: TsdbFs, dir: string) {
    this.fs = fs;
    this.dir = dir;
    this.path = `${dir}/lock`;
  }

  static async acquire(fs: TsdbFs, dir: string): Promise<DirLock> {
    const lock = new DirLock(fs, dir);
    if (held.has(dir)) throw lock.busy(process.pid);
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = await fs.open(lock.path, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        let owner = NaN;
        try {
          owner = Number(new TextDecoder().decode(await fs.readFile(lock.path)).trim());
        } catch {
          // Vanished or unreadable: retry the exclusive create.
        }
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner))
          throw lock.busy(owner);
        await fs.rm(lock.path); // stale: its process is gone (or it is ours from a past life)
        continue;
      }
      try {
        const text = new TextEncoder().encode(`${process.pid}\n`);
        await fs.write(fd, text, 0, text.length, 0);
      } finally {
        await fs.close(fd);
      }
      held.add(dir);
      return lock;
    }
    throw new Error(
      `could not create the lock file ${lock.path}: it keeps reappearing; is another process opening it?`,
    );
  }

  private busy(pid: number): Error {
    return new Error(
      `the data directory ${this.dir} is in use by process ${pid}${pid === process.pid ? ' (this process)' : ''}: ` +
        `two engines must not open one tenant directory. Stop the other process, or if none runs, ` +
        `delete ${this.path}`,
    );
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    held.delete(this.dir);
    await this.fs.rm(this.path);
  }
}
