import { useCallback, useEffect, useState } from 'preact/hooks';

import {
  Alert,
  Card,
  errorText,
  Field,
  PageHeader,
  ScopeBadge,
  Spinner,
  TableHead,
  useSubmit,
  When,
} from '../components/basics.tsx';
import { SecretField } from '../components/copy.tsx';
import { ConfirmDialog, Dialog } from '../components/dialog.tsx';
import { api, tenantPath, type Scope, type Token } from '../lib/api.ts';
import { formatDateTime, formatRelative } from '../lib/format.ts';

const SCOPES: ReadonlyArray<{ scope: Scope; label: string; use: string }> = [
  {
    scope: 'write',
    label: 'write',
    use: 'Send metrics: Prometheus remote_write, the OTel Collector, OTel SDKs.',
  },
  { scope: 'read', label: 'read', use: 'Query metrics: Grafana, PromQL scripts, promtool.' },
  {
    scope: 'read+write',
    label: 'read+write',
    use: 'Both: Grafana Alloy, or anything that sends and queries.',
  },
];

const EXPIRIES: ReadonlyArray<{ days: number | null; label: string }> = [
  { days: null, label: 'Never' },
  { days: 7, label: 'In 7 days' },
  { days: 30, label: 'In 30 days' },
  { days: 90, label: 'In 90 days' },
  { days: 365, label: 'In a year' },
];

