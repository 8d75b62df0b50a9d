import { checkSeriesLabels, Labels, type SampleBatch } from '../model/index.ts';
import type { AppendResult, RejectedSample, RejectReason } from '../storage/index.ts';

const MAX_EXAMPLES = 5;

/** Reasons for which storage refuses a series whole: none of its samples or exemplars is stored. */
const SERIES_REASONS: ReadonlySet<RejectReason> = new Set<RejectReason>([
  'invalid_labels',
  'max_label_names_per_series',
  'label_name_too_long',
  'label_value_too_long',
  'series_limit',
  'metric_series_limit',
]);

/**
 * Wraps the new-series check given to storage and records its answers in order: which label sets
 * it refused, and which it let through (storage then creates them, unless the series limits stop
 * it). Only for batches whose exemplars must be counted exactly; allocates per new series.
 */
export class NewSeriesLog {
  readonly refused = new Set<string>();
  readonly passed: string[] = [];
  readonly check: (labels: Labels) => RejectReason | null;

  constructor(inner: (labels: Labels) => RejectReason | null) {
    this.check = (labels) => {
      const reason = inner(labels);
      if (reason === null) this.passed.push(labels.toString());
      else this.refused.add(labels.toString());
      return reason;
    };
  }
}

/**
 * For each exemplar of the batch, the text of its series' labels, or null when storage will refuse
 * them as invalid (not UTF-8, or failing `checkSeriesLabels`). Taken while the batch is intact (the
 * caller's buffers may be reused once an append is under way); decodes the labels of the series
 * that carry exemplars, once each.
 */
export function exemplarSeriesKeys(batch: SampleBatch): Array<string | null> {
  const bySeries = new Map<number, string | null>();
  const keys: Array<string | null> = [];
  for (const e of batch.exemplars) {
    let key = bySeries.get(e.series);
    if (key === undefined) {
      key = seriesKey(batch, e.series);
      bySeries.set(e.series, key);
    }
    keys.push(key);
  }
  return keys;
}

function seriesKey(batch: SampleBatch, s: number): string | null {
  let pairs: Array<[string, string]>;
  try {
    pairs = batch.seriesLabelPairs(s);
  } catch {
    return null; // not UTF-8
  }
  return checkSeriesLabels(pairs) === null ? Labels.from(pairs).toString() : null;
}

/**
 * How many exemplars storage kept: those of series it did not refuse whole. Storage reports
 * refusals per reason, not per series, so when it refused series the exemplars' series are judged
 * again here by the rules storage applies in order: invalid labels (a null key); refused by the
 * new-series check (from `log`); and, when `series_limit`/`metric_series_limit` refused some, new
 * series beyond the first `newSeries` the check let through (storage creates new series in batch
 * order until a limit is reached, so those it created are the first ones; with both limits
 * refusing series at once that last rule is an estimate).
 */
export function exemplarsWritten(
  keys: ReadonlyArray<string | null>,
  result: AppendResult,
  log: NewSeriesLog | null,
): number {
  let seriesRefused = false;
  for (const reason of result.rejected.keys()) if (SERIES_REASONS.has(reason)) seriesRefused = true;
  if (!seriesRefused) return keys.length;
  const limited = result.rejected.has('series_limit') || result.rejected.has('metric_series_limit');
  const passed = new Set(log?.passed ?? []);
  const created = new Set(log?.passed.slice(0, result.newSeries) ?? []);
  let written = 0;
  for (const key of keys) {
    if (key === null || log?.refused.has(key) === true) continue;
    if (limited && passed.has(key) && !created.has(key)) continue;
    written++;
  }
  return written;
}

/** One result for two appends of one batch (floats, then histograms). */
export function mergeResults(a: AppendResult, b: AppendResult): AppendResult {
  const rejected = new Map(a.rejected);
  for (const [reason, n] of b.rejected) rejected.set(reason, (rejected.get(reason) ?? 0) + n);
  const examples: RejectedSample[] = [...a.examples, ...b.examples].slice(0, MAX_EXAMPLES);
  return {
    accepted: a.accepted + b.accepted,
    rejected,
    examples,
    newSeries: a.newSeries + b.newSeries,
  };
}
