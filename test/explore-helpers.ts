/** Shared by the explorer's tests (test/explore*.test.ts). */
import fc from 'fast-check';
import type { ExploreResult } from '../src/explore/bfs.ts';
import type { Graph } from './models/toys.ts';

/** the parts of a result that do not depend on timing, memory or the frontier's layout */
export function essence(r: ExploreResult) {
  return {
    complete: r.complete,
    limitHit: r.limitHit,
    states: r.states,
    initialStates: r.initialStates,
    transitions: r.transitions,
    depth: r.depth,
    terminalStates: r.terminalStates,
    violations: [...r.violations.entries()],
    labels: [...r.labels.entries()],
    cycles: r.cycles,
  };
}

/** random graphs for toys.ts's graphModel: up to `maxNodes` nodes of up to `maxOut` successors */
export const graphArb = (maxNodes: number, maxOut: number): fc.Arbitrary<Graph> =>
  fc.integer({ min: 1, max: maxNodes }).chain((n) =>
    fc.record({
      succ: fc.array(fc.array(fc.nat({ max: n - 1 }), { maxLength: maxOut }), { minLength: n, maxLength: n }),
      init: fc.array(fc.nat({ max: n - 1 }), { minLength: 1, maxLength: 3 }),
      bad: fc.array(fc.nat({ max: n - 1 }), { maxLength: 3 }),
      badTerminal: fc.array(fc.nat({ max: n - 1 }), { maxLength: 5 }),
      labelled: fc.array(fc.nat({ max: n - 1 }), { maxLength: 6 }),
      progress: fc.array(fc.nat({ max: n - 1 }), { maxLength: n }),
      pad: fc.nat({ max: 7 }),
    }),
  );
