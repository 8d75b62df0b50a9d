import { isLegacyMetricName } from '../../model/index.ts';

/**
 * Prometheus's "values" escaping of names in URL path segments (`/api/v1/label/<name>/values`):
 * legacy names travel as they are; anything else as `U__` + the name with `_` doubled, letters,
 * digits (not leading) and `:` kept, and every other code point as `_<lower-case hex>_`.
 * Example: `http.status_code` ⇄ `U__http_2e_status__code`.
 */
export function escapeLabelName(name: string): string {
  if (isLegacyMetricName(name)) return name;
  let out = 'U__';
  let i = 0;
  for (const ch of name) {
    const c = ch.codePointAt(0) as number;
    if (ch === '_') out += '__';
    else if (isLegacyRune(c, i)) out += ch;
    else if (c >= 0xd800 && c <= 0xdfff)
      out += '_fffd_'; // a lone surrogate is not a valid rune
    else out += `_${c.toString(16)}_`;
    i += ch.length;
  }
  return out;
}

function isLegacyRune(c: number, i: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    c === 0x5f ||
    c === 0x3a ||
    (c >= 0x30 && c <= 0x39 && i > 0)
  );
}

/**
 * The inverse, with Prometheus's leniency: a name without the `U__` prefix, or with any malformed
 * escape (an unterminated `_…`, a non-hex digit, more than six digits, a code point that is not a
 * valid Unicode scalar), is returned unchanged, `U__` included.
 */
export function unescapeLabelName(name: string): string {
  if (!name.startsWith('U__')) return name;
  const s = name.slice(3);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch !== '_') {
      out += ch;
      continue;
    }
    i++;
    if (i >= s.length) return name;
    if (s[i] === '_') {
      out += '_';
      continue;
    }
    let code = 0;
    let digits = 0;
    for (;;) {
      if (i >= s.length || digits >= 6) return name;
      const c = s[i] as string;
      if (c === '_') break;
      const d = parseInt(c, 16);
      if (Number.isNaN(d)) return name;
      code = code * 16 + d;
      digits++;
      i++;
    }
    if (digits === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return name;
    out += String.fromCodePoint(code);
  }
  return out;
}
