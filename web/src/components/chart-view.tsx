import { useEffect, useRef } from 'preact/hooks';

import { createChart, type Chart, type ChartOptions } from '../lib/chart.ts';

/** A chart that redraws when its options change. Only pages that are lazy-loaded import this. */
export function ChartView(props: ChartOptions & { testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<Chart | undefined>(undefined);
  useEffect(() => {
    if (ref.current === null) return undefined;
    chart.current = createChart(ref.current, props);
    return () => {
      chart.current?.destroy();
      chart.current = undefined;
    };
  }, []);
  useEffect(() => {
    chart.current?.update(props);
  }, [props.times, props.series, props.height, props.ariaLabel]);
  return <div class="chart" ref={ref} data-testid={props.testId} />;
}
