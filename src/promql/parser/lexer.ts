import { isAlphaNumeric, isDigit, scanDurationRest, scanNumber } from './lex-numbers.ts';
import { goQuote, quoteRune, scanEscape } from './strings.ts';

/**
 * The PromQL lexer: turns a query into tokens on demand. Like Prometheus's, it tracks whether it is
 * inside `{...}` (where keywords are plain identifiers), inside `[...]` (duration expressions) and
 * how deep parentheses are (an unclosed one is reported at the end of input). Errors are tokens of
 * kind ERROR whose `text` is Prometheus's message; the parser stops at the first one.
 *
 * Positions are UTF-16 offsets, `start` inclusive, `end` exclusive.
 */

export const T = {
  EOF: 0,
  ERROR: 1,
  IDENT: 2,
  METRIC_IDENT: 3,
  NUMBER: 4,
  DURATION: 5,
  STRING: 6,
  LPAREN: 7,
  RPAREN: 8,
  LBRACE: 9,
  RBRACE: 10,
  LBRACKET: 11,
  RBRACKET: 12,
  COMMA: 13,
  COLON: 14,
  /** `=` (label matching). `==` is an OP. */
  EQL: 15,
  /** Operators; `kw` is the canonical symbol or word: `+`, `==`, `</`, `=~`, `@`, `and`, `atan2`. */
  OP: 16,
  /** Aggregation operators; `kw` is lower case: `sum`, `topk`, `limit_ratio`. */
  AGGR: 17,
  /** `offset`, `by`, `without`, `on`, `ignoring`, `group_left`, `group_right`, `bool`, `fill`… */
  KEYWORD: 18,
  /** `start`, `end`, `step`, `range`, and inside brackets `min_of`, `max_of`. */
  PREPROC: 19,
} as const;

export type TokenKind = (typeof T)[keyof typeof T];

export interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
  /** The text as written; for ERROR the message. */
  readonly text: string;
  /** Lower-case keyword or canonical operator for OP/AGGR/KEYWORD/PREPROC, else "". */
  readonly kw: string;
}

