import { useCallback, useEffect, useState } from 'preact/hooks';

import { Alert, errorText, Spinner } from './components/basics.tsx';
import { api, ApiError, setSignedOutHandler, type SessionInfo } from './lib/api.ts';
import { lazyPage } from './lib/lazy.tsx';
import { navigate, usePath } from './lib/router.ts';
import { AccountPage } from './pages/account.tsx';
import { TenantsPage, UsersPage } from './pages/admin.tsx';
import { ConnectPage } from './pages/connect.tsx';
import { ForcedPasswordChange, LoginPage } from './pages/login.tsx';
import { TokensPage } from './pages/tokens.tsx';

interface PageProps {
  session: SessionInfo;
  tenant: string;
}

// Explore (editor + charts), Usage (charts) and Limits load their code on first visit.
const ExplorePage = lazyPage<PageProps>(async () => (await import('./pages/explore.tsx')).ExplorePage);
const UsagePage = lazyPage<PageProps>(async () => (await import('./pages/usage.tsx')).UsagePage);
const LimitsPage = lazyPage<PageProps>(async () => (await import('./pages/admin-limits.tsx')).LimitsPage);

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'error'; message: string }
  | { kind: 'in'; session: SessionInfo };

const TENANT_KEY = 'xscaler.tenant';

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const load = useCallback(async () => {
    try {
      setState({ kind: 'in', session: await api<SessionInfo>('GET', '/ui/api/session') });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setState({ kind: 'signed-out' });
      else setState({ kind: 'error', message: errorText(err) });
    }
  }, []);
  useEffect(() => {
    setSignedOutHandler(() => setState({ kind: 'signed-out' }));
    void load();
  }, [load]);
  const signOut = useCallback(async () => {
    await api('DELETE', '/ui/api/session').catch(() => undefined);
    setState({ kind: 'signed-out' });
  }, []);

  switch (state.kind) {
    case 'loading':
      return (
        <main class="auth-page" id="main">
          <Spinner />
        </main>
      );
    case 'error':
      return (
        <main class="auth-page" id="main">
          <Alert kind="error" title="The dashboard cannot reach the server">
            {state.message}
          </Alert>
          <button type="button" class="button" onClick={() => void load()}>
            Try again
          </button>
        </main>
      );
    case 'signed-out':
      return <LoginPage onSignedIn={() => void load()} />;
    case 'in':
      if (state.session.user.mustChangePassword) {
        return (
          <ForcedPasswordChange
            email={state.session.user.email}
            onDone={() => void load()}
            onSignOut={() => void signOut()}
          />
        );
      }
      return (
        <Shell
          session={state.session}
          onSignOut={() => void signOut()}
          onTenantsChanged={() => void load()}
        />
      );
  }
}

interface NavItem {
  readonly href: string;
  readonly label: string;
}

const MAIN_NAV: readonly NavItem[] = [
  { href: '/connect', label: 'Connect' },
  { href: '/explore', label: 'Explore' },
  { href: '/usage', label: 'Usage' },
];
const SETTINGS_NAV: readonly NavItem[] = [
  { href: '/settings/tokens', label: 'API Tokens' },
  { href: '/settings/account', label: 'Account' },
];
const ADMIN_NAV: readonly NavItem[] = [
  { href: '/admin/tenants', label: 'Tenants' },
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/limits', label: 'Limits' },
];

function Shell(props: { session: SessionInfo; onSignOut: () => void; onTenantsChanged: () => void }) {
  const { session } = props;
  const path = usePath();
  const [menuOpen, setMenuOpen] = useState(false);
  const operator = session.user.role === 'operator';
  const [tenant, setTenant] = useState(() => {
    const saved = localStorage.getItem(TENANT_KEY);
    return operator && saved !== null && session.tenants.includes(saved) ? saved : session.user.tenant;
  });
  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => {
    if (path === '/' || path === '/login') navigate('/connect', { replace: true });
  }, [path]);

  const chooseTenant = (t: string): void => {
    setTenant(t);
    localStorage.setItem(TENANT_KEY, t);
  };
  const page = renderPage(path, session, tenant, props.onTenantsChanged);

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/connect">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>xScaler</span>
        </a>
        <div class="topbar-tenant">
          {operator && session.tenants.length > 1 ? (
            <>
              <label for="tenant-picker" class="visually-hidden">
                Tenant
              </label>
              <select id="tenant-picker" value={tenant} onChange={(e) => chooseTenant(e.currentTarget.value)}>
                {session.tenants.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </>
          ) : (
            <span class="tenant-label" title="Your tenant (X-Scope-OrgID)">
              {tenant}
            </span>
          )}
          {session.server.region !== null && <span class="region">{session.server.region}</span>}
        </div>
        <div class="topbar-user">
          <span class="user-email">{session.user.email}</span>
          <button type="button" class="button button-small" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
        <button
          type="button"
          class="button button-small menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
      </header>
      <nav id="sidebar" class={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Main">
        <NavList items={MAIN_NAV} path={path} />
        <h2 class="nav-heading">Settings</h2>
        <NavList items={SETTINGS_NAV} path={path} />
        {operator && (
          <>
            <h2 class="nav-heading">Operator</h2>
            <NavList items={ADMIN_NAV} path={path} />
          </>
        )}
        <div class="sidebar-user">
          <span class="user-email">{session.user.email}</span>
          <button type="button" class="button button-small" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" class="main" tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}

function NavList(props: { items: readonly NavItem[]; path: string }) {
  return (
    <ul class="nav-list">
      {props.items.map((item) => (
        <li key={item.href}>
          <a href={item.href} aria-current={props.path === item.href ? 'page' : undefined}>
            {item.label}
          </a>
        </li>
      ))}
    </ul>
  );
}

function renderPage(path: string, session: SessionInfo, tenant: string, onTenantsChanged: () => void) {
  const operator = session.user.role === 'operator';
  switch (path) {
    case '/':
    case '/login':
    case '/connect':
      return <ConnectPage session={session} tenant={tenant} />;
    case '/explore':
      return <ExplorePage session={session} tenant={tenant} />;
    case '/usage':
      return <UsagePage session={session} tenant={tenant} />;
    case '/settings/tokens':
      return <TokensPage tenant={tenant} />;
    case '/settings/account':
      return <AccountPage session={session} />;
    case '/admin/tenants':
      if (operator) return <TenantsPage onChanged={onTenantsChanged} />;
      break;
    case '/admin/users':
      if (operator) return <UsersPage session={session} />;
      break;
    case '/admin/limits':
      if (operator) return <LimitsPage session={session} tenant={tenant} />;
      break;
  }
  return (
    <div class="page">
      <h1>Page not found</h1>
      <p>
        There is nothing at <code>{path}</code>. Start from <a href="/connect">Connect</a>.
      </p>
    </div>
  );
}
