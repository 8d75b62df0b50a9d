import { BadDataError, ExecutionError, Matcher as MatcherCtor, type Matcher } from '../../model/index.ts';
import type { Series } from '../../storage/index.ts';
import type {
  AggregateOp,
  BinaryOp,
  DurationExpr,
  Expr,
  PosRange,
  ValueType,
  VectorMatching,
  VectorSelector,
} from '../parser/ast.ts';

/**
 * The evaluator's own tree, built once per query from the parser's AST: parentheses removed,
 * duration expressions and `@ start()`/`@ end()` resolved to numbers, and step-invariant subtrees
 * (everything pinned by `@`) wrapped in `inv` so they are evaluated once and repeated.
 * Times are ms; `pos` is the source range used for annotation positions.
 */
export type PNode =
  NumNode | StrNode | VSelNode | MSelNode | SubqNode | CallNode | AggNode | BinNode | NegNode | InvNode;

interface Base {
  readonly pos: PosRange;
  readonly type: ValueType;
}

export interface NumNode extends Base {
  readonly k: 'num';
  readonly v: number;
}

export interface StrNode extends Base {
  readonly k: 'str';
  readonly v: string;
}

export interface VSelNode extends Base {
  readonly k: 'vsel';
  readonly name: string;
  readonly matchers: readonly Matcher[];
  readonly offset: number;
  /** `@` time (ms) after resolving start()/end(), or null. */
  readonly at: number | null;
  readonly anchored: boolean;
  readonly smoothed: boolean;
  /**
   * Only histogram_count/sum/avg read this selector's histograms (no subquery or bucket-reading
   * function in between): Prometheus then reads them through its HistogramStatsIterator, which
   * resolves unknown counter-reset hints against the previous sample; we do the same (see
   * loadSeries) so aggregations report the same hints and collisions.
   */
  statsOnly: boolean;
  /** Filled by the prepare phase: the selected series, sorted by labels. */
  series: readonly Series[];
  /** Filled by the prepare phase: the inclusive time range the series were selected for. */
  mint: number;
  maxt: number;
}

export interface MSelNode extends Base {
  readonly k: 'msel';
  readonly vs: VSelNode;
  readonly range: number;
}

export interface SubqNode extends Base {
  readonly k: 'subq';
  readonly expr: PNode;
  readonly range: number;
  readonly step: number;
  readonly offset: number;
  readonly at: number | null;
}

export interface CallNode extends Base {
  readonly k: 'call';
  readonly name: string;
  readonly args: readonly PNode[];
  /**
   * info() only: the info series to select (its label-selector argument, or `target_info`),
   * evaluated without offset; `infoAt`/`infoOffset` come from the first selector of the first
   * argument and only shift the selected time range, as in Prometheus.
   */
  readonly info?: { readonly sel: VSelNode; readonly at: number | null; readonly offset: number };
}

export interface AggNode extends Base {
  readonly k: 'agg';
  readonly op: AggregateOp;
  readonly expr: PNode;
  readonly param: PNode | null;
  /** Sorted, unique. */
  readonly grouping: readonly string[];
  readonly without: boolean;
}

export interface BinNode extends Base {
  readonly k: 'bin';
  readonly op: BinaryOp;
  readonly lhs: PNode;
  readonly rhs: PNode;
  readonly matching: VectorMatching | null;
  readonly returnBool: boolean;
}

export interface NegNode extends Base {
  readonly k: 'neg';
  readonly expr: PNode;
}

export interface InvNode extends Base {
  readonly k: 'inv';
  readonly expr: PNode;
}

/** Functions whose value depends on the evaluation time even when their inputs are pinned. */
const AT_UNSAFE = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'time',
  'timestamp',
]);

const ANCHORED_SAFE = ['changes', 'delta', 'increase', 'rate', 'resets'];
const SMOOTHED_SAFE = ['delta', 'increase', 'rate'];

export interface PlanParams {
  /** Query start and end (ms); equal for instant queries. */
  readonly start: number;
  readonly end: number;
  /** Range-query step in ms; 0 for instant queries (what `step()` returns). */
  readonly step: number;
}

/** Builds the plan of `expr`. Throws BadDataError for invalid durations, ExecutionError for misuse. */
export function buildPlan(expr: Expr, p: PlanParams): PNode {
  const node = convert(expr, p);
  markStatsOnly(node, STATS_NONE);
  const [, wrap] = invariance(node);
  return wrap ? wrapInv(node) : markInvariant(node);
}

