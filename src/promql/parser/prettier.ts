import type { Expr } from './ast.ts';
import { aggregateHead, binaryOpString, exprToString, subquerySuffix } from './printer.ts';

/**
 * What Prometheus's `/api/v1/format_query` returns (its `Pretty()`): a node whose compact form is
 * longer than 100 bytes is split, its children indented two spaces per level; anything shorter
 * stays on one line. Binary operators go on their own line between the operands, function and
 * aggregation arguments one per line. Quirks are kept on purpose: a subquery that fits is not
 * indented, and a unary operator sticks to its operand.
 */

const MAX_LINE = 100;
const utf8 = new TextEncoder();

export function prettify(expr: Expr): string {
  return pretty(expr, 0);
}

function indent(level: number): string {
  return '  '.repeat(level);
}

/** Prometheus counts bytes, not characters, against the 100 limit. */
function needsSplit(e: Expr): boolean {
  const s = exprToString(e);
  return s.length > MAX_LINE || (s.length * 3 > MAX_LINE && utf8.encode(s).length > MAX_LINE);
}

function pretty(e: Expr, level: number): string {
  const pad = indent(level);
  switch (e.type) {
    case 'aggregate': {
      if (!needsSplit(e)) return pad + exprToString(e);
      let s = pad + aggregateHead(e) + '(\n';
      if (e.param !== null) s += pretty(e.param, level + 1) + ',\n';
      return s + pretty(e.expr, level + 1) + '\n' + pad + ')';
    }
    case 'binary':
      if (!needsSplit(e)) return pad + exprToString(e);
      return pretty(e.lhs, level + 1) + '\n' + pad + binaryOpString(e) + '\n' + pretty(e.rhs, level + 1);
    case 'call':
      if (!needsSplit(e)) return pad + exprToString(e);
      return (
        pad + e.func.name + '(\n' + e.args.map((a) => pretty(a, level + 1)).join(',\n') + '\n' + pad + ')'
      );
    case 'paren':
      if (!needsSplit(e)) return pad + exprToString(e);
      return pad + '(\n' + pretty(e.expr, level + 1) + '\n' + pad + ')';
    case 'stepInvariant':
      return pretty(e.expr, level);
    case 'subquery':
      if (!needsSplit(e)) return exprToString(e);
      return pretty(e.expr, level) + subquerySuffix(e);
    case 'unary':
      return pad + e.op + pretty(e.expr, level).trim();
    case 'matrixSelector':
    case 'vectorSelector':
    case 'number':
    case 'string':
      return pad + exprToString(e);
  }
}
