import { ExecutionError, Labels, METRIC_NAME, type FloatHistogram } from '../../model/index.ts';
import type { BinaryOp, PosRange, VectorMatching } from '../parser/ast.ts';
import type { EvalContext } from './context.ts';
import { dropMetricName, labelsToString, NameDroppedMeta } from './label-util.ts';
import {
  K_FLOAT,
  K_HIST,
  K_NONE,
  lazyVector,
  materializedVector,
  StepData,
  type SeriesMeta,
  type VectorValue,
} from './types.ts';
import { markUniqueAfterNameDrop, materialize, mergeSameLabels } from './vector-util.ts';
import { ARITHMETIC, type ElemResult, elemBinop, isComparison } from './binary-elem.ts';
import { fastVectorVector } from './binary-fast.ts';
import { TupleIndex } from './tuple-index.ts';

/**
 * Binary operations on vectors: vector–scalar, set operators, and vector matching (one-to-one,
 * many-to-one, one-to-many, fill modifiers) with Prometheus's label rules and errors.
 */

/**
 * vector op scalar (or scalar op vector when `swap`): per element, per step. Comparisons keep the
 * vector's value; arithmetic and `bool` drop the metric name.
 */
export function binaryVectorScalar(
  op: BinaryOp,
  vec: VectorValue,
  s: Float64Array,
  swap: boolean,
  returnBool: boolean,
  pos: PosRange,
  ctx: EvalContext,
): VectorValue {
  const cmp = isComparison(op);
  const drop = ARITHMETIC.has(op) || returnBool;
  const delayed = ctx.opts.delayedNameRemoval;
  const metas: SeriesMeta[] = vec.metas.map((m) =>
    drop ? (delayed ? { labels: m.labels, dropName: true } : NameDroppedMeta.of(m)) : m,
  );
  if (drop && !delayed) markUniqueAfterNameDrop(vec.metas, metas);
  const scratch = new StepData(vec.n);
  const res: ElemResult = { v: 0, h: null, keep: false };
  const note = (kind: 'info' | 'warn', text: string): void => {
    if (kind === 'info') ctx.annos.info(text, pos);
    else ctx.annos.warn(text, pos);
  };
  // Fast path: plain float arithmetic.
  const simple = ARITHMETIC.has(op) && op !== '%' && op !== 'atan2' && op !== '^';
  const out = lazyVector(vec.n, metas, (i, o) => {
    const d = vec.get(i, scratch);
    o.reset();
    const n = d.n;
    for (let j = 0; j < n; j++) {
      const k = d.k[j];
      if (k === K_NONE) continue;
      const x = d.v[j] as number;
      const y = s[j] as number;
      if (k === K_FLOAT && simple) {
        const a = swap ? y : x;
        const b = swap ? x : y;
        o.v[j] = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
        o.k[j] = K_FLOAT;
        continue;
      }
      const h = k === K_HIST ? d.h![j]! : null;
      const ok = swap ? elemBinop(op, y, x, null, h, res, note) : elemBinop(op, x, y, h, null, res, note);
      if (!ok) continue;
      let v = res.v;
      let rh = res.h;
      let keep = res.keep;
      if (cmp && swap) {
        v = x;
        rh = h;
      }
      if (returnBool) {
        v = keep ? 1 : 0;
        rh = null;
        keep = true;
      }
      if (!keep) continue;
      if (rh !== null) o.setHist(j, rh);
      else {
        o.v[j] = v;
        o.k[j] = K_FLOAT;
      }
    }
    return o;
  });
  return drop && !delayed ? mergeSameLabels(out, ctx) : out;
}

// ---------------------------------------------------------------------------------------------
// Vector matching.

/** Signature key of each series for matching (on: the listed labels; else all but listed and __name__). */
function signatures(metas: readonly SeriesMeta[], m: VectorMatching, ids: TupleIndex): Int32Array {
  const sig = new Int32Array(metas.length);
  const names = [...m.matchingLabels].sort();
  const drop = new Set([...names, METRIC_NAME]);
  for (let i = 0; i < metas.length; i++) {
    const l = metas[i]!.labels;
    ids.begin();
    if (m.on) {
      for (let x = 0; x < names.length; x++) ids.add(l.get(names[x] as string));
    } else {
      const raw = l.raw();
      for (let x = 0; x < raw.length; x += 2) {
        if (drop.has(raw[x] as string)) continue;
        ids.add(raw[x] as string);
        ids.add(raw[x + 1] as string);
      }
    }
    sig[i] = ids.end();
  }
  return sig;
}