const OP_WORDS = new Set(['and', 'or', 'unless', 'atan2']);
const AGGREGATORS = new Set([
  'sum',
  'avg',
  'count',
  'min',
  'max',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'count_values',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const KEYWORDS = new Set([
  'offset',
  'smoothed',
  'anchored',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'fill',
  'fill_left',
  'fill_right',
  'bool',
]);
const PREPROCS = new Set(['start', 'end', 'step', 'range']);
const DURATION_WORDS = new Set(['step', 'range', 'min_of', 'max_of']);

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
function isAlpha(c: number): boolean {
  return c === 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

export class Lexer {
  private readonly input: string;
  private pos = 0;
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;
  /** A number or duration was read since `[`; changes which error message unknown words get. */
  private gotDuration = false;
  private done = false;

  constructor(input: string) {
    this.input = input;
  }

  private code(i: number): number {
    return i < this.input.length ? this.input.charCodeAt(i) : -1;
  }

  private tok(kind: TokenKind, start: number, end: number, kw = ''): Token {
    this.pos = end;
    return { kind, start, end, text: this.input.slice(start, end), kw };
  }

  private error(start: number, message: string): Token {
    this.done = true;
    return { kind: T.ERROR, start, end: this.input.length, text: message, kw: '' };
  }

  /** The next token; after EOF or an ERROR it keeps returning EOF. Comments are skipped. */
  next(): Token {
    if (this.done) return { kind: T.EOF, start: this.input.length, end: this.input.length, text: '', kw: '' };
    for (;;) {
      while (isSpace(this.code(this.pos))) this.pos++;
      if (this.code(this.pos) !== 0x23 /* # */) break;
      const nl = this.input.indexOf('\n', this.pos);
      this.pos = nl < 0 ? this.input.length : nl;
    }
    return this.braceOpen ? this.insideBraces() : this.statements();
  }

  private statements(): Token {
    const start = this.pos;
    const c = this.code(start);
    if (c < 0) {
      if (this.bracketOpen && !this.gotDuration) {
        return this.error(start, 'unexpected end of input in duration expression');
      }
      if (this.parenDepth !== 0) return this.error(start, 'unclosed left parenthesis');
      if (this.bracketOpen) return this.error(start, 'unclosed left bracket');
      this.done = true;
      return this.tok(T.EOF, start, start);
    }
    if (this.bracketOpen && !this.gotDuration) {
      const tok = this.durationStart(start, c);
      if (tok !== null) return tok;
    }
    const c1 = this.code(start + 1);
    switch (c) {
      case 0x2c:
        return this.tok(T.COMMA, start, start + 1);
      case 0x2a: // *
      case 0x25: // %
      case 0x2b: // +
      case 0x2d: // -
      case 0x5e: // ^
      case 0x2f: // /
      case 0x40: // @
        return this.tok(T.OP, start, start + 1, String.fromCharCode(c));
      case 0x3d: // =
        if (c1 === 0x3d) return this.tok(T.OP, start, start + 2, '==');
        if (c1 === 0x7e) return this.error(start, `unexpected character after '=': ${quoteRune(c1)}`);
        return this.tok(T.EQL, start, start + 1);
      case 0x21: // !
        if (c1 !== 0x3d) return this.error(start, `unexpected character after '!': ${quoteRune(c1)}`);
        return this.tok(T.OP, start, start + 2, '!=');
      case 0x3c: // <
        if (c1 === 0x3d) return this.tok(T.OP, start, start + 2, '<=');
        if (c1 === 0x2f) return this.tok(T.OP, start, start + 2, '</');
        return this.tok(T.OP, start, start + 1, '<');
      case 0x3e: // >
        if (c1 === 0x3d) return this.tok(T.OP, start, start + 2, '>=');
        if (c1 === 0x2f) return this.tok(T.OP, start, start + 2, '>/');
        return this.tok(T.OP, start, start + 1, '>');
      case 0x22:
      case 0x27:
        return this.string(start, c);
      case 0x60:
        return this.rawString(start);
      case 0x28:
        this.parenDepth++;
        return this.tok(T.LPAREN, start, start + 1);
      case 0x29:
        if (--this.parenDepth < 0) return this.error(start + 1, "unexpected right parenthesis ')'");
        return this.tok(T.RPAREN, start, start + 1);
      case 0x7b:
        this.braceOpen = true;
        return this.tok(T.LBRACE, start, start + 1);
      case 0x5b:
        if (this.bracketOpen) return this.error(start, "unexpected left bracket '['");
        this.bracketOpen = true;
        this.gotColon = false;
        this.gotDuration = false;
        return this.tok(T.LBRACKET, start, start + 1);
      case 0x5d:
        if (!this.bracketOpen) return this.error(start, "unexpected right bracket ']'");
        this.bracketOpen = false;
        return this.tok(T.RBRACKET, start, start + 1);
    }
    if (isDigit(c) || (c === 0x2e && isDigit(c1))) {
      if (this.bracketOpen) this.gotDuration = true;
      return this.numberOrDuration(start);
    }
    if (isAlpha(c) || c === 0x3a) {
      return this.bracketOpen ? this.bracketWord(start, c) : this.keywordOrIdentifier(start);
    }
    return this.error(start, `unexpected character: ${quoteRune(this.input.codePointAt(start) ?? c)}`);
  }

  /**
   * Right after `[` and until the first number, only duration-expression characters are allowed
   * (Prometheus's lexDurationExpr). Returns null to fall back to the common rules.
   */
  private durationStart(start: number, c: number): Token | null {
    if (isDigit(c) || c === 0x2e || isAlpha(c) || c === 0x3a || c === 0x5d || c === 0x2c) return null;
    if (c === 0x28 || c === 0x29 || c === 0x2b || c === 0x2d || c === 0x2a || c === 0x2f) return null;
    if (c === 0x25 || c === 0x5e) return null;
    return this.error(
      start,
      `unexpected character in duration expression: ${quoteRune(this.input.codePointAt(start) ?? c)}`,
    );
  }

  /** Words and `:` inside `[...]`: only the duration functions and the subquery colon. */
  private bracketWord(start: number, c: number): Token {
    if (c === 0x3a) {
      if (this.gotColon) return this.error(start, 'unexpected repeated colon in duration expression');
      this.gotColon = true;
      return this.tok(T.COLON, start, start + 1);
    }
    let end = start;
    while (isAlphaNumeric(this.code(end))) end++;
    const word = this.input.slice(start, end).toLowerCase();
    if (DURATION_WORDS.has(word)) return this.tok(T.PREPROC, start, end, word);
    const rune = quoteRune(c);
    return this.error(
      start,
      this.gotDuration
        ? `unexpected character: ${rune}, expected ':'`
        : `unexpected character in duration expression: ${rune}`,
    );
  }

  private keywordOrIdentifier(start: number): Token {
    let end = start;
    let colon = false;
    for (let c = this.code(end); isAlphaNumeric(c) || c === 0x3a; c = this.code(++end)) {
      if (c === 0x3a) colon = true;
    }
    const word = this.input.slice(start, end).toLowerCase();
    if (word === 'inf' || word === 'nan') return this.tok(T.NUMBER, start, end);
    if (OP_WORDS.has(word)) return this.tok(T.OP, start, end, word);
    if (AGGREGATORS.has(word)) return this.tok(T.AGGR, start, end, word);
    if (PREPROCS.has(word)) return this.tok(T.PREPROC, start, end, word);
    if (KEYWORDS.has(word)) {
      // fill, fill_left and fill_right are keywords only before `(`, so they stay usable as
      // metric names (`fill + fill(0) other`).
      if (!word.startsWith('fill') || this.followedByParen(end)) return this.tok(T.KEYWORD, start, end, word);
    }
    return this.tok(colon ? T.METRIC_IDENT : T.IDENT, start, end);
  }

  private followedByParen(i: number): boolean {
    while (isSpace(this.code(i))) i++;
    return this.code(i) === 0x28;
  }

  private insideBraces(): Token {
    const start = this.pos;
    const c = this.code(start);
    if (c < 0) return this.error(start, 'unexpected end of input inside braces');
    if (isAlpha(c)) {
      let end = start;
      while (isAlphaNumeric(this.code(end))) end++;
      return this.tok(T.IDENT, start, end);
    }
    const c1 = this.code(start + 1);
    switch (c) {
      case 0x2c:
        return this.tok(T.COMMA, start, start + 1);
      case 0x22:
      case 0x27:
        return this.string(start, c);
      case 0x60:
        return this.rawString(start);
      case 0x3d:
        if (c1 === 0x7e) return this.tok(T.OP, start, start + 2, '=~');
        return this.tok(T.EQL, start, start + 1);
      case 0x21:
        if (c1 === 0x7e) return this.tok(T.OP, start, start + 2, '!~');
        if (c1 === 0x3d) return this.tok(T.OP, start, start + 2, '!=');
        return this.error(start, `unexpected character after '!' inside braces: ${quoteRune(c1)}`);
      case 0x7b:
        return this.error(start, "unexpected left brace '{'");
      case 0x7d:
        this.braceOpen = false;
        return this.tok(T.RBRACE, start, start + 1);
    }
    return this.error(
      start,
      `unexpected character inside braces: ${quoteRune(this.input.codePointAt(start) ?? c)}`,
    );
  }

  private string(start: number, quote: number): Token {
    const q = String.fromCharCode(quote);
    for (let i = start + 1; ;) {
      const c = this.code(i);
      if (c < 0 || c === 0x0a) return this.error(start, 'unterminated quoted string');
      if (c === quote) return this.tok(T.STRING, start, i + 1);
      if (c === 0x5c) {
        const r = scanEscape(this.input, i + 1, q);
        if (typeof r !== 'number') return this.error(start, r.error);
        i = r;
        continue;
      }
      if (c === 0xfffd || (c >= 0xd800 && c <= 0xdfff && !validSurrogate(this.input, i))) {
        return this.error(start, 'invalid UTF-8 rune');
      }
      i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    }
  }

  private rawString(start: number): Token {
    for (let i = start + 1; ; i++) {
      const c = this.code(i);
      if (c < 0) return this.error(start, 'unterminated raw string');
      if (c === 0x60) return this.tok(T.STRING, start, i + 1);
      if (c === 0xfffd || (c >= 0xd800 && c <= 0xdfff && !validSurrogate(this.input, i))) {
        return this.error(start, 'invalid UTF-8 rune');
      }
      if (c >= 0xd800 && c <= 0xdbff) i++;
    }
  }

  private numberOrDuration(start: number): Token {
    const n = scanNumber(this.input, start);
    if (n.ok) return this.tok(T.NUMBER, start, n.pos);
    const d = scanDurationRest(this.input, n.pos);
    if (d.ok) return this.tok(T.DURATION, start, d.pos);
    return this.error(start, `bad number or duration syntax: ${goQuote(this.input.slice(start, d.pos))}`);
  }
}

function validSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff;
  }
  return false; // a low surrogate reached on its own is unpaired
}
