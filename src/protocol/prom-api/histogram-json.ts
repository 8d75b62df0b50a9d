import { CUSTOM_BUCKETS_SCHEMA, type BucketSpan, type FloatHistogram } from '../../model/index.ts';
import { formatSampleValue } from './format.ts';

/**
 * The JSON form of a native histogram in query results, as Prometheus writes it:
 * `{"count":"<c>","sum":"<s>","buckets":[[<rule>,"<lower>","<upper>","<count>"],…]}` with only
 * non-empty buckets, in ascending order (negative, zero, positive), `buckets` left out when none.
 * Rules: 0 (lower, upper], 1 [lower, upper), 2 (lower, upper), 3 [lower, upper].
 */
export function histogramJson(h: FloatHistogram): string {
  let out = `{"count":"${formatSampleValue(h.count)}","sum":"${formatSampleValue(h.sum)}"`;
  let first = true;
  const add = (lower: number, upper: number, lowerIncl: boolean, upperIncl: boolean, count: number): void => {
    if (count === 0) return;
    const rule = lowerIncl ? (upperIncl ? 3 : 1) : upperIncl ? 0 : 2;
    out += first ? ',"buckets":[' : ',';
    first = false;
    out += `[${rule},"${formatSampleValue(lower)}","${formatSampleValue(upper)}","${formatSampleValue(count)}"]`;
  };
  const custom = h.schema === CUSTOM_BUCKETS_SCHEMA;
  const zt = h.zeroThreshold;

  const neg = indices(h.negativeSpans, h.negativeBuckets.length);
  for (let k = neg.length - 1; k >= 0; k--) {
    const i = neg[k] as number;
    const lower = -bound(i, h);
    let upper = -bound(i - 1, h);
    if (upper < 0 && upper > -zt) upper = -zt;
    const lowerIncl = custom ? i === 0 : lower < 0;
    const upperIncl = custom ? true : upper > 0;
    add(lower, upper, lowerIncl, upperIncl, h.negativeBuckets[k] as number);
  }
  if (h.zeroCount > 0) add(-zt, zt, true, true, h.zeroCount);
  const pos = indices(h.positiveSpans, h.positiveBuckets.length);
  for (let k = 0; k < pos.length; k++) {
    const i = pos[k] as number;
    let lower = bound(i - 1, h);
    const upper = bound(i, h);
    // Prometheus's iterator skips positive exponential buckets wholly at or below zero.
    if (!custom && upper <= 0) continue;
    if (lower > 0 && lower < zt) lower = zt;
    const lowerIncl = custom ? i === 0 : lower < 0;
    const upperIncl = custom ? true : upper > 0;
    add(lower, upper, lowerIncl, upperIncl, h.positiveBuckets[k] as number);
  }
  if (!first) out += ']';
  return out + '}';
}

/** Absolute bucket indices of spans (offsets are relative to the end of the previous span). */
function indices(spans: readonly BucketSpan[], buckets: number): number[] {
  const out: number[] = [];
  let idx = 0;
  for (let s = 0; s < spans.length && out.length < buckets; s++) {
    const span = spans[s] as BucketSpan;
    idx += span.offset;
    for (let j = 0; j < span.length && out.length < buckets; j++) out.push(idx++);
  }
  return out;
}

function bound(idx: number, h: FloatHistogram): number {
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    if (idx === h.customValues.length) return Infinity;
    if (idx === -1) return -Infinity;
    return h.customValues[idx] ?? Infinity;
  }
  return exponentialBound(idx, h.schema);
}

/** Upper bound of exponential bucket `idx` of `schema` (Prometheus's getBoundExponential). */
export function exponentialBound(idx: number, schema: number): number {
  if (schema < 0) {
    const exp = idx * 2 ** -schema;
    if (exp === 1024) return Number.MAX_VALUE;
    return 2 ** exp;
  }
  const n = 1 << schema;
  const frac = fracTable(schema)[((idx % n) + n) % n] as number;
  const exp = Math.floor(idx / n) + 1;
  if (frac === 0.5 && exp === 1025) return Number.MAX_VALUE;
  return frac * 2 * 2 ** (exp - 1); // 2 ** 1024 alone would overflow for the last finite bucket
}

const fracTables: Float64Array[] = [];

/**
 * 2^(j/2^schema) / 2 for j in [0, 2^schema), correctly rounded like the constants in Prometheus's
 * table. `Math.pow` is off by one unit in the last place for about one value in eight, which
 * would change printed bucket bounds, so each value is checked and nudged with exact integer
 * arithmetic (once per schema).
 */
function fracTable(schema: number): Float64Array {
  let t = fracTables[schema];
  if (t === undefined) {
    const n = 1 << schema;
    t = new Float64Array(n);
    for (let j = 0; j < n; j++) t[j] = correctlyRounded(j, n);
    fracTables[schema] = t;
  }
  return t;
}

/** The double nearest to 2^(j/n)/2, which lies in [0.5, 1): a multiple m of 2^-53. */
function correctlyRounded(j: number, n: number): number {
  if (j === 0) return 0.5;
  let m = BigInt(Math.round((Math.pow(2, j / n) / 2) * 2 ** 53));
  const N = BigInt(n);
  const target = 1n << BigInt(j + 53 * n); // (2x)^n · 2^(53n) = 2^j · 2^(53n)
  // x lies above the midpoint (m + 1/2)·2^-53 iff 2^(j+53n) > (2m + 1)^n; likewise below (m - 1/2).
  for (let step = 0; step < 4; step++) {
    if (target > (2n * m + 1n) ** N) m += 1n;
    else if (target < (2n * m - 1n) ** N) m -= 1n;
    else break;
  }
  return Number(m) / 2 ** 53;
}
