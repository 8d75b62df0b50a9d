import { formatDurationMs } from '../model/index.ts';
import type { AppendOptions, AppendResult } from '../storage/index.ts';
import type { Limits } from '../tenancy/index.ts';

/** Human explanations of each storage refusal, for error messages (by RejectReason). */
const REASON_TEXT: Readonly<Record<string, string>> = {
  out_of_order: 'older than the newest sample of its series, and out-of-order ingestion is off',
  too_old: 'older than the out-of-order window allows',
  too_far_in_future: 'timestamp too far in the future',
  duplicate_timestamp: 'a different value was already stored at this timestamp',
  invalid_labels: 'invalid labels (missing __name__, empty or duplicate label names, or invalid UTF-8)',
  max_label_names_per_series: 'too many labels on the series',
  label_name_too_long: 'a label name is too long',
  label_value_too_long: 'a label value is too long',
  series_limit: 'the tenant has reached its maximum number of series',
  metric_series_limit: 'the metric has reached its maximum number of series',
  native_histograms_unsupported: 'native histogram samples are not stored by this storage',
};

/**
 * One readable paragraph: how many samples were refused and why, the first offenders, what was
 * kept, and for each limit that refused something its config key, its value and the fix.
 * `metadataRefused` counts metadata entries over `max_metadata_per_tenant`.
 */
export function describeRejections(
  result: AppendResult,
  options: AppendOptions,
  limits?: Limits,
  metadataRefused = 0,
): string {
  let refused = 0;
  const counts: string[] = [];
  for (const [reason, n] of result.rejected) {
    refused += n;
    counts.push(`${reason}=${n}`);
  }
  const parts: string[] = [];
  if (refused > 0) {
    const examples = result.examples
      .map((e) => `${e.series} at ${e.t} (${e.reason}: ${REASON_TEXT[e.reason] ?? e.reason})`)
      .join('; ');
    parts.push(
      `${refused} samples were refused (${counts.join(', ')}); ${result.accepted} were stored. ` +
        `First refused: ${examples}.`,
    );
  }
  if (metadataRefused > 0 && limits !== undefined) {
    parts.push(
      `${metadataRefused} metadata entries were refused: the tenant has metadata for ` +
        `max_metadata_per_tenant=${limits.maxMetadataPerTenant} metric families. Their samples were not ` +
        `affected. Drop unused metrics with write_relabel_configs, or ask for a higher max_metadata_per_tenant.`,
    );
  }
  const hints: string[] = [];
  const has = (reason: string): boolean => result.rejected.has(reason as never);
  if (has('too_old') || has('out_of_order')) {
    hints.push(
      `the out-of-order window (out_of_order_time_window) is ${formatDurationMs(options.outOfOrderWindowMs)}`,
    );
  }
  if (has('too_far_in_future')) {
    hints.push(
      `samples may be at most ${formatDurationMs(options.maxFutureMs)} in the future ` +
        `(creation_grace_period); check the sender's clock`,
    );
  }
  if (has('series_limit')) {
    hints.push(
      `the tenant has reached max_global_series_per_tenant=${options.maxSeries}; samples of existing series ` +
        `are still stored. Drop unused series with write_relabel_configs, or ask for a higher limit`,
    );
  }
  if (has('metric_series_limit')) {
    hints.push(
      `a metric has reached max_series_per_metric=${options.maxSeriesPerMetric}; reduce the cardinality ` +
        `of its labels, or ask for a higher limit`,
    );
  }
  if (limits !== undefined) {
    if (has('max_label_names_per_series')) {
      hints.push(
        `a series may have at most max_label_names_per_series=${limits.maxLabelNamesPerSeries} labels ` +
          `(__name__ included); drop labels with write_relabel_configs (labeldrop), or ask for a higher limit`,
      );
    }
    if (has('label_name_too_long')) {
      hints.push(
        `label names may be at most max_label_name_length=${limits.maxLabelNameLength} bytes; ` +
          `rename the label, or ask for a higher limit`,
      );
    }
    if (has('label_value_too_long')) {
      hints.push(
        `label values may be at most max_label_value_length=${limits.maxLabelValueLength} bytes; ` +
          `shorten or drop the value with write_relabel_configs, or ask for a higher limit`,
      );
    }
  }
  if (hints.length > 0) parts.push(`Note: ${hints.join('; ')}.`);
  return parts.join(' ');
}
