import { Worker } from 'node:worker_threads';

import type { BlockMeta } from '../block/format.ts';
import type { TsdbFs } from '../fs.ts';
import type { Tombstones } from '../meta-stores.ts';
import { compactBlocks, type CompactJob } from './compact.ts';
import type { WorkerRequest } from './worker.ts';

/**
 * Runs compaction jobs one at a time, in a worker thread (default) or inline. The worker is started
 * on first use and stopped by `close`. Inline mode uses the engine's fs seam (tests inject faults
 * there); the worker uses the real file system.
 */
export class CompactionRunner {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (m: BlockMeta) => void; reject: (e: Error) => void }
  >();
  private readonly inWorker: boolean;
  private readonly fs: TsdbFs;

  constructor(fs: TsdbFs, inWorker: boolean) {
    this.fs = fs;
    this.inWorker = inWorker;
  }

  run(job: CompactJob, tombstones: Tombstones): Promise<BlockMeta> {
    if (!this.inWorker) return compactBlocks(this.fs, job, tombstones);
    const w = this.start();
    const id = this.nextId++;
    const msg: WorkerRequest = {
      id,
      job,
      tombstones: tombstones.list.map((t) => ({
        start: t.start,
        end: t.end,
        matchers: t.matchers.map((m) => ({ type: m.type, name: m.name, value: m.value })),
      })),
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage(msg);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
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
    });
    const failAll = (err: Error): void => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = null;
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`compaction worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}
