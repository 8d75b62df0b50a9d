import {
  CounterResetHint,
  CUSTOM_BUCKETS_SCHEMA,
  Labels,
  type FloatHistogram,
} from '../../src/model/index.ts';
import { parseDuration, parseMetricSelector } from '../../src/promql/index.ts';
import { addInPlace, copyHistogram } from '../../src/promql/engine/histogram.ts';

/**
 * The series notation of the PromQL test scripts (FORMAT.md §3–6): label sets, value sequences
 * (`1+2x3`, `_x4`, `stale`), native-histogram literals `{{…}}` and start-timestamp sequences.
 */

/** One slot of an expanded sequence. */
export type Slot =
  | { readonly kind: 'empty' }
  | { readonly kind: 'stale' }
  | { readonly kind: 'float'; readonly v: number }
  | { readonly kind: 'hist'; readonly h: FloatHistogram; readonly checkHint: boolean };

/** Splits `labels rest` at the end of the label set; `st` when the token ends in `@st`. */
export function splitSeriesLine(line: string): { labels: Labels; rest: string; st: boolean } {
  let i = 0;
  const n = line.length;
  while (i < n && /[A-Za-z0-9_:]/.test(line[i]!)) i++;
  if (i < n && line[i] === '{' && line[i + 1] !== '{') {
    let inStr: string | null = null;
    for (i++; i < n; i++) {
      const c = line[i]!;
      if (inStr !== null) {
        if (c === '\\' && inStr !== '`') i++;
        else if (c === inStr) inStr = null;
      } else if (c === '"' || c === "'" || c === '`') inStr = c;
      else if (c === '}') {
        i++;
        break;
      }
    }
  }
  let sel = line.slice(0, i);
  let rest = line.slice(i);
  let st = false;
  if (rest.startsWith('@st')) {
    st = true;
    rest = rest.slice(3);
  }
  if (sel === '') throw new Error(`no label set in series line: ${line}`);
  if (sel.endsWith('{}')) sel = sel === '{}' ? '' : sel.slice(0, -2);
  const labels = sel === '' ? Labels.EMPTY : selectorLabels(sel);
  return { labels, rest: rest.trim(), st };
}

function selectorLabels(sel: string): Labels {
  const vs = parseMetricSelector(sel);
  const pairs: Array<[string, string]> = [];
  for (const m of vs.matchers) {
    if (m.type !== '=') throw new Error(`label set with a non-equality matcher: ${sel}`);
    pairs.push([m.name, m.value]);
  }
  return Labels.from(pairs);
}

/** Splits a value sequence into items, keeping `{{ … }}` (with its spaces) together. */
export function tokenizeItems(s: string): string[] {
  const items: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let j = i;
    let depth = 0;
    while (j < s.length) {
      if (s.startsWith('{{', j)) {
        depth++;
        j += 2;
        continue;
      }
      if (s.startsWith('}}', j) && depth > 0) {
        depth--;
        j += 2;
        continue;
      }
      if (depth === 0 && /\s/.test(s[j]!)) break;
      j++;
    }
    items.push(s.slice(i, j));
    i = j;
  }
  return items;
}

const NUM = String.raw`[+-]?(?:[iI][nN][fF]|[nN][aA][nN]|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)`;
const RE_SEQ = new RegExp(`^(${NUM})(?:([+-])(${NUM}))?(?:x(\\d+))?$`);

export function parseNumber(s: string): number {
  const t = s.replace(/^\+/, '');
  if (/^-?inf$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^-?nan$/i.test(t)) return NaN;
  if (!new RegExp(`^${NUM}$`).test(s)) throw new Error(`not a number: ${s}`);
  return Number(t);
}

/** Expands a value sequence (FORMAT.md §4). */
export function parseValues(s: string): Slot[] {
  const out: Slot[] = [];
  for (const item of tokenizeItems(s)) {
    if (item === '_') {
      out.push({ kind: 'empty' });
      continue;
    }
    let m = /^_x(\d+)$/.exec(item);
    if (m !== null) {
      for (let k = 0; k < Number(m[1]); k++) out.push({ kind: 'empty' });
      continue;
    }
    if (item === 'stale') {
      out.push({ kind: 'stale' });
      continue;
    }
    if (item.startsWith('{{')) {
      out.push(...parseHistogramItem(item));
      continue;
    }
    m = RE_SEQ.exec(item);
    if (m === null) throw new Error(`invalid value item: ${item}`);
    const a = parseNumber(m[1]!);
    if (m[4] === undefined) {
      if (m[2] !== undefined) throw new Error(`invalid value item: ${item}`);
      out.push({ kind: 'float', v: a });
      continue;
    }
    const times = Number(m[4]);
    const d = m[2] === undefined ? 0 : (m[2] === '-' ? -1 : 1) * parseNumber(m[3]!);
    let cur = a;
    out.push({ kind: 'float', v: cur });
    for (let k = 0; k < times; k++) {
      cur = m[2] === undefined ? a : cur + d;
      out.push({ kind: 'float', v: cur });
    }
  }
  return out;
}

