import { CounterResetHint, type FloatHistogram } from '../../model/index.ts';
import type { EvalOptions } from './context.ts';

/** Evaluation settings for tests that drive engine parts directly: no limits, 5m lookback. */
export const TEST_EVAL_OPTIONS: EvalOptions = {
  lookbackDelta: 300_000,
  maxSamples: 1e9,
  deadline: Infinity,
  signal: null,
  delayedNameRemoval: false,
  enableStartTimestamps: false,
  defaultSubqueryStep: 60_000,
  queryStart: 0,
  queryEnd: 0,
  queryStep: 0,
};

/** A schema-0 histogram with `count` observations in one bucket (sum = count). */
export function oneBucketHistogram(count: number): FloatHistogram {
  return {
    counterResetHint: CounterResetHint.Unknown,
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: 0,
    count,
    sum: count,
    positiveSpans: [{ offset: 0, length: 1 }],
    positiveBuckets: [count],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: [],
  };
}
