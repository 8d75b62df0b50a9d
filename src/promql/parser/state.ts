import type { BinaryExpr, PosRange, VectorSelector } from './ast.ts';
import type { ParseProblem } from './errors.ts';
import { Lexer, T, type Token } from './lexer.ts';
import { goQuote, goQuoteTruncated } from './strings.ts';

/** Parser feature switches; all default to true (the settings the conformance vectors need). */
export interface ParseOptions {
  /** Experimental functions and the `limitk`/`limit_ratio` aggregations. */
  readonly experimentalFunctions?: boolean;
  /** Arithmetic in ranges, subquery steps and offsets (`[5m+1m]`, `offset -(2*3s)`). */
  readonly durationExpressions?: boolean;
  /** `anchored` and `smoothed` after range selectors. */
  readonly extendedRangeSelectors?: boolean;
  /** `fill(v)`, `fill_left(v)`, `fill_right(v)` on binary operators. */
  readonly binopFillModifiers?: boolean;
}

/** The raw modifiers written on a binary operator, kept for the type checker. */
export interface RawBinaryModifiers {
  readonly onOrIgnoring: boolean;
  readonly on: boolean;
  readonly matchingLabels: readonly string[];
  readonly group: 'left' | 'right' | null;
  readonly include: readonly string[];
  readonly fillLeft: number | null;
  readonly fillRight: number | null;
}

/** Thrown to stop parsing at a syntax error; the problem has already been recorded. */
export class Halt extends Error {}

/**
 * The cursor the recursive-descent functions share: the current token, one token of lookahead,
 * the problems found so far and facts the type checker needs that the AST does not keep.
 */
export class ParseState {
  readonly input: string;
  readonly experimentalFunctions: boolean;
  readonly durationExpressions: boolean;
  readonly extendedRangeSelectors: boolean;
  readonly binopFillModifiers: boolean;
  readonly problems: ParseProblem[] = [];
  /** Modifiers as written, for the checks Prometheus runs after parsing. */
  readonly binaryModifiers = new WeakMap<BinaryExpr, RawBinaryModifiers>();
  /** Selectors used as the label-matcher argument of info(): exempt from the empty-matcher rule. */
  readonly labelOnlySelectors = new WeakSet<VectorSelector>();

  private readonly lexer: Lexer;
  tok: Token;
  private ahead: Token | null = null;
  /** End of the last token consumed (Prometheus's `lastClosing` for node end positions). */
  lastEnd = 0;

  constructor(input: string, opts: ParseOptions) {
    this.input = input;
    this.experimentalFunctions = opts.experimentalFunctions ?? true;
    this.durationExpressions = opts.durationExpressions ?? true;
    this.extendedRangeSelectors = opts.extendedRangeSelectors ?? true;
    this.binopFillModifiers = opts.binopFillModifiers ?? true;
    this.lexer = new Lexer(input);
    this.tok = { kind: T.EOF, start: 0, end: 0, text: '', kw: '' };
  }

  /** Reads the first token; separate from the constructor because it may stop with a lexer error. */
  start(): void {
    this.tok = this.pull();
  }

  private pull(): Token {
    const t = this.lexer.next();
    if (t.kind === T.ERROR) {
      this.problems.push({ message: t.text, posRange: { start: t.start, end: t.end } });
      throw new Halt();
    }
    return t;
  }

  /** Consumes the current token and returns it. */
  next(): Token {
    const t = this.tok;
    this.lastEnd = t.end;
    if (this.ahead !== null) {
      this.tok = this.ahead;
      this.ahead = null;
    } else {
      this.tok = this.pull();
    }
    return t;
  }

  /** The token after the current one, without consuming anything. */
  peek(): Token {
    if (this.ahead === null) this.ahead = this.pull();
    return this.ahead;
  }

  is(kind: number, kw?: string): boolean {
    return this.tok.kind === kind && (kw === undefined || this.tok.kw === kw);
  }

  /** Records a problem and keeps parsing (Prometheus collects these and reports the first). */
  addError(posRange: PosRange, message: string): void {
    this.problems.push({ message, posRange });
  }

  /** Records "unexpected <token>[ in <context>][, expected <what>]" and stops. */
  unexpected(context = '', expected = ''): never {
    let msg = 'unexpected ' + describe(this.tok);
    if (context !== '') msg += ' in ' + context;
    if (expected !== '') msg += ', expected ' + expected;
    this.problems.push({ message: msg, posRange: { start: this.tok.start, end: this.tok.end } });
    throw new Halt();
  }

  /** Consumes a token of `kind` or stops with an "unexpected" error. */
  expect(kind: number, context = '', expected = ''): Token {
    if (this.tok.kind !== kind) this.unexpected(context, expected);
    return this.next();
  }
}

/** How Prometheus names a token in "unexpected …" messages. */
export function describe(t: Token): string {
  switch (t.kind) {
    case T.EOF:
      return 'end of input';
    case T.IDENT:
      return 'identifier ' + goQuote(t.text);
    case T.METRIC_IDENT:
      return 'metric identifier ' + goQuote(t.text);
    case T.NUMBER:
      return 'number ' + shortQuote(t.text);
    case T.DURATION:
      return 'duration ' + shortQuote(t.text);
    case T.STRING:
      return 'string ' + shortQuote(t.text);
    case T.OP:
      return `<op:${t.text}>`;
    case T.AGGR:
      return `<aggr:${t.text}>`;
    case T.KEYWORD:
      return `<${t.text}>`;
    default:
      return shortQuote(t.text); // punctuation and start/end/step/range
  }
}

function shortQuote(s: string): string {
  return Array.from(s).length > 10 ? goQuoteTruncated(s, 10) + '...' : goQuote(s);
}
