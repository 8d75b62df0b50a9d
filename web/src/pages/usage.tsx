import { useEffect, useMemo, useState } from 'preact/hooks';

import { Alert, Card, errorText, PageHeader, Spinner, TableHead } from '../components/basics.tsx';
import { ChartView } from '../components/chart-view.tsx';
import { api, prom, tenantPath, type SessionInfo } from '../lib/api.ts';
import type { ChartSeries } from '../lib/chart.ts';
import { formatBytes, formatDateTime, formatNumber, formatShort } from '../lib/format.ts';

/** What `GET /api/v1/user_stats` reports (the fields this page reads). */
interface UserStats {
  readonly ingestionRate: number;
  readonly activeSeries: number;
  readonly storageBytes: number;
  readonly writeRequests: number;
  readonly rateLimitedRequests: number;
  readonly samples: {
    readonly received: number;
    readonly accepted: number;
    readonly acceptedRate: number;
    readonly discarded: Readonly<Record<string, number>>;
  };
  readonly queries: { readonly total: number; readonly samplesScanned: number; readonly rate: number };
  readonly limits: Readonly<Record<string, number>>;
}

interface UsagePoint {
  readonly t: number;
  readonly v: Readonly<Record<string, number>>;
}

interface UsageResponse {
  readonly at: number;
  readonly now: UserStats;
  /** All the samples the server keeps, or (asked with `since`) those taken after it. */
  readonly history: readonly UsagePoint[];
  /** When the oldest sample the server keeps was taken. */
  readonly historyFrom: number | null;
  readonly intervalMs: number | null;
}

/** The points the page has, less those the server no longer keeps, plus the new ones. */
function mergeHistory(had: readonly UsagePoint[], u: UsageResponse): readonly UsagePoint[] {
  const from = u.historyFrom;
  const kept = from === null ? [] : had.filter((p) => p.t >= from);
  if (u.history.length === 0 && kept.length === had.length) return had; // nothing to redraw
  return [...kept, ...u.history];
}

interface TsdbStatus {
  readonly headStats?: { readonly numSeries?: number; readonly numLabelPairs?: number };
  readonly seriesCountByMetricName?: ReadonlyArray<{ name: string; value: number }>;
  readonly labelValueCountByLabelName?: ReadonlyArray<{ name: string; value: number }>;
  readonly seriesCountByLabelValuePair?: ReadonlyArray<{ name: string; value: number }>;
}

const REFRESH_MS = 15_000;
/** Until there are two points to draw, ask again sooner (each visit adds a point after 5 s). */
const FIRST_POINTS_REFRESH_MS = 6_000;
const DISCARDED = 'samples.discarded.';

/** Usage: rates and sizes against the tenant's limits, over time, and where the series come from. */
export function UsagePage(props: { session: SessionInfo; tenant: string }) {
  const { tenant, session } = props;
  const [usage, setUsage] = useState<UsageResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setUsage(null);
    let last: UsageResponse | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    /** Fetches what is new since the last answer; returns when to ask again. */
    const load = async (): Promise<number> => {
      try {
        const since = last?.history.at(-1)?.t;
        const path = tenantPath(tenant, '/usage') + (since === undefined ? '' : `?since=${since}`);
        const u = await api<UsageResponse>('GET', path);
        if (stopped) return REFRESH_MS;
        last = { ...u, history: mergeHistory(last?.history ?? [], u) };
        setUsage(last);
        setError(null);
        return last.history.length < 2 ? FIRST_POINTS_REFRESH_MS : REFRESH_MS;
      } catch (err) {
        setError(errorText(err));
        return REFRESH_MS;
      }
    };
    const tick = async (): Promise<void> => {
      const next = await load();
      if (!stopped) timer = setTimeout(() => void tick(), next);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tenant]);

  return (
    <div class="page page-wide">
      <PageHeader title="Usage">
        <p>
          Tenant <strong>{tenant}</strong> against its limits, refreshed every 15 seconds. Counters count
          since the server started.
        </p>
      </PageHeader>
      {!session.server.features.usage && (
        <Alert kind="info">Usage accounting is not available on this server.</Alert>
      )}
      {error !== null && <Alert kind="error">{error}</Alert>}
      {usage === null && error === null && session.server.features.usage && <Spinner />}
      {usage !== null && <UsageView usage={usage} />}
      {session.server.features.prometheusApi && <Cardinality tenant={tenant} />}
    </div>
  );
}

