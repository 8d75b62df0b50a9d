import type { Matcher } from '../../model/index.ts';

/**
 * The PromQL syntax tree, shared by the parser (which builds it), the printer (`format_query`), the
 * `parse_query` JSON and the engine. Nodes are plain immutable objects discriminated by `type`.
 *
 * Positions are offsets into the query string in UTF-16 code units, `start` inclusive and `end`
 * exclusive. (Prometheus counts bytes; the two differ only for non-ASCII queries, and the engine
 * converts when it renders `line:col` in annotations.)
 *
 * Times and durations inside the tree are integer milliseconds.
 */

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface PosRange {
  readonly start: number;
  readonly end: number;
}

export type Expr =
  | AggregateExpr
  | BinaryExpr
  | Call
  | MatrixSelector
  | NumberLiteral
  | ParenExpr
  | StringLiteral
  | SubqueryExpr
  | UnaryExpr
  | VectorSelector
  | StepInvariantExpr;

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'min'
  | 'max'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'count_values'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

export interface AggregateExpr {
  readonly type: 'aggregate';
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** The parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio; else null. */
  readonly param: Expr | null;
  /** Label names of `by (...)` or `without (...)`, as written (order kept for printing). */
  readonly grouping: readonly string[];
  readonly without: boolean;
  /** True when `by`/`without` appeared in the text, even with an empty list. */
  readonly hasGrouping: boolean;
  readonly posRange: PosRange;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
/** Native-histogram trim operators: `h </ x` drops observations above x, `h >/ x` below x. */
export type TrimOp = '</' | '>/';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp | TrimOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  readonly card: Cardinality;
  /** Labels of `on(...)` (when `on`) or `ignoring(...)` (when not `on`). */
  readonly matchingLabels: readonly string[];
  /** `on(...)` was used (possibly empty). False for `ignoring` and for no modifier. */
  readonly on: boolean;
  /** True when `on` or `ignoring` appeared in the text. */
  readonly explicit: boolean;
  /** Extra labels of `group_left(...)` / `group_right(...)`. */
  readonly include: readonly string[];
  /** Experimental `fill(v)` / `fill_left(v)` / `fill_right(v)`: values for a missing side, or null. */
  readonly fillLeft: number | null;
  readonly fillRight: number | null;
}

export interface BinaryExpr {
  readonly type: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** Present when both sides are vectors; null when at least one side is a scalar. */
  readonly matching: VectorMatching | null;
  readonly returnBool: boolean;
  readonly posRange: PosRange;
}

/** One entry of the function table: the single source of truth for type checking. */
export interface FunctionDef {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  /**
   * 0: exactly `argTypes`. n > 0: the last argument is optional and may repeat, so between
   * `argTypes.length - 1` and `argTypes.length - 1 + n` arguments (Prometheus's rule). -1: at least
   * `argTypes.length - 1`, no upper bound. Extra arguments take the last type.
   */
  readonly variadic: number;
  readonly returnType: ValueType;
  /** Only parsed when experimental functions are enabled. */
  readonly experimental: boolean;
}

export interface Call {
  readonly type: 'call';
  readonly func: FunctionDef;
  readonly args: readonly Expr[];
  readonly posRange: PosRange;
}

/**
 * A duration written as an expression (experimental duration expressions: `[5m + 1m]`,
 * `offset -(2*3s)`, `[step() * 2]`, `min_of(step(), 1s)`). Evaluated once per query, when step and
 * range are known. Literal leaves carry milliseconds; the arithmetic is Prometheus's, on float
 * seconds (`2m * 3` is 360s, `1h / 2m` is 30s, `step()` is the step in seconds).
 *
 * The parser builds these shapes only: a unary minus on a plain literal is folded into the literal
 * (`-5m` is a literal of -300000 ms) and a unary plus disappears, as in Prometheus; `durationParen`
 * never wraps another `durationParen`.
 */
export type DurationExpr =
  | {
      readonly type: 'durationLiteral';
      readonly ms: number;
      /** Written with a unit (`5m`) rather than as seconds (`300`); only the printer cares. */
      readonly duration?: boolean;
    }
  | {
      readonly type: 'durationBinary';
      readonly op: '+' | '-' | '*' | '/' | '%' | '^';
      readonly lhs: DurationExpr;
      readonly rhs: DurationExpr;
    }
  | { readonly type: 'durationUnary'; readonly op: '-' | '+'; readonly expr: DurationExpr }
  | { readonly type: 'durationParen'; readonly expr: DurationExpr }
  | { readonly type: 'durationCall'; readonly func: 'step' | 'range' }
  | {
      readonly type: 'durationCall2';
      readonly func: 'min_of' | 'max_of';
      readonly lhs: DurationExpr;
      readonly rhs: DurationExpr;
    };

export interface VectorSelector {
  readonly type: 'vectorSelector';
  /**
   * The metric name written before the braces (`up{...}`), else "". A name written inside the
   * braces (`{"http.server.duration"}`) is only a `__name__` matcher, as in Prometheus.
   */
  readonly name: string;
  /** All matchers, including the `__name__` matcher implied by `name`. */
  readonly matchers: readonly Matcher[];
  /** `offset` in ms (negative looks forward); 0 when absent. Meaningless when offsetExpr is set. */
  readonly offset: number;
  readonly offsetExpr: DurationExpr | null;
  /** `@ <time>` in ms, or null. */
  readonly timestamp: number | null;
  /** `@ start()` / `@ end()`, or null. */
  readonly startOrEnd: 'start' | 'end' | null;
  /** Experimental range-selector modifiers (`x[5m] anchored`, `x[5m] smoothed`). */
  readonly anchored: boolean;
  readonly smoothed: boolean;
  readonly posRange: PosRange;
}

export interface MatrixSelector {
  readonly type: 'matrixSelector';
  /** The selector inside; its offset/@/anchored/smoothed apply to the window. */
  readonly vectorSelector: VectorSelector;
  /** Range in ms. Meaningless when rangeExpr is set. */
  readonly range: number;
  readonly rangeExpr: DurationExpr | null;
  readonly posRange: PosRange;
}

export interface SubqueryExpr {
  readonly type: 'subquery';
  readonly expr: Expr;
  readonly range: number;
  readonly rangeExpr: DurationExpr | null;
  /** Resolution in ms; 0 means "not given" (the default evaluation interval applies). */
  readonly step: number;
  readonly stepExpr: DurationExpr | null;
  readonly offset: number;
  readonly offsetExpr: DurationExpr | null;
  readonly timestamp: number | null;
  readonly startOrEnd: 'start' | 'end' | null;
  readonly posRange: PosRange;
}

export interface NumberLiteral {
  readonly type: 'number';
  readonly value: number;
  /** The literal was written as a duration (`5m`); the printer keeps that form. */
  readonly duration: boolean;
  readonly posRange: PosRange;
}

export interface StringLiteral {
  readonly type: 'string';
  readonly value: string;
  readonly posRange: PosRange;
}

export interface ParenExpr {
  readonly type: 'paren';
  readonly expr: Expr;
  readonly posRange: PosRange;
}

export interface UnaryExpr {
  readonly type: 'unary';
  readonly op: '-' | '+';
  readonly expr: Expr;
  readonly posRange: PosRange;
}

/** Engine-internal wrapper for a subtree whose value does not change between steps (`@` pinned). */
export interface StepInvariantExpr {
  readonly type: 'stepInvariant';
  readonly expr: Expr;
  readonly posRange: PosRange;
}
