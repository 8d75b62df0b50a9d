import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { formatDateTime, formatRelative } from '../lib/format.ts';
import { hasNavigated } from '../lib/router.ts';

/**
 * The page's heading; focused after an in-app navigation so screen readers announce the new page
 * (not on the first load, where focus starts at the top with the skip link).
 */
export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · xScaler`;
    if (hasNavigated()) ref.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <header class="page-header">
      <h1 tabIndex={-1} ref={ref}>
        {props.title}
      </h1>
      {props.children !== undefined && <div class="page-intro">{props.children}</div>}
    </header>
  );
}

/** A card: a section of a page with its heading, which names it for screen readers. */
export function Card(props: { id: string; title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/**
 * A table's header row: a column a name (`numeric` ones right-aligned), then, unless
 * `actions={false}`, one for the rows' buttons (named for screen readers).
 */
export function TableHead(props: {
  columns: readonly string[];
  numeric?: readonly string[];
  actions?: boolean;
}) {
  return (
    <thead>
      <tr>
        {props.columns.map((c) => (
          <th scope="col" key={c} class={props.numeric?.includes(c) === true ? 'num' : undefined}>
            {c}
          </th>
        ))}
        {props.actions !== false && (
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** A message box. Errors are announced at once (role=alert); the rest politely. */
export function Alert(props: {
  kind: 'error' | 'warning' | 'info' | 'success';
  title?: string;
  children?: ComponentChildren;
}) {
  return (
    <div class={`alert alert-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.title !== undefined && <strong class="alert-title">{props.title}</strong>}
      {props.children !== undefined && <div class="alert-body">{props.children}</div>}
    </div>
  );
}

export function Spinner(props: { label?: string }) {
  return (
    <span class="spinner" role="status">
      <span class="spinner-dot" aria-hidden="true" />
      <span class="spinner-label">{props.label ?? 'Loading…'}</span>
    </span>
  );
}

/** An error from any call, as a sentence for an Alert. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The state of a form or button that calls the server: `submit(work)` clears the error, is busy
 * while `work` runs and keeps the error `work` ended with, as a sentence for an Alert.
 */
export function useSubmit(): {
  busy: boolean;
  error: string | null;
  setError: (error: string | null) => void;
  submit: (work: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, submit };
}

/** A labelled form field: label, control, optional hint (linked by aria-describedby). */
export function Field(props: {
  id: string;
  label: string;
  hint?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint !== undefined && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function ScopeBadge(props: { scope: string }) {
  return <span class={`badge badge-${props.scope.replace('+', '-')}`}>{props.scope}</span>;
}

/** A moment as "3 minutes ago", with the date and time on hover. */
export function When(props: { ms: number }) {
  return (
    <time dateTime={new Date(props.ms).toISOString()} title={formatDateTime(props.ms)}>
      {formatRelative(props.ms)}
    </time>
  );
}
