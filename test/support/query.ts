/** A native histogram as the Prometheus API writes it in query results. */
export interface HistogramJson {
  readonly count: string;
  readonly sum: string;
  /** `[boundaryRule, lower, upper, count]`, only non-empty buckets, ascending. */
  readonly buckets?: ReadonlyArray<[number, string, string, string]>;
}

export interface VectorElement {
  readonly metric: Record<string, string>;
  readonly value?: [number, string];
  readonly histogram?: [number, HistogramJson];
}

export interface MatrixElement {
  readonly metric: Record<string, string>;
  readonly values?: Array<[number, string]>;
  readonly histograms?: Array<[number, HistogramJson]>;
}

export interface QueryReply<R> {
  readonly status: string;
  readonly data: { readonly resultType: string; readonly result: R[] };
  readonly error?: string;
  readonly warnings?: string[];
  readonly infos?: string[];
}

export interface QueryAuth {
  readonly tenant: string;
  readonly token: string;
}

/** `GET /prometheus/api/v1/query`; throws unless it answers 200 with status "success". */
export async function instantQuery(
  baseUrl: string,
  auth: QueryAuth,
  query: string,
  timeMs?: number,
): Promise<QueryReply<VectorElement>> {
  const params: Record<string, string> = { query };
  if (timeMs !== undefined) params['time'] = String(timeMs / 1000);
  return get(baseUrl, auth, '/prometheus/api/v1/query', params);
}

/** `GET /prometheus/api/v1/query_range`; times in ms, step in seconds. */
export async function rangeQuery(
  baseUrl: string,
  auth: QueryAuth,
  query: string,
  startMs: number,
  endMs: number,
  stepSeconds: number,
): Promise<QueryReply<MatrixElement>> {
  return get(baseUrl, auth, '/prometheus/api/v1/query_range', {
    query,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: String(stepSeconds),
  });
}

/**
 * `GET <baseUrl><path>?<params>` of the Prometheus API as the tenant (e.g.
 * `/prometheus/api/v1/metadata`); throws unless it answers 200 with status "success".
 */
export async function apiGet<B extends { readonly status: string }>(
  baseUrl: string,
  auth: QueryAuth,
  path: string,
  params: Record<string, string> = {},
): Promise<B> {
  const res = await fetch(`${baseUrl}${path}?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${auth.token}`, 'x-scope-orgid': auth.tenant },
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} ${params['query'] ?? ''} answered ${res.status}: ${text}`);
  const body = JSON.parse(text) as B;
  if (body.status !== 'success') throw new Error(`${path} ${params['query'] ?? ''}: ${text}`);
  return body;
}

/** Metric name → its metadata entries, as `/api/v1/metadata` answers. */
export type MetadataMap = Record<string, Array<{ type: string; help: string; unit: string }>>;

/** The `data` of `GET /prometheus/api/v1/metadata` (optionally of one metric). */
export async function metadata(baseUrl: string, auth: QueryAuth, metric?: string): Promise<MetadataMap> {
  const params: Record<string, string> = metric === undefined ? {} : { metric };
  return (
    await apiGet<{ status: string; data: MetadataMap }>(baseUrl, auth, '/prometheus/api/v1/metadata', params)
  ).data;
}

const get = <R>(
  baseUrl: string,
  auth: QueryAuth,
  path: string,
  params: Record<string, string>,
): Promise<QueryReply<R>> => apiGet<QueryReply<R>>(baseUrl, auth, path, params);

/** The labels of a series in Prometheus text form with sorted names: `name{a="1", b="2"}`. */
export function seriesKey(metric: Readonly<Record<string, string>>): string {
  const name = metric['__name__'] ?? '';
  const rest = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}="${metric[k]}"`);
  return `${name}{${rest.join(', ')}}`;
}
