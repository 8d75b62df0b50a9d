import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Matcher } from '../../model/index.ts';
import { ValueKind, type FloatColumns, type Series } from '../../storage/index.ts';
import { openTsdb, type Tsdb } from '../index.ts';
import { batchOf, OPTS, rng, tempDirs, testHistogram, type TestSample } from '../test-util.ts';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (24 * HOUR));
const opts = { ...OPTS, now: T0 + 100 * HOUR };
const dir = tempDirs();

const signal = new AbortController().signal;
const all = [new Matcher('=~', '__name__', '.+')];

/** What the iterator says: floats (t, bits as a string) and stale marker times in [mint, maxt]. */
function viaIterator(
  s: Series,
  mint: number,
  maxt: number,
): { t: number[]; v: number[]; stale: number[]; hist: boolean } {
  const out = { t: [] as number[], v: [] as number[], stale: [] as number[], hist: false };
  const it = s.iterator();
  for (let k = it.seek(mint); k !== ValueKind.None && it.t <= maxt; k = it.next()) {
    if (k === ValueKind.Float) {
      out.t.push(it.t);
      out.v.push(it.v);
    } else if (k === ValueKind.Stale) out.stale.push(it.t);
    else out.hist = true;
  }
  return out;
}

function cols(): FloatColumns {
  return { t: new Float64Array(2), v: new Float64Array(2), n: 0, staleT: new Float64Array(1), ns: 0 };
}

async function compareAll(db: Tsdb, rand: () => number, label: string): Promise<number> {
  const out = cols();
  let checked = 0;
  const ranges: Array<[number, number]> = [
    [-Infinity, Infinity],
    [T0, T0 + 6 * HOUR],
  ];
  for (let i = 0; i < 30; i++) {
    const a = T0 - HOUR + rand() * 8 * HOUR;
    const len = rand() < 0.3 ? rand() * 10 * 60_000 : rand() * 4 * HOUR;
    // Whole and fractional milliseconds: query times need not be integers.
    ranges.push(rand() < 0.5 ? [Math.round(a), Math.round(a + len)] : [a, a + len]);
  }
  for (const [qmin, qmax] of ranges) {
    const q = await db.querier(qmin, qmax);
    const series = await q.select(all, { start: qmin, end: qmax }, signal);
    // select() leaves out exactly the series without samples in range (stale markers count).
    const wide = await db.querier(-Infinity, Infinity);
    const everything = await wide.select(all, { start: -Infinity, end: Infinity }, signal);
    const inRange = everything.filter((s) => {
      const it = s.iterator();
      const k = it.seek(qmin);
      return k !== ValueKind.None && it.t <= qmax;
    });
    wide.close();
    assert.deepEqual(
      series.map((s) => s.labels.toString()),
      inRange.map((s) => s.labels.toString()),
      `${label}: series selected for [${qmin}, ${qmax}]`,
    );
    for (const s of series) {
      assert.ok(s.iterator().next() !== ValueKind.None, `${label}: ${s.labels} selected without samples`);
      // The series' own range, then narrower ones inside it.
      const subs: Array<[number, number]> = [[qmin, qmax]];
      for (let k = 0; k < 3; k++) {
        const lo = Number.isFinite(qmin) ? qmin : T0 - HOUR;
        const hi = Number.isFinite(qmax) ? qmax : T0 + 7 * HOUR;
        const x = lo + rand() * (hi - lo);
        subs.push([x, x + rand() * (hi - x)]);
      }
      for (const [mint, maxt] of subs) {
        const want = viaIterator(s, mint, maxt);
        const ok = s.readFloats!(mint, maxt, out);
        if (want.hist) {
          assert.equal(ok, false, `${label}: histograms must take the iterator path`);
          continue;
        }
        assert.equal(ok, true);
        const where = `${label}: ${s.labels} [${mint}, ${maxt}]`;
        assert.deepEqual(Array.from(out.t.subarray(0, out.n)), want.t, `${where} timestamps`);
        assert.deepEqual(Array.from(out.v.subarray(0, out.n)), want.v, `${where} values`);
        assert.deepEqual(Array.from(out.staleT.subarray(0, out.ns)), want.stale, `${where} stale markers`);
        checked++;
      }
    }
    q.close();
  }
  return checked;
}

test('readFloats matches the iterator over head, blocks, overlaps, out-of-order data, stale markers and deletions', async () => {
  for (const seed of [1, 2, 3]) {
    const rand = rng(seed);
    const db = await openTsdb(dir(), {
      blockRangeMs: HOUR,
      maxBlockRangeMs: 9 * HOUR,
      maintenanceIntervalMs: 0,
      compactInWorker: false,
    });
    const samples: TestSample[] = [];
    const late: TestSample[] = [];
    for (let i = 0; i < 8; i++) {
      let c = 0;
      for (
        let t = T0 + Math.floor(rand() * 60_000);
        t < T0 + 6 * HOUR;
        t += 15_000 + Math.floor(rand() * 3) * 15_000
      ) {
        const labels = { __name__: i < 4 ? 'requests_total' : 'load', host: `h${i}` };
        const r = rand();
        c += Math.floor(rand() * 100);
        if (r < 0.01) c = 0;
        if (i === 7 && r < 0.02) samples.push({ labels, t, v: testHistogram(i) });
        else if (r < 0.02 && i % 2 === 0) samples.push({ labels, t, v: 'stale' });
        else if (r < 0.05 && t > T0 + 600_000) late.push({ labels, t: t - 7_000, v: -c });
        else samples.push({ labels, t, v: i < 4 ? c : rand() * 1e6 - 5e5 });
      }
    }
    samples.sort((a, b) => a.t - b.t);
    // In hourly slices, cutting blocks in between; late samples arrive out of order.
    for (let h = 0; h < 6; h++) {
      const slice = samples.filter((s) => s.t >= T0 + h * HOUR && s.t < T0 + (h + 1) * HOUR);
      await db.append(batchOf(slice), opts);
      await db.append(batchOf(late.filter((s) => s.t >= T0 + h * HOUR && s.t < T0 + (h + 1) * HOUR)), opts);
      await db.maintain(h === 3);
    }
    await db.deleteSeries([new Matcher('=', 'host', 'h1')], T0 + 2 * HOUR, T0 + 2.5 * HOUR);
    await db.deleteSeries([new Matcher('=', 'host', 'h5')], T0 + 5 * HOUR + 1, T0 + 5.2 * HOUR);
    assert.ok(db.blocks.list.length >= 1, 'some data is in blocks');
    const checked = await compareAll(db, rand, `seed ${seed}`);
    assert.ok(checked > 100, `compared ${checked} reads`);
    await db.close();
  }
});
