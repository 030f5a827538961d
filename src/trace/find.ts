/**
 * Finding the shortest counterexample for one invariant: a breadth-first
 * exploration checking only that invariant, so the first violation is a shortest one.
 */
import { explore } from '../explore/bfs.ts';
import { machineReductions, type NoReduce } from '../engine/reductions.ts';
import { EngineModel } from '../engine/model.ts';
import type { Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import { invariants, type InvariantName } from '../check/invariants.ts';

export interface Found {
  path: number[] | null;
  reason: string | null;
  states: number;
  depth: number;
  complete: boolean;
}

/**
 * The shortest path to a transition that emits a diagnostic whose label contains `label`
 * (printk / WARN_ON / BUG / oops): an exploration without properties; the shortest among
 * the matching labels when several do.
 */
/** `reason` of the result: the full label found */
export function findLabel(v: Variant, w: Workload, label: string, bounds: { maxStates: number; maxSeconds: number }, noReduce: NoReduce = false): Found {
  const model = new EngineModel(v, w, () => [], machineReductions(noReduce));
  const r = explore(model, { maxStates: bounds.maxStates, maxSeconds: bounds.maxSeconds });
  let best: { label: string; path: number[] } | null = null;
  for (const [l, hit] of r.labels) if (l.includes(label) && (best === null || hit.path.length < best.path.length)) best = { label: l, path: hit.path };
  return { path: best?.path ?? null, reason: best?.label ?? null, states: r.states, depth: r.depth, complete: r.complete };
}

export function findCounterexample(v: Variant, w: Workload, inv: InvariantName, bounds: { maxStates: number; maxSeconds: number }, noReduce: NoReduce = false): Found {
  const model = new EngineModel(v, w, (k) => invariants(k).filter((p) => p.name === inv), machineReductions(noReduce));
  const r = explore(model, { maxStates: bounds.maxStates, maxSeconds: bounds.maxSeconds, stopOn: 'first-violation' });
  const viol = r.violations.get(inv);
  return { path: viol ? viol.path : null, reason: viol ? viol.reason : null, states: r.states, depth: r.depth, complete: r.complete };
}
