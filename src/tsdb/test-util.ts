import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

import { Labels, Matcher, SampleBatch, SampleFlag, type FloatHistogram } from '../model/index.ts';
import { ValueKind, type AppendOptions, type Querier } from '../storage/index.ts';

/** Helpers shared by the engine's tests (not part of the public face). */

export const OPTS: AppendOptions = {
  now: 2_000_000_000_000,
  maxFutureMs: 600_000,
  outOfOrderWindowMs: 600_000,
  maxSeries: 0,
  maxSeriesPerMetric: 0,
};

/** A float, a float stale marker, a native histogram, or a histogram stale marker. */
export type TestSample = {
  labels: Record<string, string>;
  t: number;
  v: number | 'stale' | FloatHistogram | 'stale-hist';
};

/** Builds a batch (labels written into the batch's own buffer). */
export function batchOf(samples: readonly TestSample[], batch = new SampleBatch()): SampleBatch {
  batch.resetOwned();
  const ids = new Map<string, number>();
  for (const s of samples) {
    const key = JSON.stringify(s.labels);
    let id = ids.get(key);
    if (id === undefined) {
      for (const [n, v] of Object.entries(s.labels)) batch.addLabelText(n, v);
      id = batch.endSeries();
      ids.set(key, id);
    }
    if (typeof s.v === 'object') batch.histograms.push({ series: id, t: s.t, h: s.v });
    else if (s.v === 'stale-hist') batch.histograms.push({ series: id, t: s.t, h: null });
    else batch.addSample(id, s.t, s.v === 'stale' ? NaN : s.v, s.v === 'stale' ? SampleFlag.Stale : 0);
  }
  return batch;
}

/** Deterministic numbers in [0, 1) for test data (xorshift32). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export function tempDir(prefix = 'tsdb-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For a test file: `const dir = tempDirs();` at top level, then `dir()` makes a temporary
 * directory; all are removed after the file's tests.
 */
export function tempDirs(prefix?: string): () => string {
  const cleanups: Array<() => void> = [];
  after(() => cleanups.forEach((c) => c()));
  return () => {
    const d = tempDir(prefix);
    cleanups.push(d.cleanup);
    return d.dir;
  };
}

export type Dump = Record<string, Array<[number, number | 'stale' | FloatHistogram]>>;

/** Reads every series matching `matchers` in [mint, maxt] as plain data. */
export async function dump(
  q: Querier,
  matchers: Matcher[] = [new Matcher('=~', '__name__', '.+')],
  mint = -Infinity,
  maxt = Infinity,
): Promise<Dump> {
  const out: Dump = {};
  const signal = new AbortController().signal;
  for (const s of await q.select(matchers, { start: mint, end: maxt }, signal)) {
    const it = s.iterator();
    const rows: Array<[number, number | 'stale' | FloatHistogram]> = [];
    for (let k = it.next(), guard = 0; k !== ValueKind.None && guard < 10_000_000; k = it.next(), guard++) {
      rows.push([
        it.t,
        k === ValueKind.Stale ? 'stale' : k === ValueKind.Histogram ? { ...(it.h as FloatHistogram) } : it.v,
      ]);
    }
    out[s.labels.toString()] = rows;
  }
  q.close();
  return out;
}

export function labels(o: Record<string, string>): Labels {
  return Labels.fromObject(o);
}

/** A small native histogram for tests. */
export function testHistogram(n: number): FloatHistogram {
  return {
    counterResetHint: 0,
    schema: 1,
    zeroThreshold: 0.001,
    zeroCount: n,
    count: 10 * n + 3,
    sum: n * 1.5,
    positiveSpans: [{ offset: -1, length: 2 }],
    positiveBuckets: [n, 2 * n],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: [],
  };
}
