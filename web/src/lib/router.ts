import { useEffect, useState } from 'preact/hooks';

/** A very small router over the History API: one path, a listener set, and a hook. */
const listeners = new Set<() => void>();
let navigations = 0;

/** Whether the user has moved between pages (then page headings take focus, for screen readers). */
export function hasNavigated(): boolean {
  return navigations > 0;
}

function notify(): void {
  navigations++;
  for (const l of listeners) l();
}

window.addEventListener('popstate', notify);

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname + location.search) return;
  if (options.replace === true) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  notify();
}

/** The current path (and re-renders when it changes). */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = (): void => setPath(location.pathname);
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return path;
}

/**
 * Turns clicks on same-origin links into History navigation (one listener for the whole app, so
 * every `<a href="/...">` is a router link and still works with modifier keys, middle click and
 * "open in new tab").
 */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest('a');
    if (a === null || a === undefined || a.target !== '' || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/ui/api/')) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
}
