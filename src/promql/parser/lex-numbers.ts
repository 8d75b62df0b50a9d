/**
 * The number and duration scanners of the lexer, as Prometheus scans them: the text is taken as far
 * as these rules allow, then checked (`strconv`/`model.ParseDuration` rules live in numbers.ts).
 */

/** Whether the text from the start is a complete token, and where scanning stopped. */
export interface Scan {
  readonly ok: boolean;
  readonly pos: number;
}

function code(input: string, i: number): number {
  return i < input.length ? input.charCodeAt(i) : -1;
}
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}
export function isAlphaNumeric(c: number): boolean {
  return c === 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c);
}

/**
 * Prometheus's number scanner: `[0x][.]d[d._eE]*` with `_` only between digits, one dot, one
 * exponent, no fractional hex. `ok` is false when the text is not a number (maybe a duration);
 * `pos` is where scanning stopped, which is where a duration unit would start.
 */
export function scanNumber(input: string, start: number): Scan {
  let p = start;
  let hex = false;
  if (code(input, p) === 0x30 && (code(input, p + 1) | 0x20) === 0x78) {
    p += 2;
    hex = true;
    if (code(input, p) === 0x5f) p++;
  }
  const digit = hex ? isHexDigit : isDigit;
  if (code(input, p) === 0x2e) p++;
  if (digit(code(input, p))) p++;
  let dot = false;
  let exp = false;
  for (;;) {
    const c = code(input, p);
    const isExp = c === 0x65 || c === 0x45;
    if (!(digit(c) || c === 0x2e || c === 0x5f || isExp)) break;
    if (c === 0x2e) {
      if (dot) return { ok: false, pos: p + 1 };
      p++;
      dot = true;
      const n = code(input, p);
      if (n === 0x5f || n === 0x2e) return { ok: false, pos: p + 1 };
      if (hex) return { ok: false, pos: p };
      continue;
    }
    if (isExp) {
      if (exp) return { ok: false, pos: p + 1 };
      p++;
      exp = true;
      if (code(input, p) === 0x2b || code(input, p) === 0x2d) p++;
      const n = code(input, p);
      if (n === 0x2e || n === 0x5f || n === 0x65 || n === 0x45) return { ok: false, pos: p + 1 };
      if (n < 0) return { ok: false, pos: p };
      continue;
    }
    if (c === 0x5f) {
      p++;
      const n = code(input, p);
      if (n === 0x2e || n === 0x5f || n === 0x65 || n === 0x45) return { ok: false, pos: p + 1 };
      if (n < 0) return { ok: false, pos: p };
      continue;
    }
    while (digit(code(input, p))) p++;
  }
  if (p === start) return { ok: false, pos: p };
  return { ok: !isAlphaNumeric(code(input, p)), pos: p };
}

/** The unit part of a duration after the leading number: `s`/`ms`/`m`/`h`/`d`/`w`/`y`, repeated. */
export function scanDurationRest(input: string, p: number): Scan {
  const unit = (c: number, withYear: boolean): boolean =>
    c === 0x73 || c === 0x6d || c === 0x68 || c === 0x64 || c === 0x77 || (withYear && c === 0x79);
  if (!unit(code(input, p), true)) return { ok: false, pos: p };
  p++;
  if (code(input, p) === 0x73) p++;
  while (isDigit(code(input, p))) {
    while (isDigit(code(input, p))) p++;
    if (!unit(code(input, p), false)) return { ok: false, pos: p };
    p++;
    if (code(input, p) === 0x73) p++;
  }
  if (isAlphaNumeric(code(input, p))) return { ok: false, pos: p + 1 };
  return { ok: true, pos: p };
}
