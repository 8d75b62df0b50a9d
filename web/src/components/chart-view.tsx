import { useEffect, useRef } from 'preact/hooks';

import { createChart, type Chart, type ChartOptions } from '../lib/chart.ts';

/** A chart that redraws when its options change. Only pages that are lazy-loaded import this. */
export function ChartView(props: ChartOptions & { testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<Chart | undefined>(undefined);
  useEffect(
    () => () => {
      chart.current?.destroy();
      chart.current = undefined;
    },
    [],
  );
  // Built on the first render, updated on the next ones (not built and then updated at once).
  useEffect(() => {
    if (ref.current === null) return;
    if (chart.current === undefined) chart.current = createChart(ref.current, props);
    else chart.current.update(props);
  }, [props.times, props.series, props.height, props.ariaLabel]);
  return <div class="chart" ref={ref} data-testid={props.testId} />;
}
