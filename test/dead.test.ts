/**
 * The dead-variable reduction (Machine.dead, the compiler's liveness) keeps every verdict
 * and every depth, never adds states, and each counterexample it finds is a run of the
 * engine without it.
 */
import { describe, expect, it } from 'vitest';
import { EngineModel } from '../src/engine/model.ts';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { invariants } from '../src/check/invariants.ts';
import { explore } from '../src/explore/bfs.ts';

const CASES: [string, string][] = [
  ['2.5.62', 'sync-and-async'],
  ['mar05', 'uncached-read'],
  ['mar14', 'getevents-timeout'],
  ['mar14', 'io-destroy'],
  ['proposed', 'uncached-read'],
];

describe('dead-variable reduction', () => {
  for (const [v, w] of CASES)
    it(`${v} / ${w}: same verdicts and depths, no more states, counterexamples replay without it`, () => {
      const run = (dead: boolean) => {
        const m = new EngineModel(VARIANTS[v], WORKLOADS[w], invariants, { dead, transient: true });
        return { m, r: explore(m, { maxStates: 400_000 }) };
      };
      const on = run(true);
      const off = run(false);
      expect(on.r.complete && off.r.complete).toBe(true);
      expect(on.r.states).toBeLessThanOrEqual(off.r.states);
      const verdicts = (r: typeof on.r) => [...r.violations.entries()].map(([k, x]) => `${k}@${x.depth}`).sort();
      expect(verdicts(on.r)).toEqual(verdicts(off.r));
      expect([...on.r.labels.entries()].map(([l, h]) => `${l}@${h.depth}`).sort()).toEqual([...off.r.labels.entries()].map(([l, h]) => `${l}@${h.depth}`).sort());
      // each reduced counterexample is a run of the engine without the reduction (every action enabled in turn)
      for (const [name, viol] of on.r.violations) {
        let s = off.m.init()[viol.initIndex];
        for (const a of viol.path) {
          const t = off.m.next(s, a);
          expect(t, `${name}: action ${a} enabled`).not.toBeNull();
          s = new Int32Array(t!);
        }
      }
    });
});
