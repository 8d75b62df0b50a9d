import {
  CounterResetHint,
  CUSTOM_BUCKETS_SCHEMA,
  type BucketSpan,
  type FloatHistogram,
} from '../../model/index.ts';

/**
 * Native-histogram arithmetic for PromQL, with Prometheus's semantics (FloatHistogram Add/Sub/
 * Mul/Div/Compact/DetectReset/Equals, schema reduction, zero-bucket and custom-bound
 * reconciliation). Buckets are handled as sorted (index, count) lists: simple, and fast enough for
 * the sizes histograms have. Functions named `…InPlace` change their first argument.
 */

export class IncompatibleSchemaError extends Error {}

export function isCustom(h: FloatHistogram): boolean {
  return h.schema === CUSTOM_BUCKETS_SCHEMA;
}

export function copyHistogram(h: FloatHistogram): FloatHistogram {
  return {
    counterResetHint: h.counterResetHint,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount,
    count: h.count,
    sum: h.sum,
    positiveSpans: h.positiveSpans.map((s) => ({ offset: s.offset, length: s.length })),
    positiveBuckets: h.positiveBuckets.slice(),
    negativeSpans: h.negativeSpans.map((s) => ({ offset: s.offset, length: s.length })),
    negativeBuckets: h.negativeBuckets.slice(),
    customValues: h.customValues,
  };
}

/** Sorted bucket indices with their counts. */
interface BucketList {
  idx: number[];
  cnt: number[];
}

function toList(spans: readonly BucketSpan[], buckets: readonly number[]): BucketList {
  const idx: number[] = [];
  const cnt: number[] = [];
  let i = 0;
  let b = 0;
  for (const s of spans) {
    i += s.offset;
    for (let j = 0; j < s.length; j++) {
      if (b >= buckets.length) return { idx, cnt };
      idx.push(i);
      cnt.push(buckets[b++] as number);
      i++;
    }
  }
  return { idx, cnt };
}

function fromList(l: BucketList): { spans: BucketSpan[]; buckets: number[] } {
  const spans: BucketSpan[] = [];
  const buckets: number[] = [];
  let prevEnd = 0;
  for (let k = 0; k < l.idx.length; k++) {
    const i = l.idx[k] as number;
    if (spans.length > 0 && i === prevEnd) {
      (spans[spans.length - 1] as BucketSpan).length++;
    } else {
      spans.push({ offset: spans.length === 0 ? i : i - prevEnd, length: 1 });
    }
    buckets.push(l.cnt[k] as number);
    prevEnd = i + 1;
  }
  return { spans, buckets };
}

function setPositive(h: FloatHistogram, l: BucketList): void {
  const r = fromList(l);
  h.positiveSpans = r.spans;
  h.positiveBuckets = r.buckets;
}

function setNegative(h: FloatHistogram, l: BucketList): void {
  const r = fromList(l);
  h.negativeSpans = r.spans;
  h.negativeBuckets = r.buckets;
}

/** Bucket index in `target` (≤ origin) of bucket `idx` in `origin`. */
function targetIdx(idx: number, origin: number, target: number): number {
  return ((idx - 1) >> (origin - target)) + 1;
}

function reduceList(l: BucketList, origin: number, target: number): BucketList {
  if (origin === target) return l;
  const idx: number[] = [];
  const cnt: number[] = [];
  for (let k = 0; k < l.idx.length; k++) {
    const t = targetIdx(l.idx[k] as number, origin, target);
    if (idx.length > 0 && idx[idx.length - 1] === t)
      cnt[cnt.length - 1] = (cnt[cnt.length - 1] as number) + (l.cnt[k] as number);
    else {
      idx.push(t);
      cnt.push(l.cnt[k] as number);
    }
  }
  return { idx, cnt };
}

