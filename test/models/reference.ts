/**
 * A deliberately naive reference explorer (Map<string> visited set, full states kept,
 * no hash compaction) used to cross-check `explore()` in the tests. Slow; only for
 * small models.
 */
import type { Model, State } from '../../src/explore/model.ts';

export interface ReferenceResult {
  states: number;
  transitions: number;
  terminalStates: number;
  /** greatest BFS depth of a reachable state */
  depth: number;
  /** depthCounts[d] = states at BFS depth d */
  depthCounts: number[];
  /** property -> depth of a shortest violation */
  violations: Map<string, number>;
  /** label -> length of a shortest path whose last transition emits it */
  labels: Map<string, number>;
  /** whether some cycle of reachable states contains no progress state (needs isProgress) */
  nonProgressCycle: boolean | undefined;
}

const key = (s: State): string => `${s.length}:${s.join(',')}`;

export function referenceExplore(model: Model): ReferenceResult {
  const depthOf = new Map<string, number>();
  const states: State[] = [];
  const violations = new Map<string, number>();
  const labels = new Map<string, number>();
  const edges: number[][] = [];
  let transitions = 0;
  let terminal = 0;
  let maxDepth = 0;
  const indexOf = new Map<string, number>();
  const add = (s: State, d: number): number => {
    const k = key(s);
    const i = indexOf.get(k);
    if (i !== undefined) return i;
    indexOf.set(k, states.length);
    depthOf.set(k, d);
    states.push(s);
    edges.push([]);
    if (d > maxDepth) maxDepth = d;
    for (const p of model.properties) {
      if (p.kind === 'always' && !violations.has(p.name) && p.check(s) !== null) violations.set(p.name, d);
    }
    return states.length - 1;
  };
  for (const s of model.init()) add(s, 0);
  for (let qi = 0; qi < states.length; qi++) {
    const s = states[qi];
    const d = depthOf.get(key(s))!;
    const acts: number[] = [];
    model.actions(s, acts);
    let succ = 0;
    for (const a of acts) {
      const t = model.next(s, a);
      if (t === null) continue;
      succ++;
      transitions++;
      for (const l of model.lastLabels?.() ?? []) if (!labels.has(l)) labels.set(l, d + 1);
      edges[qi].push(add(t, d + 1));
    }
    if (succ === 0) {
      terminal++;
      for (const p of model.properties) {
        if (p.kind === 'at-quiescence' && !violations.has(p.name) && p.check(s) !== null) violations.set(p.name, d);
      }
    }
  }
  let nonProgressCycle: boolean | undefined;
  if (model.isProgress) {
    // Kahn's algorithm on the subgraph of non-progress states: a cycle iff some node is never freed
    const np = states.map((s) => !model.isProgress!(s));
    const indeg = new Array<number>(states.length).fill(0);
    for (let u = 0; u < states.length; u++) if (np[u]) for (const v of edges[u]) if (np[v]) indeg[v]++;
    const q: number[] = [];
    let removed = 0;
    let total = 0;
    for (let u = 0; u < states.length; u++) {
      if (!np[u]) continue;
      total++;
      if (indeg[u] === 0) q.push(u);
    }
    while (q.length > 0) {
      const u = q.pop()!;
      removed++;
      for (const v of edges[u]) if (np[v] && --indeg[v] === 0) q.push(v);
    }
    nonProgressCycle = removed < total;
  }
  const depthCounts = new Array<number>(maxDepth + 1).fill(0);
  for (const d of depthOf.values()) depthCounts[d]++;
  return { states: states.length, transitions, terminalStates: terminal, depth: maxDepth, depthCounts, violations, labels, nonProgressCycle };
}
