import type { FloatHistogram, Labels } from '../../model/index.ts';
import { goFloatG, goQuote } from './annotations.ts';
import type { FnEnv } from './functions.ts';
import { dropMetricName } from './label-util.ts';
import type { PosRange } from '../parser/ast.ts';
import {
  bucketFraction,
  bucketQuantile,
  histogramFraction,
  histogramQuantile,
  type ClassicBucket,
} from './quantile.ts';
import { K_FLOAT, K_HIST, materializedVector, StepData, type SeriesMeta, type VectorValue } from './types.ts';
import { materialize, mergeSameLabels } from './vector-util.ts';

/**
 * histogram_quantile, histogram_fraction and histogram_quantiles: per step, classic bucket series
 * (float samples with an `le` label) are grouped by their labels without `le`; native histogram
 * samples are computed one by one. A native histogram whose labels equal a classic group's at the
 * same step makes both be skipped with a warning.
 */

/** strconv.ParseFloat for `le` values; NaN for anything it would reject. */
export function parseLe(s: string): number {
  const t = s.trim() === s ? s : '';
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (/^[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(t) && !t.includes('_'))
    return Number(t);
  if (/^[+-]?0[xX]/.test(t)) {
    const v = parseHexFloat(t);
    if (!Number.isNaN(v)) return v;
  }
  return NaN;
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
  if (m === null) return NaN;
  const mant = parseInt((m[2] || '0') + (m[3] ?? ''), 16) / Math.pow(16, (m[3] ?? '').length);
  const v = mant * Math.pow(2, Number(m[4]));
  return m[1] === '-' ? -v : v;
}

/** labels.FormatOpenMetricsFloat. */
export function formatOpenMetricsFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const s = goFloatG(f);
  return /[e.]/.test(s) ? s : `${s}.0`;
}

type Mode =
  | { kind: 'quantile'; q: Float64Array }
  | { kind: 'fraction'; lower: Float64Array; upper: Float64Array }
  | { kind: 'quantiles'; label: string; qs: Float64Array[] };

