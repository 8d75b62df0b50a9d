/**
 * Keeps long loops from stalling the event loop: `due()` is true once `budgetMs` of synchronous
 * work passed since the last yield, and `yield()` lets the event loop run (timers, I/O, appends).
 * Checking the clock costs ~30 ns, so loops check it every few hundred items.
 */
export class Slicer {
  private last = performance.now();
  private readonly budgetMs: number;

  constructor(budgetMs = 10) {
    this.budgetMs = budgetMs;
  }

  due(): boolean {
    return performance.now() - this.last >= this.budgetMs;
  }

  async yield(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.last = performance.now();
  }

  /** Yields if due. */
  async tick(): Promise<void> {
    if (this.due()) await this.yield();
  }
}