function convert(e: Expr, p: PlanParams): PNode {
  switch (e.type) {
    case 'paren':
      return convert(e.expr, p);
    case 'stepInvariant':
      return convert(e.expr, p);
    case 'number':
      return { k: 'num', v: e.value, pos: e.posRange, type: 'scalar' };
    case 'string':
      return { k: 'str', v: e.value, pos: e.posRange, type: 'string' };
    case 'unary': {
      const inner = convert(e.expr, p);
      if (e.op === '+') return inner;
      return { k: 'neg', expr: inner, pos: e.posRange, type: inner.type };
    }
    case 'vectorSelector':
      return convertSelector(e, p);
    case 'matrixSelector': {
      const vs = convertSelector(e.vectorSelector, p);
      const range = e.rangeExpr !== null ? durationMs(e.rangeExpr, p, false) : e.range;
      return { k: 'msel', vs, range, pos: e.posRange, type: 'matrix' };
    }
    case 'subquery': {
      const inner = convert(e.expr, p);
      const range = e.rangeExpr !== null ? durationMs(e.rangeExpr, p, false) : e.range;
      const step = e.stepExpr !== null ? durationMs(e.stepExpr, p, false) : e.step;
      const offset = e.offsetExpr !== null ? durationMs(e.offsetExpr, p, true) : e.offset;
      return {
        k: 'subq',
        expr: inner,
        range,
        step,
        offset,
        at: resolveAt(e.timestamp, e.startOrEnd, p),
        pos: e.posRange,
        type: 'matrix',
      };
    }
    case 'call': {
      const args = e.args.map((a) => convert(a, p));
      const name = e.func.name;
      checkModifiers(name, args);
      if (name === 'info') {
        return { k: 'call', name, args, pos: e.posRange, type: e.func.returnType, info: infoSelector(args) };
      }
      return { k: 'call', name, args, pos: e.posRange, type: e.func.returnType };
    }
    case 'aggregate':
      return {
        k: 'agg',
        op: e.op,
        expr: convert(e.expr, p),
        param: e.param === null ? null : convert(e.param, p),
        grouping: [...new Set(e.grouping)].sort(),
        without: e.without,
        pos: e.posRange,
        type: 'vector',
      };
    case 'binary': {
      const lhs = convert(e.lhs, p);
      const rhs = convert(e.rhs, p);
      const type: ValueType = lhs.type === 'scalar' && rhs.type === 'scalar' ? 'scalar' : 'vector';
      return {
        k: 'bin',
        op: e.op,
        lhs,
        rhs,
        matching: e.matching,
        returnBool: e.returnBool,
        pos: e.posRange,
        type,
      };
    }
  }
}

function convertSelector(e: VectorSelector, p: PlanParams): VSelNode {
  const offset = e.offsetExpr !== null ? durationMs(e.offsetExpr, p, true) : e.offset;
  return {
    k: 'vsel',
    name: e.name,
    matchers: e.matchers,
    offset,
    at: resolveAt(e.timestamp, e.startOrEnd, p),
    anchored: e.anchored,
    smoothed: e.smoothed,
    pos: e.posRange,
    type: 'vector',
    statsOnly: false,
    series: [],
    mint: 0,
    maxt: 0,
  };
}

/**
 * info()'s `__name__` matchers as Prometheus applies them: as written when one is positive; only
 * negative ones get `__name__=~".+_info"` added; none means `__name__="target_info"`.
 */
export function effectiveInfoNameMatchers(written: readonly Matcher[]): Matcher[] {
  const names = written.filter((m) => m.name === '__name__');
  if (names.some((m) => m.type === '=' || m.type === '=~')) return names;
  if (names.length > 0) return [new MatcherCtor('=~', '__name__', '.+_info'), ...names];
  return [new MatcherCtor('=', '__name__', 'target_info')];
}

/**
 * The info series selector of an info() call. They are looked up as of the time the first
 * selector of the first argument reads its data: its `@`/offset, composed with those of the
 * subqueries around it.
 */
