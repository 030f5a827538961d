/**
 * Where an exploration's time goes, without timing every call (a `performance.now()`
 * pair costs ~0.1-0.3 us here, as much as some of what it would time):
 *
 *  1. collect the first `sample` states the explorer expands (BFS order);
 *  2. replay the engine's work on them in a bare loop: `actions(s)`, then for each
 *     enabled action `step(s, lo, hi, a)` (the model's fast path, when it has one) or
 *     `next(s, a)`, exactly the calls the explorer makes -> engine microseconds per
 *     transition (the packing of new successors, which the fast path does only for
 *     them, is counted with the explorer);
 *  3. run every property's `check` on them in a bare loop -> property microseconds per
 *     state;
 *  4. what the full exploration took beyond those two is the explorer's own cost
 *     (fingerprints, visited table, frontier copies, bookkeeping, its share of GC).
 *
 * Each loop is timed best-of-`reps` (at least 2), like the exploration it is compared with.
 */
import { isIncremental, type Model, type State } from '../explore/model.ts';

/** the first `n` states `model` is asked to expand by an exploration (run by `run`) */
export function collectExpanded(model: Model, n: number, run: (m: Model) => void): State[] {
  const states: State[] = [];
  const spy: Model = {
    init: () => model.init(),
    actions(s, out) {
      if (states.length < n) states.push(s.slice());
      model.actions(s, out);
    },
    next: (s, a) => model.next(s, a),
    properties: [],
  };
  run(spy);
  return states;
}

export interface EngineCost {
  states: number;
  transitions: number;
  /** microseconds per transition in actions + next (best of reps) */
  engineUsPerTransition: number;
  /** microseconds per state for all properties' checks (best of reps) */
  propertiesUsPerState: number;
}

export function engineCost(model: Model, states: readonly State[], repsWanted: number): EngineCost {
  // at least two passes: the first one may still be compiling a fresh model's closures
  const reps = Math.max(2, repsWanted);
  const acts: number[] = [];
  let transitions = 0;
  let best = Infinity;
  const inc = isIncremental(model) ? model : null;
  const fast = inc !== null;
  const fps = new Int32Array(2 * states.length);
  const out = new Int32Array(2);
  if (fast) {
    for (let i = 0; i < states.length; i++) {
      inc!.fingerprint(states[i], out);
      fps[2 * i] = out[0];
      fps[2 * i + 1] = out[1];
    }
  }
  for (let r = 0; r < reps; r++) {
    transitions = 0;
    const t0 = performance.now();
    for (let i = 0; i < states.length; i++) {
      const s = states[i];
      acts.length = 0;
      model.actions(s, acts);
      for (let k = 0; k < acts.length; k++) {
        if (fast ? inc!.step(s, fps[2 * i], fps[2 * i + 1], acts[k], out) : model.next(s, acts[k]) !== null) transitions++;
      }
    }
    best = Math.min(best, performance.now() - t0);
  }
  let bestP = Infinity;
  const props = model.properties;
  let sink = 0;
  for (let r = 0; r < reps && props.length > 0; r++) {
    const t0 = performance.now();
    for (let i = 0; i < states.length; i++) {
      for (let j = 0; j < props.length; j++) if (props[j].check(states[i]) !== null) sink++;
    }
    bestP = Math.min(bestP, performance.now() - t0);
  }
  return {
    states: states.length,
    transitions,
    engineUsPerTransition: transitions > 0 ? (best * 1000) / transitions : 0,
    propertiesUsPerState: props.length > 0 && states.length > 0 ? (bestP * 1000) / states.length + 0 * sink : 0,
  };
}
