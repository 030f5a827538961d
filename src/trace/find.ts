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

export function findCounterexample(v: Variant, w: Workload, inv: InvariantName, bounds: { maxStates: number; maxSeconds: number }, noReduce: NoReduce = false): Found {
  const model = new EngineModel(v, w, (k) => invariants(k).filter((p) => p.name === inv), machineReductions(noReduce));
  const r = explore(model, { maxStates: bounds.maxStates, maxSeconds: bounds.maxSeconds, stopOn: 'first-violation' });
  const viol = r.violations.get(inv);
  return { path: viol ? viol.path : null, reason: viol ? viol.reason : null, states: r.states, depth: r.depth, complete: r.complete };
}
