/**
 * Property-based cross-check of explore() against the naive reference explorer
 * (test/models/reference.ts) on random small graphs, with a tiny initial table so
 * that the fingerprint table and the per-state arrays grow many times.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explore, replayPath, replayViolation } from '../src/explore/bfs.ts';
import { referenceExplore } from './models/reference.ts';
import { graphModel, type Graph } from './models/toys.ts';
import { graphArb } from './explore-helpers.ts';

function checkAgainstReference(g: Graph, depthBoundAtDiameter = false): void {
  const m = graphModel(g);
  const ref = referenceExplore(m);
  const r = explore(m, { initialCapacity: 16, storeEdges: true, ...(depthBoundAtDiameter ? { maxDepth: ref.depth } : {}) });
  expect(r.complete).toBe(true);
  expect(r.states).toBe(ref.states);
  expect(r.transitions).toBe(ref.transitions);
  expect(r.terminalStates).toBe(ref.terminalStates);
  expect(r.depth).toBe(ref.depth);
  for (const p of m.properties) {
    expect(r.violations.get(p.name)?.depth).toBe(ref.violations.get(p.name));
  }
  for (const v of r.violations.values()) {
    const tr = replayViolation(m, v);
    expect(tr.actions).toHaveLength(v.depth);
  }
  expect(new Map([...r.labels].map(([l, h]) => [l, h.depth]))).toEqual(ref.labels);
  for (const [l, h] of r.labels) {
    expect(replayPath(m, h.initIndex, h.path).labels.at(-1)).toContain(l);
  }
  const c = r.cycles!;
  expect(c.checked).toBe(true);
  if (!c.checked) return;
  expect(c.nonProgressSccs > 0).toBe(ref.nonProgressCycle);
  for (const cyc of c.cycles) {
    const tr = replayPath(m, cyc.initIndex, [...cyc.prefix, ...cyc.cycle]);
    const loop = tr.states.slice(cyc.prefix.length);
    expect(loop.at(-1)![0]).toBe(loop[0][0]);
    for (const s of loop) expect(m.isProgress!(s)).toBe(false);
  }
}

describe('explore() agrees with a naive reference BFS', () => {
  it('on random small graphs', () => {
    fc.assert(fc.property(graphArb(40, 3), (g) => checkAgainstReference(g)), { numRuns: 300 });
  });

  it('with maxDepth equal to the greatest depth (the last level is expanded at the bound)', () => {
    fc.assert(
      fc.property(graphArb(40, 3), (g) => checkAgainstReference(g, true)),
      { numRuns: 200 },
    );
  });

  it('on random larger graphs (many table growths)', () => {
    fc.assert(fc.property(graphArb(3000, 4), (g) => checkAgainstReference(g)), { numRuns: 40 });
  });

  it('under maxStates: the count is capped and completeness is exact', () => {
    fc.assert(
      fc.property(graphArb(200, 3), fc.integer({ min: 1, max: 250 }), (g, maxStates) => {
        const m = graphModel(g);
        const ref = referenceExplore(m);
        const r = explore(m, { maxStates, initialCapacity: 16 });
        expect(r.states).toBe(Math.min(maxStates, ref.states));
        expect(r.complete).toBe(ref.states <= maxStates);
        if (!r.complete) expect(r.limitHit).toBe('maxStates');
      }),
      { numRuns: 200 },
    );
  });

  it('under maxDepth: exactly the states within the bound', () => {
    fc.assert(
      fc.property(graphArb(200, 3), fc.integer({ min: 0, max: 12 }), (g, maxDepth) => {
        const m = graphModel(g);
        const ref = referenceExplore(m);
        const r = explore(m, { maxDepth, initialCapacity: 16 });
        const within = ref.depthCounts.slice(0, maxDepth + 1).reduce((a, b) => a + b, 0);
        expect(r.states).toBe(within);
        expect(r.depth).toBe(Math.min(maxDepth, ref.depth));
        expect(r.complete).toBe(ref.depth <= maxDepth);
        // violations within the bound are found at their shortest depth
        for (const p of m.properties) {
          const d = ref.violations.get(p.name);
          if (d !== undefined && d <= maxDepth) expect(r.violations.get(p.name)?.depth).toBe(d);
        }
      }),
      { numRuns: 200 },
    );
  });
});
