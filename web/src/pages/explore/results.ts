import type { ChartSeries } from '../../lib/chart.ts';
import { formatSeries } from '../../lib/format.ts';

export type Labels = Readonly<Record<string, string>>;
/** `[unix seconds, "value"]`, as the Prometheus API writes samples. */
export type Sample = readonly [number, string];

export interface NativeHistogram {
  readonly count: string;
  readonly sum: string;
}

export interface VectorItem {
  readonly metric: Labels;
  readonly value?: Sample;
  readonly histogram?: readonly [number, NativeHistogram];
}

export interface MatrixItem {
  readonly metric: Labels;
  readonly values?: readonly Sample[];
  readonly histograms?: ReadonlyArray<readonly [number, NativeHistogram]>;
}

export type QueryData =
  | { readonly resultType: 'vector'; readonly result: readonly VectorItem[] }
  | { readonly resultType: 'matrix'; readonly result: readonly MatrixItem[] }
  | { readonly resultType: 'scalar'; readonly result: Sample }
  | { readonly resultType: 'string'; readonly result: Sample };

/** Most series drawn; Prometheus's UI draws all, but a browser tab should stay responsive. */
export const MAX_GRAPH_SERIES = 200;

/** Parses a sample value as Prometheus writes it ("1.5", "NaN", "+Inf"). */
export function sampleValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/**
 * Lines up a range query's series on the step grid `start, start+step, …, end` for the chart.
 * Native histograms are drawn by their count.
 */
export function toChart(
  data: QueryData,
  start: number,
  end: number,
  step: number,
): { times: number[]; series: ChartSeries[]; truncated: number } {
  const n = Math.floor((end - start) / step) + 1;
  const times = Array.from({ length: n }, (_, i) => start + i * step);
  if (data.resultType !== 'matrix') return { times, series: [], truncated: 0 };
  const shown = data.result.slice(0, MAX_GRAPH_SERIES);
  const series = shown.map((item) => {
    const values: Array<number | null> = new Array<number | null>(n).fill(null);
    for (const [t, v] of item.values ?? []) {
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n) {
        const x = sampleValue(v);
        values[i] = Number.isFinite(x) ? x : null;
      }
    }
    for (const [t, h] of item.histograms ?? []) {
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n) values[i] = sampleValue(h.count);
    }
    const label = formatSeries(item.metric) + (item.histograms !== undefined ? ' (count)' : '');
    return { label: label === '{}' ? '{}' : label, values };
  });
  return { times, series, truncated: data.result.length - shown.length };
}

/** A step that gives about 250 points over the range, never under one second (Prometheus UI's rule). */
export function autoStep(rangeSeconds: number): number {
  return Math.max(1, Math.floor(rangeSeconds / 250));
}