function infoSelector(args: readonly PNode[]): { sel: VSelNode; at: number | null; offset: number } {
  const labelSel = args[1];
  const written = labelSel !== undefined && labelSel.k === 'vsel' ? labelSel.matchers : [];
  const matchers = [...written.filter((m) => m.name !== '__name__'), ...effectiveInfoNameMatchers(written)];
  let at: number | null = null;
  let offset = 0;
  const walk = (n: PNode, a: number | null, o: number): boolean => {
    switch (n.k) {
      case 'vsel':
        if (n.at !== null) {
          at = n.at;
          offset = n.offset;
        } else {
          at = a;
          offset = o + n.offset;
        }
        return true;
      case 'msel':
        return walk(n.vs, a, o);
      case 'subq':
        return n.at !== null ? walk(n.expr, n.at, n.offset) : walk(n.expr, a, o + n.offset);
      case 'num':
      case 'str':
        return false;
      case 'neg':
      case 'inv':
        return walk(n.expr, a, o);
      case 'agg':
        return (n.param !== null && walk(n.param, a, o)) || walk(n.expr, a, o);
      case 'bin':
        return walk(n.lhs, a, o) || walk(n.rhs, a, o);
      case 'call':
        return (n.name === 'info' ? [n.args[0]!] : n.args).some((x) => walk(x, a, o));
    }
  };
  walk(args[0]!, null, 0);
  return {
    sel: {
      k: 'vsel',
      name: '',
      matchers,
      offset,
      at,
      anchored: false,
      smoothed: false,
      pos: args[0]!.pos,
      type: 'vector',
      statsOnly: false,
      series: [],
      mint: 0,
      maxt: 0,
    },
    at,
    offset,
  };
}

function resolveAt(ts: number | null, startOrEnd: 'start' | 'end' | null, p: PlanParams): number | null {
  if (startOrEnd === 'start') return p.start;
  if (startOrEnd === 'end') return p.end;
  return ts;
}

function checkModifiers(name: string, args: readonly PNode[]): void {
  for (const a of args) {
    if (a.k !== 'msel') continue;
    if (a.vs.anchored && !ANCHORED_SAFE.includes(name)) {
      throw new ExecutionError(
        `anchored modifier can only be used with: ${ANCHORED_SAFE.join(', ')} - not with ${name}`,
      );
    }
    if (a.vs.smoothed && !SMOOTHED_SAFE.includes(name)) {
      throw new ExecutionError(
        `smoothed modifier can only be used with: ${SMOOTHED_SAFE.join(', ')} - not with ${name}`,
      );
    }
  }
}

/** Evaluates a duration expression (leaves in ms, arithmetic in seconds as Prometheus does). */
function durationMs(d: DurationExpr, p: PlanParams, allowNegative: boolean): number {
  const seconds = durationSeconds(d, p);
  if (seconds <= 0 && !allowNegative) {
    throw new BadDataError('duration must be greater than 0');
  }
  if (!Number.isFinite(seconds) || Math.abs(seconds) > 9.2e9) {
    throw new BadDataError('duration is out of range');
  }
  return Math.trunc(seconds * 1000);
}

function durationSeconds(d: DurationExpr, p: PlanParams): number {
  switch (d.type) {
    case 'durationLiteral':
      return d.ms / 1000;
    case 'durationParen':
      return durationSeconds(d.expr, p);
    case 'durationUnary':
      return d.op === '-' ? -durationSeconds(d.expr, p) : durationSeconds(d.expr, p);
    case 'durationCall':
      return d.func === 'step' ? p.step / 1000 : (p.end - p.start) / 1000;
    case 'durationCall2': {
      const a = durationSeconds(d.lhs, p);
      const b = durationSeconds(d.rhs, p);
      return d.func === 'min_of' ? Math.min(a, b) : Math.max(a, b);
    }
    case 'durationBinary': {
      const a = durationSeconds(d.lhs, p);
      const b = durationSeconds(d.rhs, p);
      switch (d.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          if (b === 0) throw new BadDataError('division by zero');
          return a / b;
        case '%':
          if (b === 0) throw new BadDataError('modulo by zero');
          return a % b;
        case '^':
          return Math.pow(a, b);
      }
    }
  }
}

function wrapInv(n: PNode): PNode {
  if (n.k === 'inv' || n.k === 'num' || n.k === 'str' || n.k === 'msel' || n.k === 'subq') {
    return markInvariant(n);
  }
  return { k: 'inv', expr: markInvariant(n), pos: n.pos, type: n.type };
}

/**
 * Prometheus's step-invariance rules: returns [isInvariant, shouldWrap] for a node (without
 * modifying it); `markInvariant` then rebuilds the tree with `inv` wrappers in place.
 */
function invariance(n: PNode): [boolean, boolean] {
  switch (n.k) {
    case 'vsel':
      return [n.at !== null, n.at !== null];
    case 'msel':
      return [n.vs.at !== null, false];
    case 'subq':
      return [n.at !== null, n.at !== null];
    case 'num':
    case 'str':
      return [true, false];
    case 'neg':
      return invariance(n.expr);
    case 'inv':
      return [true, false];
    case 'agg':
      return invariance(n.expr);
    case 'bin': {
      const [l] = invariance(n.lhs);
      const [r] = invariance(n.rhs);
      return l && r ? [true, true] : [false, false];
    }
    case 'call': {
      let inv = !AT_UNSAFE.has(n.name);
      for (const a of n.args) inv = invariance(a)[0] && inv;
      return inv ? [true, true] : [false, false];
    }
  }
}

