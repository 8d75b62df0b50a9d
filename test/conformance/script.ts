import type { Labels } from '../../src/model/index.ts';
import { parseDuration } from '../../src/promql/index.ts';
import { parseNumber, parseStOffsets, parseValues, splitSeriesLine, type Slot } from './series.ts';

/**
 * The block structure of a PromQL test script (FORMAT.md §1, §3, §7, §8): `load`/`load_with_nhcb`
 * blocks, `clear`, and `eval` blocks with their expectation lines.
 */

export interface LoadSeries {
  readonly labels: Labels;
  readonly slots: readonly Slot[];
  /** Per-slot start-timestamp offsets (ms), from an `@st` line; null when absent. */
  readonly st: ReadonlyArray<number | null> | null;
}

export interface LoadCmd {
  readonly kind: 'load';
  readonly line: number;
  readonly interval: number;
  readonly nhcb: boolean;
  readonly series: readonly LoadSeries[];
}

export interface ClearCmd {
  readonly kind: 'clear';
  readonly line: number;
}

export interface ExpectAnno {
  readonly kind: 'warn' | 'info';
  readonly msg: string | null;
  readonly regex: RegExp | null;
}

export interface ExpectedSeries {
  readonly labels: Labels;
  readonly slots: readonly Slot[];
}

export interface EvalCmd {
  readonly kind: 'eval';
  readonly line: number;
  readonly expr: string;
  readonly range: boolean;
  /** Instant: `at`; range: start/end/step (ms). */
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly fail: { msg: string | null; regex: RegExp | null } | null;
  readonly annos: readonly ExpectAnno[];
  readonly noWarn: boolean;
  readonly noInfo: boolean;
  readonly ordered: boolean;
  /** `expect range vector from a to b step s` on an instant eval. */
  readonly rangeVector: { start: number; end: number; step: number } | null;
  readonly string: string | null;
  readonly scalar: number | null;
  readonly series: readonly ExpectedSeries[];
}

export type Command = LoadCmd | ClearCmd | EvalCmd;

function goUnquote(s: string): string {
  if (s.startsWith('`')) return s.slice(1, -1);
  return JSON.parse(
    s
      .replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')
      .replace(/\\a/g, '\\u0007')
      .replace(/\\v/g, '\\u000b'),
  ) as string;
}

function parseExpectMsg(rest: string): { msg: string | null; regex: RegExp | null } {
  const t = rest.trim();
  if (t.startsWith('msg:')) return { msg: t.slice(4).trim(), regex: null };
  if (t.startsWith('regex:')) return { msg: null, regex: new RegExp(t.slice(6).trim()) };
  if (t === '') return { msg: null, regex: null };
  throw new Error(`invalid expectation: ${rest}`);
}

/** Parses a whole script. Throws on malformed input (the file then counts as failed). */
export function parseScript(text: string): Command[] {
  const lines = text.split('\n').map((l) => l.trim());
  const cmds: Command[] = [];
  let i = 0;
  const blank = (l: string): boolean => l === '' || l.startsWith('#');
  while (i < lines.length) {
    const line = lines[i]!;
    if (blank(line)) {
      i++;
      continue;
    }
    const lineNo = i + 1;
    const word = line.split(/\s+/)[0]!;
    if (word === 'clear') {
      cmds.push({ kind: 'clear', line: lineNo });
      i++;
      continue;
    }
    if (word === 'load' || word === 'load_with_nhcb') {
      const interval = parseDuration(line.slice(word.length).trim());
      const series: LoadSeries[] = [];
      i++;
      let pendingSt: { labels: Labels; st: Array<number | null> } | null = null;
      while (i < lines.length && !blank(lines[i]!)) {
        const s = splitSeriesLine(lines[i]!);
        if (s.st) {
          pendingSt = { labels: s.labels, st: parseStOffsets(s.rest) };
        } else {
          const slots = parseValues(s.rest);
          let st: Array<number | null> | null = null;
          if (pendingSt !== null) {
            if (!pendingSt.labels.equals(s.labels))
              throw new Error(`line ${i + 1}: @st line for other labels`);
            if (pendingSt.st.length !== slots.length)
              throw new Error(`line ${i + 1}: @st slot count differs`);
            st = pendingSt.st;
            pendingSt = null;
          }
          // A repeated label set replaces the earlier line of the block.
          const prev = series.findIndex((x) => x.labels.equals(s.labels));
          if (prev >= 0) series.splice(prev, 1);
          series.push({ labels: s.labels, slots, st });
        }
        i++;
      }
      cmds.push({ kind: 'load', line: lineNo, interval, nhcb: word === 'load_with_nhcb', series });
      continue;
    }
    if (word.startsWith('eval')) {
      cmds.push(parseEval(lines, i, word));
      i++;
      while (i < lines.length && !blank(lines[i]!)) i++;
      continue;
    }
    throw new Error(`line ${lineNo}: unknown command ${word}`);
  }
  return cmds;
}

