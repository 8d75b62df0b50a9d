import { CounterResetHint, ExecutionError, type FloatHistogram } from '../../model/index.ts';
import type { BinaryOp } from '../parser/ast.ts';
import {
  addInPlace,
  compactInPlace,
  copyHistogram,
  divInPlace,
  histogramsEqual,
  IncompatibleSchemaError,
  mulInPlace,
} from './histogram.ts';
import { trimHistogram } from './histogram-trim.ts';

/** Binary operators on single elements: floats (Go's float semantics) and native histograms. */

export const ARITHMETIC = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^', 'atan2']);
const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

export function isComparison(op: BinaryOp): boolean {
  return COMPARISON.has(op);
}

/** Go's math.Mod: result has the sign of the dividend. */
function goMod(a: number, b: number): number {
  return a % b;
}

/** Float op float; comparisons return 1/0 (scalar–scalar with `bool`). */
export function scalarBinop(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '^':
      return Math.pow(a, b);
    case '%':
      return goMod(a, b);
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case 'atan2':
      return Math.atan2(a, b);
    default:
      throw new ExecutionError(`operator "${op}" not allowed for Scalar operations`);
  }
}

/** Result of one element operation. */
export interface ElemResult {
  v: number;
  h: FloatHistogram | null;
  keep: boolean;
}

/**
 * One element pair (Prometheus vectorElemBinop). Reports incompatible combinations as info
 * annotations and histogram problems as warnings, through `note`.
 */
export function elemBinop(
  op: BinaryOp,
  lf: number,
  rf: number,
  lh: FloatHistogram | null,
  rh: FloatHistogram | null,
  res: ElemResult,
  note: (kind: 'info' | 'warn', text: string) => void,
): boolean {
  res.h = null;
  if (lh === null && rh === null) {
    switch (op) {
      case '==':
        res.v = lf;
        res.keep = lf === rf;
        return true;
      case '!=':
        res.v = lf;
        res.keep = lf !== rf;
        return true;
      case '>':
        res.v = lf;
        res.keep = lf > rf;
        return true;
      case '<':
        res.v = lf;
        res.keep = lf < rf;
        return true;
      case '>=':
        res.v = lf;
        res.keep = lf >= rf;
        return true;
      case '<=':
        res.v = lf;
        res.keep = lf <= rf;
        return true;
      case '</':
      case '>/':
        note('info', `incompatible sample types encountered for binary operator "${op}": float ${op} float`);
        return false;
      default:
        res.v = scalarBinop(op, lf, rf);
        res.keep = true;
        return true;
    }
  }
  if (lh === null && rh !== null) {
    if (op === '*') {
      res.h = compactInPlace(mulInPlace(copyHistogram(rh), lf));
      res.keep = true;
      return true;
    }
    note('info', `incompatible sample types encountered for binary operator "${op}": float ${op} histogram`);
    return false;
  }
  if (lh !== null && rh === null) {
    switch (op) {
      case '*':
        res.h = compactInPlace(mulInPlace(copyHistogram(lh), rf));
        res.keep = true;
        return true;
      case '/':
        res.h = compactInPlace(divInPlace(copyHistogram(lh), rf));
        res.keep = true;
        return true;
      case '</':
      case '>/':
        res.h = trimHistogram(copyHistogram(lh), rf, op === '</');
        res.keep = true;
        return true;
      default:
        note(
          'info',
          `incompatible sample types encountered for binary operator "${op}": histogram ${op} float`,
        );
        return false;
    }
  }
  const a = lh as FloatHistogram;
  const b = rh as FloatHistogram;
  switch (op) {
    case '+':
    case '-': {
      const h = copyHistogram(a);
      try {
        const r = addInPlace(h, b, op === '-');
        if (op === '-') h.counterResetHint = CounterResetHint.Gauge;
        const opName = op === '+' ? 'addition' : 'subtraction';
        if (r.counterResetCollision) note('warn', `conflicting counter resets during histogram ${opName}`);
        if (r.nhcbBoundsReconciled)
          note('info', `mismatched custom buckets were reconciled during ${opName}`);
      } catch (err) {
        if (err instanceof IncompatibleSchemaError) {
          note('warn', `incompatible bucket layout encountered for binary operator ${op}`);
          return false;
        }
        throw err;
      }
      res.h = compactInPlace(h);
      res.keep = true;
      return true;
    }
    case '==':
      res.h = a;
      res.keep = histogramsEqual(a, b);
      return true;
    case '!=':
      res.h = a;
      res.keep = !histogramsEqual(a, b);
      return true;
    default:
      note(
        'info',
        `incompatible sample types encountered for binary operator "${op}": histogram ${op} histogram`,
      );
      return false;
  }
}

// ---------------------------------------------------------------------------------------------

/** scalar op scalar. */
export function binaryScalarScalar(op: BinaryOp, a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let j = 0; j < a.length; j++) out[j] = scalarBinop(op, a[j] as number, b[j] as number);
  return out;
}