/** Rebuilds `n` with invariant children wrapped, following Prometheus's preprocessing. */
function markInvariant(n: PNode): PNode {
  switch (n.k) {
    case 'vsel':
    case 'msel':
    case 'num':
    case 'str':
    case 'inv':
      return n;
    case 'neg':
      return { ...n, expr: markInvariant(n.expr) };
    case 'agg':
      return { ...n, expr: markInvariant(n.expr), param: n.param === null ? null : markInvariant(n.param) };
    case 'subq': {
      const [innerInv] = invariance(n.expr);
      const expr = innerInv ? wrapInv(n.expr) : markInvariant(n.expr);
      return { ...n, expr };
    }
    case 'bin': {
      const [li, lw] = invariance(n.lhs);
      const [ri, rw] = invariance(n.rhs);
      if (li && ri) return { ...n, lhs: markInvariant(n.lhs), rhs: markInvariant(n.rhs) };
      return {
        ...n,
        lhs: lw ? wrapInv(n.lhs) : markInvariant(n.lhs),
        rhs: rw ? wrapInv(n.rhs) : markInvariant(n.rhs),
      };
    }
    case 'call': {
      const [inv] = invariance(n);
      if (inv) return { ...n, args: n.args.map(markInvariant) };
      return {
        ...n,
        args: n.args.map((a) => {
          const [, w] = invariance(a);
          return w ? wrapInv(a) : markInvariant(a);
        }),
      };
    }
  }
}

/** Removes `inv` wrappers (and nothing else) to look at the node underneath. */
export function unwrapInv(n: PNode): PNode {
  return n.k === 'inv' ? unwrapInv(n.expr) : n;
}

/** Visits every selector of the plan. */
export function forEachSelector(n: PNode, fn: (vs: VSelNode) => void): void {
  switch (n.k) {
    case 'vsel':
      fn(n);
      return;
    case 'msel':
      fn(n.vs);
      return;
    case 'num':
    case 'str':
      return;
    case 'neg':
    case 'inv':
    case 'subq':
      forEachSelector(n.expr, fn);
      return;
    case 'agg':
      forEachSelector(n.expr, fn);
      if (n.param !== null) forEachSelector(n.param, fn);
      return;
    case 'bin':
      forEachSelector(n.lhs, fn);
      forEachSelector(n.rhs, fn);
      return;
    case 'call':
      if (n.name === 'info') {
        forEachSelector(n.args[0]!, fn);
        return;
      }
      for (const a of n.args) forEachSelector(a, fn);
      return;
  }
}

const STATS_NONE = 0;
const STATS_ONLY = 1;
const STATS_BLOCKED = 2;

/**
 * Prometheus's detectHistogramStatsDecoding: a selector is read stats-only when, between it and
 * the nearest enclosing binary operation, there is a histogram_count/sum/avg call and neither a
 * subquery nor histogram_quantile/histogram_fraction.
 */
function markStatsOnly(n: PNode, state: number): void {
  switch (n.k) {
    case 'vsel':
      n.statsOnly = state === STATS_ONLY;
      return;
    case 'msel':
      n.vs.statsOnly = state === STATS_ONLY;
      return;
    case 'num':
    case 'str':
      return;
    case 'neg':
    case 'inv':
      markStatsOnly(n.expr, state);
      return;
    case 'subq':
      markStatsOnly(n.expr, STATS_BLOCKED);
      return;
    case 'agg':
      markStatsOnly(n.expr, state);
      if (n.param !== null) markStatsOnly(n.param, state);
      return;
    case 'bin':
      markStatsOnly(n.lhs, STATS_NONE);
      markStatsOnly(n.rhs, STATS_NONE);
      return;
    case 'call': {
      let s = state;
      if (n.name === 'histogram_quantile' || n.name === 'histogram_fraction') s = STATS_BLOCKED;
      else if (
        s !== STATS_BLOCKED &&
        (n.name === 'histogram_count' || n.name === 'histogram_sum' || n.name === 'histogram_avg')
      )
        s = STATS_ONLY;
      for (const a of n.args) markStatsOnly(a, s);
      return;
    }
  }
}
