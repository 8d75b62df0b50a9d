import type { Authenticator, Permission } from '../../tenancy/index.ts';
import type { ErrorStyle } from '../context.ts';
import { gated, type GatedHandler } from '../gate.ts';
import type { Method, Router } from '../router.ts';
import { deleteSeriesHandler, flushHandler } from './admin.ts';
import type { PrometheusApiDeps } from './deps.ts';
import { exemplarsHandler } from './exemplars.ts';
import { metadataHandler } from './metadata.ts';
import { formatQueryHandler, parseQueryHandler } from './parse.ts';
import { instantQueryHandler, rangeQueryHandler } from './query.ts';
import { remoteReadHandler } from './remote-read.ts';
import { LABEL_VALUES_PREFIX, labelNamesHandler, labelValuesHandler, seriesHandler } from './series.ts';
import {
  EMPTY_ANSWERS,
  buildInfoHandler,
  configHandler,
  fixedHandler,
  flagsHandler,
  runtimeInfoHandler,
  tsdbStatusHandler,
} from './status.ts';

/** Where the Prometheus API lives (Mimir's default `-http.prometheus-http-prefix`). */
export const PROMETHEUS_PREFIX = '/prometheus';

export interface ApiEndpoint {
  readonly methods: readonly Method[];
  /** Below the prefix, e.g. `/api/v1/query`; for `prefix` endpoints, the start of the path. */
  readonly path: string;
  readonly prefix: boolean;
  readonly need: Permission;
  readonly style: ErrorStyle;
  readonly handler: GatedHandler;
}

const BOTH: readonly Method[] = ['GET', 'POST'];
const GET: readonly Method[] = ['GET'];

/**
 * Every `/prometheus/api/v1/...` endpoint with the handler, methods and permission it needs.
 * Handlers take `(ctx, caller)`, so the same ones serve API tokens (through the gate) and the
 * dashboard's signed-in users (through its session gate).
 */
export function prometheusApiEndpoints(deps: PrometheusApiDeps): ApiEndpoint[] {
  const read = (methods: readonly Method[], path: string, handler: GatedHandler): ApiEndpoint => ({
    methods,
    path,
    prefix: false,
    need: 'read',
    style: 'prometheus-json',
    handler,
  });
  const list: ApiEndpoint[] = [
    read(BOTH, '/api/v1/query', instantQueryHandler(deps)),
    read(BOTH, '/api/v1/query_range', rangeQueryHandler(deps)),
    read(BOTH, '/api/v1/query_exemplars', exemplarsHandler(deps)),
    read(BOTH, '/api/v1/format_query', formatQueryHandler()),
    read(BOTH, '/api/v1/parse_query', parseQueryHandler()),
    read(BOTH, '/api/v1/series', seriesHandler(deps)),
    read(BOTH, '/api/v1/labels', labelNamesHandler(deps)),
    {
      ...read(GET, LABEL_VALUES_PREFIX.slice(PROMETHEUS_PREFIX.length), labelValuesHandler(deps)),
      prefix: true,
    },
    read(GET, '/api/v1/metadata', metadataHandler(deps)),
    read(GET, '/api/v1/status/buildinfo', buildInfoHandler(deps)),
    read(GET, '/api/v1/status/config', configHandler()),
    read(GET, '/api/v1/status/flags', flagsHandler(deps)),
    read(GET, '/api/v1/status/runtimeinfo', runtimeInfoHandler(deps)),
    read(GET, '/api/v1/status/tsdb', tsdbStatusHandler(deps)),
    { ...read(['POST'], '/api/v1/read', remoteReadHandler(deps)), style: 'text' },
    {
      ...read(['POST', 'PUT'], '/api/v1/admin/tsdb/delete_series', deleteSeriesHandler(deps)),
      need: 'write',
    },
    { ...read(['POST'], '/api/v1/admin/tsdb/flush', flushHandler(deps)), need: 'write' },
  ];
  for (const [path, json] of Object.entries(EMPTY_ANSWERS))
    list.push(read(GET, `/api/v1/${path}`, fixedHandler(json)));
  return list;
}

/** Mounts every endpoint under `/prometheus` behind the token gate. */
export function registerPrometheusApi(
  router: Router,
  auth: Authenticator,
  endpoints: readonly ApiEndpoint[],
): void {
  for (const e of endpoints) {
    const handler = gated(auth, e.need, e.style, e.handler);
    if (e.prefix) router.addPrefix(e.methods, PROMETHEUS_PREFIX + e.path, handler, e.style);
    else router.add(e.methods, PROMETHEUS_PREFIX + e.path, handler, e.style);
  }
}

/**
 * The dashboard's view: the JSON read endpoints by method and path below `/prometheus`
 * (`/api/v1/query`, `/api/v1/label/job/values`). Write endpoints and remote read are left out.
 */
export function prometheusApiLookup(
  endpoints: readonly ApiEndpoint[],
): (method: string, path: string) => GatedHandler | undefined {
  const usable = endpoints.filter((e) => e.need === 'read' && e.style === 'prometheus-json');
  return (method, path) => {
    const m = method === 'HEAD' ? 'GET' : method;
    for (const e of usable) {
      if (!e.methods.includes(m as Method)) continue;
      if (e.prefix ? path.startsWith(e.path) : path === e.path) return e.handler;
    }
    return undefined;
  };
}
