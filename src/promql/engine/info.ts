import { ExecutionError, Labels, METRIC_NAME, type Matcher } from '../../model/index.ts';
import type { EvalContext } from './context.ts';
import { effectiveInfoNameMatchers, type CallNode, type PNode, type VSelNode } from './plan.ts';
import { evalVectorSelector } from './selector.ts';
import {
  K_FLOAT,
  K_NONE,
  materializedVector,
  StepData,
  type Grid,
  type SeriesMeta,
  type VectorValue,
} from './types.ts';
import { labelsToString } from './label-util.ts';
import { materialize, SAME_LABELSET } from './vector-util.ts';

/** What info() needs from the evaluator (an interface, to avoid an import cycle). */
export interface InfoHost {
  readonly ctx: EvalContext;
  evalVector(node: PNode, grid: Grid): VectorValue;
}

/** The labels that identify the target an info series belongs to. */
const IDENTIFYING = ['instance', 'job'];

/**
 * The experimental info(v, {selector}) function: adds the data labels of matching info series
 * (`target_info` by default), joined on `instance` and `job`, to every series of v. Follows
 * Prometheus's info.go: info series are selected up front (prepare phase) by name and data-label
 * matchers and narrowed here to the identifying-label values present in v.
 */
export function evalInfo(host: InfoHost, node: CallNode, grid: Grid): VectorValue {
  const ctx = host.ctx;
  const base = materialize(host.evalVector(node.args[0]!, grid), ctx);
  const n = base.n;
  const info = node.info!;
  const labelSel = node.args[1];
  const written = labelSel !== undefined && labelSel.k === 'vsel' ? labelSel.matchers : [];
  // Data-label matchers by label name (not __name__: that picks the info metrics).
  const dataMatchers = new Map<string, Matcher[]>();
  for (const m of written) {
    if (m.name === METRIC_NAME) continue;
    let list = dataMatchers.get(m.name);
    if (list === undefined) dataMatchers.set(m.name, (list = []));
    list.push(m);
  }
  const nameMatchers = effectiveInfoNameMatchers(written);
  // Info series themselves are not enriched.
  const ignore = base.metas.map((m) => nameMatchers.every((x) => x.matches(m.labels.get(METRIC_NAME))));
  const idValues = new Map<string, Set<string>>();
  base.metas.forEach((m, i) => {
    if (ignore[i]) return;
    for (const l of IDENTIFYING) {
      const v = m.labels.get(l);
      if (v === '') continue;
      let set = idValues.get(l);
      if (set === undefined) idValues.set(l, (set = new Set()));
      set.add(v);
    }
  });
  let infoSeries = idValues.size === 0 ? [] : info.sel.series;
  infoSeries = infoSeries.filter((s) => [...idValues].every(([l, vals]) => vals.has(s.labels.get(l))));
  const infoSel: VSelNode = { ...info.sel, series: infoSeries };
  const im = materialize(evalVectorSelector(infoSel, grid, ctx, 'infots'), ctx);
  const infoNames = new Set<string>();
  im.metas.forEach((m, i) => {
    if (im.data![i]!.any()) infoNames.add(m.labels.get(METRIC_NAME));
  });
  const sig = (name: string, l: Labels): string => {
    let s = `${name}\xff`;
    for (const id of IDENTIFYING) s += `${l.get(id)}\xff`;
    return s;
  };
  const allMatchEmpty = [...dataMatchers.values()].every((ms) => ms.every((m) => m.matchesEmpty));

  const outIndex = new Map<string, number>();
  const metas: SeriesMeta[] = [];
  const data: StepData[] = [];
  const emit = (labels: Labels, dropName: boolean, src: StepData, j: number): void => {
    const key = labels.key();
    let oi = outIndex.get(key);
    if (oi === undefined) {
      oi = metas.length;
      outIndex.set(key, oi);
      metas.push({ labels, dropName });
      data.push(new StepData(n));
    }
    const o = data[oi]!;
    if (o.k[j] !== K_NONE) throw new ExecutionError(SAME_LABELSET);
    if (src.k[j] === K_FLOAT) {
      o.v[j] = src.v[j] as number;
      o.k[j] = K_FLOAT;
    } else o.setHist(j, src.h![j]!);
  };
  for (let j = 0; j < n; j++) {
    // Newest info sample per (name, identifying labels).
    const bySig = new Map<string, { t: number; i: number }>();
    for (let i = 0; i < im.metas.length; i++) {
      const d = im.data![i]!;
      if (d.k[j] === K_NONE) continue;
      const t = d.v[j] as number;
      const l = im.metas[i]!.labels;
      const s = sig(l.get(METRIC_NAME), l);
      const prev = bySig.get(s);
      if (prev === undefined || prev.t < t) bySig.set(s, { t, i });
      else if (prev.t === t) {
        throw new ExecutionError(
          `found duplicate series for info metric: existing ${labelsToString(im.metas[prev.i]!.labels)} @ ${prev.t}, new ${labelsToString(l)} @ ${t}`,
        );
      }
    }
    for (let i = 0; i < base.metas.length; i++) {
      const bd = base.data![i]!;
      if (bd.k[j] === K_NONE) continue;
      const bl = base.metas[i]!.labels;
      const dropName = base.metas[i]!.dropName;
      if (ignore[i]) {
        emit(bl, dropName, bd, j);
        continue;
      }
      const add = new Map<string, string>();
      let seen = 0;
      for (const name of infoNames) {
        const hit = bySig.get(sig(name, bl));
        if (hit === undefined) continue;
        seen++;
        im.metas[hit.i]!.labels.forEach((ln, lv) => {
          if (ln === METRIC_NAME) return;
          if (dataMatchers.size > 0 && !dataMatchers.has(ln)) return;
          const have = add.get(ln);
          if (have !== undefined && have !== lv) throw new ExecutionError(`conflicting label: ${ln}`);
          if (bl.has(ln)) return;
          add.set(ln, lv);
        });
      }
      if (seen === 0 && !allMatchEmpty) continue;
      let labels = bl;
      for (const [ln, lv] of add) labels = labels.with(ln, lv);
      emit(labels, dropName, bd, j);
    }
  }
  return materializedVector(n, metas, data);
}

export { Labels };
