import { BadDataError, Matcher, type MatchType } from '../../model/index.ts';
import type { VectorSelector } from './ast.ts';
import { T, type Token } from './lexer.ts';
import type { ParseState } from './state.ts';
import { unquote } from './strings.ts';

const MATCH_OPS: Record<string, MatchType> = { '=': '=', '!=': '!=', '=~': '=~', '!~': '!~' };

const LABEL_CONTEXT = 'label matching';

/**
 * Parses a vector selector whose metric name token (if any) was just consumed: `up`, `up{job="a"}`,
 * `{job="a", "utf8.name"}`. The `__name__` matcher of a name written before the braces is appended
 * after the others, as Prometheus does.
 */
export function parseVectorSelector(ps: ParseState, nameTok: Token | null): VectorSelector {
  const start = nameTok !== null ? nameTok.start : ps.tok.start;
  const matchers: Matcher[] = [];
  if (ps.is(T.LBRACE)) {
    ps.next();
    parseLabelMatchers(ps, matchers);
  }
  const name = nameTok !== null ? nameTok.text : '';
  if (nameTok !== null) matchers.push(new Matcher('=', '__name__', name));
  return {
    type: 'vectorSelector',
    name,
    matchers,
    offset: 0,
    offsetExpr: null,
    timestamp: null,
    startOrEnd: null,
    anchored: false,
    smoothed: false,
    posRange: { start, end: ps.lastEnd },
  };
}

function matchOp(ps: ParseState): MatchType | undefined {
  if (ps.tok.kind === T.EQL) return '=';
  return ps.tok.kind === T.OP ? MATCH_OPS[ps.tok.kw] : undefined;
}

/** The body of `{...}` after the opening brace, through the closing brace. */
function parseLabelMatchers(ps: ParseState, out: Matcher[]): void {
  for (;;) {
    if (ps.is(T.RBRACE)) {
      ps.next();
      return;
    }
    const nameTok = ps.tok;
    if (nameTok.kind !== T.IDENT && nameTok.kind !== T.STRING) {
      ps.unexpected(LABEL_CONTEXT, 'identifier or "}"');
    }
    ps.next();
    const label = nameTok.kind === T.STRING ? unquote(nameTok.text) : nameTok.text;
    const op = matchOp(ps);
    if (op === undefined) {
      if (nameTok.kind === T.IDENT) ps.unexpected(LABEL_CONTEXT, 'label matching operator');
      // A lone quoted string is the metric name: {"http.server.duration"}.
      out.push(new Matcher('=', '__name__', label));
    } else {
      ps.next();
      if (!ps.is(T.STRING)) ps.unexpected(LABEL_CONTEXT, 'string');
      const valueTok = ps.next();
      const m = newMatcher(ps, op, label, unquote(valueTok.text), nameTok.start, valueTok.end);
      if (m !== null) out.push(m);
    }
    if (ps.is(T.COMMA)) {
      ps.next();
    } else if (!ps.is(T.RBRACE)) {
      ps.unexpected(LABEL_CONTEXT, '"," or "}"');
    }
  }
}

function newMatcher(ps: ParseState, op: MatchType, name: string, value: string, start: number, end: number) {
  try {
    return new Matcher(op, name, value);
  } catch (err) {
    if (!(err instanceof BadDataError)) throw err;
    ps.addError({ start, end }, goRegexpError(err.message, value));
    return null;
  }
}

/**
 * RE2 (C++) names regex syntax errors differently from Go's regexp/syntax, which is what users of
 * Prometheus see: rewrite the model's `error parsing regexp: <re2 code>: <fragment>: `pattern``
 * into Go's `error parsing regexp: <go code>: `fragment``.
 */
const RE2_TO_GO: ReadonlyArray<readonly [string, string]> = [
  ['missing )', 'missing closing )'],
  ['missing ]', 'missing closing ]'],
  ['unexpected )', 'unexpected )'],
  ['invalid character class range', 'invalid character class range'],
  ['invalid character class', 'invalid character class'],
  ['invalid escape sequence', 'invalid escape sequence'],
  ['bad repetition operator', 'invalid nested repetition operator'],
  ['no argument for repetition operator', 'missing argument to repetition operator'],
  ['invalid repetition size', 'invalid repeat count'],
  ['invalid named capture group', 'invalid named capture'],
  ['invalid perl operator', 'invalid or unsupported Perl syntax'],
  ['trailing \\', 'trailing backslash at end of expression'],
  ['invalid UTF-8', 'invalid UTF-8'],
];

export function goRegexpError(message: string, pattern: string): string {
  const prefix = 'error parsing regexp: ';
  const suffix = ': `' + pattern + '`';
  if (!message.startsWith(prefix) || !message.endsWith(suffix)) return message;
  const re2 = message.slice(prefix.length, message.length - suffix.length);
  for (const [code, goCode] of RE2_TO_GO) {
    if (re2 === code) return `${prefix}${goCode}: \`\``;
    if (re2.startsWith(code + ': ')) return `${prefix}${goCode}: \`${re2.slice(code.length + 2)}\``;
  }
  return message;
}
