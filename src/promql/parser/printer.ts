import type { Matcher } from '../../model/index.ts';
import type {
  AggregateExpr,
  BinaryExpr,
  DurationExpr,
  Expr,
  MatrixSelector,
  SubqueryExpr,
  VectorSelector,
} from './ast.ts';
import { formatDuration, formatFloatF, formatFloatG, formatMsAsSeconds } from './numbers.ts';
import { goQuote } from './strings.ts';

/**
 * Prometheus's compact `String()` form of an expression: `sum by (job) (rate(x[5m]))`,
 * `a + on (b) group_left () c`, matchers sorted, `@` with three decimals. Parentheses come only
 * from ParenExpr nodes, exactly as in Prometheus, so `parseExpr(exprToString(e))` gives back an
 * equivalent tree for every tree the parser builds.
 */
export function exprToString(e: Expr): string {
  switch (e.type) {
    case 'aggregate':
      return (
        aggregateHead(e) +
        '(' +
        (e.param !== null ? exprToString(e.param) + ', ' : '') +
        exprToString(e.expr) +
        ')'
      );
    case 'binary':
      return exprToString(e.lhs) + ' ' + binaryOpString(e) + ' ' + exprToString(e.rhs);
    case 'call':
      return e.func.name + '(' + e.args.map(exprToString).join(', ') + ')';
    case 'matrixSelector':
      return matrixSelectorString(e);
    case 'subquery':
      return exprToString(e.expr) + subquerySuffix(e);
    case 'number':
      return numberString(e.value, e.duration);
    case 'paren':
      return '(' + exprToString(e.expr) + ')';
    case 'string':
      return goQuote(e.value);
    case 'unary':
      return e.op + exprToString(e.expr);
    case 'vectorSelector':
      return vectorSelectorString(e, true);
    case 'stepInvariant':
      return exprToString(e.expr);
  }
}

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Label names in `by (...)`, `on (...)`: quoted when not a legacy name, and also for `inf`/`nan`,
 * which the lexer reads as numbers there (Prometheus prints them bare and cannot read them back).
 */
export function labelList(labels: readonly string[]): string {
  return labels.map((l) => (LEGACY_NAME.test(l) && !/^(inf|nan)$/i.test(l) ? l : goQuote(l))).join(', ');
}

/** `sum`, `sum by (job) `, `sum without (instance) ` (the trailing space is Prometheus's). */
export function aggregateHead(e: AggregateExpr): string {
  if (e.without) return `${e.op} without (${labelList(e.grouping)}) `;
  if (e.grouping.length > 0) return `${e.op} by (${labelList(e.grouping)}) `;
  return e.op;
}

/** The operator with its modifiers: `+`, `> bool`, `/ on (a) group_left (b)`, `+ fill (0)`. */
export function binaryOpString(e: BinaryExpr): string {
  let s: string = e.op;
  if (e.returnBool) s += ' bool';
  const m = e.matching;
  if (m === null) return s;
  const grouped = m.card === 'many-to-one' || m.card === 'one-to-many';
  if (m.matchingLabels.length > 0 || m.on || grouped) {
    s += ` ${m.on ? 'on' : 'ignoring'} (${labelList(m.matchingLabels)})`;
  }
  if (grouped) s += ` group_${m.card === 'many-to-one' ? 'left' : 'right'} (${labelList(m.include)})`;
  if (m.fillLeft !== null && m.fillRight !== null && Object.is(m.fillLeft, m.fillRight)) {
    s += ` fill (${formatFloatG(m.fillLeft)})`;
  } else {
    if (m.fillLeft !== null) s += ` fill_left (${formatFloatG(m.fillLeft)})`;
    if (m.fillRight !== null) s += ` fill_right (${formatFloatG(m.fillRight)})`;
  }
  return s;
}

