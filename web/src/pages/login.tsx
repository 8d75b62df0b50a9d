import { useEffect, useRef, useState } from 'preact/hooks';

import { Alert, Field, useSubmit } from '../components/basics.tsx';
import { api, ApiError, type User } from '../lib/api.ts';

/** Sign in with email and password. */
export function LoginPage(props: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit();
  const emailRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    document.title = 'Sign in · xScaler';
    emailRef.current?.focus();
  }, []);
  return (
    <main class="auth-page" id="main">
      <div class="auth-card">
        <div class="brand brand-large" aria-hidden="true">
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <span>xScaler</span>
        </div>
        <h1>Sign in</h1>
        <form
          class="form"
          onSubmit={async (e) => {
            e.preventDefault();
            await submit(async () => {
              try {
                await api<{ user: User }>('POST', '/ui/api/session', { email, password });
              } catch (err) {
                throw err instanceof ApiError && err.status === 401
                  ? new Error('Wrong email or password.')
                  : err;
              }
              props.onSignedIn();
            });
          }}
        >
          <Field id="login-email" label="Email">
            <input
              ref={emailRef}
              id="login-email"
              name="email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </Field>
          <Field id="login-password" label="Password">
            <input
              id="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </Field>
          {error !== null && <Alert kind="error">{error}</Alert>}
          <button type="submit" class="button button-primary button-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p class="hint">
          No account yet? An operator creates one with <code>xscaler user create</code>.
        </p>
      </div>
    </main>
  );
}

/** Choosing a new password: forced after a one-time password, or from Settings → Account. */
export function ChangePasswordForm(props: { forced: boolean; onDone: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const { busy, error, setError, submit } = useSubmit();
  const [done, setDone] = useState(false);
  return (
    <form
      class="form"
      onSubmit={async (e) => {
        e.preventDefault();
        setDone(false);
        if (next !== again) {
          setError('The two new passwords are not the same.');
          return;
        }
        await submit(async () => {
          await api('PUT', '/ui/api/session/password', { current, next });
          setCurrent('');
          setNext('');
          setAgain('');
          setDone(true);
          props.onDone();
        });
      }}
    >
      <Field id="pw-current" label={props.forced ? 'One-time password' : 'Current password'}>
        <input
          id="pw-current"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onInput={(e) => setCurrent(e.currentTarget.value)}
        />
      </Field>
      <Field
        id="pw-next"
        label="New password"
        hint="At least 12 characters. A few random words make a good one."
      >
        <input
          id="pw-next"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          aria-describedby="pw-next-hint"
          value={next}
          onInput={(e) => setNext(e.currentTarget.value)}
        />
      </Field>
      <Field id="pw-again" label="New password, again">
        <input
          id="pw-again"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={again}
          onInput={(e) => setAgain(e.currentTarget.value)}
        />
      </Field>
      {error !== null && <Alert kind="error">{error}</Alert>}
      {done && !props.forced && (
        <Alert kind="success">Password changed. Your other sessions were signed out.</Alert>
      )}
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}

export function ForcedPasswordChange(props: { email: string; onDone: () => void; onSignOut: () => void }) {
  useEffect(() => {
    document.title = 'Choose a password · xScaler';
  }, []);
  return (
    <main class="auth-page" id="main">
      <div class="auth-card">
        <h1>Choose your password</h1>
        <p>
          You signed in as <strong>{props.email}</strong> with a one-time password. Choose your own to
          continue.
        </p>
        <ChangePasswordForm forced onDone={props.onDone} />
        <button type="button" class="button button-link" onClick={props.onSignOut}>
          Sign out
        </button>
      </div>
    </main>
  );
}