/** Settings → API Tokens: list, create (shown once), delete. */
export function TokensPage(props: { tenant: string }) {
  const { tenant } = props;
  const [tokens, setTokens] = useState<readonly Token[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ token: string; record: Token } | null>(null);
  const [deleting, setDeleting] = useState<Token | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const r = await api<{ tokens: Token[] }>('GET', tenantPath(tenant, '/tokens'));
      setTokens(r.tokens);
      setLoadError(null);
    } catch (err) {
      setLoadError(errorText(err));
    }
  }, [tenant]);
  useEffect(() => {
    setTokens(null);
    void load();
  }, [load]);

  return (
    <div class="page">
      <PageHeader title="API Tokens">
        <p>
          Tokens let programs send and query metrics for tenant <strong>{tenant}</strong>. Send one as{' '}
          <code>Authorization: Bearer &lt;token&gt;</code> together with <code>X-Scope-OrgID: {tenant}</code>.
          A token is shown only once, when it is created; we keep only a hash of it.
        </p>
      </PageHeader>

      <CreateTokenForm
        tenant={tenant}
        onCreated={(c) => {
          setCreated(c);
          void load();
        }}
      />

      <Card id="tokens-title" title={<>Tokens of {tenant}</>}>
        {notice !== null && <Alert kind="success">{notice}</Alert>}
        {loadError !== null && <Alert kind="error">{loadError}</Alert>}
        {tokens === null && loadError === null && <Spinner />}
        {tokens !== null && tokens.length === 0 && <p class="empty">No tokens yet. Create one above.</p>}
        {tokens !== null && tokens.length > 0 && (
          <div class="table-wrap">
            <table class="table" aria-labelledby="tokens-title">
              <TableHead columns={['Name', 'Scope', 'Token', 'Created', 'Last used', 'Expires']} />
              <tbody>
                {tokens.map((t) => {
                  const expired = t.expiresAt !== null && t.expiresAt <= Date.now();
                  return (
                    <tr key={t.id} data-token-id={t.id}>
                      <th scope="row">{t.name}</th>
                      <td>
                        <ScopeBadge scope={t.scope} />
                      </td>
                      <td>
                        <code>{t.prefix}…</code>
                      </td>
                      <td>
                        <When ms={t.createdAt} />
                      </td>
                      <td>
                        {t.lastUsedAt === null ? (
                          <span class="muted">Never</span>
                        ) : (
                          <When ms={t.lastUsedAt} />
                        )}
                      </td>
                      <td>
                        {t.expiresAt === null ? (
                          <span class="muted">Never</span>
                        ) : (
                          <span class={expired ? 'text-danger' : ''} title={formatDateTime(t.expiresAt)}>
                            {expired ? 'Expired' : formatRelative(t.expiresAt)}
                          </span>
                        )}
                      </td>
                      <td class="actions">
                        <button
                          type="button"
                          class="button button-small button-danger-outline"
                          aria-label={`Delete token ${t.name}`}
                          onClick={() => setDeleting(t)}
                        >
                          Delete
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      {created !== null && (
        <NewTokenDialog tenant={tenant} created={created} onClose={() => setCreated(null)} />
      )}
      {deleting !== null && (
        <DeleteTokenDialog
          tenant={tenant}
          token={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={async () => {
            const name = deleting.name;
            setDeleting(null);
            await load();
            setNotice(`Deleted token “${name}”. Clients still using it now get 401 Unauthorized.`);
          }}
        />
      )}
    </div>
  );
}

function CreateTokenForm(props: {
  tenant: string;
  onCreated: (c: { token: string; record: Token }) => void;
}) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('write');
  const [expiry, setExpiry] = useState<string>('never');
  const { busy, error, submit } = useSubmit();
  return (
    <Card id="create-title" title="Create a token">
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault();
          await submit(async () => {
            const days = expiry === 'never' ? undefined : Number(expiry);
            const c = await api<{ token: string; record: Token }>(
              'POST',
              tenantPath(props.tenant, '/tokens'),
              {
                name: name.trim(),
                scope,
                ...(days === undefined ? {} : { expiresInDays: days }),
              },
            );
            setName('');
            props.onCreated(c);
          });
        }}
      >
        <Field
          id="token-name"
          label="Name"
          hint="Where it will be used, so you know what breaks if you delete it."
        >
          <input
            id="token-name"
            name="name"
            required
            maxLength={100}
            placeholder="prometheus-prod"
            aria-describedby="token-name-hint"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <fieldset class="field">
          <legend>Scope</legend>
          <div class="radio-cards">
            {SCOPES.map((s) => (
              <label key={s.scope} class="radio-card">
                <input
                  type="radio"
                  name="scope"
                  value={s.scope}
                  checked={scope === s.scope}
                  onChange={() => setScope(s.scope)}
                />
                <span>
                  <strong>{s.label}</strong>
                  <span class="hint">{s.use}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <Field id="token-expiry" label="Expires">
          <select
            id="token-expiry"
            name="expiry"
            value={expiry}
            onChange={(e) => setExpiry(e.currentTarget.value)}
          >
            {EXPIRIES.map((x) => (
              <option key={x.label} value={x.days === null ? 'never' : String(x.days)}>
                {x.label}
              </option>
            ))}
          </select>
        </Field>
        {error !== null && <Alert kind="error">{error}</Alert>}
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
    </Card>
  );
}

function NewTokenDialog(props: {
  tenant: string;
  created: { token: string; record: Token };
  onClose: () => void;
}) {
  const { token, record } = props.created;
  return (
    <Dialog title="Copy your new token" onClose={props.onClose} wide>
      <div class="dialog-body">
        <Alert kind="warning">
          This is the only time the token is shown. Copy it now and keep it somewhere safe (a secret store,
          not a repository).
        </Alert>
        <p>
          <strong>{record.name}</strong> · <ScopeBadge scope={record.scope} />
          {record.expiresAt !== null && <> · expires {formatDateTime(record.expiresAt)}</>}
        </p>
        <SecretField label="Token" value={token} copyLabel="Copy token" />
        <p class="hint">
          Use it with <code>Authorization: Bearer {record.prefix}…</code> and{' '}
          <code>X-Scope-OrgID: {props.tenant}</code>. The <a href="/connect">Connect</a> page has ready-made
          configuration.
        </p>
      </div>
      <div class="dialog-actions">
        <button type="button" class="button button-primary" onClick={props.onClose}>
          I have copied it
        </button>
      </div>
    </Dialog>
  );
}

function DeleteTokenDialog(props: {
  tenant: string;
  token: Token;
  onClose: () => void;
  onDeleted: () => Promise<void>;
}) {
  const { busy, error, submit } = useSubmit();
  return (
    <ConfirmDialog
      title={`Delete token “${props.token.name}”?`}
      confirmLabel="Delete token"
      busy={busy}
      onClose={props.onClose}
      onConfirm={() =>
        void submit(async () => {
          await api('DELETE', tenantPath(props.tenant, `/tokens/${encodeURIComponent(props.token.id)}`));
          await props.onDeleted();
        })
      }
    >
      <p>
        Anything still using <code>{props.token.prefix}…</code> ({props.token.scope}) will be refused with 401
        within seconds. This cannot be undone.
      </p>
      {error !== null && <Alert kind="error">{error}</Alert>}
    </ConfirmDialog>
  );
}
