import { useEffect, useState } from 'preact/hooks';

/** Copies text to the clipboard; falls back to a hidden textarea where the API is unavailable. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Not a secure context or no permission: the old way still works in most browsers.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused to copy; select the text and copy it by hand');
}

/** A button that copies `text` and says so (to screen readers too) for a moment. */
export function CopyButton(props: { text: string; label?: string; class?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return undefined;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  const label = props.label ?? 'Copy';
  return (
    <button
      type="button"
      class={`button button-small copy-button ${props.class ?? ''}`}
      onClick={() => {
        copyText(props.text).then(
          () => setState('copied'),
          () => setState('failed'),
        );
      }}
    >
      <span aria-live="polite">
        {state === 'copied' ? 'Copied ✓' : state === 'failed' ? 'Copy failed' : label}
      </span>
    </button>
  );
}

/** A code sample with its copy button. */
export function CodeBlock(props: { code: string; label: string; filename?: string | undefined }) {
  return (
    <figure class="code-block">
      <figcaption>
        <span>{props.filename ?? props.label}</span>
        <CopyButton text={props.code} label="Copy" />
      </figcaption>
      <pre tabIndex={0} aria-label={props.label}>
        <code>{props.code}</code>
      </pre>
    </figure>
  );
}

/** One value (a URL, an id) on a line with its copy button. */
export function CopyField(props: { label: string; value: string; id: string }) {
  return (
    <div class="copy-field">
      <label for={props.id}>{props.label}</label>
      <div class="copy-field-row">
        <input id={props.id} readOnly value={props.value} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton text={props.value} label="Copy" />
      </div>
    </div>
  );
}

/** A secret shown once (a new token, a one-time password): selected on focus, with its copy button. */
export function SecretField(props: { label: string; value: string; copyLabel: string }) {
  return (
    <div class="copy-field-row">
      <input
        aria-label={props.label}
        class="mono"
        readOnly
        value={props.value}
        onFocus={(e) => e.currentTarget.select()}
      />
      <CopyButton text={props.value} label={props.copyLabel} />
    </div>
  );
}