function parseHistogramItem(item: string): Slot[] {
  const end = item.indexOf('}}');
  const first = parseHistogram(item.slice(2, end));
  let rest = item.slice(end + 2);
  if (rest === '') return [{ kind: 'hist', h: first.h, checkHint: first.checkHint }];
  let m = /^x(\d+)$/.exec(rest);
  if (m !== null) {
    const out: Slot[] = [];
    for (let k = 0; k <= Number(m[1]); k++)
      out.push({ kind: 'hist', h: copyHistogram(first.h), checkHint: first.checkHint });
    return out;
  }
  const sign = rest[0];
  if ((sign !== '+' && sign !== '-') || !rest.startsWith('{{', 1))
    throw new Error(`invalid histogram item: ${item}`);
  rest = rest.slice(3);
  const end2 = rest.indexOf('}}');
  const delta = parseHistogram(rest.slice(0, end2));
  m = /^x(\d+)$/.exec(rest.slice(end2 + 2));
  if (m === null) throw new Error(`invalid histogram item: ${item}`);
  const out: Slot[] = [];
  let cur = copyHistogram(first.h);
  out.push({ kind: 'hist', h: copyHistogram(cur), checkHint: delta.checkHint });
  for (let k = 0; k < Number(m[1]); k++) {
    cur = copyHistogram(cur);
    addInPlace(cur, delta.h, sign === '-');
    out.push({ kind: 'hist', h: copyHistogram(cur), checkHint: delta.checkHint });
  }
  return out;
}

/** Parses the inside of `{{ … }}`. */
export function parseHistogram(body: string): { h: FloatHistogram; checkHint: boolean } {
  const h: FloatHistogram = {
    counterResetHint: CounterResetHint.Unknown,
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 0,
    sum: 0,
    positiveSpans: [],
    positiveBuckets: [],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: [],
  };
  let checkHint = false;
  let offset = 0;
  let nOffset = 0;
  const re = /([A-Za-z_]+):\s*(\[[^\]]*\]|\S+)/g;
  let m: RegExpExecArray | null;
  const seen = new Set<string>();
  while ((m = re.exec(body)) !== null) {
    const key = m[1]!.toLowerCase();
    if (seen.has(key)) throw new Error(`duplicate histogram field ${key}`);
    seen.add(key);
    const val = m[2]!;
    const list = (): number[] =>
      val
        .slice(1, -1)
        .trim()
        .split(/\s+/)
        .filter((x) => x !== '')
        .map(parseNumber);
    switch (key) {
      case 'schema':
        h.schema = Number(val);
        break;
      case 'sum':
        h.sum = parseNumber(val);
        break;
      case 'count':
        h.count = parseNumber(val);
        break;
      case 'z_bucket':
        h.zeroCount = parseNumber(val);
        break;
      case 'z_bucket_w':
        h.zeroThreshold = parseNumber(val);
        break;
      case 'buckets':
        h.positiveBuckets = list();
        break;
      case 'offset':
        offset = Number(val);
        break;
      case 'n_buckets':
        h.negativeBuckets = list();
        break;
      case 'n_offset':
        nOffset = Number(val);
        break;
      case 'custom_values':
        h.customValues = list();
        break;
      case 'counter_reset_hint':
        checkHint = true;
        h.counterResetHint =
          val === 'reset'
            ? CounterResetHint.Reset
            : val === 'not_reset'
              ? CounterResetHint.NotReset
              : val === 'gauge'
                ? CounterResetHint.Gauge
                : CounterResetHint.Unknown;
        break;
      default:
        throw new Error(`unknown histogram field ${key}`);
    }
  }
  if (h.positiveBuckets.length > 0) h.positiveSpans = [{ offset, length: h.positiveBuckets.length }];
  if (h.negativeBuckets.length > 0) h.negativeSpans = [{ offset: nOffset, length: h.negativeBuckets.length }];
  if (h.schema !== CUSTOM_BUCKETS_SCHEMA) h.customValues = [];
  return { h, checkHint };
}

/** Expands a start-timestamp sequence into per-slot offsets in ms (null = unknown). */
export function parseStOffsets(s: string): Array<number | null> {
  const out: Array<number | null> = [];
  const dur = (x: string): number => {
    const neg = x.startsWith('-');
    const v = parseDuration(x.replace(/^[+-]/, ''));
    return neg ? -v : v;
  };
  for (const item of tokenizeItems(s)) {
    if (item === '_') {
      out.push(null);
      continue;
    }
    let m = /^_x(\d+)$/.exec(item);
    if (m !== null) {
      for (let k = 0; k < Number(m[1]); k++) out.push(null);
      continue;
    }
    m = /^([+-]?[0-9a-z]+?)(?:([+-])([0-9a-z]+?))?(?:x(\d+))?$/.exec(item);
    if (m === null) throw new Error(`invalid start-timestamp item: ${item}`);
    const a = dur(m[1]!);
    if (m[4] === undefined) {
      out.push(a);
      continue;
    }
    const d = m[2] === undefined ? 0 : (m[2] === '-' ? -1 : 1) * dur(m[3]!);
    let cur = a;
    out.push(cur);
    for (let k = 0; k < Number(m[4]); k++) {
      cur += d;
      out.push(cur);
    }
  }
  return out;
}
