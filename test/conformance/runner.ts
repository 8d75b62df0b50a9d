import {
  CounterResetHint,
  CUSTOM_BUCKETS_SCHEMA,
  Labels,
  type FloatHistogram,
} from '../../src/model/index.ts';
import { MemoryStorage, type Queryable } from '../../src/storage/index.ts';
import { Engine, exprToString, parseExpr, type Expr, type QueryResult } from '../../src/promql/index.ts';
import { compareAnnotations, compareRangeAt, compareValue } from './compare.ts';
import { copyHistogram, detectReset } from '../../src/promql/engine/histogram.ts';
import { parseScript, type EvalCmd, type LoadCmd } from './script.ts';

/**
 * Runs one PromQL test script against our engine over MemoryStorage, with the Go runner's
 * settings (FORMAT.md §11) and its extra invariants (§10): range-mode consistency and `@`-pinning.
 */

export interface EvalOutcome {
  readonly line: number;
  readonly expr: string;
  /** null when the eval passed. */
  readonly error: string | null;
}

export interface FileOutcome {
  readonly evals: EvalOutcome[];
  /** Set when the script could not be parsed or a load failed (remaining evals not run). */
  readonly fatal: string | null;
}

/** The engine configured like the upstream test engine. */
export function conformanceEngine(): Engine {
  return new Engine({
    lookbackDelta: 5 * 60_000,
    maxSamples: 10_000,
    timeout: 100_000,
    delayedNameRemoval: true,
    enableStartTimestamps: true,
    defaultSubqueryStep: 60_000,
  });
}

/**
 * `wrap` (optional) puts a layer between the engine and the storage, such as one offering
 * Series.readFloats (see columnar.ts), so the same vectors test the engine's other read paths.
 */
export async function runScript(
  text: string,
  engine: Engine = conformanceEngine(),
  wrap?: (q: Queryable) => Queryable,
): Promise<FileOutcome> {
  const evals: EvalOutcome[] = [];
  let cmds;
  try {
    cmds = parseScript(text);
  } catch (err) {
    return { evals, fatal: `script: ${(err as Error).message}` };
  }
  const storage = new MemoryStorage();
  const queryable = wrap === undefined ? storage : wrap(storage);
  for (const cmd of cmds) {
    if (cmd.kind === 'clear') {
      storage.clear();
      continue;
    }
    if (cmd.kind === 'load') {
      try {
        load(storage, cmd);
      } catch (err) {
        return { evals, fatal: `load at line ${cmd.line}: ${(err as Error).message}` };
      }
      continue;
    }
    let error: string | null;
    try {
      error = await runEval(engine, queryable, cmd);
    } catch (err) {
      error = `runner: ${(err as Error).stack ?? String(err)}`;
    }
    evals.push({ line: cmd.line, expr: cmd.expr, error });
  }
  return { evals, fatal: null };
}

function load(storage: MemoryStorage, cmd: LoadCmd): void {
  for (const s of cmd.series) {
    let prev: FloatHistogram | null = null;
    s.slots.forEach((slot, i) => {
      const t = i * cmd.interval;
      const off = s.st?.[i];
      const st = off === undefined || off === null ? NaN : t + off;
      if (slot.kind === 'float') storage.add(s.labels, t, slot.v, st);
      else if (slot.kind === 'stale') storage.add(s.labels, t, 'stale', st);
      else if (slot.kind === 'hist') {
        const h = tsdbHint(slot.h, prev);
        storage.add(s.labels, t, h, st);
        prev = h;
        return;
      }
      if (slot.kind !== 'empty') prev = null;
    });
  }
  if (cmd.nhcb) for (const [labels, t, h] of deriveNhcb(cmd)) storage.add(labels, t, h);
}

/**
 * The counter-reset hint a histogram reads back with from Prometheus's TSDB, which the vectors
 * expect: gauges stay gauges; a sample that follows a histogram of the same chunk is
 * NotCounterReset; the first sample of a chunk reads back as unknown, whatever its chunk header
 * says (prometheus/prometheus#15346: a reset is never reported). A chunk starts at the first sample
 * of a series (or after a float or stale marker), after a gauge, at a detected or explicit reset,
 * and when the schema, zero threshold or custom bounds change.
 */
