import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { Alert, errorText, PageHeader, Spinner, TableHead } from '../components/basics.tsx';
import { ChartView } from '../components/chart-view.tsx';
import { Tabs } from '../components/tabs.tsx';
import { ApiError, prom, type SessionInfo } from '../lib/api.ts';
import { formatDateTime, formatDuration, formatNumber, formatSeries, parseDuration } from '../lib/format.ts';
import { createEditor, type PromqlEditor } from './explore/editor.ts';
import { autoStep, sampleValue, toChart, type QueryData } from './explore/results.ts';

const RANGES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '7d'];

type Tab = 'graph' | 'table';

interface Outcome {
  readonly tab: Tab;
  readonly data?: QueryData;
  readonly error?: { readonly type: string; readonly message: string };
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
  readonly ms: number;
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

function readUrl(): { q: string; range: string; tab: Tab } {
  const p = new URLSearchParams(location.search);
  const range = p.get('range') ?? '1h';
  return {
    q: p.get('q') ?? '',
    range: parseDuration(range) === null ? '1h' : range,
    tab: p.get('tab') === 'table' ? 'table' : 'graph',
  };
}

/** Explore: a PromQL editor, a time range, a graph and a table, for the signed-in tenant. */
export function ExplorePage(props: { session: SessionInfo; tenant: string }) {
  const { tenant } = props;
  const initial = useMemo(readUrl, []);
  const [expr, setExpr] = useState(initial.q);
  const [range, setRange] = useState(initial.range);
  const [end, setEnd] = useState(''); // datetime-local text; empty = now
  const [resolution, setResolution] = useState('');
  const [tab, setTab] = useState<Tab>(initial.tab);
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const editorHost = useRef<HTMLDivElement>(null);
  const editor = useRef<PromqlEditor | undefined>(undefined);
  const exprRef = useRef(expr);
  exprRef.current = expr;
  const runRef = useRef<(tab?: Tab) => void>(() => undefined);
  const abort = useRef<AbortController | undefined>(undefined);

  const run = async (which: Tab = tab): Promise<void> => {
    const query = exprRef.current.trim();
    if (query === '') return;
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    const rangeSeconds = parseDuration(range) ?? 3600;
    const endSeconds =
      end === '' ? Math.floor(Date.now() / 1000) : Math.floor(new Date(end).getTime() / 1000);
    const startSeconds = endSeconds - rangeSeconds;
    const step =
      parseDuration(resolution) ?? (Number(resolution) > 0 ? Number(resolution) : autoStep(rangeSeconds));
    const params = new URLSearchParams({ q: query, range, tab: which });
    history.replaceState(null, '', `/explore?${params.toString()}`);
    setRunning(true);
    const started = performance.now();
    const base = { tab: which, start: startSeconds, end: endSeconds, step };
    try {
      const r =
        which === 'graph'
          ? await prom<QueryData>(
              tenant,
              '/api/v1/query_range',
              { query, start: String(startSeconds), end: String(endSeconds), step: String(step) },
              controller.signal,
            )
          : await prom<QueryData>(
              tenant,
              '/api/v1/query',
              { query, time: String(endSeconds) },
              controller.signal,
            );
      setOutcome({
        ...base,
        data: r.data,
        warnings: r.warnings,
        infos: r.infos,
        ms: performance.now() - started,
      });
    } catch (err) {
      if (controller.signal.aborted) return;
      const error =
        err instanceof ApiError
          ? { type: err.errorType, message: err.message }
          : { type: 'error', message: errorText(err) };
      setOutcome({ ...base, error, warnings: [], infos: [], ms: performance.now() - started });
    } finally {
      if (abort.current === controller) setRunning(false);
    }
  };
  runRef.current = (which?: Tab) => void run(which);

  useEffect(() => {
    if (editorHost.current === null) return undefined;
    editor.current = createEditor(editorHost.current, {
      doc: exprRef.current,
      tenant,
      onChange: setExpr,
      onExecute: () => runRef.current(),
    });
    editor.current.view.focus();
    if (initial.q !== '') runRef.current();
    return () => {
      editor.current?.destroy();
      abort.current?.abort();
    };
  }, [tenant]);

  const chart = useMemo(() => {
    if (outcome?.data === undefined || outcome.tab !== 'graph') return undefined;
    return toChart(outcome.data, outcome.start, outcome.end, outcome.step);
  }, [outcome]);

  return (
    <div class="page page-wide">
      <PageHeader title="Explore">
        <p>
          Query tenant <strong>{tenant}</strong> with PromQL. Press Enter to run, Shift+Enter for a new line;
          completion suggests functions, metrics, labels and values.
        </p>
      </PageHeader>
      <form
        class="card explore-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div class="explore-editor-row">
          <div class="editor" ref={editorHost} data-testid="promql-editor" />
          <button type="submit" class="button button-primary" disabled={running}>
            {running ? 'Running…' : 'Execute'}
          </button>
        </div>
        <div class="explore-controls">
          <label>
            <span>Range</span>
            <select value={range} onChange={(e) => setRange(e.currentTarget.value)} aria-label="Time range">
              {RANGES.map((r) => (
                <option key={r} value={r}>
                  Last {r}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Ending</span>
            <input
              type="datetime-local"
              value={end}
              step={1}
              onInput={(e) => setEnd(e.currentTarget.value)}
              aria-describedby="end-hint"
            />
          </label>
          {end !== '' && (
            <button type="button" class="button button-small" onClick={() => setEnd('')}>
              Now
            </button>
          )}
          <span id="end-hint" class="visually-hidden">
            Leave empty to end now.
          </span>
          <label>
            <span>Resolution</span>
            <input
              class="input-narrow"
              placeholder={`auto (${formatDuration(autoStep(parseDuration(range) ?? 3600))})`}
              value={resolution}
              onInput={(e) => setResolution(e.currentTarget.value)}
              aria-label="Resolution (step), for example 30s"
            />
          </label>
        </div>
      </form>

      <Tabs
        label="Result view"
        idPrefix="result"
        items={[
          { id: 'graph', label: 'Graph' },
          { id: 'table', label: 'Table' },
        ]}
        selected={tab}
        onSelect={(id) => {
          setTab(id as Tab);
          if (exprRef.current.trim() !== '') void run(id as Tab);
        }}
      >
        {running && outcome === null && <Spinner label="Running the query…" />}
        {outcome === null && !running && <p class="empty">Enter an expression and press Execute.</p>}
        {outcome?.error !== undefined && (
          <Alert kind="error" title="Error executing query">
            <span data-testid="query-error">
              {outcome.error.type}: {outcome.error.message}
            </span>
          </Alert>
        )}
        {outcome !== null && outcome.warnings.length > 0 && (
          <Alert kind="warning" title="Warnings">
            <ul>
              {outcome.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </Alert>
        )}
        {outcome !== null && outcome.infos.length > 0 && (
          <Alert kind="info" title="Notes">
            <ul>
              {outcome.infos.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </Alert>
        )}
        {outcome?.data !== undefined && (
          <p class="result-meta" aria-live="polite">
            {resultSummary(outcome.data)} · {formatNumber(outcome.ms, 0)} ms
            {outcome.tab === 'graph' && <> · step {formatDuration(outcome.step)}</>}
          </p>
        )}
        {outcome?.data !== undefined && outcome.tab === 'graph' && chart !== undefined && (
          <>
            {chart.series.length === 0 ? (
              <p class="empty">No data in this range.</p>
            ) : (
              <ChartView
                testId="graph"
                times={chart.times}
                series={chart.series}
                height={360}
                ariaLabel={`Graph of ${chart.series.length} series from ${formatDateTime(outcome.start * 1000)} to ${formatDateTime(outcome.end * 1000)}`}
              />
            )}
            {chart.truncated > 0 && (
              <Alert kind="info">
                Showing the first {chart.series.length} series; {chart.truncated} more were not drawn.
                Aggregate (for example with sum by (…)) to see them all.
              </Alert>
            )}
          </>
        )}
        {outcome?.data !== undefined && outcome.tab === 'table' && <ResultTable data={outcome.data} />}
      </Tabs>
    </div>
  );
}

function resultSummary(data: QueryData): string {
  switch (data.resultType) {
    case 'vector':
    case 'matrix':
      return `${data.result.length} series (${data.resultType})`;
    default:
      return data.resultType;
  }
}

function ResultTable(props: { data: QueryData }) {
  const { data } = props;
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    return (
      <table class="table" data-testid="result-table">
        <tbody>
          <tr>
            <th scope="row">{data.resultType}</th>
            <td class="num">{data.result[1]}</td>
          </tr>
        </tbody>
      </table>
    );
  }
  if (data.result.length === 0) return <p class="empty">Empty query result.</p>;
  return (
    <div class="table-wrap">
      <table class="table" data-testid="result-table">
        <TableHead columns={['Series', 'Value']} numeric={['Value']} actions={false} />
        <tbody>
          {data.resultType === 'vector'
            ? data.result.map((item, i) => (
                <tr key={i}>
                  <th scope="row" class="series">
                    {formatSeries(item.metric)}
                  </th>
                  <td class="num">
                    {item.value !== undefined
                      ? formatNumber(sampleValue(item.value[1]), 6)
                      : item.histogram !== undefined
                        ? `count ${item.histogram[1].count}, sum ${item.histogram[1].sum}`
                        : ''}
                  </td>
                </tr>
              ))
            : data.result.map((item, i) => (
                <tr key={i}>
                  <th scope="row" class="series">
                    {formatSeries(item.metric)}
                  </th>
                  <td class="num">
                    {(item.values ?? []).map(([t, v]) => (
                      <div key={t}>
                        {v} @{t}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
        </tbody>
      </table>
    </div>
  );
}
