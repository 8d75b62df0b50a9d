import { useMemo, useState } from 'preact/hooks';

import { Alert, Card, errorText, PageHeader, ScopeBadge, Spinner, useSubmit } from '../components/basics.tsx';
import { CodeBlock, CopyField, SecretField } from '../components/copy.tsx';
import { Tabs } from '../components/tabs.tsx';
import { api, prom, tenantPath, type SessionInfo, type Token } from '../lib/api.ts';
import { clientGuides, endpoints, type ClientId } from './connect/snippets.ts';

interface Created {
  readonly token: string;
  readonly record: Token;
}

/** Quick start: where to send, what to paste, and whether data has arrived. */
export function ConnectPage(props: { session: SessionInfo; tenant: string }) {
  const { session, tenant } = props;
  const baseUrl = session.server.publicUrl;
  const [client, setClient] = useState<ClientId>('prometheus');
  const [created, setCreated] = useState<Created | null>(null);
  /** A token the user already has, pasted to fill the snippets (kept in memory only). */
  const [pasted, setPasted] = useState('');
  const { busy, error, submit } = useSubmit();
  const guides = useMemo(
    () => clientGuides({ baseUrl, tenant, token: created?.token ?? (pasted.trim() || undefined) }),
    [baseUrl, tenant, created, pasted],
  );
  const guide = guides.find((g) => g.id === client) ?? guides[0];
  const e = endpoints(baseUrl);
  if (guide === undefined) return null;

  const createToken = async (): Promise<void> => {
    await submit(async () => {
      const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
      setCreated(
        await api<Created>('POST', tenantPath(tenant, '/tokens'), {
          name: `${guide.name} (${stamp})`,
          scope: guide.scope,
        }),
      );
    });
  };

  return (
    <div class="page">
      <PageHeader title="Connect">
        <p>
          Send metrics to tenant <strong>{tenant}</strong>
          {session.server.region !== null && (
            <>
              {' '}
              in region <strong>{session.server.region}</strong>
            </>
          )}
          . Every request carries two headers: <code>Authorization: Bearer &lt;token&gt;</code> and{' '}
          <code>X-Scope-OrgID: {tenant}</code>.
        </p>
      </PageHeader>

      <Card id="endpoints-title" title="Your endpoints">
        <div class="grid-2">
          <CopyField id="ep-tenant" label="Tenant ID (X-Scope-OrgID)" value={tenant} />
          <CopyField id="ep-push" label="Prometheus remote write" value={e.push} />
          <CopyField id="ep-otlp" label="OTLP/HTTP (SDKs)" value={e.otlpMetrics} />
          <CopyField id="ep-prom" label="Prometheus API (Grafana, PromQL)" value={e.prometheus} />
        </div>
      </Card>

      <Card id="snippets-title" title="Configure your client">
        <Tabs
          label="Client"
          idPrefix="client"
          items={guides.map((g) => ({ id: g.id, label: g.name }))}
          selected={guide.id}
          onSelect={(id) => setClient(id as ClientId)}
        >
          <p>
            {guide.summary} Needs a token with the <ScopeBadge scope={guide.scope} /> scope
            {guide.scope === 'read+write' ? '' : ' (or read+write)'}.
          </p>
          <div class="token-strip">
            {created === null ? (
              <>
                <p>
                  The snippets say <code>&lt;token&gt;</code>. Create a token now and they will be filled in,
                  or paste one you already have (it stays in this page).
                </p>
                <div class="token-choices">
                  <button
                    type="button"
                    class="button button-primary"
                    disabled={busy}
                    onClick={() => void createToken()}
                  >
                    {busy ? 'Creating…' : `Create a ${guide.scope} token for ${guide.name}`}
                  </button>
                  <label class="paste-token">
                    <span>or use a token you have</span>
                    <input
                      type="password"
                      class="mono"
                      autoComplete="off"
                      spellcheck={false}
                      placeholder="xsc_…"
                      value={pasted}
                      onInput={(e) => setPasted(e.currentTarget.value)}
                    />
                  </label>
                </div>
              </>
            ) : (
              <Alert
                kind="success"
                title={`Token “${created.record.name}” created (${created.record.scope})`}
              >
                <p>
                  It is in every snippet on this page. Copy what you need now: it is shown only this once, and
                  leaving the page forgets it.
                </p>
                <SecretField label="New token" value={created.token} copyLabel="Copy token" />
              </Alert>
            )}
            {error !== null && <Alert kind="error">{error}</Alert>}
          </div>
          {guide.snippets.map((s) => (
            <CodeBlock key={s.title} code={s.code} label={s.title} />
          ))}
          <h3>Good to know</h3>
          <ul class="notes">
            {guide.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </Tabs>
      </Card>

      <DataCheck session={session} tenant={tenant} />
    </div>
  );
}

/** "Has anything arrived?": asks the Prometheus API for the tenant's metric names. */
function DataCheck(props: { session: SessionInfo; tenant: string }) {
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'busy' }
    | { kind: 'done'; names: readonly string[] }
    | { kind: 'error'; message: string }
  >({ kind: 'idle' });
  if (!props.session.server.features.prometheusApi) return null;
  const check = async (): Promise<void> => {
    setState({ kind: 'busy' });
    try {
      const end = Math.floor(Date.now() / 1000);
      const r = await prom<string[]>(props.tenant, '/api/v1/label/__name__/values', {
        start: String(end - 3600),
        end: String(end),
      });
      setState({ kind: 'done', names: r.data });
    } catch (err) {
      setState({ kind: 'error', message: errorText(err) });
    }
  };
  return (
    <Card id="check-title" title="Check that data arrives">
      <p>After your client has run for a minute, look for the metrics it sent in the last hour.</p>
      <button type="button" class="button" onClick={() => void check()} disabled={state.kind === 'busy'}>
        Check for data
      </button>{' '}
      {state.kind === 'busy' && <Spinner label="Looking…" />}
      {state.kind === 'error' && <Alert kind="error">{state.message}</Alert>}
      {state.kind === 'done' &&
        (state.names.length === 0 ? (
          <Alert kind="warning" title="No metrics yet">
            Nothing has arrived in the last hour. Check the client’s log for the HTTP status of its requests:
            400 means a missing X-Scope-OrgID, 401 a wrong token, 403 a token without the write scope, 404 a
            wrong URL.
          </Alert>
        ) : (
          <Alert kind="success" title={`Receiving data: ${state.names.length} metric name(s)`}>
            <p>
              {state.names.slice(0, 8).join(', ')}
              {state.names.length > 8 ? ', …' : ''} — <a href="/explore">explore them</a>.
            </p>
          </Alert>
        ))}
    </Card>
  );
}
