import { METRIC_NAME } from './labels.ts';

/**
 * Checks the labels of a series as written by a client, before it becomes a Labels: names must be
 * non-empty and unique, `__name__` must be present with a non-empty value. Names and values may be
 * any UTF-8 (Prometheus 3 accepts UTF-8 names); decoders have already refused invalid UTF-8.
 * Returns a message naming the problem, or null when the labels are fine.
 */
export function checkSeriesLabels(pairs: ReadonlyArray<readonly [string, string]>): string | null {
  let hasName = false;
  const seen = new Set<string>();
  for (const [name, value] of pairs) {
    if (name === '') return 'empty label name';
    if (seen.has(name)) return `duplicate label name "${name}"`;
    seen.add(name);
    if (name === METRIC_NAME && value !== '') hasName = true;
  }
  if (!hasName) return 'missing metric name (__name__ label)';
  return null;
}
