import type { PosRange } from '../parser/ast.ts';

/**
 * Warnings and infos collected during one query. Like Prometheus, they are deduplicated by their
 * text without position (the first position seen wins) and rendered at the end as
 * `PromQL warning: <text> (<line>:<col>)`, the position being where the expression node that caused
 * it starts in the query string: 1-based line, 1-based column counted in UTF-8 bytes.
 */
export class AnnotationSet {
  private readonly query: string | null;
  private readonly warningPos = new Map<string, PosRange | null>();
  private readonly infoPos = new Map<string, PosRange | null>();

  constructor(query: string | null) {
    this.query = query;
  }

  warn(text: string, pos: PosRange | null): void {
    if (!this.warningPos.has(text)) this.warningPos.set(text, pos);
  }

  info(text: string, pos: PosRange | null): void {
    if (!this.infoPos.has(text)) this.infoPos.set(text, pos);
  }

  get warnings(): string[] {
    return [...this.warningPos].map(([t, p]) => `PromQL warning: ${t}${this.where(p)}`);
  }

  get infos(): string[] {
    return [...this.infoPos].map(([t, p]) => `PromQL info: ${t}${this.where(p)}`);
  }

  private where(pos: PosRange | null): string {
    if (this.query === null || pos === null) return '';
    return ` (${positionText(this.query, pos.start)})`;
  }
}

/** `line:col` of a UTF-16 offset, with the column counted in UTF-8 bytes. */
export function positionText(query: string, offset: number): string {
  if (offset > query.length) return 'unknown position';
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const col = Buffer.byteLength(query.slice(lineStart, offset), 'utf8') + 1;
  return `${line}:${col}`;
}

/** Go's `%q` for a label value or metric name: the parser's strconv.Quote. */
export { goQuote } from '../parser/strings.ts';

/** Go's `%g` for float64 (shortest representation, exponent for large/small magnitudes). */
export function goFloatG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // Shortest repr digits and exponent.
  const exp = v.toExponential(); // e.g. "1.5e+21"
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (m === null) return String(v);
  const sign = m[1] as string;
  const digits = (m[2] as string) + (m[3] ?? '');
  const e = Number(m[4]);
  // strconv.FormatFloat(v, 'g', -1, 64): exponent form when exp < -4 || exp >= 6.
  const eprec = 6;
  if (e < -4 || e >= eprec) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const es = Math.abs(e) < 10 ? `0${Math.abs(e)}` : String(Math.abs(e));
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${es}`;
  }
  return sign + formatFixedDigits(digits, e);
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
export function goFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = v.toExponential();
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (m === null) return String(v);
  const digits = (m[2] as string) + (m[3] ?? '');
  return (m[1] as string) + formatFixedDigits(digits, Number(m[4]));
}

/** Places the decimal point in a digit string whose first digit has decimal exponent `e`. */
function formatFixedDigits(digits: string, e: number): string {
  if (e < 0) return `0.${'0'.repeat(-e - 1)}${digits}`;
  if (digits.length <= e + 1) return digits + '0'.repeat(e + 1 - digits.length);
  return `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}
