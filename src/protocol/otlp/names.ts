import type { TranslationStrategy } from './options.ts';

/**
 * OTel → Prometheus names (metric names, unit suffixes, label names), following the rules of
 * Prometheus's otlptranslator as summarised in specs/otlp-metrics.md §4.2–4.4. Pure functions over
 * strings; the translator caches their results per metric and per attribute key.
 */

/** The kind of an OTel metric as far as naming cares. */
export type NamingType = 'gauge' | 'monotonic' | 'nonmonotonic' | 'histogram' | 'exphistogram' | 'summary';

const UNITS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
  '1': '',
};

const PER_UNITS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

export function usesSuffixes(strategy: TranslationStrategy): boolean {
  return strategy === 'UnderscoreEscapingWithSuffixes' || strategy === 'NoUTF8EscapingWithSuffixes';
}

export function escapesNames(strategy: TranslationStrategy): boolean {
  return strategy === 'UnderscoreEscapingWithSuffixes' || strategy === 'UnderscoreEscapingWithoutSuffixes';
}

/** `[A-Za-z0-9:]`, the legacy metric-name characters (the underscore is handled by callers). */
function isMetricChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 58;
}

function isAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Splits `s` into the runs of characters that `keep` accepts (Go's strings.FieldsFunc): empty runs
 * vanish. Works on code points, so a non-BMP character is one separator, as a Go rune is.
 */
function fields(s: string, keep: (c: number) => boolean): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of s) {
    if (keep(ch.codePointAt(0) ?? 0)) current += ch;
    else if (current !== '') {
      out.push(current);
      current = '';
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/** Main and `per_…` unit suffixes of a UCUM unit, mapped but not cleaned. */
export function unitSuffixes(unit: string): [main: string, per: string] {
  const slash = unit.indexOf('/');
  const mainRaw = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  let main = '';
  if (mainRaw !== '' && !/[{}]/.test(mainRaw)) main = UNITS[mainRaw] ?? mainRaw;
  let per = '';
  if (slash >= 0 && slash + 1 < unit.length) {
    const perRaw = unit.slice(slash + 1).trim();
    if (perRaw !== '' && !/[{}]/.test(perRaw)) per = PER_UNITS[perRaw] ?? perRaw;
    if (per !== '') per = `per_${per}`;
  }
  return [main, per];
}

/** Legacy-charset cleanup of a unit: bad characters → `_`, runs of `_` collapsed, no leading `_`. */
function cleanUnit(unit: string): string {
  let out = '';
  for (const ch of unit) {
    const c = isMetricChar(ch.codePointAt(0) ?? 0) ? ch : '_';
    if (c === '_' && out.endsWith('_')) continue;
    out += c;
  }
  return out.startsWith('_') ? out.slice(1) : out;
}

/**
 * The unit as sent in metadata (`UNIT`): mapped, cleaned when names are escaped, `main_per`,
 * without leading or trailing `_`. `1` becomes "".
 */
export function metadataUnit(unit: string, strategy: TranslationStrategy): string {
  let [main, per] = unitSuffixes(unit);
  if (escapesNames(strategy)) {
    main = cleanUnit(main);
    per = cleanUnit(per);
  }
  let u = main !== '' && per !== '' ? `${main}_${per}` : main !== '' ? main : per;
  if (u.startsWith('_')) u = u.slice(1);
  if (u.endsWith('_')) u = u.slice(0, -1);
  return u;
}

/**
 * The Prometheus metric family name of an OTel metric (before `_bucket`/`_sum`/`_count`).
 * Returns null when the name cannot be translated (empty, or only underscores): the caller drops
 * the metric and reports it.
 */
export function metricFamilyName(
  name: string,
  unit: string,
  type: NamingType,
  strategy: TranslationStrategy,
): string | null {
  let out: string;
  switch (strategy) {
    case 'UnderscoreEscapingWithSuffixes':
      out = escapedWithSuffixes(name, unit, type);
      break;
    case 'UnderscoreEscapingWithoutSuffixes':
      out = fields(name, (c) => isMetricChar(c) || c === 95).join('_');
      if (out !== '' && isDigit(out.charCodeAt(0))) out = `_${out}`;
      break;
    case 'NoUTF8EscapingWithSuffixes':
      out = utf8WithSuffixes(name, unit, type);
      break;
    case 'NoTranslation':
      out = name;
      break;
  }
  if (out === '' || (out !== name && /^_*$/.test(out))) return null;
  return out;
}

function escapedWithSuffixes(name: string, unit: string, type: NamingType): string {
  const tokens = fields(name, isMetricChar);
  const [mainRaw, perRaw] = unitSuffixes(unit);
  let main = cleanUnit(mainRaw);
  let per = cleanUnit(perRaw);
  if (tokens.includes(main)) main = '';
  if (per === 'per_') per = '';
  else {
    if (per.endsWith('_')) per = per.slice(0, -1);
    if (tokens.includes(per)) per = '';
  }
  if (per !== '' && main.endsWith('_')) main = main.slice(0, -1);
  if (main !== '') tokens.push(main);
  if (per !== '') tokens.push(per);
  let result = tokens;
  if (type === 'monotonic') result = [...result.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && type === 'gauge') result = [...result.filter((t) => t !== 'ratio'), 'ratio'];
  let joined = result.join('_');
  if (joined !== '' && isDigit(joined.charCodeAt(0))) joined = `_${joined}`;
  return joined;
}

/** Drops `suffix` and the one delimiter character before it, if the name is longer than that. */
function trimSuffixAndDelimiter(name: string, suffix: string): string {
  return name.endsWith(suffix) && name.length > suffix.length + 1
    ? name.slice(0, name.length - suffix.length - 1)
    : name;
}

function utf8WithSuffixes(name: string, unit: string, type: NamingType): string {
  let out = name;
  const ratio = unit === '1' && type === 'gauge';
  const total = type === 'monotonic';
  if (ratio) out = trimSuffixAndDelimiter(out, 'ratio');
  if (total) out = trimSuffixAndDelimiter(out, 'total');
  const [main, per] = unitSuffixes(unit);
  if (per !== '') out = trimSuffixAndDelimiter(out, per);
  if (main !== '' && !out.endsWith(main)) out = `${out}_${main}`;
  if (per !== '') out = `${out}_${per}`;
  if (total) out += '_total';
  if (ratio) out += '_ratio';
  return out;
}

export interface LabelNameRules {
  readonly escape: boolean;
  readonly preserveMultipleUnderscores: boolean;
  readonly underscoreSanitization: boolean;
}

/**
 * The Prometheus label name for an attribute key (§4.4), or null when the key cannot be a label
 * name (empty, or only underscores after escaping): the caller rejects the data point.
 */
export function labelName(key: string, rules: LabelNameRules): string | null {
  if (key === '') return null;
  if (!rules.escape) return /^_+$/.test(key) ? null : key;
  let out: string;
  if (rules.preserveMultipleUnderscores) {
    out = '';
    for (const ch of key) out += isAlnum(ch.codePointAt(0) ?? 0) ? ch : '_';
  } else {
    // Runs of bad characters become one `_`; a reserved-looking `__x__` keeps its wrapping.
    const wrapped = key.length >= 4 && key.startsWith('__') && key.endsWith('__');
    out = '';
    let previousUnderscore = false;
    for (const ch of wrapped ? key.slice(2, -2) : key) {
      if (isAlnum(ch.codePointAt(0) ?? 0)) {
        out += ch;
        previousUnderscore = false;
      } else if (!previousUnderscore) {
        out += '_';
        previousUnderscore = true;
      }
    }
    if (wrapped) out = `__${out}__`;
  }
  if (isDigit(out.charCodeAt(0))) out = `key_${out}`;
  if (rules.underscoreSanitization && out.startsWith('_') && !out.startsWith('__')) out = `key${out}`;
  if (/^_+$/.test(out)) return null;
  return out;
}

/**
 * Formats a float as Go's `strconv.FormatFloat(v, 'f', -1, 64)`: the shortest decimal that reads
 * back as `v`, never in exponent form (`le` and `quantile` label values). ±Inf → `+Inf`/`-Inf`.
 */
export function formatFloatPlain(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Shortest digits with exponent, e.g. "1.5e-7" or "1e+21": shift the decimal point by hand.
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent; // digits before the decimal point
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}
