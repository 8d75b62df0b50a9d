import { SampleBatch } from '../../src/model/index.ts';
import { rng } from '../../src/tsdb/test-util.ts';

export const HOUR = 3_600_000;
/** A block boundary (blocks span 2 h): scrapes start here unless a benchmark says otherwise. */
export const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (2 * HOUR));

/** Append options of a tenant without series limits, its clock far after every scrape. */
export function appendOptions(outOfOrderWindowMs = 600_000) {
  return {
    now: T0 + 1000 * HOUR,
    maxFutureMs: 600_000,
    outOfOrderWindowMs,
    maxSeries: 0,
    maxSeriesPerMetric: 0,
  };
}

/** `global.gc` under `--expose-gc`, else nothing. */
export const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/**
 * Starts measuring event-loop stalls with a 5 ms timer that measures its own lateness. `stop()`
 * ends it and returns the longest stall in ms.
 */
export function stallProbe(): { stop(): number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  return {
    stop(): number {
      clearInterval(timer);
      return worst;
    },
  };
}

/**
 * A synthetic remote-write workload: `series` active series in requests of `perRequest` series,
 * shaped like node-exporter/app metrics: counters (irregular increments), gauges (noisy random
 * walk) and histogram buckets (cumulative counters), about 8 labels each.
 *
 * Batches are built once (labels as byte offsets, like a decoder leaves them) and only timestamps
 * and values change per scrape, so the benchmark measures storage, not batch building.
 */
export class Workload {
  readonly batches: SampleBatch[] = [];
  private readonly kind: Uint8Array;
  private readonly state: Float64Array;
  private readonly rand = rng(12345);

  constructor(series: number, perRequest = 2000) {
    this.kind = new Uint8Array(series);
    this.state = new Float64Array(series);
    const les = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf'];
    for (let start = 0; start < series; start += perRequest) {
      const b = new SampleBatch();
      b.resetOwned();
      const end = Math.min(series, start + perRequest);
      for (let i = start; i < end; i++) {
        const kind = i % 10 < 4 ? 0 : i % 10 < 7 ? 1 : 2; // 40% counters, 30% gauges, 30% buckets
        this.kind[i] = kind;
        const inst = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9100`;
        const metric =
          kind === 0
            ? `http_requests_total`
            : kind === 1
              ? `process_resident_memory_bytes`
              : `http_request_duration_seconds_bucket`;
        const pairs: Array<[string, string]> = [['__name__', metric]];
        if (kind === 0) pairs.push(['code', String(200 + (i % 5))]);
        pairs.push(
          ['env', 'prod'],
          ['handler', `/api/v1/h${(i >> 4) % 50}`],
          ['instance', inst],
          ['job', `svc-${(i >> 10) % 20}`],
        );
        if (kind === 2) pairs.push(['le', les[i % les.length] as string]);
        pairs.push(['region', `eu-${i % 3}`]);
        pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
        for (const [n, v] of pairs) b.addLabelText(n, v);
        const s = b.endSeries();
        b.addSample(s, 0, 0);
        this.state[i] = kind === 1 ? 1e8 + this.rand() * 1e7 : Math.floor(this.rand() * 1000);
      }
      this.batches.push(b);
    }
  }

  /** Sets every sample of every batch to timestamp `t` and the next value of its series. */
  tick(t: number): void {
    let i = 0;
    for (const b of this.batches) {
      for (let k = 0; k < b.sampleCount; k++, i++) {
        const kind = this.kind[i] as number;
        let v = this.state[i] as number;
        if (kind === 1) v = Math.round(v + (this.rand() - 0.5) * 1e5);
        else v += Math.floor(this.rand() * (kind === 0 ? 50 : 5));
        this.state[i] = v;
        b.timestamps[k] = t;
        b.values[k] = v;
      }
    }
  }

  get samplesPerTick(): number {
    return this.kind.length;
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}
