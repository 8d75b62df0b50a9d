import { useCallback, useEffect, useState } from 'preact/hooks';

import { Alert, errorText, PageHeader, Spinner, TableHead, useSubmit } from '../components/basics.tsx';
import { api, type SessionInfo } from '../lib/api.ts';

interface LimitRow {
  readonly key: string;
  readonly unit: string;
  readonly help: string;
  readonly value: string;
  readonly source: string;
}

/** Operator → Limits: a tenant's effective limits, where each comes from, and overrides. */
export function LimitsPage(props: { session: SessionInfo; tenant: string }) {
  const { tenant } = props;
  const [rows, setRows] = useState<readonly LimitRow[] | null>(null);
  const [edits, setEdits] = useState<Record<string, string>>({});
  const { busy, error, setError, submit } = useSubmit();
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const r = await api<{ limits: LimitRow[] }>(
        'GET',
        `/ui/api/admin/limits/${encodeURIComponent(tenant)}`,
      );
      setRows(r.limits);
      setEdits({});
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [tenant]);
  useEffect(() => {
    setRows(null);
    setNotice(null);
    void load();
  }, [load]);

  const save = async (changes: Record<string, string | null>, message: string): Promise<void> => {
    await submit(async () => {
      setNotice(null);
      await api('PUT', `/ui/api/admin/limits/${encodeURIComponent(tenant)}`, { changes });
      await load();
      setNotice(message); // after the reload, so the message and the table agree
    });
  };
  const changed = Object.entries(edits).filter(([k, v]) => rows?.find((r) => r.key === k)?.value !== v);

  if (!props.session.server.features.limits) {
    return (
      <div class="page">
        <PageHeader title="Limits" />
        <Alert kind="info">Per-tenant limits are not available on this server.</Alert>
      </div>
    );
  }
  return (
    <div class="page">
      <PageHeader title="Limits">
        <p>
          Limits of tenant <strong>{tenant}</strong> (pick another in the header). Overrides set here are the
          same as <code>xscaler limits set</code> and apply within seconds. 0 means no limit; durations are
          written like <code>10m</code> or <code>30d</code>. The <code>otlp_*</code> rows choose how the
          tenant&apos;s OTLP metrics are translated: lists are comma-separated, booleans <code>true</code> or{' '}
          <code>false</code>.
        </p>
      </PageHeader>
      {error !== null && <Alert kind="error">{error}</Alert>}
      {notice !== null && <Alert kind="success">{notice}</Alert>}
      {rows === null && error === null && <Spinner />}
      {rows !== null && (
        <form
          class="card"
          onSubmit={(e) => {
            e.preventDefault();
            if (changed.length === 0) return;
            void save(Object.fromEntries(changed), `Saved ${changed.length} override(s) for ${tenant}.`);
          }}
        >
          <div class="table-wrap">
            <table class="table">
              <TableHead columns={['Limit', 'Value', 'From']} />
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key}>
                    <th scope="row">
                      <label for={`limit-${r.key}`}>
                        <code>{r.key}</code>
                      </label>
                      <div class="hint">{r.help}</div>
                    </th>
                    <td>
                      <input
                        id={`limit-${r.key}`}
                        class="mono input-narrow"
                        value={edits[r.key] ?? r.value}
                        onInput={(e) => setEdits({ ...edits, [r.key]: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <span class={r.source === 'override' ? 'badge badge-write' : 'badge badge-muted'}>
                        {r.source}
                      </span>
                    </td>
                    <td class="actions">
                      {r.source === 'override' && (
                        <button
                          type="button"
                          class="button button-small"
                          disabled={busy}
                          onClick={() =>
                            void save({ [r.key]: null }, `${r.key} is back to its default for ${tenant}.`)
                          }
                        >
                          Reset
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="form-actions">
            <button type="submit" class="button button-primary" disabled={busy || changed.length === 0}>
              Save {changed.length > 0 ? `${changed.length} change(s)` : 'changes'}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
