/**
 * Number and time formatting of the Prometheus HTTP API, byte for byte.
 *
 * Sample values use Go's `strconv.FormatFloat(v, 'f' or 'e', -1, 64)`: the shortest decimal that
 * round-trips, in exponent form when v ≠ 0 and |v| < 1e-6 or |v| ≥ 1e21, with a sign and at least
 * two exponent digits (`1e-07`, `1.5e+21`). JS's `Number#toString` picks the same digits and the
 * same thresholds, so only the exponent, `-0` and the infinities need mending.
 */
export function formatSampleValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // JS writes `1e-7` / `1e+21`; Go writes `1e-07` / `1e+21`.
  const sign = s[e + 1] as string;
  const digits = s.slice(e + 2);
  return digits.length >= 2 ? s : `${s.slice(0, e + 1)}${sign}0${digits}`;
}

/** Scalar results use `'f'` always: never an exponent (`1e21` → `1000000000000000000000`). */
export function formatScalarValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  return toPlainDecimal(String(v));
}

/** Expands JS's exponent notation into plain digits, keeping the shortest round-trip digits. */
export function toPlainDecimal(s: string): string {
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const intLength = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (intLength <= 0) out = '0.' + '0'.repeat(-intLength) + digits;
  else if (intLength >= digits.length) out = digits + '0'.repeat(intLength - digits.length);
  else out = digits.slice(0, intLength) + '.' + digits.slice(intLength);
  return (negative ? '-' : '') + out;
}

/**
 * Timestamps of vector/matrix points: seconds, and only when the millisecond part is not zero,
 * a dot and exactly three digits (`1435781451.780`). Written as a JSON number.
 */
export function formatTimestamp(ms: number): string {
  if (ms < 0) return '-' + formatTimestamp(-ms);
  const seconds = Math.floor(ms / 1000);
  const frac = ms - seconds * 1000;
  if (frac === 0) return String(seconds);
  return `${seconds}.${String(Math.round(frac)).padStart(3, '0')}`;
}

/** Timestamps of scalar and string results: shortest float form of ms/1000 (`1435781451.78`). */
export function formatScalarTimestamp(ms: number): string {
  return toPlainDecimal(String(ms / 1000));
}
