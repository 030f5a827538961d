/**
 * Strongly connected components over the explored state graph, for non-progress
 * cycle detection.
 *
 * The graph is in CSR form as the BFS builds it: states are expanded in index order,
 * so the out-edges of state `v < expanded` are `dst[off[v] .. off[v+1])` (with the
 * actions in `act`); states `>= expanded` (unexpanded when a limit was hit) have no
 * out-edges.
 *
 * A non-progress cycle is a cycle all of whose states are non-progress states
 * (SPIN's `-l` semantics, with progress marked on states). Such cycles are exactly the
 * cycles of the subgraph induced by the non-progress states, so this runs an
 * iterative Tarjan on that subgraph and reports its non-trivial SCCs (more than one
 * state, or one state with a self-loop). This is deliberately simple: there is no
 * fairness constraint, so a cycle that only exists because a scheduler starves a
 * thread forever is reported too; the model decides what counts as progress.
 */

export interface Csr {
  /** number of states (nodes) */
  n: number;
  /** states with out-edges recorded: 0 .. expanded-1 */
  expanded: number;
  /** length expanded + 1 */
  off: Int32Array;
  dst: Int32Array;
  act: Uint16Array;
}

export interface SccCycle {
  /** smallest state index in the SCC (the one discovered first, so at the least depth) */
  entry: number;
  /** states in the SCC */
  size: number;
  /** actions of a shortest cycle from `entry` back to `entry` inside the SCC */
  cycle: number[];
}

export interface SccResult {
  /** non-trivial SCCs of the non-progress subgraph */
  count: number;
  /** up to `maxCycles` of them, by increasing entry index */
  cycles: SccCycle[];
}

/**
 * Non-trivial SCCs of the subgraph induced by states with `progress[v] === 0`.
 */
export function nonProgressSccs(g: Csr, progress: Uint8Array, maxCycles: number): SccResult {
  const { n, expanded, off, dst } = g;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callV = new Int32Array(n);
  const callE = new Int32Array(n);
  let sp = 0;
  let csp = 0;
  let next = 0;
  let ncomp = 0;
  /** (entry, size, compId) of non-trivial components */
  const found: { entry: number; size: number; comp: number }[] = [];

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || progress[root] !== 0) continue;
    index[root] = low[root] = next++;
    stack[sp++] = root;
    onStack[root] = 1;
    callV[csp] = root;
    callE[csp] = root < expanded ? off[root] : 0;
    csp++;
    while (csp > 0) {
      const v = callV[csp - 1];
      const e = callE[csp - 1];
      if (v < expanded && e < off[v + 1]) {
        callE[csp - 1] = e + 1;
        const w = dst[e];
        if (progress[w] !== 0) continue;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack[sp++] = w;
          onStack[w] = 1;
          callV[csp] = w;
          callE[csp] = w < expanded ? off[w] : 0;
          csp++;
        } else if (onStack[w] !== 0 && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      // v is finished
      if (low[v] === index[v]) {
        let size = 0;
        let entry = v;
        let w: number;
        do {
          w = stack[--sp];
          onStack[w] = 0;
          comp[w] = ncomp;
          if (w < entry) entry = w;
          size++;
        } while (w !== v);
        let nonTrivial = size > 1;
        if (!nonTrivial && v < expanded) {
          for (let k = off[v]; k < off[v + 1]; k++) if (dst[k] === v) nonTrivial = true;
        }
        if (nonTrivial) found.push({ entry, size, comp: ncomp });
        ncomp++;
      }
      csp--;
      if (csp > 0) {
        const u = callV[csp - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }

  found.sort((a, b) => a.entry - b.entry);
  const cycles: SccCycle[] = [];
  if (found.length > 0 && maxCycles > 0) {
    const predNode = new Int32Array(n).fill(-1);
    const predEdge = new Int32Array(n);
    for (const f of found.slice(0, maxCycles)) {
      cycles.push({ entry: f.entry, size: f.size, cycle: shortestCycle(g, comp, f.comp, f.entry, predNode, predEdge) });
    }
  }
  return { count: found.length, cycles };
}

/** BFS inside component `c` from `entry` back to `entry`; the pred arrays are reset after use */
function shortestCycle(g: Csr, comp: Int32Array, c: number, entry: number, predNode: Int32Array, predEdge: Int32Array): number[] {
  const { expanded, off, dst, act } = g;
  const queue: number[] = [entry];
  const touched: number[] = [];
  let closing = -1; // edge index u -> entry
  for (let qi = 0; qi < queue.length && closing < 0; qi++) {
    const u = queue[qi];
    if (u >= expanded) continue;
    for (let k = off[u]; k < off[u + 1]; k++) {
      const w = dst[k];
      if (comp[w] !== c) continue;
      if (w === entry) {
        closing = k;
        predNode[entry] = u; // temporarily, for the walk back below
        break;
      }
      if (predNode[w] === -1) {
        predNode[w] = u;
        predEdge[w] = k;
        touched.push(w);
        queue.push(w);
      }
    }
  }
  if (closing < 0) throw new Error('internal: SCC entry has no cycle');
  const actions: number[] = [act[closing]];
  let v = predNode[entry];
  while (v !== entry) {
    actions.push(act[predEdge[v]]);
    v = predNode[v];
  }
  actions.reverse();
  predNode[entry] = -1;
  for (const w of touched) predNode[w] = -1;
  return actions;
}