function numberString(value: number, duration: boolean): string {
  if (!duration || !Number.isFinite(value)) return formatFloatF(value);
  const ms = Math.round(value * 1000);
  return ms < 0 ? '-' + formatDuration(-ms) : formatDuration(ms);
}

/** A label name in a matcher: bare when it is a legacy name, quoted otherwise. */
function matcherString(m: Matcher): string {
  return (LEGACY_NAME.test(m.name) ? m.name : goQuote(m.name)) + m.type + goQuote(m.value);
}

/** Go's sort.Strings order: bytes of UTF-8, which is code point order. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function atString(timestamp: number | null, startOrEnd: 'start' | 'end' | null): string {
  if (timestamp !== null) return ' @ ' + (timestamp / 1000).toFixed(3);
  if (startOrEnd !== null) return ` @ ${startOrEnd}()`;
  return '';
}

function offsetString(offset: number, offsetExpr: DurationExpr | null): string {
  if (offsetExpr !== null) return ' offset ' + durationExprString(offsetExpr);
  if (offset > 0) return ' offset ' + formatDuration(offset);
  if (offset < 0) return ' offset -' + formatDuration(-offset);
  return '';
}

/** `name{a="b",c=~"d"}` plus, when `modifiers`, ` @ t`, ` anchored`/` smoothed`, ` offset d`. */
export function vectorSelectorString(e: VectorSelector, modifiers: boolean): string {
  const parts: string[] = [];
  for (const m of e.matchers) {
    // The name written before the braces is not repeated as a matcher.
    if (m.name === '__name__' && m.type === '=' && m.value === e.name && m.value !== '') continue;
    parts.push(matcherString(m));
  }
  parts.sort(compareCodePoints);
  let s = e.name + (parts.length > 0 ? '{' + parts.join(',') + '}' : '');
  if (!modifiers) return s;
  s += atString(e.timestamp, e.startOrEnd);
  if (e.anchored) s += ' anchored';
  else if (e.smoothed) s += ' smoothed';
  return s + offsetString(e.offset, e.offsetExpr);
}

function matrixSelectorString(e: MatrixSelector): string {
  const vs = e.vectorSelector;
  const range = e.rangeExpr !== null ? durationExprString(e.rangeExpr) : formatDuration(e.range);
  const extended = vs.anchored ? ' anchored' : vs.smoothed ? ' smoothed' : '';
  return (
    vectorSelectorString(vs, false) +
    `[${range}]` +
    extended +
    atString(vs.timestamp, vs.startOrEnd) +
    offsetString(vs.offset, vs.offsetExpr)
  );
}

/** `[range:step] @ t offset d` of a subquery. */
export function subquerySuffix(e: SubqueryExpr): string {
  const step =
    e.step !== 0 ? formatDuration(e.step) : e.stepExpr !== null ? durationExprString(e.stepExpr) : '';
  const range = e.rangeExpr !== null ? durationExprString(e.rangeExpr) : formatDuration(e.range);
  return `[${range}:${step}]` + atString(e.timestamp, e.startOrEnd) + offsetString(e.offset, e.offsetExpr);
}

/** A duration expression as written: `5m + 1m`, `-(2 * 3s)`, `min_of(step(), 1s)`. */
export function durationExprString(e: DurationExpr): string {
  switch (e.type) {
    case 'durationLiteral':
      if (e.duration !== true) return formatMsAsSeconds(e.ms);
      return e.ms < 0 ? '-' + formatDuration(-e.ms) : formatDuration(e.ms);
    case 'durationParen':
      return '(' + durationExprString(e.expr) + ')';
    case 'durationUnary':
      return (e.op === '-' ? '-' : '') + durationExprString(e.expr);
    case 'durationBinary':
      return durationExprString(e.lhs) + ' ' + e.op + ' ' + durationExprString(e.rhs);
    case 'durationCall':
      return e.func + '()';
    case 'durationCall2':
      return `${e.func}(${durationExprString(e.lhs)}, ${durationExprString(e.rhs)})`;
  }
}