export function histogramFunction(env: FnEnv): VectorValue {
  const { node, ctx } = env;
  const name = node.name;
  const args = env.args;
  let mode: Mode;
  let vecIndex: number;
  if (name === 'histogram_quantile') {
    mode = { kind: 'quantile', q: (args[0] as { v: Float64Array }).v };
    vecIndex = 1;
  } else if (name === 'histogram_fraction') {
    mode = {
      kind: 'fraction',
      lower: (args[0] as { v: Float64Array }).v,
      upper: (args[1] as { v: Float64Array }).v,
    };
    vecIndex = 2;
  } else {
    const qs: Float64Array[] = [];
    for (let i = 2; i < args.length; i++) qs.push((args[i] as { v: Float64Array }).v);
    mode = { kind: 'quantiles', label: (args[1] as { v: string }).v, qs };
    vecIndex = 0;
  }
  const vecPos = node.args[vecIndex]!.pos;
  const pos0 = node.args[0]!.pos;
  const monoPos = node.args[1]!.pos;
  const input = materialize(args[vecIndex] as VectorValue, ctx);
  const n = input.n;
  const delayed = ctx.opts.delayedNameRemoval;
  const annos = ctx.annos;

  // Static grouping: classic groups by labels without `le`, native series on their own.
  const le = input.metas.map((m) => m.labels.get('le'));
  const leVal = le.map(parseLe);
  const classicKey = input.metas.map((m) => m.labels.without(['le']).key());
  const classicLabels = new Map<string, Labels>();
  input.metas.forEach((m, i) => {
    const k = classicKey[i]!;
    if (!classicLabels.has(k)) classicLabels.set(k, m.labels.without(['le']));
  });
  const fullKey = input.metas.map((m) => m.labels.key());

  const nQ = mode.kind === 'quantiles' ? mode.qs.length : 1;
  // Output series: per quantile index, native series i, then classic groups.
  const outMetas: SeriesMeta[] = [];
  const outData: StepData[] = [];
  const nativeOut = new Map<string, number>(); // `${q}:${i}` -> out index
  const classicOut = new Map<string, number>(); // `${q}:${key}` -> out index
  const outFor = (map: Map<string, number>, key: string, labels: Labels): StepData => {
    let idx = map.get(key);
    if (idx === undefined) {
      idx = outMetas.length;
      map.set(key, idx);
      outMetas.push({ labels, dropName: delayed });
      outData.push(new StepData(n));
    }
    return outData[idx]!;
  };
  const outLabels = (l: Labels, qv: number): Labels => {
    let labels = delayed ? l : dropMetricName(l);
    if (mode.kind === 'quantiles') labels = labels.with(mode.label, formatOpenMetricsFloat(qv));
    return labels;
  };

  for (let j = 0; j < n; j++) {
    // Quantile-range warnings, per step.
    if (mode.kind === 'quantile') warnQuantile(env, mode.q[j] as number, pos0);
    if (mode.kind === 'quantiles')
      mode.qs.forEach((q, qi) => warnQuantile(env, q[j] as number, node.args[qi + 2]!.pos));
    const groups = new Map<string, { buckets: ClassicBucket[]; name: string }>();
    const natives: number[] = [];
    for (let i = 0; i < input.metas.length; i++) {
      const d = input.data![i]!;
      const k = d.k[j];
      if (k === K_HIST) {
        natives.push(i);
        continue;
      }
      if (k !== K_FLOAT) continue;
      const u = leVal[i]!;
      if (Number.isNaN(u) && !/^nan$/i.test(le[i]!)) {
        const mn = delayed ? input.metas[i]!.labels.get('__name__') : '';
        annos.warn(
          `bucket label "le" is missing or has a malformed value of ${goQuote(le[i]!)}${forMetric(mn)}`,
          vecPos,
        );
        continue;
      }
      const key = classicKey[i]!;
      let g = groups.get(key);
      if (g === undefined)
        groups.set(key, (g = { buckets: [], name: classicLabels.get(key)!.get('__name__') }));
      g.buckets.push({ upper: u, count: d.v[j] as number });
    }
    const skipNative = new Set<number>();
    for (const i of natives) {
      const g = groups.get(fullKey[i]!);
      if (g !== undefined && g.buckets.length > 0) {
        const mn = delayed ? input.metas[i]!.labels.get('__name__') : '';
        annos.warn(`vector contains a mix of classic and native histograms${forMetric(mn)}`, vecPos);
        groups.delete(fullKey[i]!);
        skipNative.add(i);
      }
    }
    for (let qi = 0; qi < nQ; qi++) {
      const q =
        mode.kind === 'quantile'
          ? (mode.q[j] as number)
          : mode.kind === 'quantiles'
            ? (mode.qs[qi]![j] as number)
            : NaN;
      for (const i of natives) {
        if (skipNative.has(i)) continue;
        const h = input.data![i]!.h![j] as FloatHistogram;
        const mn = input.metas[i]!.labels.get('__name__');
        const mname = delayed ? mn : '';
        let v: number;
        if (mode.kind === 'fraction') {
          const r = histogramFraction(mode.lower[j] as number, mode.upper[j] as number, h);
          if (r.nanInfo)
            annos.info(
              `input to histogram_fraction has NaN observations, which are excluded from all fractions${forMetric(mname)}`,
              vecPos,
            );
          v = r.value;
        } else {
          const r = histogramQuantile(q, h);
          if (r.info === 'nan')
            annos.info(
              `input to histogram_quantile has NaN observations, result is NaN${forMetric(mname)}`,
              vecPos,
            );
          if (r.info === 'skew')
            annos.info(
              `input to histogram_quantile has NaN observations, result is skewed higher${forMetric(mname)}`,
              vecPos,
            );
          v = r.value;
        }
        const d = outFor(nativeOut, `${qi}:${i}`, outLabels(input.metas[i]!.labels, q));
        d.v[j] = v;
        d.k[j] = K_FLOAT;
      }
      for (const [key, g] of groups) {
        if (g.buckets.length === 0) continue;
        let v: number;
        const buckets = qi === nQ - 1 ? g.buckets : g.buckets.map((b) => ({ ...b }));
        if (mode.kind === 'fraction') {
          v = bucketFraction(mode.lower[j] as number, mode.upper[j] as number, buckets);
        } else {
          const r = bucketQuantile(q, buckets);
          if (r.forced) {
            annos.info(
              `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)${forMetric(delayed ? g.name : '')}`,
              mode.kind === 'quantiles' ? pos0 : monoPos,
            );
          }
          v = r.value;
        }
        const d = outFor(classicOut, `${qi}:${key}`, outLabels(classicLabels.get(key)!, q));
        d.v[j] = v;
        d.k[j] = K_FLOAT;
      }
    }
  }
  const out = materializedVector(n, outMetas, outData);
  return mergeSameLabels(out, ctx);
}

function forMetric(name: string): string {
  return name === '' ? '' : ` for metric name ${goQuote(name)}`;
}

function warnQuantile(env: FnEnv, q: number, pos: PosRange): void {
  if (Number.isNaN(q) || q < 0 || q > 1) {
    env.ctx.annos.warn(`quantile value should be between 0 and 1, got ${goFloatG(q)}`, pos);
  }
}
