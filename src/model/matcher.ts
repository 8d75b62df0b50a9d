import RE2 from 're2';

import { BadDataError } from './errors.ts';

export type MatchType = '=' | '!=' | '=~' | '!~';

/** A label matcher as written by the user, before compilation. */
export interface MatcherSpec {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

/**
 * A compiled label matcher. Regexes use RE2 semantics (never JS RegExp) and are fully anchored the
 * way Prometheus anchors them: `^(?s:<regex>)$`, so `.` also matches a newline.
 */
export class Matcher implements MatcherSpec {
  private readonly re: RE2 | null;
  /** For `=~"a|b|c"`-style regexes: the exact set of values matched, or null. */
  readonly set: readonly string[] | null;
  readonly matchesEmpty: boolean;

  readonly type: MatchType;
  readonly name: string;
  readonly value: string;

  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    if (type === '=~' || type === '!~') {
      this.re = compileAnchored(value);
      this.set = literalAlternation(value);
    } else {
      this.re = null;
      this.set = type === '=' ? [value] : null;
    }
    this.matchesEmpty = this.matches('');
  }

  static of(spec: MatcherSpec): Matcher {
    return spec instanceof Matcher ? spec : new Matcher(spec.type, spec.name, spec.value);
  }

  /** Does a label value match? An absent label has the value "". */
  matches(v: string): boolean {
    switch (this.type) {
      case '=':
        return v === this.value;
      case '!=':
        return v !== this.value;
      case '=~':
        return this.set !== null ? this.set.includes(v) : (this.re as RE2).test(v);
      case '!~':
        return this.set !== null ? !this.set.includes(v) : !(this.re as RE2).test(v);
    }
  }

  /** PromQL text form, e.g. `job=~"api|web"`. */
  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

/** Compiled regexes by pattern. Dashboards repeat the same few patterns on every refresh. */
const compiled = new Map<string, RE2>();
const MAX_COMPILED = 2000;

/**
 * Compiles a user regex with RE2, anchored on both ends with `.` matching newlines. Throws
 * BadDataError with RE2's own explanation when the pattern is invalid. Results are cached (RE2
 * objects are immutable for `test`/`exec` without the global flag, so sharing them is safe).
 */
export function compileAnchored(pattern: string): RE2 {
  const hit = compiled.get(pattern);
  if (hit !== undefined) return hit;
  try {
    // Compile the pattern alone first, so an error message talks about what the user wrote.
    new RE2(pattern, 'u');
  } catch (err) {
    throw new BadDataError(`error parsing regexp: ${(err as Error).message}: \`${pattern}\``);
  }
  const re = new RE2(`^(?s:${pattern})$`, 'u');
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

/**
 * Recognises patterns that are a plain alternation of literals (`a|b|c`, or a single literal), the
 * common Grafana multi-value form, so they can be answered with set lookups instead of a regex.
 * Returns null for anything with regex metacharacters.
 */
function literalAlternation(pattern: string): string[] | null {
  if (pattern === '') return [''];
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '|') {
      out.push(cur);
      cur = '';
    } else if (c === '\\') {
      const next = pattern[i + 1];
      // Only escapes of punctuation are literal; `\d`, `\pL` etc. are classes.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return null;
      cur += next;
      i++;
    } else if ('.+*?()[]{}^$'.includes(c)) {
      return null;
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}
