import { ExecutionError } from '../../model/index.ts';
import type { CallNode, PNode } from './plan.ts';
import type { Grid, Value, VectorValue } from './types.ts';

/** What info() needs from the evaluator (kept as an interface to avoid an import cycle). */
export interface InfoHost {
  evalVector(node: PNode, grid: Grid): VectorValue;
}

/** The experimental info() function. */
export function evalInfo(_host: InfoHost, _node: CallNode, _grid: Grid): Value {
  throw new ExecutionError('function "info" is not supported yet');
}