function UsageView(props: { usage: UsageResponse }) {
  const { now, history } = props.usage;
  const limit = (key: string): number => now.limits[key] ?? 0;
  const discardedTotal = Object.values(now.samples.discarded).reduce((a, b) => a + b, 0);
  const charts = useMemo(() => buildCharts(history), [history]);
  return (
    <>
      <div class="stat-grid">
        <Stat
          label="Ingestion rate"
          value={`${formatShort(now.ingestionRate)} /s`}
          used={now.ingestionRate}
          limit={limit('ingestion_rate')}
          unit="samples per second"
        />
        <Stat
          label="Active series"
          value={formatNumber(now.activeSeries, 0)}
          used={now.activeSeries}
          limit={limit('max_global_series_per_tenant')}
          unit="series"
        />
        <Stat label="Storage used" value={formatBytes(now.storageBytes)} />
        <Stat
          label="Query load"
          value={`${formatNumber(now.queries.rate, 2)} /s`}
          detail={`${formatNumber(now.queries.total, 0)} queries, ${formatShort(now.queries.samplesScanned)} samples read`}
        />
        <Stat
          label="Discarded samples"
          value={formatNumber(discardedTotal, 0)}
          detail={`of ${formatShort(now.samples.received)} received; ${formatNumber(now.rateLimitedRequests, 0)} requests rate-limited`}
          tone={discardedTotal > 0 ? 'warning' : undefined}
        />
      </div>

      {history.length < 2 ? (
        <Alert kind="info">
          Charts appear in a few seconds, once there are two points to draw. The server samples every tenant
          every {Math.round((props.usage.intervalMs ?? 15_000) / 1000)} seconds and keeps the last two hours.
        </Alert>
      ) : (
        <div class="chart-grid">
          <ChartCard
            title="Ingestion rate vs limit (samples/s)"
            times={charts.times}
            series={charts.ingest}
          />
          <ChartCard title="Active series vs limit" times={charts.times} series={charts.series} />
          {charts.discarded.length > 0 && (
            <ChartCard
              title="Discarded samples by reason (per second)"
              times={charts.times}
              series={charts.discarded}
            />
          )}
          <ChartCard
            title="Storage used"
            times={charts.times}
            series={charts.storage}
            yFormat={formatBytes}
          />
          <ChartCard title="Queries per second" times={charts.times} series={charts.queries} />
        </div>
      )}

      <Card id="discards-title" title="Discarded samples by reason">
        {discardedTotal === 0 ? (
          <p class="empty">Nothing discarded since the server started.</p>
        ) : (
          <table class="table">
            <TableHead columns={['Reason', 'Samples']} numeric={['Samples']} actions={false} />
            <tbody>
              {Object.entries(now.samples.discarded)
                .sort((a, b) => b[1] - a[1])
                .map(([reason, n]) => (
                  <tr key={reason}>
                    <th scope="row">
                      <code>{reason}</code>
                    </th>
                    <td class="num">{formatNumber(n, 0)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function Stat(props: {
  label: string;
  value: string;
  used?: number;
  limit?: number;
  unit?: string;
  detail?: string;
  tone?: 'warning' | undefined;
}) {
  const { used, limit } = props;
  const hasLimit = used !== undefined && limit !== undefined && limit > 0;
  const share = hasLimit ? used / limit : 0;
  return (
    <div class={`stat ${props.tone === 'warning' || share >= 0.8 ? 'stat-warning' : ''}`}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {hasLimit && (
        <>
          <meter
            min={0}
            max={limit}
            low={limit * 0.8}
            high={limit * 0.95}
            optimum={0}
            value={used}
            aria-label={`${props.label}: ${formatNumber(share * 100, 0)}% of the limit`}
          />
          <div class="stat-detail">
            {formatNumber(share * 100, 1)}% of {formatShort(limit)} {props.unit}
          </div>
        </>
      )}
      {used !== undefined && limit === 0 && <div class="stat-detail">no limit</div>}
      {props.detail !== undefined && <div class="stat-detail">{props.detail}</div>}
    </div>
  );
}

function ChartCard(props: {
  title: string;
  times: number[];
  series: ChartSeries[];
  yFormat?: (v: number) => string;
}) {
  return (
    <section class="card chart-card">
      <h2>{props.title}</h2>
      {props.series.length === 0 ? (
        <p class="empty">Nothing to show.</p>
      ) : (
        <ChartView
          times={props.times}
          series={props.series}
          height={220}
          ariaLabel={`${props.title}, ${props.series.map((s) => s.label).join(', ')}`}
          {...(props.yFormat === undefined ? {} : { yFormat: props.yFormat })}
        />
      )}
    </section>
  );
}

/** Series for the charts from the sampled history (counters become per-second rates). */
function buildCharts(history: readonly UsagePoint[]) {
  const times = history.map((p) => p.t / 1000);
  const pick = (key: string): Array<number | null> => history.map((p) => p.v[key] ?? null);
  const limitLine = (key: string): ChartSeries[] => {
    const values = pick(key).map((v) => (v === 0 ? null : v));
    return values.some((v) => v !== null) ? [{ label: 'limit', values, color: '#dc2626', dashed: true }] : [];
  };
  const rate = (key: string): Array<number | null> =>
    history.map((p, i) => {
      const prev = history[i - 1];
      const a = prev?.v[key];
      const b = p.v[key];
      if (prev === undefined || a === undefined || b === undefined || b < a) return null;
      return (b - a) / ((p.t - prev.t) / 1000);
    });
  const reasons = new Set<string>();
  for (const p of history) for (const k of Object.keys(p.v)) if (k.startsWith(DISCARDED)) reasons.add(k);
  return {
    times,
    ingest: [
      { label: 'ingestion rate', values: pick('ingestionRate') },
      ...limitLine('limits.ingestion_rate'),
    ],
    series: [
      { label: 'active series', values: pick('activeSeries') },
      ...limitLine('limits.max_global_series_per_tenant'),
    ],
    discarded: [...reasons].sort().map((k) => ({ label: k.slice(DISCARDED.length), values: rate(k) })),
    storage: [{ label: 'bytes on disk', values: pick('storageBytes') }],
    queries: [{ label: 'queries/s', values: pick('queries.rate') }],
  };
}

/** Top metrics and labels by series count, from `/api/v1/status/tsdb`. */
function Cardinality(props: { tenant: string }) {
  const [status, setStatus] = useState<TsdbStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [at, setAt] = useState(0);
  useEffect(() => {
    setStatus(null);
    setError(null);
    prom<TsdbStatus>(props.tenant, '/api/v1/status/tsdb', { limit: '10' }).then(
      (r) => {
        setStatus(r.data);
        setAt(Date.now());
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [props.tenant]);
  return (
    <Card id="cardinality-title" title="Cardinality">
      {error !== null && <Alert kind="error">{error}</Alert>}
      {status === null && error === null && <Spinner />}
      {status !== null && (
        <>
          <p class="hint">
            {formatNumber(status.headStats?.numSeries ?? 0, 0)} series in memory, as of {formatDateTime(at)}.
            High series counts cost memory and slow queries: drop or aggregate the labels that multiply them.
          </p>
          <div class="grid-3">
            <TopTable
              title="Top metrics by series"
              rows={status.seriesCountByMetricName ?? []}
              what="Metric"
            />
            <TopTable
              title="Top labels by distinct values"
              rows={status.labelValueCountByLabelName ?? []}
              what="Label"
            />
            <TopTable
              title="Top label pairs by series"
              rows={status.seriesCountByLabelValuePair ?? []}
              what="Label pair"
            />
          </div>
        </>
      )}
    </Card>
  );
}

function TopTable(props: {
  title: string;
  what: string;
  rows: ReadonlyArray<{ name: string; value: number }>;
}) {
  return (
    <div>
      <h3>{props.title}</h3>
      {props.rows.length === 0 ? (
        <p class="empty">None yet.</p>
      ) : (
        <table class="table table-compact">
          <TableHead columns={[props.what, 'Count']} numeric={['Count']} actions={false} />
          <tbody>
            {props.rows.map((r) => (
              <tr key={r.name}>
                <th scope="row" class="series">
                  {r.name}
                </th>
                <td class="num">{formatNumber(r.value, 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
