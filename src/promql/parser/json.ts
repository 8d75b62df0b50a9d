import type { DurationExpr, Expr, VectorSelector } from './ast.ts';
import { formatFloatF, formatMsAsSeconds } from './numbers.ts';

/**
 * The JSON tree of Prometheus's experimental `/api/v1/parse_query` (its `translateAST`, used by the
 * query-explain view of the UI): `type` is `aggregation`, `binaryExpr`, `call`, `matrixSelector`,
 * `subquery`, `numberLiteral`, `parenExpr`, `stringLiteral`, `unaryExpr` or `vectorSelector`;
 * durations are ms, numbers are strings as Go formats them, duration expressions are `durationExpr`
 * nodes (`op`, `lhs`, `rhs`, `wrapped`).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function astToJson(e: Expr): Json {
  switch (e.type) {
    case 'aggregate':
      return {
        type: 'aggregation',
        op: e.op,
        expr: astToJson(e.expr),
        param: e.param === null ? null : astToJson(e.param),
        grouping: [...e.grouping],
        without: e.without,
      };
    case 'binary': {
      const m = e.matching;
      return {
        type: 'binaryExpr',
        op: e.op,
        lhs: astToJson(e.lhs),
        rhs: astToJson(e.rhs),
        matching:
          m === null
            ? null
            : {
                card: m.card,
                labels: [...m.matchingLabels],
                on: m.on,
                include: [...m.include],
                fillValues: { lhs: m.fillLeft, rhs: m.fillRight },
              },
        bool: e.returnBool,
      };
    }
    case 'call':
      return {
        type: 'call',
        func: {
          name: e.func.name,
          argTypes: [...e.func.argTypes],
          variadic: e.func.variadic,
          returnType: e.func.returnType,
        },
        args: e.args.map(astToJson),
      };
    case 'matrixSelector': {
      const vs = e.vectorSelector;
      return {
        type: 'matrixSelector',
        name: vs.name,
        range: e.range,
        rangeExpr: durationJson(e.rangeExpr),
        ...selectorFields(vs),
      };
    }
    case 'subquery':
      return {
        type: 'subquery',
        expr: astToJson(e.expr),
        range: e.range,
        rangeExpr: durationJson(e.rangeExpr),
        offset: e.offset,
        offsetExpr: durationJson(e.offsetExpr),
        step: e.step,
        stepExpr: durationJson(e.stepExpr),
        timestamp: e.timestamp,
        startOrEnd: e.startOrEnd,
        alignEvalTime: false,
      };
    case 'number':
      return { type: 'numberLiteral', val: formatFloatF(e.value) };
    case 'paren':
      return { type: 'parenExpr', expr: astToJson(e.expr) };
    case 'string':
      return { type: 'stringLiteral', val: e.value };
    case 'unary':
      return { type: 'unaryExpr', op: e.op, expr: astToJson(e.expr) };
    case 'vectorSelector':
      return { type: 'vectorSelector', name: e.name, ...selectorFields(e) };
    case 'stepInvariant':
      return astToJson(e.expr);
  }
}

function selectorFields(vs: VectorSelector): { [key: string]: Json } {
  return {
    offset: vs.offset,
    offsetExpr: durationJson(vs.offsetExpr),
    matchers: vs.matchers.map((m) => ({ name: m.name, value: m.value, type: m.type })),
    timestamp: vs.timestamp,
    startOrEnd: vs.startOrEnd,
    anchored: vs.anchored,
    smoothed: vs.smoothed,
  };
}

function durationNode(op: string, lhs: Json, rhs: Json, wrapped: boolean): Json {
  return { type: 'durationExpr', op, lhs, rhs, wrapped };
}

/** Prometheus keeps parentheses as a `wrapped` flag; a wrapped literal becomes unary `+`. */
function durationJson(e: DurationExpr | null, wrapped = false): Json {
  if (e === null) return null;
  switch (e.type) {
    case 'durationLiteral': {
      const lit: Json = {
        type: 'numberLiteral',
        val: formatMsAsSeconds(e.ms),
        duration: e.duration === true,
      };
      return wrapped ? durationNode('+', null, lit, true) : lit;
    }
    case 'durationParen':
      return durationJson(e.expr, true);
    case 'durationUnary':
      return durationNode(e.op, null, durationJson(e.expr), wrapped);
    case 'durationBinary':
      return durationNode(e.op, durationJson(e.lhs), durationJson(e.rhs), wrapped);
    case 'durationCall':
      return durationNode(e.func, null, null, wrapped);
    case 'durationCall2':
      return durationNode(e.func, durationJson(e.lhs), durationJson(e.rhs), wrapped);
  }
}
