import type { ErrorStyle, Handler } from './context.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Route {
  readonly handler: Handler;
  /** How errors before or outside the handler (405, 404) are rendered. */
  readonly style: ErrorStyle;
}

/**
 * Exact-path routes plus prefix routes (`/prometheus/api/v1/label/` + `<name>/values`). Lookups are
 * a Map get for exact paths and a short scan of prefixes, longest first.
 */
export class Router {
  private readonly exact = new Map<string, Map<string, Route>>();
  private readonly prefixes: Array<{ prefix: string; methods: Map<string, Route> }> = [];

  add(methods: Method | readonly Method[], path: string, handler: Handler, style: ErrorStyle = 'text'): this {
    let table = this.exact.get(path);
    if (!table) this.exact.set(path, (table = new Map()));
    for (const m of typeof methods === 'string' ? [methods] : methods) table.set(m, { handler, style });
    return this;
  }

  /** Routes every path that starts with `prefix`. */
  addPrefix(
    methods: Method | readonly Method[],
    prefix: string,
    handler: Handler,
    style: ErrorStyle = 'text',
  ): this {
    let entry = this.prefixes.find((p) => p.prefix === prefix);
    if (!entry) {
      entry = { prefix, methods: new Map() };
      this.prefixes.push(entry);
      this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
    }
    for (const m of typeof methods === 'string' ? [methods] : methods)
      entry.methods.set(m, { handler, style });
    return this;
  }

  /** The routes of a path by method, or undefined when no route has this path. */
  match(path: string): ReadonlyMap<string, Route> | undefined {
    const table = this.exact.get(path);
    if (table) return table;
    for (const p of this.prefixes) if (path.startsWith(p.prefix)) return p.methods;
    return undefined;
  }
}
