import { BadDataError, MetricType, type MetricMetadata } from '../../model/index.ts';
import { jsonString } from '../../protocol/index.ts';
import { Params } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import type { PrometheusApiDeps } from './deps.ts';
import { sendSuccess } from './response.ts';

const TYPE_NAMES: Record<number, string> = {
  [MetricType.Unknown]: 'unknown',
  [MetricType.Counter]: 'counter',
  [MetricType.Gauge]: 'gauge',
  [MetricType.Histogram]: 'histogram',
  [MetricType.GaugeHistogram]: 'gaugehistogram',
  [MetricType.Summary]: 'summary',
  [MetricType.Info]: 'info',
  [MetricType.StateSet]: 'stateset',
};

/** Prometheus's `strconv.Atoi` for these two parameters: an optional sign and digits. */
function intParam(p: Params, name: string): number {
  const text = p.get(name);
  if (text === undefined || text === '') return -1;
  if (!/^[+-]?\d+$/.test(text)) throw new BadDataError(`${name} must be a number`);
  return Number(text);
}

/**
 * `GET /api/v1/metadata`: TYPE/HELP/UNIT received with remote write and OTLP, by metric family.
 * `metric` filters; `limit` caps the families (absent or negative: all; 0 gives `{}` as in
 * Prometheus); `limit_per_metric` > 0 caps entries per family.
 */
export function metadataHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const p = await Params.of(ctx);
    const limit = intParam(p, 'limit');
    const perMetric = intParam(p, 'limit_per_metric');
    const metric = p.get('metric');
    const storage = await deps.storage(caller.tenant);
    const families: ReadonlyMap<string, readonly MetricMetadata[]> =
      limit === 0 ? new Map() : storage.metadata(metric === '' ? undefined : metric, Math.max(0, limit));
    const parts: string[] = [];
    for (const [family, entries] of families) {
      const list = perMetric > 0 ? entries.slice(0, perMetric) : entries;
      const items = list.map(
        (m) =>
          `{"type":"${TYPE_NAMES[m.type] ?? 'unknown'}","help":${jsonString(m.help)},"unit":${jsonString(m.unit)}}`,
      );
      parts.push(`${jsonString(family)}:[${items.join(',')}]`);
    }
    await sendSuccess(ctx, `{${parts.join(',')}}`);
  };
}