/** A copy reduced to a lower-resolution schema (exponential schemas only). */
export function copyToSchema(h: FloatHistogram, target: number): FloatHistogram {
  const c = copyHistogram(h);
  if (target === h.schema) return c;
  setPositive(c, reduceList(toList(h.positiveSpans, h.positiveBuckets), h.schema, target));
  setNegative(c, reduceList(toList(h.negativeSpans, h.negativeBuckets), h.schema, target));
  c.schema = target;
  c.counterResetHint = CounterResetHint.Unknown;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Bucket bounds.

const fracTables = new Map<number, Float64Array>();

function fracTable(schema: number): Float64Array {
  let t = fracTables.get(schema);
  if (t === undefined) {
    const n = 1 << schema;
    t = new Float64Array(n);
    for (let i = 0; i < n; i++) t[i] = Math.pow(2, i / n) / 2;
    fracTables.set(schema, t);
  }
  return t;
}

/** Upper bound of exponential bucket `idx` (Prometheus getBoundExponential). */
export function boundExponential(idx: number, schema: number): number {
  if (schema < 0) {
    const exp = idx * Math.pow(2, -schema);
    if (exp === 1024) return Number.MAX_VALUE;
    return Math.pow(2, exp);
  }
  const fracIdx = idx & ((1 << schema) - 1);
  const frac = fracTable(schema)[fracIdx] as number;
  const exp = (idx >> schema) + 1;
  if (frac === 0.5 && exp === 1025) return Number.MAX_VALUE;
  return frac * Math.pow(2, exp);
}

function bound(idx: number, schema: number, customValues: readonly number[]): number {
  if (schema === CUSTOM_BUCKETS_SCHEMA) {
    if (idx === customValues.length) return Infinity;
    if (idx === -1) return -Infinity;
    return customValues[idx] as number;
  }
  return boundExponential(idx, schema);
}

export interface Bucket {
  lower: number;
  upper: number;
  count: number;
  /** Index within its side; meaningless for the zero bucket. */
  index: number;
  /** 1 positive, -1 negative, 0 zero bucket. */
  side: number;
}

/**
 * Every bucket in ascending order of value: negative buckets (from most negative), the zero bucket
 * (only if its count > 0), then positive buckets. Buckets overlapping the zero bucket have their
 * inner bound clipped to the zero threshold, as Prometheus's AllBucketIterator does.
 */
export function allBuckets(h: FloatHistogram): Bucket[] {
  const out: Bucket[] = [];
  const zt = h.zeroThreshold;
  const neg = toList(h.negativeSpans, h.negativeBuckets);
  for (let k = neg.idx.length - 1; k >= 0; k--) {
    const i = neg.idx[k] as number;
    const b: Bucket = {
      lower: -bound(i, h.schema, h.customValues),
      upper: -bound(i - 1, h.schema, h.customValues),
      count: neg.cnt[k] as number,
      index: i,
      side: -1,
    };
    if (b.upper < 0 && b.upper > -zt) b.upper = -zt;
    out.push(b);
  }
  if (!isCustom(h) && h.zeroCount > 0) {
    out.push({ lower: -zt, upper: zt, count: h.zeroCount, index: 0, side: 0 });
  }
  const pos = toList(h.positiveSpans, h.positiveBuckets);
  for (let k = 0; k < pos.idx.length; k++) {
    const i = pos.idx[k] as number;
    const b: Bucket = {
      lower: bound(i - 1, h.schema, h.customValues),
      upper: bound(i, h.schema, h.customValues),
      count: pos.cnt[k] as number,
      index: i,
      side: 1,
    };
    if (b.lower > 0 && b.lower < zt) b.lower = zt;
    out.push(b);
  }
  return out;
}

/**
 * The buckets of one side in array order (positive: ascending from zero; negative: from zero
 * downwards), with unclipped bounds; `index` is the position in the buckets array.
 */
export function sideBuckets(h: FloatHistogram, positive: boolean): Bucket[] {
  const l = positive
    ? toList(h.positiveSpans, h.positiveBuckets)
    : toList(h.negativeSpans, h.negativeBuckets);
  const out: Bucket[] = [];
  for (let k = 0; k < l.idx.length; k++) {
    const i = l.idx[k] as number;
    const hi = bound(i, h.schema, h.customValues);
    const lo = bound(i - 1, h.schema, h.customValues);
    out.push(
      positive
        ? { lower: lo, upper: hi, count: l.cnt[k] as number, index: k, side: 1 }
        : { lower: -hi, upper: -lo, count: l.cnt[k] as number, index: k, side: -1 },
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic.

export function mulInPlace(h: FloatHistogram, f: number): FloatHistogram {
  h.zeroCount *= f;
  h.count *= f;
  h.sum *= f;
  for (let i = 0; i < h.positiveBuckets.length; i++) h.positiveBuckets[i]! *= f;
  for (let i = 0; i < h.negativeBuckets.length; i++) h.negativeBuckets[i]! *= f;
  if (f < 0) h.counterResetHint = CounterResetHint.Gauge;
  return h;
}

export function divInPlace(h: FloatHistogram, s: number): FloatHistogram {
  h.zeroCount /= s;
  h.count /= s;
  h.sum /= s;
  if (s === 0) {
    h.positiveBuckets = [];
    h.negativeBuckets = [];
    h.positiveSpans = [];
    h.negativeSpans = [];
    return h;
  }
  for (let i = 0; i < h.positiveBuckets.length; i++) h.positiveBuckets[i]! /= s;
  for (let i = 0; i < h.negativeBuckets.length; i++) h.negativeBuckets[i]! /= s;
  if (s < 0) h.counterResetHint = CounterResetHint.Gauge;
  return h;
}

/** Drops empty buckets (Prometheus Compact(0)). */
export function compactInPlace(h: FloatHistogram): FloatHistogram {
  for (const positive of [true, false]) {
    const l = positive
      ? toList(h.positiveSpans, h.positiveBuckets)
      : toList(h.negativeSpans, h.negativeBuckets);
    const kept: BucketList = { idx: [], cnt: [] };
    for (let k = 0; k < l.idx.length; k++) {
      if (l.cnt[k] !== 0) {
        kept.idx.push(l.idx[k] as number);
        kept.cnt.push(l.cnt[k] as number);
      }
    }
    if (positive) setPositive(h, kept);
    else setNegative(h, kept);
  }
  return h;
}

/** Result flags of add/sub. */
export interface AddResult {
  counterResetCollision: boolean;
  nhcbBoundsReconciled: boolean;
}

function adjustCounterReset(h: FloatHistogram, o: FloatHistogram): boolean {
  const a = h.counterResetHint;
  const b = o.counterResetHint;
  if (a === b || a === CounterResetHint.Gauge) return false;
  if (b === CounterResetHint.Gauge) {
    h.counterResetHint = CounterResetHint.Gauge;
    return false;
  }
  if (a === CounterResetHint.Unknown) return false;
  h.counterResetHint = CounterResetHint.Unknown;
  return b !== CounterResetHint.Unknown;
}

/** h += o (or h -= o). Throws IncompatibleSchemaError when one is NHCB and the other is not. */
export function addInPlace(h: FloatHistogram, o: FloatHistogram, negate = false): AddResult {
  if (isCustom(h) !== isCustom(o)) throw new IncompatibleSchemaError('incompatible schema');
  const counterResetCollision = adjustCounterReset(h, o);
  const sign = negate ? -1 : 1;
  if (!isCustom(h)) {
    const otherZero = reconcileZeroBuckets(h, o);
    h.zeroCount += sign * otherZero;
  }
  h.count += sign * o.count;
  h.sum += sign * o.sum;

  let hp = toList(h.positiveSpans, h.positiveBuckets);
  let op = toList(o.positiveSpans, o.positiveBuckets);
  if (isCustom(h)) {
    if (boundsMatch(h.customValues, o.customValues)) {
      setPositive(h, mergeLists(hp, op, sign, -Infinity, h.schema));
      return { counterResetCollision, nhcbBoundsReconciled: false };
    }
    const bounds = intersectBounds(h.customValues, o.customValues);
    const target = new Array<number>(bounds.length + 1).fill(0);
    mapCustom(hp, h.customValues, bounds, target, 1);
    mapCustom(op, o.customValues, bounds, target, sign);
    const l: BucketList = { idx: [], cnt: [] };
    for (let i = 0; i < target.length; i++) {
      if (target[i] !== 0) {
        l.idx.push(i);
        l.cnt.push(target[i] as number);
      }
    }
    setPositive(h, l);
    h.customValues = bounds;
    return { counterResetCollision, nhcbBoundsReconciled: true };
  }
  let hn = toList(h.negativeSpans, h.negativeBuckets);
  let on = toList(o.negativeSpans, o.negativeBuckets);
  if (o.schema < h.schema) {
    hp = reduceList(hp, h.schema, o.schema);
    hn = reduceList(hn, h.schema, o.schema);
    h.schema = o.schema;
  } else if (o.schema > h.schema) {
    op = reduceList(op, o.schema, h.schema);
    on = reduceList(on, o.schema, h.schema);
  }
  setPositive(h, mergeLists(hp, op, sign, h.zeroThreshold, h.schema));
  setNegative(h, mergeLists(hn, on, sign, h.zeroThreshold, h.schema));
  return { counterResetCollision, nhcbBoundsReconciled: false };
}

/**
 * Union of a and sign*b. Leading buckets of b whose upper bound is ≤ threshold (inside the zero
 * bucket) are skipped, as Prometheus's addBuckets does.
 */
function mergeLists(
  a: BucketList,
  b: BucketList,
  sign: number,
  threshold: number,
  schema: number,
): BucketList {
  const idx: number[] = [];
  const cnt: number[] = [];
  let i = 0;
  let j = 0;
  let skipping = schema !== CUSTOM_BUCKETS_SCHEMA;
  while (skipping && j < b.idx.length && boundExponential(b.idx[j] as number, schema) <= threshold) j++;
  skipping = false;
  while (i < a.idx.length || j < b.idx.length) {
    const ai = i < a.idx.length ? (a.idx[i] as number) : Infinity;
    const bi = j < b.idx.length ? (b.idx[j] as number) : Infinity;
    if (ai === bi) {
      idx.push(ai);
      cnt.push((a.cnt[i++] as number) + sign * (b.cnt[j++] as number));
    } else if (ai < bi) {
      idx.push(ai);
      cnt.push(a.cnt[i++] as number);
    } else {
      idx.push(bi);
      cnt.push(sign * (b.cnt[j++] as number));
    }
  }
  return { idx, cnt };
}

export function boundsMatch(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function intersectBounds(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Adds the buckets of l (with bounds `from`) into `target` laid out by `bounds`. */
function mapCustom(
  l: BucketList,
  from: readonly number[],
  bounds: readonly number[],
  target: number[],
  sign: number,
): void {
  let t = 0;
  for (let k = 0; k < l.idx.length; k++) {
    const src = l.idx[k] as number;
    let ti = target.length - 1;
    if (src < from.length) {
      const b = from[src] as number;
      while (t < bounds.length) {
        if ((bounds[t] as number) >= b) {
          ti = t;
          break;
        }
        t++;
      }
    }
    target[ti] = (target[ti] as number) + sign * (l.cnt[k] as number);
  }
}

/**
 * What h's zero count would be with a larger zero threshold, and the threshold actually usable (it
 * moves up to a bucket boundary if it falls inside a populated bucket).
 */
function zeroCountForLargerThreshold(h: FloatHistogram, larger: number): [number, number] {
  if (larger === h.zeroThreshold) return [h.zeroCount, larger];
  for (;;) {
    let count = h.zeroCount;
    const pos = toList(h.positiveSpans, h.positiveBuckets);
    for (let k = 0; k < pos.idx.length; k++) {
      const i = pos.idx[k] as number;
      const lower = boundExponential(i - 1, h.schema);
      const upper = boundExponential(i, h.schema);
      if (lower >= larger) break;
      count += pos.cnt[k] as number;
      if (upper > larger) {
        if (pos.cnt[k] !== 0) larger = upper;
        break;
      }
    }
    let redo = false;
    const neg = toList(h.negativeSpans, h.negativeBuckets);
    for (let k = 0; k < neg.idx.length; k++) {
      const i = neg.idx[k] as number;
      const upper = -boundExponential(i - 1, h.schema);
      const lower = -boundExponential(i, h.schema);
      if (upper <= -larger) break;
      count += neg.cnt[k] as number;
      if (lower < -larger) {
        if (neg.cnt[k] !== 0) {
          larger = -lower;
          redo = true;
        }
        break;
      }
    }
    if (!redo) return [count, larger];
  }
}

/** Removes the buckets inside the (new) zero bucket; their counts are already in zeroCount. */
function trimBucketsInZeroBucket(h: FloatHistogram): void {
  const pos = toList(h.positiveSpans, h.positiveBuckets);
  for (let k = 0; k < pos.idx.length; k++) {
    if (boundExponential((pos.idx[k] as number) - 1, h.schema) >= h.zeroThreshold) break;
    pos.cnt[k] = 0;
  }
  const neg = toList(h.negativeSpans, h.negativeBuckets);
  for (let k = 0; k < neg.idx.length; k++) {
    if (-boundExponential((neg.idx[k] as number) - 1, h.schema) <= -h.zeroThreshold) break;
    neg.cnt[k] = 0;
  }
  setPositive(h, pos);
  setNegative(h, neg);
  compactInPlace(h);
}

/** Widens the zero buckets of h (in place) and o (virtually) to a common threshold; returns o's zero count. */
function reconcileZeroBuckets(h: FloatHistogram, o: FloatHistogram): number {
  let oCount = o.zeroCount;
  let oThreshold = o.zeroThreshold;
  while (oThreshold !== h.zeroThreshold) {
    if (h.zeroThreshold > oThreshold) [oCount, oThreshold] = zeroCountForLargerThreshold(o, h.zeroThreshold);
    if (oThreshold > h.zeroThreshold) {
      [h.zeroCount, h.zeroThreshold] = zeroCountForLargerThreshold(h, oThreshold);
      trimBucketsInZeroBucket(h);
    }
  }
  return oCount;
}

/** Prometheus DetectReset: is `cur` a counter reset relative to `prev`? */
export function detectReset(cur: FloatHistogram, prev: FloatHistogram): boolean {
  if (cur.counterResetHint === CounterResetHint.Reset) return true;
  if (cur.counterResetHint === CounterResetHint.NotReset) return false;
  if (cur.count < prev.count) return true;
  if (isCustom(cur)) {
    if (!isCustom(prev)) return true;
    if (!boundsMatch(cur.customValues, prev.customValues)) return detectResetMismatchedBounds(cur, prev);
  }
  if (cur.schema > prev.schema) return true;
  if (cur.zeroThreshold < prev.zeroThreshold) return true;
  if (!isCustom(cur)) {
    const [prevZero, newThreshold] = zeroCountForLargerThreshold(prev, cur.zeroThreshold);
    if (newThreshold !== cur.zeroThreshold) return true;
    if (cur.zeroCount < prevZero) return true;
  }
  const schema = cur.schema;
  for (const positive of [true, false]) {
    let c = positive
      ? toList(cur.positiveSpans, cur.positiveBuckets)
      : toList(cur.negativeSpans, cur.negativeBuckets);
    let p = positive
      ? toList(prev.positiveSpans, prev.positiveBuckets)
      : toList(prev.negativeSpans, prev.negativeBuckets);
    if (!isCustom(cur)) {
      c = skipBelow(reduceList(c, cur.schema, schema), schema, cur.zeroThreshold);
      p = skipBelow(reduceList(p, prev.schema, schema), schema, cur.zeroThreshold);
    }
    let i = 0;
    for (let j = 0; j < p.idx.length; j++) {
      const pi = p.idx[j] as number;
      while (i < c.idx.length && (c.idx[i] as number) < pi) i++;
      if (i < c.idx.length && c.idx[i] === pi) {
        if ((c.cnt[i] as number) < (p.cnt[j] as number)) return true;
      } else if (p.cnt[j] !== 0) return true;
    }
  }
  return false;
}

function skipBelow(l: BucketList, schema: number, threshold: number): BucketList {
  if (threshold === 0) return l;
  let k = 0;
  while (k < l.idx.length && boundExponential(l.idx[k] as number, schema) <= threshold) k++;
  return k === 0 ? l : { idx: l.idx.slice(k), cnt: l.cnt.slice(k) };
}

function detectResetMismatchedBounds(cur: FloatHistogram, prev: FloatHistogram): boolean {
  const bounds = intersectBounds(cur.customValues, prev.customValues);
  const a = new Array<number>(bounds.length + 1).fill(0);
  const b = new Array<number>(bounds.length + 1).fill(0);
  mapCustom(toList(cur.positiveSpans, cur.positiveBuckets), cur.customValues, bounds, a, 1);
  mapCustom(toList(prev.positiveSpans, prev.positiveBuckets), prev.customValues, bounds, b, 1);
  for (let i = 0; i < a.length; i++) if ((a[i] as number) < (b[i] as number)) return true;
  return false;
}

function sameBits(a: number, b: number): boolean {
  return Object.is(a, b);
}

/** Prometheus FloatHistogram.Equals: same layout (explicit empty buckets count) and bitwise-equal values. */
export function histogramsEqual(a: FloatHistogram, b: FloatHistogram): boolean {
  if (a.schema !== b.schema || !sameBits(a.count, b.count) || !sameBits(a.sum, b.sum)) return false;
  if (isCustom(a) && !boundsMatch(a.customValues, b.customValues)) return false;
  if (a.zeroThreshold !== b.zeroThreshold || !sameBits(a.zeroCount, b.zeroCount)) return false;
  for (const positive of [true, false]) {
    const x = positive
      ? toList(a.positiveSpans, a.positiveBuckets)
      : toList(a.negativeSpans, a.negativeBuckets);
    const y = positive
      ? toList(b.positiveSpans, b.positiveBuckets)
      : toList(b.negativeSpans, b.negativeBuckets);
    if (x.idx.length !== y.idx.length) return false;
    for (let k = 0; k < x.idx.length; k++) {
      if (x.idx[k] !== y.idx[k] || !sameBits(x.cnt[k] as number, y.cnt[k] as number)) return false;
    }
  }
  return true;
}

/** True if any count or the sum is infinite. */
export function hasOverflow(h: FloatHistogram): boolean {
  if (!Number.isFinite(h.count) || !Number.isFinite(h.sum) || !Number.isFinite(h.zeroCount)) {
    return (
      Math.abs(h.count) === Infinity || Math.abs(h.sum) === Infinity || Math.abs(h.zeroCount) === Infinity
    );
  }
  for (const v of h.positiveBuckets) if (Math.abs(v) === Infinity) return true;
  for (const v of h.negativeBuckets) if (Math.abs(v) === Infinity) return true;
  return false;
}

/** Neumaier-compensated float addition (Prometheus kahansum.Inc). Returns [sum, c]. */
export function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(t) === Infinity) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) return [t, c + (sum - t + inc)];
  return [t, c + (inc - t + sum)];
}

/**
 * Compensated histogram addition: sum += o with the compensation kept in `comp` (a histogram in
 * sum's layout, or null to start one). Returns the new compensation. Throws IncompatibleSchemaError.
 */
export function kahanAddInPlace(
  sum: FloatHistogram,
  o: FloatHistogram,
  comp: FloatHistogram | null,
): { comp: FloatHistogram; res: AddResult } {
  const before = copyHistogram(sum);
  const res = addInPlace(sum, o);
  // Recompute every component of `sum` as a compensated sum of `before` and `o`, in the final layout.
  let c = comp ?? emptyLike(sum);
  c = alignTo(c, sum);
  const b = alignTo(before, sum);
  const oo = alignTo(o, sum);
  let t: [number, number];
  t = kahanInc(o.count, before.count, c.count);
  [sum.count, c.count] = t;
  t = kahanInc(o.sum, before.sum, c.sum);
  [sum.sum, c.sum] = t;
  if (!isCustom(sum)) {
    t = kahanInc(oo.zeroCount, b.zeroCount, c.zeroCount);
    [sum.zeroCount, c.zeroCount] = t;
  }
  for (const positive of [true, false]) {
    const sl = positive
      ? toList(sum.positiveSpans, sum.positiveBuckets)
      : toList(sum.negativeSpans, sum.negativeBuckets);
    const bl = indexMap(
      positive ? b.positiveSpans : b.negativeSpans,
      positive ? b.positiveBuckets : b.negativeBuckets,
    );
    const ol = indexMap(
      positive ? oo.positiveSpans : oo.negativeSpans,
      positive ? oo.positiveBuckets : oo.negativeBuckets,
    );
    const cl = indexMap(
      positive ? c.positiveSpans : c.negativeSpans,
      positive ? c.positiveBuckets : c.negativeBuckets,
    );
    const cOut: BucketList = { idx: [], cnt: [] };
    for (let k = 0; k < sl.idx.length; k++) {
      const i = sl.idx[k] as number;
      const [s, cc] = kahanInc(ol.get(i) ?? 0, bl.get(i) ?? 0, cl.get(i) ?? 0);
      sl.cnt[k] = s;
      cOut.idx.push(i);
      cOut.cnt.push(cc);
    }
    if (positive) {
      setPositive(sum, sl);
      setPositive(c, cOut);
    } else {
      setNegative(sum, sl);
      setNegative(c, cOut);
    }
  }
  return { comp: c, res };
}

function indexMap(spans: readonly BucketSpan[], buckets: readonly number[]): Map<number, number> {
  const l = toList(spans, buckets);
  const m = new Map<number, number>();
  for (let k = 0; k < l.idx.length; k++) m.set(l.idx[k] as number, l.cnt[k] as number);
  return m;
}

/** An empty histogram with h's schema, zero threshold and custom bounds (hint unknown). */
export function emptyLike(h: FloatHistogram): FloatHistogram {
  return {
    counterResetHint: CounterResetHint.Unknown,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: 0,
    count: 0,
    sum: 0,
    positiveSpans: [],
    positiveBuckets: [],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: h.customValues,
  };
}

/** A copy of x brought to `ref`'s schema, zero threshold and custom bounds (for compensation math). */
function alignTo(x: FloatHistogram, ref: FloatHistogram): FloatHistogram {
  if (isCustom(ref)) {
    if (boundsMatch(x.customValues, ref.customValues)) return x;
    const target = new Array<number>(ref.customValues.length + 1).fill(0);
    mapCustom(toList(x.positiveSpans, x.positiveBuckets), x.customValues, ref.customValues, target, 1);
    const c = emptyLike(ref);
    c.count = x.count;
    c.sum = x.sum;
    const l: BucketList = { idx: [], cnt: [] };
    target.forEach((v, i) => {
      if (v !== 0) {
        l.idx.push(i);
        l.cnt.push(v);
      }
    });
    setPositive(c, l);
    return c;
  }
  let c = x.schema > ref.schema ? copyToSchema(x, ref.schema) : copyHistogram(x);
  if (c.zeroThreshold < ref.zeroThreshold) {
    const [zc] = zeroCountForLargerThreshold(c, ref.zeroThreshold);
    c.zeroCount = zc;
    c.zeroThreshold = ref.zeroThreshold;
    trimBucketsInZeroBucket(c);
  }
  return c;
}