function tsdbHint(h: FloatHistogram, prev: FloatHistogram | null): FloatHistogram {
  if (h.counterResetHint === CounterResetHint.Gauge) return h;
  const c = copyHistogram(h);
  const newChunk =
    prev === null ||
    prev.counterResetHint === CounterResetHint.Gauge ||
    h.counterResetHint === CounterResetHint.Reset ||
    h.schema !== prev.schema ||
    h.zeroThreshold !== prev.zeroThreshold ||
    !sameBounds(h.customValues, prev.customValues) ||
    detectReset(withHint(h, CounterResetHint.Unknown), prev);
  c.counterResetHint = newChunk ? CounterResetHint.Unknown : CounterResetHint.NotReset;
  return c;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function withHint(h: FloatHistogram, hint: CounterResetHint): FloatHistogram {
  return { ...h, counterResetHint: hint };
}

/** FORMAT.md §3: native histograms with custom buckets derived from the block's classic series. */
function deriveNhcb(cmd: LoadCmd): Array<[Labels, number, FloatHistogram]> {
  interface Acc {
    labels: Labels;
    buckets: Map<number, number>;
    count: number | null;
    sum: number;
  }
  const groups = new Map<string, Map<number, Acc>>();
  for (const s of cmd.series) {
    const name = s.labels.metricName();
    const m = /^(.*)_(bucket|count|sum)$/.exec(name);
    if (m === null) continue;
    const base = s.labels.with('__name__', m[1]!).without(['le']);
    const key = base.key();
    let byT = groups.get(key);
    if (byT === undefined) groups.set(key, (byT = new Map()));
    let le = NaN;
    if (m[2] === 'bucket') {
      const raw = s.labels.get('le');
      le = /^\+?inf$/i.test(raw) ? Infinity : raw === '' ? NaN : Number(raw);
      if (Number.isNaN(le)) continue;
    }
    s.slots.forEach((slot, i) => {
      if (slot.kind !== 'float') return;
      const t = i * cmd.interval;
      let acc = byT!.get(t);
      if (acc === undefined) byT!.set(t, (acc = { labels: base, buckets: new Map(), count: null, sum: 0 }));
      if (m[2] === 'bucket') {
        if (!acc.buckets.has(le)) acc.buckets.set(le, slot.v);
      } else if (m[2] === 'count') acc.count = slot.v;
      else acc.sum = slot.v;
    });
  }
  const out: Array<[Labels, number, FloatHistogram]> = [];
  for (const byT of groups.values()) {
    for (const [t, acc] of byT) {
      const bounds = [...acc.buckets.keys()].sort((a, b) => a - b);
      let total = acc.count;
      if (total === null) total = bounds.length > 0 ? acc.buckets.get(bounds[bounds.length - 1]!)! : 0;
      if (bounds.length === 0 || bounds[bounds.length - 1] !== Infinity) {
        bounds.push(Infinity);
        acc.buckets.set(Infinity, total);
      }
      const counts: number[] = [];
      let prev = 0;
      for (const b of bounds) {
        const c = acc.buckets.get(b)!;
        if (c < prev || c < 0)
          throw new Error(`classic histogram ${acc.labels} at ${t}: counts decrease or are negative`);
        counts.push(c - prev);
        prev = c;
      }
      if (prev !== total)
        throw new Error(
          `classic histogram ${acc.labels} at ${t}: count ${total} differs from +Inf bucket ${prev}`,
        );
      out.push([
        acc.labels,
        t,
        {
          counterResetHint: CounterResetHint.Unknown,
          schema: CUSTOM_BUCKETS_SCHEMA,
          zeroThreshold: 0,
          zeroCount: 0,
          count: total,
          sum: acc.sum,
          positiveSpans: [{ offset: 0, length: counts.length }],
          positiveBuckets: counts,
          negativeSpans: [],
          negativeBuckets: [],
          customValues: bounds.slice(0, -1),
        },
      ]);
    }
  }
  return out;
}

const TIME_DEPENDENT = new Set([
  'time',
  'timestamp',
  'predict_linear',
  'minute',
  'hour',
  'day_of_week',
  'day_of_month',
  'day_of_year',
  'days_in_month',
  'month',
  'year',
  'start',
  'end',
  'range',
  'step',
]);

async function query(
  engine: Engine,
  storage: Queryable,
  q: string,
  start: number,
  end: number,
  step: number,
): Promise<{ res: QueryResult | null; err: Error | null }> {
  try {
    const res =
      step > 0
        ? await engine.rangeQuery(storage, q, start, end, step)
        : await engine.instantQuery(storage, q, start);
    return { res, err: null };
  } catch (err) {
    return { res: null, err: err as Error };
  }
}

/** Checks one run against the eval's expectations (failure, value, annotations). */
function check(cmd: EvalCmd, out: { res: QueryResult | null; err: Error | null }): string | null {
  if (cmd.fail !== null) {
    if (out.err === null) return 'expected the query to fail, it succeeded';
    const msg = out.err.message;
    if (cmd.fail.msg !== null && msg !== cmd.fail.msg)
      return `error ${JSON.stringify(msg)}, want ${JSON.stringify(cmd.fail.msg)}`;
    if (cmd.fail.regex !== null && !cmd.fail.regex.test(msg))
      return `error ${JSON.stringify(msg)} does not match ${cmd.fail.regex}`;
    return null;
  }
  if (out.err !== null) return `unexpected error: ${out.err.message}`;
  const res = out.res as QueryResult;
  return compareValue(cmd, res) ?? compareAnnotations(cmd, res);
}

async function rangeModeCheck(
  engine: Engine,
  storage: Queryable,
  cmd: EvalCmd,
  q: string,
  t: number,
): Promise<string | null> {
  const out = await query(engine, storage, q, t - 60_000, t + 60_000, 60_000);
  if (out.err !== null) return `range-mode query failed: ${out.err.message}`;
  return compareRangeAt(cmd, out.res as QueryResult, t);
}

async function runEval(engine: Engine, storage: Queryable, cmd: EvalCmd): Promise<string | null> {
  if (cmd.range) {
    return check(cmd, await query(engine, storage, cmd.expr, cmd.start, cmd.end, cmd.step));
  }
  const t = cmd.start;
  const first = check(cmd, await query(engine, storage, cmd.expr, t, t, 0));
  if (first !== null) return first;
  const rangeModeApplies =
    cmd.fail === null &&
    !cmd.ordered &&
    cmd.string === null &&
    cmd.rangeVector === null &&
    !/\b(start|end|range|step)\(\)/.test(cmd.expr);
  if (rangeModeApplies) {
    const r = await rangeModeCheck(engine, storage, cmd, cmd.expr, t);
    if (r !== null) return r;
  }
  // @-pinning invariance.
  let expr: Expr;
  try {
    expr = parseExpr(cmd.expr);
  } catch {
    return null;
  }
  if (callsTimeDependent(expr)) return null;
  const pinned = restoreByteEscapes(cmd.expr, exprToString(pin(expr, t)));
  const times = t !== 0 ? [-10 * t, 0, Math.trunc(t / 5), t, 10 * t] : [-1000, 0, 1000];
  for (const at of times) {
    const r = check(cmd, await query(engine, storage, pinned, at, at, 0));
    if (r !== null) return `@-pinned ${pinned} at ${at}ms: ${r}`;
    if (rangeModeApplies) {
      const rm = await rangeModeCheck(engine, storage, cmd, pinned, at);
      if (rm !== null) return `@-pinned ${pinned} at ${at}ms: ${rm}`;
    }
  }
  return null;
}

/**
 * Go strings hold raw bytes, so Go's printer writes an invalid UTF-8 byte back as `\xc5`; ours
 * only has U+FFFD for it and prints `\ufffd` (documented in src/promql/parser/README.md). Put the
 * string literals as written back in place of the printed ones that contain U+FFFD, in order, so
 * the pinned run sees the same bytes (and error texts) as the original.
 */
function restoreByteEscapes(original: string, printed: string): string {
  const literal = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
  const written = (original.match(literal) ?? []).filter((l) => /\\x[89a-fA-F]/.test(l));
  if (written.length === 0) return printed;
  let k = 0;
  return printed.replace(literal, (l) => (l.includes('\\ufffd') && k < written.length ? written[k++]! : l));
}

function callsTimeDependent(e: Expr): boolean {
  switch (e.type) {
    case 'call':
      return TIME_DEPENDENT.has(e.func.name) || e.args.some(callsTimeDependent);
    case 'aggregate':
      return callsTimeDependent(e.expr) || (e.param !== null && callsTimeDependent(e.param));
    case 'binary':
      return callsTimeDependent(e.lhs) || callsTimeDependent(e.rhs);
    case 'paren':
    case 'unary':
    case 'subquery':
    case 'stepInvariant':
      return callsTimeDependent(e.expr);
    default:
      return false;
  }
}

/** Adds `@ t` to every selector and subquery that has none (not inside a pinned subquery). */
function pin(e: Expr, t: number): Expr {
  switch (e.type) {
    case 'vectorSelector':
      return e.timestamp !== null || e.startOrEnd !== null ? e : { ...e, timestamp: t };
    case 'matrixSelector': {
      const vs = e.vectorSelector;
      if (vs.timestamp !== null || vs.startOrEnd !== null) return e;
      return { ...e, vectorSelector: { ...vs, timestamp: t } };
    }
    case 'subquery':
      return e.timestamp !== null || e.startOrEnd !== null ? e : { ...e, timestamp: t };
    case 'call':
      return { ...e, args: e.args.map((a) => pin(a, t)) };
    case 'aggregate':
      return { ...e, expr: pin(e.expr, t), param: e.param === null ? null : pin(e.param, t) };
    case 'binary':
      return { ...e, lhs: pin(e.lhs, t), rhs: pin(e.rhs, t) };
    case 'paren':
    case 'unary':
    case 'stepInvariant':
      return { ...e, expr: pin(e.expr, t) };
    default:
      return e;
  }
}

export { Labels };
