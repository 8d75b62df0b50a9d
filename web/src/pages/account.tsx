import { Card, PageHeader } from '../components/basics.tsx';
import type { SessionInfo } from '../lib/api.ts';
import { formatDateTime } from '../lib/format.ts';
import { ChangePasswordForm } from './login.tsx';

/** Settings → Account: who you are, and your password. */
export function AccountPage(props: { session: SessionInfo }) {
  const { user } = props.session;
  return (
    <div class="page">
      <PageHeader title="Account" />
      <Card id="me-title" title="You">
        <dl class="facts">
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Tenant</dt>
          <dd>{user.tenant}</dd>
          <dt>Role</dt>
          <dd>{user.role === 'operator' ? 'Operator (all tenants)' : 'Member'}</dd>
          <dt>Member since</dt>
          <dd>{formatDateTime(user.createdAt)}</dd>
        </dl>
      </Card>
      <Card id="pw-title" title="Change password">
        <ChangePasswordForm forced={false} onDone={() => undefined} />
      </Card>
    </div>
  );
}
