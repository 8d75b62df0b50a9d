import { availableParallelism } from 'node:os';

import { BadDataError } from '../../model/index.ts';
import { formatDurationMs } from '../../model/index.ts';
import { jsonString } from '../../protocol/index.ts';
import { Params } from '../context.ts';
import type { GatedHandler } from '../gate.ts';
import { DEFAULT_SERVER_INFO, type PrometheusApiDeps, type ServerInfo } from './deps.ts';
import { sendSuccess } from './response.ts';

function info(deps: PrometheusApiDeps): ServerInfo {
  return { ...DEFAULT_SERVER_INFO, ...deps.info };
}

function retention(deps: PrometheusApiDeps, tenant: string): string {
  const ms = deps.retentionMs?.(tenant) ?? 0;
  return ms > 0 ? formatDurationMs(ms) : '0s';
}

/**
 * `GET /api/v1/status/buildinfo`. No `features` object: that would make Grafana take us for Mimir
 * and call the Mimir ruler API, which we do not serve.
 */
export function buildInfoHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx) => {
    const i = info(deps);
    await sendSuccess(
      ctx,
      JSON.stringify({
        version: i.version,
        revision: i.revision,
        branch: i.branch,
        buildUser: i.buildUser,
        buildDate: i.buildDate,
        goVersion: `node${process.versions.node}`,
      }),
    );
  };
}

/** `GET /api/v1/status/config`: Prometheus's global defaults; we do not scrape or evaluate rules. */
export function configHandler(): GatedHandler {
  return async (ctx) => {
    const yaml =
      'global:\n  scrape_interval: 1m\n  scrape_timeout: 10s\n  evaluation_interval: 1m\n' +
      '# xScaler receives samples by remote write and OTLP; there are no scrape or rule configs.\n';
    await sendSuccess(ctx, `{"yaml":${jsonString(yaml)}}`);
  };
}

/** `GET /api/v1/status/flags`: the settings that shape this tenant's queries, under Prometheus's flag names. */
export function flagsHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const l = deps.limits(caller.tenant);
    const flags: Record<string, string> = {
      'query.lookback-delta': '5m',
      'query.max-samples': String(l.maxSamplesPerQuery),
      'query.timeout': formatDurationMs(l.queryTimeoutMs),
      'storage.tsdb.retention.time': retention(deps, caller.tenant),
      'web.enable-remote-write-receiver': 'true',
    };
    await sendSuccess(ctx, JSON.stringify(flags));
  };
}

/** `GET /api/v1/status/runtimeinfo`. Host details (working directory, hostname) stay private. */
export function runtimeInfoHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const i = info(deps);
    const started = new Date(i.startTimeMs).toISOString();
    await sendSuccess(
      ctx,
      JSON.stringify({
        startTime: started,
        reloadConfigSuccess: true,
        lastConfigTime: started,
        corruptionCount: 0,
        goroutineCount: 0,
        GOMAXPROCS: availableParallelism(),
        GOMEMLIMIT: 0,
        GOGC: '',
        GODEBUG: '',
        storageRetention: retention(deps, caller.tenant),
        serverTime: new Date(deps.now?.() ?? Date.now()).toISOString(),
      }),
    );
  };
}

/** `GET /api/v1/status/tsdb?limit=N`: the tenant's head statistics and top cardinality. */
export function tsdbStatusHandler(deps: PrometheusApiDeps): GatedHandler {
  return async (ctx, caller) => {
    const p = await Params.of(ctx);
    let limit = 10;
    const text = p.get('limit');
    if (text !== undefined && text !== '') {
      limit = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      if (!(limit >= 1)) throw new BadDataError('limit must be a positive number');
      if (limit > 10000) throw new BadDataError('limit must be less than or equal to 10000');
    }
    const s = (await deps.storage(caller.tenant)).stats(limit);
    await sendSuccess(
      ctx,
      JSON.stringify({
        headStats: {
          numSeries: s.numSeries,
          numLabelPairs: s.numLabelPairs,
          chunkCount: s.chunkCount,
          minTime: s.minTime,
          maxTime: s.maxTime,
        },
        seriesCountByMetricName: s.seriesCountByMetricName,
        labelValueCountByLabelName: s.labelValueCountByLabelName,
        memoryInBytesByLabelName: s.memoryInBytesByLabelName,
        seriesCountByLabelValuePair: s.seriesCountByLabelValuePair,
      }),
    );
  };
}

/** A fixed, valid answer for endpoints of features a push-only backend does not have. */
export function fixedHandler(dataJson: string): GatedHandler {
  return async (ctx) => {
    ctx.req.resume();
    await sendSuccess(ctx, dataJson);
  };
}

/** Fixed answers, by path below `/api/v1/`. */
export const EMPTY_ANSWERS: Readonly<Record<string, string>> = {
  'status/walreplay': '{"min":0,"max":0,"current":0}',
  rules: '{"groups":[]}',
  alerts: '{"alerts":[]}',
  targets: '{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":{}}',
  'targets/metadata': '[]',
  scrape_pools: '{"scrapePools":[]}',
  alertmanagers: '{"activeAlertmanagers":[],"droppedAlertmanagers":[]}',
  features: '{}',
};
