import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadDataError, CanceledError, ExecutionError, Labels, QueryTimeoutError } from '../../model/index.ts';
import { MemoryStorage } from '../../storage/index.ts';
import { parseExpr } from '../parser/index.ts';
import { Engine } from './engine.ts';
import type { QueryResult, Sample, SeriesPoints } from './value.ts';

const MIN = 60_000;

/** Counters x{job, instance} rising by `rate`/s, sampled every minute for 30 minutes. */
function storage(): MemoryStorage {
  const s = new MemoryStorage();
  const series: Array<[Record<string, string>, number]> = [
    [{ __name__: 'x_total', job: 'api', instance: 'a' }, 1],
    [{ __name__: 'x_total', job: 'api', instance: 'b' }, 2],
    [{ __name__: 'x_total', job: 'db', instance: 'c' }, 4],
  ];
  for (const [labels, perSecond] of series) {
    const l = Labels.fromObject(labels);
    for (let i = 0; i <= 30; i++) s.add(l, i * MIN, i * 60 * perSecond);
  }
  s.add(Labels.fromObject({ __name__: 'g', instance: 'a' }), 0, 7);
  return s;
}

function vector(r: QueryResult): readonly Sample[] {
  assert.equal(r.value.type, 'vector');
  return r.value.type === 'vector' ? r.value.vector : [];
}

function matrix(r: QueryResult): readonly SeriesPoints[] {
  assert.equal(r.value.type, 'matrix');
  return r.value.type === 'matrix' ? r.value.matrix : [];
}

test('instant query: sum by (job) (rate(...)) over a counter', async () => {
  const r = await new Engine().instantQuery(storage(), 'sum by (job) (rate(x_total[5m]))', 20 * MIN);
  const got = vector(r).map((s) => [s.labels.toString(), s.v, s.t]);
  assert.deepEqual(got, [
    ['{job="api"}', 3, 20 * MIN],
    ['{job="db"}', 4, 20 * MIN],
  ]);
  assert.deepEqual(r.annotations, { warnings: [], infos: [] });
});

test('instant query accepts a parsed expression as well as text', async () => {
  const e = new Engine();
  const a = await e.instantQuery(storage(), parseExpr('x_total{instance="b"} * 2'), 10 * MIN);
  assert.deepEqual(
    vector(a).map((s) => [s.labels.toString(), s.v]),
    [['{instance="b", job="api"}', 2400]],
  );
});

test('range query: one point per step, series sorted by labels, scalars as a {} series', async () => {
  const r = await new Engine().rangeQuery(storage(), 'rate(x_total[5m])', 10 * MIN, 12 * MIN, MIN);
  const m = matrix(r);
  assert.deepEqual(
    m.map((s) => s.labels.toString()),
    ['{instance="a", job="api"}', '{instance="b", job="api"}', '{instance="c", job="db"}'],
  );
  assert.deepEqual(Array.from(m[2]!.floatTimes), [10 * MIN, 11 * MIN, 12 * MIN]);
  assert.deepEqual(Array.from(m[2]!.floatValues), [4, 4, 4]);
  const s = matrix(await new Engine().rangeQuery(storage(), '1 + 1', 0, 2 * MIN, MIN));
  assert.equal(s.length, 1);
  assert.deepEqual(Array.from(s[0]!.floatValues), [2, 2, 2]);
});

test('range query over a range vector or with a bad step is a BadDataError', async () => {
  const e = new Engine();
  await assert.rejects(e.rangeQuery(storage(), 'x_total[5m]', 0, MIN, MIN), (err: Error) => {
    assert.ok(err instanceof BadDataError);
    assert.match(err.message, /invalid expression type "range vector" for range query/);
    return true;
  });
  await assert.rejects(e.rangeQuery(storage(), 'x_total', 0, MIN, 0), BadDataError);
  await assert.rejects(e.instantQuery(storage(), 'sum(', 0), BadDataError);
});

test('lookback delta: the default 5m, and a per-query override', async () => {
  const e = new Engine();
  assert.equal(vector(await e.instantQuery(storage(), 'g', 4 * MIN)).length, 1);
  assert.equal(vector(await e.instantQuery(storage(), 'g', 6 * MIN)).length, 0);
  assert.equal(vector(await e.instantQuery(storage(), 'g', 4 * MIN, { lookbackDelta: MIN })).length, 0);
  assert.equal(
    vector(await new Engine({ lookbackDelta: 10 * MIN }).instantQuery(storage(), 'g', 6 * MIN)).length,
    1,
  );
});

test('a stale marker ends a series at once', async () => {
  const s = storage();
  s.add(Labels.fromObject({ __name__: 'g', instance: 'a' }), MIN, 'stale');
  assert.equal(vector(await new Engine().instantQuery(s, 'g', 30_000)).length, 1);
  assert.equal(vector(await new Engine().instantQuery(s, 'g', 2 * MIN)).length, 0);
});

test('delayed name removal is off by default and can be switched on', async () => {
  const q = 'label_replace(g * 1, "n", "$1", "__name__", "(.*)")';
  const off = vector(await new Engine().instantQuery(storage(), q, 0));
  assert.equal(off[0]!.labels.toString(), '{instance="a"}');
  const on = vector(await new Engine({ delayedNameRemoval: true }).instantQuery(storage(), q, 0));
  assert.equal(on[0]!.labels.toString(), '{instance="a", n="g"}');
});

test('annotations carry Prometheus texts and (line:col) positions', async () => {
  const s = storage();
  s.add(Labels.fromObject({ __name__: 'requests', job: 'api' }), 0, 1);
  s.add(Labels.fromObject({ __name__: 'requests', job: 'api' }), MIN, 2);
  const r = await new Engine().instantQuery(s, 'sum(\n  rate(requests[5m]))', MIN);
  assert.deepEqual(r.annotations.infos, [
    'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "requests" (2:8)',
  ]);
});

test('limits: too many samples, a timeout and cancellation raise the model errors', async () => {
  const e = new Engine();
  await assert.rejects(
    e.instantQuery(storage(), 'x_total[30m]', 30 * MIN, { maxSamples: 10 }),
    (err: Error) => {
      assert.ok(err instanceof ExecutionError);
      assert.equal(
        err.message,
        'query processing would load too many samples into memory in query execution',
      );
      return true;
    },
  );
  await assert.rejects(e.instantQuery(storage(), 'x_total', 0, { timeout: -1 }), QueryTimeoutError);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(e.instantQuery(storage(), 'x_total', 0, { signal: ac.signal }), CanceledError);
});

test('runtime errors are ExecutionErrors with Prometheus texts', async () => {
  const s = storage();
  s.add(Labels.fromObject({ __name__: 'y', job: 'api', instance: 'a' }), 0, 1);
  s.add(Labels.fromObject({ __name__: 'y', job: 'api', instance: 'b' }), 0, 1);
  await assert.rejects(new Engine().instantQuery(s, 'g + on(job) y', 0), (err: Error) => {
    assert.ok(err instanceof ExecutionError);
    assert.match(
      err.message,
      /^found duplicate series for the match group \{job="api"\} on the right hand-side/,
    );
    return true;
  });
});