/** Prometheus Labels.MatchLabels. */
function matchLabels(l: Labels, on: boolean, names: readonly string[]): Labels {
  if (on) return l.keep(new Set(names));
  return l.without(new Set([...names, METRIC_NAME]));
}

/** `and`, `or`, `unless`. */
export function binarySet(
  op: BinaryOp,
  lhs: VectorValue,
  rhs: VectorValue,
  m: VectorMatching,
  ctx: EvalContext,
): VectorValue {
  const L = materialize(lhs, ctx);
  const R = materialize(rhs, ctx);
  const n = L.n;
  const ids = new TupleIndex();
  const ls = signatures(L.metas, m, ids);
  const rs = signatures(R.metas, m, ids);
  const S = ids.size;
  // Presence of each signature per step, per side.
  const presentR = new Uint8Array(S * n);
  const presentL = new Uint8Array(S * n);
  const countL = new Int32Array(n);
  const countR = new Int32Array(n);
  for (let i = 0; i < R.metas.length; i++) {
    const d = R.data![i]!;
    const base = (rs[i] as number) * n;
    for (let j = 0; j < n; j++)
      if (d.k[j] !== K_NONE) {
        presentR[base + j] = 1;
        countR[j]!++;
      }
  }
  for (let i = 0; i < L.metas.length; i++) {
    const d = L.data![i]!;
    const base = (ls[i] as number) * n;
    for (let j = 0; j < n; j++)
      if (d.k[j] !== K_NONE) {
        presentL[base + j] = 1;
        countL[j]!++;
      }
  }
  const metas: SeriesMeta[] = [];
  const data: StepData[] = [];
  const mask = (src: StepData, keep: (j: number) => boolean): StepData | null => {
    const o = new StepData(n);
    let any = false;
    for (let j = 0; j < n; j++) {
      if (src.k[j] === K_NONE || !keep(j)) continue;
      o.k[j] = src.k[j] as number;
      o.v[j] = src.v[j] as number;
      if (src.k[j] === K_HIST) o.setHist(j, src.h![j]!);
      any = true;
    }
    return any ? o : null;
  };
  for (let i = 0; i < L.metas.length; i++) {
    const base = (ls[i] as number) * n;
    let o: StepData | null;
    if (op === 'and') o = mask(L.data![i]!, (j) => countR[j]! > 0 && presentR[base + j] === 1);
    else if (op === 'unless') o = mask(L.data![i]!, (j) => countR[j] === 0 || presentR[base + j] === 0);
    else o = L.data![i]!;
    if (o === null) continue;
    metas.push(L.metas[i]!);
    data.push(o);
  }
  if (op === 'or') {
    for (let i = 0; i < R.metas.length; i++) {
      const base = (rs[i] as number) * n;
      const o = mask(R.data![i]!, (j) => countL[j] === 0 || presentL[base + j] === 0);
      if (o === null) continue;
      metas.push(R.metas[i]!);
      data.push(o);
    }
  }
  return mergeSameLabels(materializedVector(n, metas, data), ctx);
}

