import { Labels } from '../../model/index.ts';
import type { BinaryOp, PosRange, VectorMatching } from '../parser/ast.ts';
import type { EvalContext } from './context.ts';
import { K_FLOAT, K_HIST, K_NONE, lazyVector, StepData, type SeriesMeta, type VectorValue } from './types.ts';
import { type ElemResult, elemBinop, isComparison, scalarBinop } from './binary-elem.ts';

/**
 * Vector matching whose pairs cannot change between steps: every one-side signature has a single
 * series, and the results are unique. Then each "many"-side series has one static partner and one
 * output series, and the operation is a loop over steps per pair — lazily, so the many side is
 * never materialized. Returns null when those conditions do not hold (the general per-step
 * matcher then runs, with its errors).
 */
export function fastVectorVector(
  op: BinaryOp,
  L: VectorValue,
  R: VectorValue,
  lSig: Int32Array,
  rSig: Int32Array,
  S: number,
  oneToMany: boolean,
  returnBool: boolean,
  hasFill: boolean,
  m: VectorMatching,
  resultLabels: (li: number, ri: number, l: Labels, r: Labels) => Labels,
  pos: PosRange,
  ctx: EvalContext,
): VectorValue | null {
  if (hasFill) return null;
  const Rd = R.data!;
  const partner = new Int32Array(S).fill(-1);
  for (let i = 0; i < Rd.length; i++) {
    const sg = rSig[i] as number;
    if (partner[sg] !== -1) return null;
    partner[sg] = i;
  }
  const n = L.n;
  const cmp = isComparison(op);
  const seenSig = new Uint8Array(S);
  const outKeys = new Set<string>();
  const metas: SeriesMeta[] = [];
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < L.metas.length; i++) {
    const sg = lSig[i] as number;
    const r = partner[sg] as number;
    if (r < 0) continue;
    if (m.card === 'one-to-one') {
      if (seenSig[sg] === 1) return null;
      seenSig[sg] = 1;
    }
    const labels = resultLabels(i, r, L.metas[i]!.labels, R.metas[r]!.labels);
    const key = labels.key();
    if (outKeys.has(key)) return null;
    outKeys.add(key);
    pairs.push([i, r]);
    metas.push({ labels, dropName: returnBool });
  }
  const res: ElemResult = { v: 0, h: null, keep: false };
  const note = (kind: 'info' | 'warn', text: string): void => {
    if (kind === 'info') ctx.annos.info(text, pos);
    else ctx.annos.warn(text, pos);
  };
  const scratch = new StepData(n);
  const simple = op === '+' || op === '-' || op === '*' || op === '/';
  const opc = op === '+' ? OP_ADD : op === '-' ? OP_SUB : op === '*' ? OP_MUL : OP_DIV;
  return lazyVector(n, metas, (x, o) => {
    const [i, r] = pairs[x]!;
    const ld = L.get(i, scratch);
    const rd = Rd[r]!;
    o.reset();
    const lk = ld.k;
    const rk = rd.k;
    const lv = ld.v;
    const rv = rd.v;
    if (simple && ld.h === null && rd.h === null) {
      // Floats only: one tight loop per operator.
      if (oneToMany) simpleFloatOp(opc, rk, lk, rv, lv, o.v, o.k, n);
      else simpleFloatOp(opc, lk, rk, lv, rv, o.v, o.k, n);
      return o;
    }
    for (let j = 0; j < n; j++) {
      const a0 = lk[j];
      const b0 = rk[j];
      if (a0 === K_NONE || b0 === K_NONE) continue;
      // a is the operation's left operand (sides were swapped for group_right).
      const a = oneToMany ? (rv[j] as number) : (lv[j] as number);
      const b = oneToMany ? (lv[j] as number) : (rv[j] as number);
      if (a0 === K_FLOAT && b0 === K_FLOAT) {
        if (simple) {
          o.v[j] = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
          o.k[j] = K_FLOAT;
          continue;
        }
        if (!cmp && op !== '</' && op !== '>/') {
          o.v[j] = scalarBinop(op, a, b);
          o.k[j] = K_FLOAT;
          continue;
        }
      }
      // Histograms, comparisons and trims: the element operation of the general matcher.
      const lh = a0 === K_HIST ? ld.h![j]! : null;
      const rh = b0 === K_HIST ? rd.h![j]! : null;
      const ok = oneToMany
        ? elemBinop(op, rv[j] as number, lv[j] as number, rh, lh, res, note)
        : elemBinop(op, lv[j] as number, rv[j] as number, lh, rh, res, note);
      if (!ok) continue;
      if (returnBool) {
        o.v[j] = res.keep ? 1 : 0;
        o.k[j] = K_FLOAT;
      } else if (res.keep) {
        if (res.h !== null) o.setHist(j, res.h);
        else {
          o.v[j] = res.v;
          o.k[j] = K_FLOAT;
        }
      }
    }
    return o;
  });
}

const OP_ADD = 0;
const OP_SUB = 1;
const OP_MUL = 2;
const OP_DIV = 3;

/** out = a op b at every step where both sides hold a float (no histograms on either side). */
function simpleFloatOp(
  opc: number,
  ak: Uint8Array,
  bk: Uint8Array,
  av: Float64Array,
  bv: Float64Array,
  ov: Float64Array,
  ok: Uint8Array,
  n: number,
): void {
  switch (opc) {
    case OP_ADD:
      for (let j = 0; j < n; j++) {
        if (ak[j] === K_NONE || bk[j] === K_NONE) continue;
        ov[j] = (av[j] as number) + (bv[j] as number);
        ok[j] = K_FLOAT;
      }
      return;
    case OP_SUB:
      for (let j = 0; j < n; j++) {
        if (ak[j] === K_NONE || bk[j] === K_NONE) continue;
        ov[j] = (av[j] as number) - (bv[j] as number);
        ok[j] = K_FLOAT;
      }
      return;
    case OP_MUL:
      for (let j = 0; j < n; j++) {
        if (ak[j] === K_NONE || bk[j] === K_NONE) continue;
        ov[j] = (av[j] as number) * (bv[j] as number);
        ok[j] = K_FLOAT;
      }
      return;
    default:
      for (let j = 0; j < n; j++) {
        if (ak[j] === K_NONE || bk[j] === K_NONE) continue;
        ov[j] = (av[j] as number) / (bv[j] as number);
        ok[j] = K_FLOAT;
      }
  }
}
