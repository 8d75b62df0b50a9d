import type { AggregateExpr, AggregateOp, Call, Expr } from './ast.ts';
import { getFunction } from './functions.ts';
import { T, type Token } from './lexer.ts';
import { parseGroupingLabels } from './operators.ts';
import type { ParseState } from './state.ts';

/**
 * Function calls and aggregations. The argument parser is passed in (it is the expression parser)
 * so this module does not import parser.ts back.
 */

export type ParseArg = (ps: ParseState) => Expr;

/** `(` args `)` after a function name or aggregation; reports a trailing comma but accepts it. */
function parseArgs(ps: ParseState, parseArg: ParseArg): Expr[] {
  ps.expect(T.LPAREN);
  const args: Expr[] = [];
  if (ps.is(T.RPAREN)) {
    ps.next();
    return args;
  }
  for (;;) {
    args.push(parseArg(ps));
    if (ps.is(T.RPAREN)) break;
    if (!ps.is(T.COMMA)) ps.unexpected();
    const comma = ps.next();
    if (ps.is(T.RPAREN)) {
      ps.addError(
        { start: comma.start, end: comma.end },
        'trailing commas not allowed in function call args',
      );
      break;
    }
  }
  ps.next();
  return args;
}

/** A call whose name token was just consumed; unknown and disabled functions are reported. */
export function parseCall(ps: ParseState, nameTok: Token, name: string, parseArg: ParseArg): Call {
  const args = parseArgs(ps, parseArg);
  let func = getFunction(name);
  const nameRange = { start: nameTok.start, end: nameTok.end };
  if (func === undefined) {
    ps.addError(nameRange, `unknown function with name ${JSON.stringify(name)}`);
    func = { name, argTypes: [], variadic: -1, returnType: 'vector', experimental: false };
  } else if (func.experimental && !ps.experimentalFunctions) {
    ps.addError(nameRange, `function ${JSON.stringify(name)} is not enabled`);
  }
  return { type: 'call', func, args, posRange: { start: nameTok.start, end: ps.lastEnd } };
}

const PARAM_AGGREGATORS = new Set(['topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio']);

/** `op [by|without (...)] (args) [by|without (...)]` with the aggregation operator current. */
export function parseAggregate(ps: ParseState, parseArg: ParseArg): Expr {
  const opTok = ps.next();
  const op = opTok.kw as AggregateOp;
  let without = false;
  let grouping: string[] | null = null;
  if (ps.is(T.KEYWORD, 'by') || ps.is(T.KEYWORD, 'without')) {
    without = ps.next().kw === 'without';
    grouping = parseGroupingLabels(ps);
  }
  if (!ps.is(T.LPAREN)) ps.unexpected('aggregation');
  const args = parseArgs(ps, parseArg);
  if (grouping === null && (ps.is(T.KEYWORD, 'by') || ps.is(T.KEYWORD, 'without'))) {
    without = ps.next().kw === 'without';
    grouping = parseGroupingLabels(ps);
  }
  const posRange = { start: opTok.start, end: ps.lastEnd };
  const withParam = PARAM_AGGREGATORS.has(op);
  const want = withParam ? 2 : 1;
  let valid = false;
  if (args.length === 0) {
    ps.addError(posRange, 'no arguments for aggregate expression provided');
  } else if ((op === 'limitk' || op === 'limit_ratio') && !ps.experimentalFunctions) {
    ps.addError(
      posRange,
      `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`,
    );
  } else if (args.length !== want) {
    ps.addError(
      posRange,
      `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
    );
  } else {
    valid = true;
  }
  const node: AggregateExpr = {
    type: 'aggregate',
    op,
    // An invalid aggregation is never returned (the error is thrown); the placeholder keeps the shape.
    expr: valid ? (args[want - 1] as Expr) : { type: 'number', value: 0, duration: false, posRange },
    param: valid && withParam ? (args[0] as Expr) : null,
    grouping: grouping ?? [],
    without,
    hasGrouping: grouping !== null,
    posRange,
  };
  return node;
}
