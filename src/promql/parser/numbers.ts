/**
 * Numbers and durations as Prometheus reads and writes them: Go's integer/float literal rules for
 * values, `model.ParseDuration` / `model.Duration.String` for durations, and Go's `FormatFloat`
 * for printing. Everything here is pure and throws plain `Error`s whose message is the Prometheus
 * wording; callers attach positions.
 */

/** 2^63 ns expressed in ms: durations are Go `time.Duration`s (int64 nanoseconds). */
const MAX_DURATION_MS = 9223372036854.775;
const MS = { y: 365 * 24 * 3600e3, w: 7 * 24 * 3600e3, d: 24 * 3600e3, h: 3600e3, m: 60e3, s: 1e3, ms: 1 };
const UNIT_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;

/**
 * Value of a NUMBER token: Go's `ParseInt(s, 0, 64)` first (hex, and octal for a leading 0, so
 * `0755` is 493 as in Prometheus), then `ParseFloat`. `_` separators were validated by the lexer.
 */
export function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const s = text.replace(/_/g, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) {
    const big = BigInt(s);
    if (big > 0x7fffffffffffffffn) {
      // ParseInt overflows and ParseFloat needs a `p` exponent for hex: both fail in Go.
      throw new Error(
        `error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`,
      );
    }
    return Number(big);
  }
  if (/^0[0-7]+$/.test(s)) return Number(BigInt('0o' + s.slice(1)));
  const v = Number(s);
  if (!Number.isFinite(v)) {
    throw new Error(
      `error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(text)}: value out of range`,
    );
  }
  return v;
}

/**
 * `value × 1000` of a decimal NUMBER token computed by shifting the decimal exponent instead of
 * multiplying, so that printing `ms` back as seconds (see {@link formatMsAsSeconds}) reproduces the
 * same double. Used for numbers written inside duration expressions (`[1.5]`, `offset (0.1)`).
 */
export function numberTextToMs(text: string): number {
  const s = text.replace(/_/g, '');
  const m = /^(\d*\.?\d*)(?:[eE]([+-]?\d+))?$/.exec(s);
  if (m === null || m[1] === '' || m[1] === '.') return parseNumber(text) * 1000;
  const exp = m[2] === undefined ? 0 : Number(m[2]);
  if (/^0[0-7]+$/.test(s)) return parseNumber(text) * 1000;
  return Number(`${m[1]}e${exp + 3}`);
}

/** Shortest decimal digits of a finite non-zero |v| and the exponent of its first digit. */
function shortestDigits(v: number): { digits: string; exp: number } {
  const [mant = '0', e = '0'] = Math.abs(v).toExponential().split('e');
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

function fixedFromDigits(neg: boolean, digits: string, exp: number): string {
  const dp = exp + 1; // position of the decimal point after the first digit
  let out: string;
  if (dp <= 0) out = '0.' + '0'.repeat(-dp) + digits;
  else if (dp >= digits.length) out = digits + '0'.repeat(dp - digits.length);
  else out = digits.slice(0, dp) + '.' + digits.slice(dp);
  return neg ? '-' + out : out;
}

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  return null;
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function formatFloatF(v: number): string {
  const sp = special(v);
  if (sp !== null) return sp;
  const { digits, exp } = shortestDigits(v);
  return fixedFromDigits(v < 0, digits, exp);
}

/** Go's `%v` / `FormatFloat(v, 'g', -1, 64)`: exponent form below 1e-4 and from 1e6 (`1e+06`). */
export function formatFloatG(v: number): string {
  const sp = special(v);
  if (sp !== null) return sp;
  const { digits, exp } = shortestDigits(v);
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return (v < 0 ? '-' : '') + mant + 'e' + (exp < 0 ? '-' : '+') + e;
  }
  return fixedFromDigits(v < 0, digits, exp);
}

/** Prints `ms / 1000` exactly (decimal shift, no division), the inverse of {@link numberTextToMs}. */
export function formatMsAsSeconds(ms: number): string {
  const sp = special(ms);
  if (sp !== null) return sp;
  const { digits, exp } = shortestDigits(ms);
  return fixedFromDigits(ms < 0, digits, exp - 3);
}

/**
 * Prometheus `model.ParseDuration`, in milliseconds: `1h30m`, `5m`, `90s`, `1y`, `0`. Units from
 * largest to smallest, each at most once; no sign, no fraction. Throws with Prometheus's message.
 */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (text === '') throw new Error('empty duration string');
  const invalid = (): Error => new Error(`not a valid duration string: ${JSON.stringify(text)}`);
  let total = 0;
  let lastUnit = -1;
  let i = 0;
  while (i < text.length) {
    let j = i;
    while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) j++;
    if (j === i) throw invalid();
    const digits = text.slice(i, j);
    let k = j;
    while (k < text.length && !(text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39)) k++;
    if (k === j) throw invalid();
    const unit = text.slice(j, k);
    const order = UNIT_ORDER.indexOf(unit as (typeof UNIT_ORDER)[number]);
    if (order < 0)
      throw new Error(`unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    if (order <= lastUnit) throw invalid();
    lastUnit = order;
    if (digits.length > 20) throw invalid(); // does not fit the uint64 Go parses into
    const v = Number(digits) * MS[UNIT_ORDER[order] as keyof typeof MS];
    total += v;
    if (v > MAX_DURATION_MS || total > MAX_DURATION_MS) throw new Error('duration out of range');
    i = k;
  }
  return total;
}

/**
 * Prometheus `model.Duration.String` for a non-negative whole number of ms: `1h30m`, `5m`, `0s`,
 * `1s500ms`; years and weeks only when they divide exactly (`90d`, not `12w6d`).
 */
export function formatDuration(ms: number): string {
  let rest = Math.trunc(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of UNIT_ORDER) {
    const mult = MS[unit];
    if ((unit === 'y' || unit === 'w') && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

/** True when |seconds| does not fit a Go `time.Duration` (the "duration out of range" check). */
export function durationOutOfRange(seconds: number): boolean {
  return !(Math.abs(seconds) * 1000 <= MAX_DURATION_MS);
}

/** Go's `math.Round` (half away from zero), used for `@` timestamps like Prometheus. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Go's `fmt.Sprintf("%f", v)`: six decimals, `+Inf`, `-Inf`, `NaN`. */
export function formatFixed6(v: number): string {
  const sp = special(v);
  if (sp !== null && sp !== '0' && sp !== '-0') return sp;
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  return BigInt(Math.trunc(v)).toString() + '.000000';
}
