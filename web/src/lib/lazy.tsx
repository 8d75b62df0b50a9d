import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { Alert, Spinner } from '../components/basics.tsx';

/**
 * A page whose code is loaded on first use (its own chunk), so the first load stays small: the
 * PromQL editor and the charts arrive only with Explore and Usage.
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function LazyPage(props: P) {
    const [Page, setPage] = useState<ComponentType<P> | undefined>(() => loaded);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => {
      if (Page !== undefined) return;
      load().then(
        (c) => {
          loaded = c;
          setPage(() => c);
        },
        (err: unknown) => setError(String(err)),
      );
    }, []);
    if (error !== null) {
      return (
        <Alert kind="error" title="This page could not be loaded">
          {error} — reload the page to try again.
        </Alert>
      );
    }
    if (Page === undefined) return <Spinner />;
    return <Page {...props} />;
  };
}