/** Arithmetic and comparison between two vectors, with one-to-one / group_left / group_right matching. */
export function binaryVectorVector(
  op: BinaryOp,
  lhsIn: VectorValue,
  rhsIn: VectorValue,
  m: VectorMatching,
  returnBool: boolean,
  pos: PosRange,
  ctx: EvalContext,
): VectorValue {
  const n = lhsIn.n;
  const ids = new TupleIndex();
  const lsig = signatures(lhsIn.metas, m, ids);
  const rsig = signatures(rhsIn.metas, m, ids);
  const S = ids.size;
  const oneToMany = m.card === 'one-to-many';
  const lSig = oneToMany ? rsig : lsig;
  const rSig = oneToMany ? lsig : rsig;
  // After the swap, "L" is the many (or one-to-one left) side and "R" the one side. R is needed
  // with random access; L may stay lazy on the fast path.
  const R = materialize(oneToMany ? lhsIn : rhsIn, ctx);
  const Lin = oneToMany ? rhsIn : lhsIn;
  // As in Prometheus, the fill values are not swapped with the sides: after the swap for
  // group_right, fill_right fills missing "one"-side partners and fill_left missing "many" ones.
  const fillR = m.fillRight;
  const fillL = m.fillLeft;
  const hasFill = m.fillLeft !== null || m.fillRight !== null;
  const delayed = ctx.opts.delayedNameRemoval;
  const changesSchema = ARITHMETIC.has(op);
  const matchNames = [...m.matchingLabels];
  const includeNames = m.include;

  // Output series by result labels.
  const outIndex = new Map<string, number>();
  const metas: SeriesMeta[] = [];
  const data: StepData[] = [];
  // Result labels per (l, r) pair; r = -1 - sig for a filled one side, l = -1 - sig for a filled many side.
  const labelCache = new Map<string, Labels>();
  const resultLabels = (li: number, ri: number, lLabels: Labels, rLabels: Labels): Labels => {
    const key = `${li}:${ri}`;
    let res = labelCache.get(key);
    if (res !== undefined) return res;
    let b = lLabels;
    if (changesSchema) b = dropMetricName(b);
    if (m.card === 'one-to-one') b = m.on ? b.keep(new Set(matchNames)) : b.without(new Set(matchNames));
    for (const name of includeNames) b = b.with(name, rLabels.get(name));
    if (!delayed && returnBool) b = dropMetricName(b);
    labelCache.set(key, b);
    return b;
  };

  const fast = fastVectorVector(
    op,
    Lin,
    R,
    lSig,
    rSig,
    S,
    oneToMany,
    returnBool,
    hasFill,
    m,
    resultLabels,
    pos,
    ctx,
  );
  if (fast !== null) return fast;
  const L = materialize(Lin, ctx);

  const rightAt = new Int32Array(S).fill(-1);
  const rightStamp = new Int32Array(S).fill(-1);
  const matched = new Int32Array(S).fill(-1);
  // Per output series: the last step at which a match produced it (many-to-one uniqueness).
  const outMatchStamp: number[] = [];
  // Per "many"-side series: the one-side partner and output series of its last match, so the
  // labels are computed once per pair instead of once per step.
  const lastPartner = new Int32Array(L.metas.length).fill(-2);
  const lastOut = new Int32Array(L.metas.length);
  const filledOut = new Map<string, number>();
  const res: ElemResult = { v: 0, h: null, keep: false };
  let lastNote: { kind: 'info' | 'warn'; text: string } | null = null;
  const note = (kind: 'info' | 'warn', text: string): void => {
    lastNote = { kind, text };
  };
  const rFilledLabels = new Map<number, Labels>();
  const oneToOne = m.card === 'one-to-one';
  let j = 0;

  const outFor = (labels: Labels): number => {
    const key = labels.key();
    let oi = outIndex.get(key);
    if (oi === undefined) {
      oi = metas.length;
      outIndex.set(key, oi);
      metas.push({ labels, dropName: returnBool });
      data.push(new StepData(n));
      outMatchStamp.push(-1);
    }
    return oi;
  };
  /** One matched pair at step j; `oi` is the output series of its result labels. */
  const doOp = (
    oi: number,
    lf: number,
    lh: FloatHistogram | null,
    rf: number,
    rh: FloatHistogram | null,
    sig: number,
  ): void => {
    // Undo the side swap for the operation itself.
    const ok = oneToMany
      ? elemBinop(op, rf, lf, rh, lh, res, note)
      : elemBinop(op, lf, rf, lh, rh, res, note);
    if (!ok) return;
    let v = res.v;
    let h = res.h;
    const keep = res.keep;
    if (returnBool) {
      h = null;
      v = keep ? 1 : 0;
    }
    if (oneToOne) {
      if (matched[sig] === j) {
        throw new ExecutionError(
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      }
      matched[sig] = j;
    } else {
      matched[sig] = j;
      if (outMatchStamp[oi] === j) {
        throw new ExecutionError('multiple matches for labels: grouping labels must ensure unique matches');
      }
      outMatchStamp[oi] = j;
    }
    if (!keep && !returnBool) return;
    const o = data[oi]!;
    if (o.k[j] !== K_NONE) throw new ExecutionError('vector cannot contain metrics with the same labelset');
    if (h !== null) o.setHist(j, h);
    else {
      o.v[j] = v;
      o.k[j] = K_FLOAT;
    }
  };

  const Ld = L.data!;
  const Rd = R.data!;
  for (j = 0; j < n; j++) {
    let nl = 0;
    let nr = 0;
    for (let i = 0; i < Ld.length; i++) if (Ld[i]!.k[j] !== K_NONE) nl++;
    for (let i = 0; i < Rd.length; i++) if (Rd[i]!.k[j] !== K_NONE) nr++;
    if ((nl === 0 && nr === 0) || ((nl === 0 || nr === 0) && !hasFill)) continue;
    lastNote = null;
    // Index the one side by signature.
    for (let i = 0; i < Rd.length; i++) {
      if (Rd[i]!.k[j] === K_NONE) continue;
      const sg = rSig[i] as number;
      if (rightStamp[sg] === j) {
        const a = R.metas[rightAt[sg] as number]!.labels;
        const b = R.metas[i]!.labels;
        const [first, second] = Labels.compare(a, b) <= 0 ? [a, b] : [b, a];
        throw new ExecutionError(
          `found duplicate series for the match group ${labelsToString(matchLabels(b, m.on, matchNames))} on the ${
            oneToMany ? 'left' : 'right'
          } hand-side of the operation: [${labelsToString(first)}, ${labelsToString(second)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      rightStamp[sg] = j;
      rightAt[sg] = i;
    }
    for (let i = 0; i < Ld.length; i++) {
      const d = Ld[i]!;
      const k = d.k[j];
      if (k === K_NONE) continue;
      const sg = lSig[i] as number;
      const lf = d.v[j] as number;
      const lh = k === K_HIST ? d.h![j]! : null;
      if (rightStamp[sg] === j) {
        const ri = rightAt[sg] as number;
        let oi: number;
        if (lastPartner[i] === ri) oi = lastOut[i] as number;
        else {
          oi = outFor(resultLabels(i, ri, L.metas[i]!.labels, R.metas[ri]!.labels));
          lastPartner[i] = ri;
          lastOut[i] = oi;
        }
        const rd = Rd[ri]!;
        doOp(oi, lf, lh, rd.v[j] as number, rd.k[j] === K_HIST ? rd.h![j]! : null, sg);
      } else if (fillR !== null) {
        let rl = rFilledLabels.get(i);
        if (rl === undefined) rFilledLabels.set(i, (rl = matchLabels(L.metas[i]!.labels, m.on, matchNames)));
        const key = `${i}:f`;
        let oi = filledOut.get(key);
        if (oi === undefined)
          filledOut.set(key, (oi = outFor(resultLabels(i, -1 - sg, L.metas[i]!.labels, rl))));
        doOp(oi, lf, lh, fillR, null, sg);
      }
    }
    if (fillL !== null) {
      for (let ri = 0; ri < Rd.length; ri++) {
        const rd = Rd[ri]!;
        if (rd.k[j] === K_NONE) continue;
        const sg = rSig[ri] as number;
        if (matched[sg] === j || rightAt[sg] !== ri) continue;
        const key = `f:${ri}`;
        let oi = filledOut.get(key);
        if (oi === undefined) {
          const rMeta = R.metas[ri]!;
          const ll = matchLabels(rMeta.labels, m.on, matchNames);
          filledOut.set(key, (oi = outFor(resultLabels(-1 - sg, ri, ll, rMeta.labels))));
        }
        doOp(oi, fillL, null, rd.v[j] as number, rd.k[j] === K_HIST ? rd.h![j]! : null, sg);
      }
    }
    if (lastNote !== null) {
      const ln = lastNote as { kind: 'info' | 'warn'; text: string };
      if (ln.kind === 'info') ctx.annos.info(ln.text, pos);
      else ctx.annos.warn(ln.text, pos);
    }
  }
  return materializedVector(n, metas, data);
}
