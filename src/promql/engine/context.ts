import { CanceledError, ExecutionError, QueryTimeoutError } from '../../model/index.ts';
import { AnnotationSet } from './annotations.ts';

/** Resolved per-query settings. Times in ms. */
export interface EvalOptions {
  readonly lookbackDelta: number;
  readonly maxSamples: number;
  /** Absolute wall-clock deadline (Date.now() scale). */
  readonly deadline: number;
  readonly signal: AbortSignal | null;
  readonly delayedNameRemoval: boolean;
  readonly enableStartTimestamps: boolean;
  readonly defaultSubqueryStep: number;
  /** Query start/end (ms) for start()/end()/range(); step for step() (0 for instant queries). */
  readonly queryStart: number;
  readonly queryEnd: number;
  readonly queryStep: number;
}

/**
 * Mutable state shared by one query's evaluation: annotations, the sample budget, and the
 * deadline/cancellation checks the loops call.
 */
export class EvalContext {
  readonly opts: EvalOptions;
  readonly annos: AnnotationSet;
  /** Samples currently held in memory (Prometheus's currentSamples, approximated per node). */
  private current = 0;
  peakSamples = 0;
  samplesScanned = 0;
  private ticks = 0;

  constructor(opts: EvalOptions, query: string | null) {
    this.opts = opts;
    this.annos = new AnnotationSet(query);
  }

  /** Throws if the query was canceled or ran past its deadline. Cheap enough for per-series calls. */
  check(): void {
    if ((++this.ticks & 63) !== 0) return;
    this.checkNow();
  }

  checkNow(): void {
    if (this.opts.signal?.aborted) throw new CanceledError('query was canceled in expression evaluation');
    if (Date.now() > this.opts.deadline)
      throw new QueryTimeoutError('query timed out in expression evaluation');
  }

  /** Accounts for `n` more samples held at once; throws past the limit. */
  hold(n: number): void {
    this.current += n;
    if (this.current > this.peakSamples) {
      this.peakSamples = this.current;
      if (this.current > this.opts.maxSamples) {
        throw new ExecutionError(
          'query processing would load too many samples into memory in query execution',
        );
      }
    }
  }

  release(n: number): void {
    this.current -= n;
  }
}
