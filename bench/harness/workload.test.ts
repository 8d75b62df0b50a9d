import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { uncompressSync } from 'snappy';
import { buildCatalogue, seriesPerTarget } from './catalogue.ts';
import { generateWorkload, type WorkloadParams } from './workload.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-workload-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const params: WorkloadParams = {
  targets: 7,
  families: 9,
  intervalMs: 15_000,
  backfillMs: 20 * 60_000,
  sustainedScrapes: 2,
  samplesPerRequest: 100,
  senders: 3,
  seed: 5,
  notAfterMs: 1_795_000_000_000,
};

describe('catalogue', () => {
  it('has sorted, unique label sets and the announced size', () => {
    const cat = buildCatalogue(params.targets, params.families, params.seed);
    assert.equal(cat.labels.length, params.targets * seriesPerTarget(params.families));
    const keys = new Set(cat.labels.map((l) => l.join('\u0000')));
    assert.equal(keys.size, cat.labels.length, 'label sets are unique');
    for (const l of cat.labels) {
      assert.equal(l[0], '__name__');
      for (let i = 2; i < l.length; i += 2) assert.ok(l[i - 2]! < l[i]!, `labels sorted: ${l.join(',')}`);
    }
    // Family 9 wraps around the templates under a prefix.
    assert.ok(cat.metricNames.includes('app2_http_requests_total'));
  });
});

describe('generateWorkload', () => {
  const w = generateWorkload(params, join(dir, 'a.bin'));

  it('covers every series once per scrape, in per-series time order per sender', () => {
    const scrapes = w.backfillScrapes + params.sustainedScrapes;
    assert.equal(w.backfillScrapes, 80);
    assert.equal(w.backfillSamples + w.sustainedSamples, w.series * scrapes);
    assert.ok(w.evalMs <= params.notAfterMs);
    const file = readFileSync(w.path);
    const lastTs = new Map<string, number>();
    let samples = 0;
    for (const phase of [w.backfill, w.sustained]) {
      for (const list of phase) {
        for (const ref of list) {
          assert.ok(ref.samples <= params.samplesPerRequest);
          const raw = uncompressSync(file.subarray(ref.offset, ref.offset + ref.length)) as Buffer;
          // Walk the entries: labels are the bytes between the entry header and the sample.
          let p = 0;
          while (p < raw.length) {
            p++; // 0x0a
            let len = 0;
            for (let shift = 1; ; shift *= 128) {
              const b = raw[p++]!;
              len += (b & 0x7f) * shift;
              if (b < 0x80) break;
            }
            const entry = raw.subarray(p, p + len);
            p += len;
            const sampleAt = entry.lastIndexOf(0x12, entry.length - 16);
            const key = entry.subarray(0, sampleAt).toString('latin1');
            let ts = 0;
            for (let q = sampleAt + 12, shift = 1; q < entry.length; q++, shift *= 128)
              ts += (entry[q]! & 0x7f) * shift;
            assert.ok(ts > (lastTs.get(key) ?? -1), 'timestamps increase per series');
            assert.ok(ts >= w.firstScrapeMs && ts < w.evalMs);
            lastTs.set(key, ts);
            samples++;
          }
        }
      }
    }
    assert.equal(samples, w.backfillSamples + w.sustainedSamples);
    assert.equal(lastTs.size, w.series);
  });

  it('is byte-identical for the same parameters', () => {
    const again = generateWorkload(params, join(dir, 'b.bin'));
    assert.equal(again.sha256, w.sha256);
    const other = generateWorkload({ ...params, seed: 6 }, join(dir, 'c.bin'));
    assert.notEqual(other.sha256, w.sha256);
  });
});
