import { BadDataError, parseDurationMs } from '../../model/index.ts';

/**
 * Parameter grammars of the Prometheus HTTP API (times, durations, limits), with Prometheus's
 * error texts. Every parser takes the parameter's name and throws BadDataError
 * `invalid parameter "<name>": …`. Times are integer milliseconds.
 */

/**
 * The earliest and latest times we speak of. Prometheus's own bounds (years −292273086 and
 * 292277025) are beyond JavaScript's exact integers, so everything outside ±2^53 ms (±285,000
 * years) is clamped to these.
 */
export const MIN_TIME_MS = Number.MIN_SAFE_INTEGER;
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;

/** What Prometheus clients send for "no lower/upper bound": Go's RFC 3339 rendering of its bounds. */
const PROM_MIN_TIME_TEXT = '-292273086-05-16T16:47:06Z';
const PROM_MAX_TIME_TEXT = '292277025-08-18T07:12:54.999999999Z';

/** Go's `strconv.ParseFloat` decimal syntax (no hex floats, no underscores). */
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT_RE = /^[+-]?(?:inf|infinity|nan)$/i;

const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

export function invalidParam(name: string, why: string): BadDataError {
  return new BadDataError(`invalid parameter "${name}": ${why}`);
}

/** Parses a Go float; returns undefined when `text` is not one. */
export function parseGoFloat(text: string): number | undefined {
  if (FLOAT_RE.test(text)) return Number(text);
  if (SPECIAL_FLOAT_RE.test(text)) {
    const t = text.toLowerCase();
    if (t.endsWith('nan')) return NaN;
    return t.startsWith('-') ? -Infinity : Infinity;
  }
  return undefined;
}

/**
 * A timestamp parameter: Unix seconds as a float (the fraction rounded to ms the way Prometheus
 * does it, including its float truncation), RFC 3339, or Prometheus's min/max time strings.
 */
export function parseTimeParam(name: string, text: string): number {
  const f = parseGoFloat(text);
  if (f !== undefined && Number.isFinite(f)) return floatSecondsToMs(f);
  const rfc = parseRfc3339(text);
  if (rfc !== undefined) return rfc;
  if (text === PROM_MIN_TIME_TEXT) return MIN_TIME_MS;
  if (text === PROM_MAX_TIME_TEXT) return MAX_TIME_MS;
  throw invalidParam(name, `cannot parse ${goQuote(text)} to a valid timestamp`);
}

/** An optional timestamp parameter: `fallback` when absent or empty. */
export function parseOptionalTime(name: string, text: string | undefined, fallback: number): number {
  return text === undefined || text === '' ? fallback : parseTimeParam(name, text);
}

/**
 * Seconds → ms exactly as Prometheus: `Modf`, round the fraction to ms (half away from zero),
 * multiply by 1e9 and truncate to ns, normalise, then truncate to ms. The fraction is taken from
 * the float, so `1700000000.57` (stored as …0.5699999332) still rounds to 570 ms.
 */
function floatSecondsToMs(f: number): number {
  if (f >= 9.2e15 || f <= -9.2e15) return f < 0 ? MIN_TIME_MS : MAX_TIME_MS;
  let sec = Math.trunc(f);
  const frac = roundHalfAway((f - sec) * 1000) / 1000;
  let nsec = Math.trunc(frac * 1e9);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  } else if (nsec < 0) {
    sec -= 1;
    nsec += 1e9;
  }
  const ms = sec * 1000 + Math.floor(nsec / 1e6);
  return Math.min(MAX_TIME_MS, Math.max(MIN_TIME_MS, ms));
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** RFC 3339 with optional fraction (up to ns; truncated to ms), `Z` or a numeric offset. */
function parseRfc3339(text: string): number | undefined {
  const m = RFC3339_RE.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const y = year as number;
  const mo = month as number;
  const d = day as number;
  if (mo < 1 || mo > 12 || d < 1 || d > (DAYS_IN_MONTH[mo - 1] as number)) return undefined;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return undefined;
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return undefined;
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear, unlike Date.UTC, keeps years 0..99 as they are
  date.setUTCHours(hour as number, minute as number, second as number, 0);
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  return date.getTime() + ms - offsetMin * 60_000;
}

/**
 * A duration parameter (`step`, `timeout`, `lookback_delta`): float seconds or a Prometheus
 * duration string. Returns ms, truncated from Prometheus's nanoseconds.
 */
export function parseDurationParam(name: string, text: string): number {
  const f = parseGoFloat(text);
  if (f !== undefined) {
    const ns = f * 1e9;
    if (!(ns < 9223372036854775807 && ns >= -9223372036854775808)) {
      throw invalidParam(name, `cannot parse ${goQuote(text)} to a valid duration. It overflows int64`);
    }
    return Math.trunc(ns / 1e6);
  }
  try {
    return parseDurationMs(text);
  } catch {
    throw invalidParam(name, `cannot parse ${goQuote(text)} to a valid duration`);
  }
}

/** `limit`: absent or empty → 0 (no limit); a non-negative integer otherwise. */
export function parseLimitParam(name: string, text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (!/^[+-]?\d+$/.test(text)) {
    throw invalidParam(name, `strconv.Atoi: parsing ${goQuote(text)}: invalid syntax`);
  }
  const n = Number(text);
  if (n < 0) throw invalidParam(name, 'limit must be non-negative');
  return Math.min(n, Number.MAX_SAFE_INTEGER);
}

/** Go's `%q` for the strings we echo (JSON escaping is the same for printable text). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
