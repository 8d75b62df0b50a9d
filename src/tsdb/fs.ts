import * as nodeFs from 'node:fs';
import { promisify } from 'node:util';

/**
 * The engine's only door to the file system. Everything that touches disk goes through this small
 * interface, so tests can inject ENOSPC/EIO (`FaultyFs`) exactly where they want.
 */
export interface TsdbFs {
  open(path: string, flags: string): Promise<number>;
  /** Writes at `position`; may write fewer bytes than asked (the caller loops). */
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or a directory tree; missing is fine. */
  rm(path: string): Promise<void>;
  size(path: string): Promise<number>;
  exists(path: string): Promise<boolean>;
  // Synchronous calls, only for the head chunk files (written and read from synchronous append
  // and query code; they are a cache of what the WAL and checkpoints hold, never fsynced).
  openSync(path: string, flags: string): number;
  /** Writes at `position`; may write fewer bytes than asked (the caller loops). */
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
  /** Removes a file; missing is fine. */
  unlinkSync(path: string): void;
}

const p = {
  open: promisify(nodeFs.open),
  write: promisify(nodeFs.write),
  read: promisify(nodeFs.read),
  fsync: promisify(nodeFs.fsync),
  ftruncate: promisify(nodeFs.ftruncate),
  close: promisify(nodeFs.close),
};

export const realFs: TsdbFs = {
  open: (path, flags) => p.open(path, flags),
  write: async (fd, buf, offset, length, position) =>
    (await p.write(fd, buf, offset, length, position)).bytesWritten,
  read: async (fd, buf, offset, length, position) =>
    (await p.read(fd, buf, offset, length, position)).bytesRead,
  fsync: (fd) => p.fsync(fd),
  ftruncate: (fd, length) => p.ftruncate(fd, length),
  close: (fd) => p.close(fd),
  readFile: (path) => nodeFs.promises.readFile(path),
  readdir: (path) => nodeFs.promises.readdir(path),
  mkdir: async (path) => {
    await nodeFs.promises.mkdir(path, { recursive: true });
  },
  rename: (from, to) => nodeFs.promises.rename(from, to),
  rm: (path) => nodeFs.promises.rm(path, { recursive: true, force: true }),
  size: async (path) => (await nodeFs.promises.stat(path)).size,
  exists: async (path) => {
    try {
      await nodeFs.promises.stat(path);
      return true;
    } catch {
      return false;
    }
  },
  openSync: (path, flags) => nodeFs.openSync(path, flags),
  writeSync: (fd, buf, offset, length, position) => nodeFs.writeSync(fd, buf, offset, length, position),
  readSync: (fd, buf, offset, length, position) => nodeFs.readSync(fd, buf, offset, length, position),
  closeSync: (fd) => nodeFs.closeSync(fd),
  unlinkSync: (path) => nodeFs.rmSync(path, { force: true }),
};

/** Writes a whole buffer at `position`, looping over short writes. */
export async function writeAll(fs: TsdbFs, fd: number, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const n = await fs.write(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += n;
  }
}

/**
 * Writes a file atomically: a temporary file, fsync, rename over the target, fsync of the
 * directory. Readers see the old or the new content, never a mix.
 */
export async function writeFileAtomic(fs: TsdbFs, path: string, parts: readonly Uint8Array[]): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = await fs.open(tmp, 'w');
  try {
    let at = 0;
    for (const part of parts) {
      await writeAll(fs, fd, part, at);
      at += part.length;
    }
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  await fs.rename(tmp, path);
  await fsyncDir(fs, dirOf(path));
}

export async function fsyncDir(fs: TsdbFs, dir: string): Promise<void> {
  let fd: number;
  try {
    fd = await fs.open(dir, 'r');
  } catch {
    return;
  }
  try {
    await fs.fsync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is then as durable as it gets.
  } finally {
    await fs.close(fd);
  }
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '.' : path.slice(0, i);
}

/** Which operations a FaultyFs breaks. */
export interface FaultPlan {
  /** Error code thrown by matching writes (ENOSPC, EIO), or null for none. */
  writeError: string | null;
  /** When failing a write, first write this many bytes of it (a partial write). */
  partialBytes: number;
  /** Also fail fsync with writeError. */
  failFsync: boolean;
  /** Only break paths containing this substring ('' = all). */
  pathFilter: string;
}

/**
 * A TsdbFs that fails on demand, for tests. Change `plan` at any time; `writes` counts attempted
 * writes so a test can fail the n-th one.
 */
export class FaultyFs implements TsdbFs {
  plan: FaultPlan = { writeError: null, partialBytes: 0, failFsync: false, pathFilter: '' };
  writes = 0;
  private readonly inner: TsdbFs;
  private readonly paths = new Map<number, string>();

  constructor(inner: TsdbFs = realFs) {
    this.inner = inner;
  }

  private broken(fd: number): boolean {
    if (this.plan.writeError === null) return false;
    return this.plan.pathFilter === '' || (this.paths.get(fd) ?? '').includes(this.plan.pathFilter);
  }

  private fail(): never {
    const code = this.plan.writeError ?? 'EIO';
    throw Object.assign(new Error(`${code}: injected fault`), { code });
  }

  async open(path: string, flags: string): Promise<number> {
    if (
      flags !== 'r' &&
      this.plan.writeError !== null &&
      (this.plan.pathFilter === '' || path.includes(this.plan.pathFilter))
    )
      this.fail();
    const fd = await this.inner.open(path, flags);
    this.paths.set(fd, path);
    return fd;
  }

  async write(
    fd: number,
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number> {
    this.writes++;
    if (this.broken(fd)) {
      if (this.plan.partialBytes > 0) {
        await this.inner.write(fd, buf, offset, Math.min(length, this.plan.partialBytes), position);
      }
      this.fail();
    }
    return this.inner.write(fd, buf, offset, length, position);
  }

  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.inner.read(fd, buf, offset, length, position);
  }

  async fsync(fd: number): Promise<void> {
    if (this.plan.failFsync && this.broken(fd)) this.fail();
    return this.inner.fsync(fd);
  }

  ftruncate(fd: number, length: number): Promise<void> {
    return this.inner.ftruncate(fd, length);
  }

  async close(fd: number): Promise<void> {
    this.paths.delete(fd);
    return this.inner.close(fd);
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.inner.readFile(path);
  }

  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }

  async mkdir(path: string): Promise<void> {
    if (this.plan.writeError !== null && (this.plan.pathFilter === '' || path.includes(this.plan.pathFilter)))
      this.fail();
    return this.inner.mkdir(path);
  }

  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }

  rm(path: string): Promise<void> {
    return this.inner.rm(path);
  }

  size(path: string): Promise<number> {
    return this.inner.size(path);
  }

  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }

  openSync(path: string, flags: string): number {
    if (
      flags !== 'r' &&
      this.plan.writeError !== null &&
      (this.plan.pathFilter === '' || path.includes(this.plan.pathFilter))
    )
      this.fail();
    const fd = this.inner.openSync(path, flags);
    this.paths.set(fd, path);
    return fd;
  }

  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    this.writes++;
    if (this.broken(fd)) {
      if (this.plan.partialBytes > 0)
        this.inner.writeSync(fd, buf, offset, Math.min(length, this.plan.partialBytes), position);
      this.fail();
    }
    return this.inner.writeSync(fd, buf, offset, length, position);
  }

  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    return this.inner.readSync(fd, buf, offset, length, position);
  }

  closeSync(fd: number): void {
    this.paths.delete(fd);
    this.inner.closeSync(fd);
  }

  unlinkSync(path: string): void {
    this.inner.unlinkSync(path);
  }
}
