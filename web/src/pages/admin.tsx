import { useCallback, useEffect, useState } from 'preact/hooks';

import {
  Alert,
  Card,
  errorText,
  Field,
  PageHeader,
  Spinner,
  TableHead,
  useSubmit,
  When,
} from '../components/basics.tsx';
import { SecretField } from '../components/copy.tsx';
import { ConfirmDialog, Dialog } from '../components/dialog.tsx';
import { api, type Role, type SessionInfo, type User } from '../lib/api.ts';

interface TenantRow {
  readonly id: string;
  readonly createdAt: number;
  readonly users: number;
  readonly tokens: number;
}

/** Operator → Tenants: every organisation, and a form to add one. */
export function TenantsPage(props: { onChanged: () => void }) {
  const [rows, setRows] = useState<readonly TenantRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [id, setId] = useState('');
  const { busy, error: formError, submit } = useSubmit();
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setRows((await api<{ tenants: TenantRow[] }>('GET', '/ui/api/admin/tenants')).tenants);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  useEffect(() => void load(), [load]);
  return (
    <div class="page">
      <PageHeader title="Tenants">
        <p>
          A tenant is an organisation with its own isolated metrics, tokens and users. Clients name it in the{' '}
          <code>X-Scope-OrgID</code> header.
        </p>
      </PageHeader>
      <Card id="new-tenant-title" title="Create a tenant">
        <form
          class="form form-inline"
          onSubmit={async (e) => {
            e.preventDefault();
            await submit(async () => {
              await api('POST', '/ui/api/admin/tenants', { id: id.trim() });
              const created = id.trim();
              setId('');
              props.onChanged();
              await load();
              setNotice(`Created tenant “${created}”. Add a user for it on the Users page.`);
            });
          }}
        >
          <Field
            id="tenant-id"
            label="Tenant ID"
            hint="Letters, digits and ! - _ . * ' ( ), up to 150 characters."
          >
            <input
              id="tenant-id"
              required
              maxLength={150}
              pattern="[A-Za-z0-9!\-_.*'()]+"
              aria-describedby="tenant-id-hint"
              value={id}
              onInput={(e) => setId(e.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="button button-primary" disabled={busy}>
            Create tenant
          </button>
        </form>
        {formError !== null && <Alert kind="error">{formError}</Alert>}
        {notice !== null && <Alert kind="success">{notice}</Alert>}
      </Card>
      <Card id="tenants-title" title="All tenants">
        {error !== null && <Alert kind="error">{error}</Alert>}
        {rows === null && error === null && <Spinner />}
        {rows !== null && (
          <div class="table-wrap">
            <table class="table">
              <TableHead
                columns={['Tenant', 'Created', 'Users', 'Tokens']}
                numeric={['Users', 'Tokens']}
                actions={false}
              />
              <tbody>
                {rows.map((t) => (
                  <tr key={t.id}>
                    <th scope="row">{t.id}</th>
                    <td>
                      <When ms={t.createdAt} />
                    </td>
                    <td class="num">{t.users}</td>
                    <td class="num">{t.tokens}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

/** Operator → Users: every account; create (one-time password), reset password, delete. */
export function UsersPage(props: { session: SessionInfo }) {
  const { session } = props;
  const [users, setUsers] = useState<readonly User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [oneTime, setOneTime] = useState<{ email: string; password: string; what: string } | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const action = useSubmit();
  const load = useCallback(async () => {
    try {
      setUsers((await api<{ users: User[] }>('GET', '/ui/api/admin/users')).users);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <div class="page">
      <PageHeader title="Users">
        <p>
          Members see and manage their own tenant; operators see every tenant and these pages. New users get a
          one-time password and choose their own at first sign-in.
        </p>
      </PageHeader>
      <CreateUserForm
        tenants={session.tenants}
        onCreated={(email, password) => {
          setOneTime({ email, password, what: 'created' });
          void load();
        }}
      />
      <Card id="users-title" title="All users">
        {error !== null && <Alert kind="error">{error}</Alert>}
        {action.error !== null && <Alert kind="error">{action.error}</Alert>}
        {users === null && error === null && <Spinner />}
        {users !== null && (
          <div class="table-wrap">
            <table class="table">
              <TableHead columns={['Email', 'Tenant', 'Role', 'Last sign-in']} />
              <tbody>
                {users.map((u) => (
                  <tr key={u.id}>
                    <th scope="row">
                      {u.email}
                      {u.mustChangePassword && <span class="badge badge-muted">one-time password</span>}
                    </th>
                    <td>{u.tenant}</td>
                    <td>{u.role}</td>
                    <td>
                      {u.lastLoginAt === null ? (
                        <span class="muted">Never</span>
                      ) : (
                        <When ms={u.lastLoginAt} />
                      )}
                    </td>
                    <td class="actions">
                      {u.id !== session.user.id && (
                        <>
                          <button
                            type="button"
                            class="button button-small"
                            disabled={action.busy}
                            aria-label={`Reset the password of ${u.email}`}
                            onClick={() =>
                              void action.submit(async () => {
                                const r = await api<{ password: string }>(
                                  'POST',
                                  `/ui/api/admin/users/${encodeURIComponent(u.id)}/password`,
                                );
                                setOneTime({ email: u.email, password: r.password, what: 'reset' });
                                await load();
                              })
                            }
                          >
                            Reset password
                          </button>{' '}
                          <button
                            type="button"
                            class="button button-small button-danger-outline"
                            aria-label={`Delete ${u.email}`}
                            onClick={() => setDeleting(u)}
                          >
                            Delete
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {oneTime !== null && (
        <Dialog title={`One-time password for ${oneTime.email}`} onClose={() => setOneTime(null)}>
          <div class="dialog-body">
            <p>
              {oneTime.what === 'reset'
                ? 'The password was reset and their sessions ended.'
                : 'The user was created.'}{' '}
              Give them this one-time password over a safe channel; it is shown only now, and they choose
              their own at first sign-in.
            </p>
            <SecretField label="One-time password" value={oneTime.password} copyLabel="Copy password" />
          </div>
          <div class="dialog-actions">
            <button type="button" class="button button-primary" onClick={() => setOneTime(null)}>
              Done
            </button>
          </div>
        </Dialog>
      )}
      {deleting !== null && (
        <ConfirmDialog
          title={`Delete ${deleting.email}?`}
          confirmLabel="Delete user"
          busy={action.busy}
          onClose={() => setDeleting(null)}
          onConfirm={() =>
            void action.submit(async () => {
              try {
                await api('DELETE', `/ui/api/admin/users/${encodeURIComponent(deleting.id)}`);
              } finally {
                setDeleting(null);
              }
              await load();
            })
          }
        >
          <p>They are signed out at once. Their tenant, its data and its tokens stay.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function CreateUserForm(props: {
  tenants: readonly string[];
  onCreated: (email: string, password: string) => void;
}) {
  const [tenant, setTenant] = useState(props.tenants[0] ?? '');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const { busy, error, submit } = useSubmit();
  return (
    <Card id="new-user-title" title="Add a user">
      <form
        class="form form-grid"
        onSubmit={async (e) => {
          e.preventDefault();
          await submit(async () => {
            const r = await api<{ user: User; password: string }>('POST', '/ui/api/admin/users', {
              tenant,
              email,
              role,
            });
            setEmail('');
            props.onCreated(r.user.email, r.password);
          });
        }}
      >
        <Field id="user-email" label="Email">
          <input
            id="user-email"
            type="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field id="user-tenant" label="Tenant">
          <select id="user-tenant" value={tenant} onChange={(e) => setTenant(e.currentTarget.value)}>
            {props.tenants.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </Field>
        <Field id="user-role" label="Role">
          <select id="user-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option value="member">Member (own tenant)</option>
            <option value="operator">Operator (all tenants)</option>
          </select>
        </Field>
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            Add user
          </button>
        </div>
      </form>
      {error !== null && <Alert kind="error">{error}</Alert>}
    </Card>
  );
}