function parseEval(lines: string[], i: number, word: string): EvalCmd {
  const line = lines[i]!;
  const lineNo = i + 1;
  const toks = line.split(/\s+/);
  let range = false;
  let start = 0;
  let end = 0;
  let step = 0;
  let exprStart: number;
  if (toks[1] === 'instant') {
    if (toks[2] !== 'at') throw new Error(`line ${lineNo}: expected "at"`);
    start = end = parseDuration(toks[3]!);
    exprStart = 4;
  } else if (toks[1] === 'range') {
    if (toks[2] !== 'from' || toks[4] !== 'to' || toks[6] !== 'step')
      throw new Error(`line ${lineNo}: bad range eval`);
    range = true;
    start = parseDuration(toks[3]!);
    end = parseDuration(toks[5]!);
    step = parseDuration(toks[7]!);
    exprStart = 8;
  } else {
    throw new Error(`line ${lineNo}: bad eval header`);
  }
  // The expression is the rest of the line after the header tokens.
  let pos = 0;
  for (let t = 0; t < exprStart; t++) {
    pos = line.indexOf(toks[t]!, pos) + toks[t]!.length;
  }
  const expr = line.slice(pos).trim();
  let fail: { msg: string | null; regex: RegExp | null } | null =
    word === 'eval_fail' ? { msg: null, regex: null } : null;
  const annos: ExpectAnno[] = [];
  let noWarn = false;
  let noInfo = false;
  let ordered = word === 'eval_ordered';
  let rangeVector: { start: number; end: number; step: number } | null = null;
  let str: string | null = null;
  let scalar: number | null = null;
  const series: ExpectedSeries[] = [];
  if (word === 'eval_warn') annos.push({ kind: 'warn', msg: null, regex: null });
  if (word === 'eval_info') annos.push({ kind: 'info', msg: null, regex: null });
  for (let j = i + 1; j < lines.length; j++) {
    const l = lines[j]!;
    if (l === '' || l.startsWith('#')) break;
    const w = l.split(/\s+/);
    if (w[0] === 'expect') {
      const kind = w[1];
      const rest = l.slice(l.indexOf(kind!) + kind!.length);
      switch (kind) {
        case 'fail':
          fail = parseExpectMsg(rest);
          break;
        case 'warn':
        case 'info':
          annos.push({ kind, ...parseExpectMsg(rest) });
          break;
        case 'no_warn':
          noWarn = true;
          break;
        case 'no_info':
          noInfo = true;
          break;
        case 'ordered':
          ordered = true;
          break;
        case 'range':
          // expect range vector from a to b step s
          rangeVector = {
            start: parseDuration(w[4]!),
            end: parseDuration(w[6]!),
            step: parseDuration(w[8]!),
          };
          break;
        case 'string':
          str = goUnquote(rest.trim());
          break;
        default:
          throw new Error(`line ${j + 1}: unknown expectation ${kind}`);
      }
      continue;
    }
    if (w[0] === 'expected_fail_message') {
      fail = { msg: l.slice(w[0].length).trim(), regex: null };
      break;
    }
    if (w[0] === 'expected_fail_regexp') {
      fail = { msg: null, regex: new RegExp(l.slice(w[0].length).trim()) };
      break;
    }
    if (/^[+-]?([0-9.]|0x|inf|nan)/i.test(l) && !/[{\s]/.test(l)) {
      scalar = /^[+-]?0x/i.test(l) ? Number(l) : parseNumber(l);
      break;
    }
    const s = splitSeriesLine(l);
    series.push({ labels: s.labels, slots: parseValues(s.rest) });
  }
  if (rangeVector !== null) start = end = rangeVector.end;
  return {
    kind: 'eval',
    line: lineNo,
    expr,
    range,
    start,
    end,
    step,
    fail,
    annos,
    noWarn,
    noInfo,
    ordered,
    rangeVector,
    string: str,
    scalar,
    series,
  };
}
