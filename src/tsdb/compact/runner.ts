import { Worker } from 'node:worker_threads';

import type { BlockMeta } from '../block/format.ts';
import type { TsdbFs } from '../fs.ts';
import type { Tombstones } from '../meta-stores.ts';
import { compactBlocks, type CompactJob } from './compact.ts';
import type { WorkerRequest } from './worker.ts';

type Pending = { resolve: (m: BlockMeta) => void; reject: (e: Error) => void };

/** How long the compaction worker may sit without a job before it is stopped. */
const WORKER_IDLE_MS = 30_000;

/**
 * One compaction worker thread for the whole process, shared by every tenant's engine (a thread
 * per tenant would cost tens of MB each). Jobs queue in the worker and run one at a time. It is
 * started on first use and stopped when the last engine using it closes, or once it has had no
 * job for `idleMs`: compactions are hours apart, and an idle worker would keep its isolate and
 * the heap its last merge grew (tens of MB at 100k series) resident the whole time.
 */
export class SharedWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private users = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly idleMs: number;

  constructor(idleMs = WORKER_IDLE_MS) {
    this.idleMs = idleMs;
  }

  /** Whether the thread is up (for tests). */
  get running(): boolean {
    return this.worker !== null;
  }

  acquire(): void {
    this.users++;
  }

  async release(): Promise<void> {
    this.users--;
    if (this.users > 0) return;
    await this.stop();
  }

  run(msg: Omit<WorkerRequest, 'id'>): Promise<BlockMeta> {
    const w = this.start();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...msg, id });
    });
  }

  private async stop(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const w = this.worker;
    this.worker = null;
    if (w === null) return;
    // Jobs still queued in the thread will never answer: fail them here (its late 'exit' no
    // longer does, see failAll).
    const err = new Error('compaction worker stopped');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    await w.terminate();
  }

  /** After the last pending job: stop the thread unless another job comes within idleMs. */
  private settled(): void {
    if (this.pending.size > 0 || this.worker === null) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.pending.size === 0) void this.stop();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const url = new URL(`./worker.${ext}`, import.meta.url);
    // From TypeScript sources (tests, benches) the worker must load tsx itself: Node 20 does not
    // pass `--import` loaders on to worker threads.
    const w =
      ext === 'ts'
        ? new Worker(
            `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
            { eval: true },
          )
        : new Worker(url);
    w.unref();
    w.on('message', (m: { id: number; ok: boolean; meta?: BlockMeta; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.meta as BlockMeta);
      else p.reject(new Error(`compaction failed in the worker: ${m.error}`));
      this.settled();
    });
    const failAll = (err: Error): void => {
      // A thread we stopped ourselves (idle, or the last engine closed) exits with nothing
      // pending; its late 'exit' must not fail the jobs of the thread started after it.
      if (this.worker !== w) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`compaction worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}

const shared = new SharedWorker();

/**
 * Runs one engine's compaction jobs, in the shared worker thread (default) or inline. Inline mode
 * uses the engine's fs seam (tests inject faults there); the worker uses the real file system.
 */
export class CompactionRunner {
  private readonly inWorker: boolean;
  private readonly fs: TsdbFs;
  private acquired = false;

  constructor(fs: TsdbFs, inWorker: boolean) {
    this.fs = fs;
    this.inWorker = inWorker;
  }

  run(job: CompactJob, tombstones: Tombstones): Promise<BlockMeta> {
    if (!this.inWorker) return compactBlocks(this.fs, job, tombstones);
    if (!this.acquired) {
      this.acquired = true;
      shared.acquire();
    }
    return shared.run({
      job,
      tombstones: tombstones.list.map((t) => ({
        start: t.start,
        end: t.end,
        matchers: t.matchers.map((m) => ({ type: m.type, name: m.name, value: m.value })),
      })),
    });
  }

  async close(): Promise<void> {
    if (!this.acquired) return;
    this.acquired = false;
    await shared.release();
  }
}
