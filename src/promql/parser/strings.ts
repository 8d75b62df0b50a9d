/**
 * PromQL string literals: escape validation (used by the lexer), unquoting, and Go-style quoting
 * (used by the printer and by error messages, which quote the way Go's `%q` does).
 *
 * PromQL strings follow Go semantics: `\xNN` and octal escapes denote raw bytes, `\u`/`\U` denote
 * code points. We assemble the UTF-8 bytes of the literal and decode them at the end, so
 * `"\xe2\x98\xba"` is "☺" exactly as in Prometheus; a byte sequence that is not valid UTF-8 decodes
 * to U+FFFD (a JS string cannot hold raw bytes).
 */

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** Go's `unicode.IsPrint`, approximated with the Unicode property escapes of the JS engine. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export function isPrintable(cp: number): boolean {
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp < 0x7f) return true;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 16;
}

/**
 * Checks the escape sequence whose backslash is at `input[i - 1]`, inside a string opened with
 * `quote`. Returns the index just past the escape, or an error message in Prometheus's words
 * together with nothing consumed. Mirrors Go's scanner rules: `\a \b \f \n \r \t \v \\`, the quote
 * itself, three octal digits (≤ 255), `\x` + 2, `\u` + 4, `\U` + 8 hex digits (valid code point).
 */
export function scanEscape(input: string, i: number, quote: string): number | { error: string } {
  const ch = input.codePointAt(i);
  if (ch === undefined) return { error: 'escape sequence not terminated' };
  const c = String.fromCodePoint(ch);
  if ('abfnrtv\\'.includes(c) || c === quote) return i + 1;
  let n: number;
  let base: number;
  let max: number;
  let j = i;
  if (ch >= 0x30 && ch <= 0x37) {
    n = 3;
    base = 8;
    max = 255;
  } else if (c === 'x') {
    n = 2;
    base = 16;
    max = 255;
    j++;
  } else if (c === 'u') {
    n = 4;
    base = 16;
    max = 0x10ffff;
    j++;
  } else if (c === 'U') {
    n = 8;
    base = 16;
    max = 0x10ffff;
    j++;
  } else {
    return { error: `unknown escape sequence ${formatUnicode(ch)}` };
  }
  let x = 0;
  for (; n > 0; n--, j++) {
    const d = input.codePointAt(j);
    if (d === undefined) return { error: 'escape sequence not terminated' };
    const v = hexDigit(d);
    if (v >= base) return { error: `illegal character ${formatUnicode(d)} in escape sequence` };
    x = x * base + v;
  }
  if (x > max || (x >= 0xd800 && x < 0xe000)) {
    return { error: 'escape sequence is an invalid Unicode code point' };
  }
  return j;
}

/**
 * The value of a string token as the lexer produced it (quotes included). The lexer has already
 * validated every escape, so this cannot fail.
 */
export function unquote(raw: string): string {
  const quote = raw[0];
  const body = raw.slice(1, -1);
  if (quote === '`' || !body.includes('\\')) return body;
  // Bytes are collected so that byte escapes combine into UTF-8 sequences, as in Go.
  const bytes: number[] = [];
  const pushText = (s: string): void => {
    for (const b of utf8.encode(s)) bytes.push(b);
  };
  let i = 0;
  while (i < body.length) {
    const bs = body.indexOf('\\', i);
    if (bs < 0) {
      pushText(body.slice(i));
      break;
    }
    pushText(body.slice(i, bs));
    const c = body[bs + 1] ?? '';
    i = bs + 2;
    switch (c) {
      case 'a':
        bytes.push(7);
        break;
      case 'b':
        bytes.push(8);
        break;
      case 'f':
        bytes.push(12);
        break;
      case 'n':
        bytes.push(10);
        break;
      case 'r':
        bytes.push(13);
        break;
      case 't':
        bytes.push(9);
        break;
      case 'v':
        bytes.push(11);
        break;
      case 'x':
        bytes.push(parseInt(body.slice(i, i + 2), 16));
        i += 2;
        break;
      case 'u':
        pushText(String.fromCodePoint(parseInt(body.slice(i, i + 4), 16)));
        i += 4;
        break;
      case 'U':
        pushText(String.fromCodePoint(parseInt(body.slice(i, i + 8), 16)));
        i += 8;
        break;
      default:
        if (c >= '0' && c <= '7') {
          bytes.push(parseInt(body.slice(i - 1, i + 2), 8));
          i += 2;
        } else {
          pushText(c); // \\, \' or \"
        }
    }
  }
  return utf8Decoder.decode(Uint8Array.from(bytes));
}

const SIMPLE_ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  12: '\\f',
  10: '\\n',
  13: '\\r',
  9: '\\t',
  11: '\\v',
};

function escapeRune(cp: number, quote: number): string {
  if (cp === quote || cp === 0x5c) return '\\' + String.fromCodePoint(cp);
  // U+FFFD stands for bytes that were not UTF-8 (`"\xff"`); the lexer refuses it literally, as
  // Prometheus refuses invalid UTF-8, so it is escaped to keep printed queries parseable.
  if (cp === 0xfffd) return '\\ufffd';
  if (isPrintable(cp)) return String.fromCodePoint(cp);
  const simple = SIMPLE_ESCAPES[cp];
  if (simple !== undefined) return simple;
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate is not a valid rune
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** Go's `strconv.Quote`: double quotes, printable runes kept, everything else escaped. */
export function goQuote(s: string): string {
  let out = '"';
  let plainFrom = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Fast path: printable ASCII other than the quote and the backslash is copied in bulk.
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(plainFrom, i);
    const cp = s.codePointAt(i) ?? c;
    if (cp > 0xffff) i++;
    out += escapeRune(cp, 0x22);
    plainFrom = i + 1;
  }
  return out + s.slice(plainFrom) + '"';
}

/** Go's `%.Nq` for a string: the first `n` runes quoted, as in `"1234567890"...` messages. */
export function goQuoteTruncated(s: string, n: number): string {
  const runes = Array.from(s);
  return goQuote(runes.length > n ? runes.slice(0, n).join('') : s);
}

/** Go's `%q` for a rune: `'x'`, `'\''`, `'\n'`. */
export function quoteRune(cp: number): string {
  if (cp < 0) return "'\ufffd'"; // end of input, as Go prints utf8.RuneError
  return "'" + escapeRune(cp, 0x27) + "'";
}

/** Go's `%#U`: `U+0063 'c'` for printable runes, `U+0007` otherwise. */
export function formatUnicode(cp: number): string {
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return isPrintable(cp) ? `${hex} '${String.fromCodePoint(cp)}'` : hex;
}
