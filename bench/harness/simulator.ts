import { Kind, type Catalogue } from './catalogue.ts';
import { Random } from './random.ts';

/** Mean time between restarts of one target: sets how often its counters reset. */
const MEAN_UPTIME_S = 6 * 3600;

/**
 * Produces the value of every series, one scrape at a time. After `step()`, `values[i]` is the
 * sample of series i for that scrape. State lives in typed arrays; a step allocates nothing.
 *
 * Invariants (checked by the tests): counters never decrease except to restart from 0 when their
 * target restarts; bucket series are cumulative in `le` and `le="+Inf"` equals `_count`.
 */
export class Simulator {
  readonly values: Float64Array;
  private readonly cat: Catalogue;
  private readonly rng: Random;
  private readonly dtS: number;
  private readonly restartChance: number;
  private readonly restarted: Uint8Array;
  /** Per histogram: new observations this scrape, and the shared rounding offset of its buckets. */
  private readonly newObs: Float64Array;
  private readonly roundOffset: Float64Array;
  private readonly sumIncrease: Float64Array;
  private first = true;

  constructor(cat: Catalogue, intervalMs: number, seed: number) {
    this.cat = cat;
    this.rng = new Random(seed ^ 0x5bd1e995);
    this.dtS = intervalMs / 1000;
    this.restartChance = this.dtS / MEAN_UPTIME_S;
    this.values = new Float64Array(cat.kind.length);
    this.restarted = new Uint8Array(cat.targets.length);
    const h = cat.histogramMean.length;
    this.newObs = new Float64Array(h);
    this.roundOffset = new Float64Array(h);
    this.sumIncrease = new Float64Array(h);
    this.initialise();
  }

  /** Starting values: every target has been up for a random while, so counters are not at 0. */
  private initialise(): void {
    const { cat, rng } = this;
    const uptime = new Float64Array(cat.targets.length);
    for (let t = 0; t < uptime.length; t++) uptime[t] = rng.range(60, 2 * MEAN_UPTIME_S);
    const obs = new Float64Array(cat.histogramMean.length);
    for (let h = 0; h < obs.length; h++) {
      this.roundOffset[h] = rng.next();
      obs[h] = -1;
    }
    for (let i = 0; i < this.values.length; i++) {
      const up = uptime[cat.target[i]!]!;
      const scale = cat.scale[i]!;
      const h = cat.histogram[i]!;
      switch (cat.kind[i]) {
        case Kind.Counter:
          this.values[i] = Math.round(scale * up);
          break;
        case Kind.FloatCounter:
          this.values[i] = Math.round(scale * up * 100) / 100;
          break;
        case Kind.Gauge:
        case Kind.IntGauge:
          this.values[i] = Math.round(scale * rng.range(0.5, 1.5));
          break;
        case Kind.Bucket:
        case Kind.HistSum:
        case Kind.HistCount: {
          if (obs[h]! < 0) obs[h] = Math.round(cat.histogramRate[h]! * up);
          const n = obs[h]!;
          const kind = cat.kind[i];
          this.values[i] =
            kind === Kind.Bucket
              ? Math.floor(n * cat.fraction[i]! + this.roundOffset[h]!)
              : kind === Kind.HistCount
                ? n
                : n * cat.histogramMean[h]!;
          break;
        }
        default:
          this.values[i] = 1;
      }
    }
  }

  /** Advances to the next scrape (the first call leaves the initial values in place). */
  step(): void {
    if (this.first) {
      this.first = false;
      return;
    }
    const { cat, rng, values, dtS } = this;
    for (let t = 0; t < this.restarted.length; t++)
      this.restarted[t] = rng.next() < this.restartChance ? 1 : 0;
    for (let h = 0; h < this.newObs.length; h++) {
      const n = Math.max(0, Math.round(cat.histogramRate[h]! * dtS * (1 + 0.3 * rng.normal())));
      this.newObs[h] = n;
      this.roundOffset[h] = rng.next();
      this.sumIncrease[h] = n * cat.histogramMean[h]! * Math.max(0.1, 1 + 0.1 * rng.normal());
    }
    for (let i = 0; i < values.length; i++) {
      const restarted = this.restarted[cat.target[i]!] === 1;
      const scale = cat.scale[i]!;
      const h = cat.histogram[i]!;
      switch (cat.kind[i]) {
        case Kind.Counter: {
          const inc = Math.max(0, Math.round(scale * dtS * (1 + 0.3 * rng.normal())));
          values[i] = (restarted ? 0 : values[i]!) + inc;
          break;
        }
        case Kind.FloatCounter: {
          const inc = Math.max(0, scale * dtS * (1 + 0.3 * rng.normal()));
          values[i] = Math.round(((restarted ? 0 : values[i]!) + inc) * 100) / 100;
          break;
        }
        case Kind.Gauge:
        case Kind.IntGauge: {
          const v = restarted ? scale * 0.5 : values[i]!;
          // Mean-reverting walk around `scale`; integer gauges (bytes, goroutines) stay integers.
          const noise = (cat.kind[i] === Kind.Gauge ? 0.02 : 0.08) * scale * rng.normal();
          values[i] = Math.max(0, Math.round(v + 0.05 * (scale - v) + noise));
          break;
        }
        case Kind.Bucket: {
          // One offset per histogram keeps floor(n·fraction + offset) monotone in le; +Inf gets n.
          const inc = Math.floor(this.newObs[h]! * cat.fraction[i]! + this.roundOffset[h]!);
          values[i] = (restarted ? 0 : values[i]!) + inc;
          break;
        }
        case Kind.HistCount:
          values[i] = (restarted ? 0 : values[i]!) + this.newObs[h]!;
          break;
        case Kind.HistSum:
          values[i] = (restarted ? 0 : values[i]!) + this.sumIncrease[h]!;
          break;
        default:
          break;
      }
    }
  }
}
