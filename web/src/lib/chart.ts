import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import { formatShort } from './format.ts';

/** Distinct on light and dark backgrounds (each at least 3:1 against both). */
export const PALETTE = [
  '#2563eb',
  '#d97706',
  '#059669',
  '#dc2626',
  '#7c3aed',
  '#0891b2',
  '#c026d3',
  '#65a30d',
  '#ea580c',
  '#4f46e5',
];

export interface ChartSeries {
  readonly label: string;
  /** One value per timestamp; null where the series has no sample. */
  readonly values: ReadonlyArray<number | null>;
  readonly color?: string;
  /** Drawn dashed (limits). */
  readonly dashed?: boolean;
}

export interface ChartOptions {
  /** Seconds since the epoch, ascending. */
  readonly times: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly height?: number;
  readonly yFormat?: (v: number) => string;
  /** Describes the chart for screen readers. */
  readonly ariaLabel: string;
}

export interface Chart {
  update(options: ChartOptions): void;
  destroy(): void;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** What forces a new plot rather than new data: the series drawn and how, and the height. */
function shapeOf(o: ChartOptions): string {
  const lines = o.series.map((s) => `${s.label}\u0000${s.color ?? ''}\u0000${s.dashed === true}`);
  return `${o.height ?? 300}\u0001${lines.join('\u0001')}`;
}

function alignedData(o: ChartOptions): uPlot.AlignedData {
  return [Float64Array.from(o.times), ...o.series.map((s) => s.values as (number | null)[])];
}

/**
 * A time-series chart (uPlot, canvas) that fills its container's width and follows its size. The
 * container gets role=img and a label; the numbers are also available as a table on every page.
 * New numbers for the same series (the Usage page's refresh) redraw the plot in place; other
 * changes build a new one.
 */
export function createChart(container: HTMLElement, options: ChartOptions): Chart {
  let plot: uPlot | undefined;
  let current = options;
  let shape = '';
  const build = (): void => {
    plot?.destroy();
    const o = current;
    shape = shapeOf(o);
    const axisColor = cssVar('--text-muted', '#57606a');
    const gridColor = cssVar('--border', '#d0d7de');
    const yFormat = o.yFormat ?? formatShort;
    const opts: uPlot.Options = {
      width: Math.max(200, container.clientWidth),
      height: o.height ?? 300,
      cursor: { drag: { x: true, y: false } },
      legend: { show: true, live: true },
      scales: { x: { time: true } },
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor },
          size: 64,
          values: (_u, splits) => splits.map((v) => yFormat(v)),
        },
      ],
      series: [
        {},
        ...o.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length] ?? '#2563eb',
          width: 1.5,
          spanGaps: false,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : yFormat(v)),
          ...(s.dashed === true ? { dash: [6, 4] } : {}),
        })),
      ],
    };
    plot = new uPlot(opts, alignedData(o), container);
  };
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', options.ariaLabel);
  build();
  let lastWidth = container.clientWidth;
  const observer = new ResizeObserver(() => {
    const w = container.clientWidth;
    if (plot !== undefined && w !== lastWidth && w > 0) {
      lastWidth = w;
      plot.setSize({ width: w, height: current.height ?? 300 });
    }
  });
  observer.observe(container);
  return {
    update(next) {
      current = next;
      container.setAttribute('aria-label', next.ariaLabel);
      if (plot !== undefined && shapeOf(next) === shape) plot.setData(alignedData(next));
      else build();
    },
    destroy() {
      observer.disconnect();
      plot?.destroy();
      plot = undefined;
    },
  };
}
