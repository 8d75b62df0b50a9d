import type { Expr } from './ast.ts';

/** The direct sub-expressions of a node, in source order (an aggregation's parameter first). */
export function children(e: Expr): Expr[] {
  switch (e.type) {
    case 'aggregate':
      return e.param === null ? [e.expr] : [e.param, e.expr];
    case 'binary':
      return [e.lhs, e.rhs];
    case 'call':
      return [...e.args];
    case 'matrixSelector':
      return [e.vectorSelector];
    case 'subquery':
    case 'paren':
    case 'unary':
    case 'stepInvariant':
      return [e.expr];
    case 'number':
    case 'string':
    case 'vectorSelector':
      return [];
  }
}

/**
 * Visits `e` and its descendants depth-first, parents before children. `path` holds the ancestors
 * of `node`, outermost first; it is reused between calls, so copy it to keep it. Return `false`
 * from `visit` to skip a node's children. Recursion depth is the depth of the tree.
 */
export function walk(e: Expr, visit: (node: Expr, path: readonly Expr[]) => boolean | void): void {
  const path: Expr[] = [];
  const go = (node: Expr): void => {
    if (visit(node, path) === false) return;
    path.push(node);
    for (const c of children(node)) go(c);
    path.pop();
  };
  go(e);
}

/**
 * Rebuilds a node with each direct child replaced by `fn(child)`; returns `e` itself when nothing
 * changed. With a recursive `fn` this is a bottom-up or top-down tree rewrite (for example pinning
 * every selector with `@`).
 */
export function mapChildren(e: Expr, fn: (child: Expr) => Expr): Expr {
  switch (e.type) {
    case 'aggregate': {
      const expr = fn(e.expr);
      const param = e.param === null ? null : fn(e.param);
      return expr === e.expr && param === e.param ? e : { ...e, expr, param };
    }
    case 'binary': {
      const lhs = fn(e.lhs);
      const rhs = fn(e.rhs);
      return lhs === e.lhs && rhs === e.rhs ? e : { ...e, lhs, rhs };
    }
    case 'call': {
      const args = e.args.map(fn);
      return args.every((a, i) => a === e.args[i]) ? e : { ...e, args };
    }
    case 'matrixSelector': {
      const vs = fn(e.vectorSelector);
      if (vs === e.vectorSelector) return e;
      if (vs.type !== 'vectorSelector') throw new TypeError('a range selector needs a vector selector');
      return { ...e, vectorSelector: vs };
    }
    case 'subquery':
    case 'paren':
    case 'unary':
    case 'stepInvariant': {
      const expr = fn(e.expr);
      return expr === e.expr ? e : { ...e, expr };
    }
    case 'number':
    case 'string':
    case 'vectorSelector':
      return e;
  }
}
