/**
 * Randomized runs of the real engine (src/random): fast-check-generated schedules
 * never break the engine itself; known violations are found by random search,
 * shrunk by fast-check and reproduced on a fresh model; PCT beats uniform choice
 * on a violation that needs the submitter to sleep before the interrupt; a random
 * failure exports in all four trace formats.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EngineModel } from '../src/engine/model.ts';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import type { Workload } from '../src/engine/workload.ts';
import { invariants } from '../src/check/invariants.ts';
import { isInvariant } from '../src/check/invariants.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { buildTrace } from '../src/trace/trace.ts';
import { formatITF, formatJSON, formatMermaid, formatText } from '../src/trace/format.ts';
import { parseTraceFile, replayTraceFile } from '../src/trace/replay.ts';
import { LARGER, anyWorkloadByName } from '../src/random/larger.ts';
import {
  checkActions,
  engineModel,
  estimateRunLength,
  explicitSchedule,
  fcSearch,
  fcShrink,
  median,
  randomSearch,
  runChecked,
  scheduleArb,
  scheduleChooser,
  selectProps,
} from '../src/random/run.ts';
import { engineThreadOf, makeStrategy, pctStrategy, type StrategyName } from '../src/random/strategies.ts';

const models = new Map<string, ReturnType<typeof engineModel>>();
function cached(v: string, w: Workload) {
  const key = `${v}/${w.name}`;
  let m = models.get(key);
  if (!m) models.set(key, (m = engineModel(VARIANTS[v], w)));
  return m;
}

/** does a fresh model (nothing shared with the search) reach a violation of `inv` along `actions`? */
function reproducesOnFreshModel(v: string, w: Workload, actions: readonly number[], inv: string) {
  const fresh = new EngineModel(VARIANTS[v], w, invariants);
  return checkActions(fresh, actions, selectProps(fresh, [inv]));
}

describe('strategies', () => {
  it('are deterministic: the same seed gives the same run', () => {
    const { model, threadOf } = cached('mar05', WORKLOADS['two-iocbs-shared-bucket']);
    for (const s of ['uniform', 'pct', 'pb'] as StrategyName[]) {
      const a = runChecked(model, makeStrategy(s, 7, { threadOf, steps: 100 }), { props: [] });
      const b = runChecked(model, makeStrategy(s, 7, { threadOf, steps: 100 }), { props: [] });
      expect(b.actions).toEqual(a.actions);
      expect(a.outcome).toBe('terminated');
    }
  });

  it('PCT runs the highest-priority thread until a change point', () => {
    // two always-enabled threads 0 and 1: with depth 1 (no change points) one thread only ever runs
    const c = pctStrategy(3, { depth: 1, steps: 10 });
    const picks = Array.from({ length: 20 }, (_, i) => c([0, 1], i));
    expect(new Set(picks).size).toBe(1);
    // with depth 2 there is one switch within the first 10 steps, and never back
    const c2 = pctStrategy(3, { depth: 2, steps: 10 });
    const p2 = Array.from({ length: 20 }, (_, i) => c2([0, 1], i));
    const switches = p2.slice(1).filter((x, i) => x !== p2[i]).length;
    expect(switches).toBe(1);
  });

  it('an interrupt source is one PCT thread whichever CPU it is delivered on', () => {
    const t = engineThreadOf(5, 2);
    expect([t(0), t(4), t(5), t(6), t(7), t(8)]).toEqual([0, 4, 5, 5, 6, 6]);
  });

  it('explicit schedules replay the actions they were made from', () => {
    const { model, threadOf } = cached('mar05', WORKLOADS['uncached-read']);
    const r = runChecked(model, makeStrategy('pb', 11, { threadOf }), { props: [] });
    const s = explicitSchedule(model, r.actions);
    const again = runChecked(model, scheduleChooser(s), { props: [] });
    expect(again.actions).toEqual(r.actions);
  });
});

describe('random schedules never break the engine', () => {
  const workloads = [
    WORKLOADS['uncached-read'],
    WORKLOADS['two-iocbs-shared-bucket'],
    WORKLOADS['sync-and-async'],
    WORKLOADS['getevents-timeout'],
    LARGER['three-iocbs-four-pages'],
    LARGER['two-iocbs-and-sync-reader'],
  ];
  for (const v of Object.keys(VARIANTS)) {
    it(`${v}: 50 fast-check schedules per variant, no engine-sanity violation, each run terminates or hits the step limit`, () => {
      const maxSteps = 150;
      const outcomes = { terminated: 0, 'step-limit': 0 };
      fc.assert(
        fc.property(fc.constantFrom(...workloads), scheduleArb(), (w, sched) => {
          const { model, threadOf } = cached(v, w);
          const r = runChecked(model, scheduleChooser(sched, { threadOf, steps: 100 }), { maxSteps, props: selectProps(model, ['engine-sanity']) });
          expect(r.violation).toBeNull();
          expect(['terminated', 'step-limit']).toContain(r.outcome);
          if (r.outcome === 'step-limit') expect(r.actions).toHaveLength(maxSteps);
          outcomes[r.outcome as 'terminated' | 'step-limit']++;
          expect((model.k as { lastError?: unknown }).lastError).toBeUndefined();
        }),
        { numRuns: 50, seed: 20030314 },
      );
      expect(outcomes.terminated + outcomes['step-limit']).toBe(50);
    }, 30_000);
  }
});

describe('random search finds known violations, fast-check shrinks them, a fresh model replays them', () => {
  it('mar14 cached-read memory-safety: fast-check-generated schedules', () => {
    const w = WORKLOADS['cached-read'];
    const { model, threadOf } = cached('mar14', w);
    const r = fcSearch(model, { numRuns: 200, seed: 42, invariants: ['memory-safety'], strategyOpts: { threadOf, steps: estimateRunLength(model, 8, undefined, threadOf) } });
    expect(r.failure).not.toBeNull();
    const f = r.failure!;
    expect(f.violation.invariant).toBe('memory-safety');
    expect(f.violation.reason).toMatch(/NULL pointer dereference/);
    // shrunk: no explicit choices left and a run about as long as the shortest counterexample (33 steps)
    expect(f.schedule.choices.length).toBeLessThanOrEqual(2);
    expect(f.actions.length).toBeLessThanOrEqual(45);
    // fast-check's seed and path replay the shrunk schedule
    const again = fcSearch(model, { numRuns: 200, seed: f.seed, path: f.path, invariants: ['memory-safety'], strategyOpts: { threadOf, steps: estimateRunLength(model, 8, undefined, threadOf) } });
    expect(again.failure?.actions).toEqual(f.actions);
    const fresh = reproducesOnFreshModel('mar14', w, f.actions, 'memory-safety');
    expect(fresh.divergedAt).toBe(-1);
    expect(fresh.violation?.invariant).toBe('memory-safety');
    expect(fresh.violation?.step).toBe(f.actions.length);
  }, 30_000);

  it('mar05 uncached-read run-list-integrity: preemption-bounded search, fast-check shrink of the run', () => {
    const w = WORKLOADS['uncached-read'];
    const { model, threadOf } = cached('mar05', w);
    const opts = { threadOf, switchProb: 0.1, maxPreemptions: 2 };
    const r = randomSearch(model, { strategy: 'pb', strategyOpts: opts, seed: 1, runs: 20_000, invariants: ['run-list-integrity'] });
    expect(r.run?.violation?.invariant).toBe('run-list-integrity');
    // the failing seed alone replays the run
    const one = randomSearch(model, { strategy: 'pb', strategyOpts: opts, seed: r.failingSeed!, runs: 1, invariants: ['run-list-integrity'] });
    expect(one.run?.actions).toEqual(r.run!.actions);
    const s = fcShrink(model, r.run!.actions, { invariants: ['run-list-integrity'] });
    expect(s).not.toBeNull();
    expect(s!.violation.invariant).toBe('run-list-integrity');
    expect(s!.violation.reason).toMatch(/on the run list after its completion was posted/);
    expect(s!.actions.length).toBeLessThanOrEqual(r.run!.actions.length);
    expect(s!.schedule.fallback).toBe('first');
    const fresh = reproducesOnFreshModel('mar05', w, s!.actions, 'run-list-integrity');
    expect(fresh.divergedAt).toBe(-1);
    expect(fresh.violation?.invariant).toBe('run-list-integrity');
  }, 30_000);

  it('a larger configuration: mar14 three-iocbs-four-pages memory-safety, shrunk and replayed', () => {
    const w = LARGER['three-iocbs-four-pages'];
    const { model, threadOf } = cached('mar14', w);
    const r = randomSearch(model, { strategy: 'uniform', strategyOpts: { threadOf }, seed: 5, runs: 100, invariants: ['memory-safety'] });
    expect(r.run).not.toBeNull();
    const s = fcShrink(model, r.run!.actions, { invariants: ['memory-safety'] })!;
    expect(s.actions.length).toBeLessThanOrEqual(r.run!.actions.length);
    expect(reproducesOnFreshModel('mar14', w, s.actions, 'memory-safety').violation?.invariant).toBe('memory-safety');
  }, 30_000);
});

// computed when the file is collected, so the numbers can be in the test's name
const PCT_CASE = (() => {
  const w = WORKLOADS['uncached-read'];
  const { model, threadOf } = cached('2.5.62', w);
  const k = estimateRunLength(model, 8, undefined, threadOf);
  const runsToFind = (strategy: StrategyName) =>
    median(
      Array.from({ length: 5 }, (_, i) => {
        const r = randomSearch(model, { strategy, strategyOpts: { threadOf, steps: k }, seed: 1 + 1000003 * i, runs: 2000, invariants: ['aio-never-blocks'] });
        return r.run ? r.runs : Infinity;
      }),
    );
  return { uniform: runsToFind('uniform'), pct: runsToFind('pct') };
})();

describe('PCT against uniform random choice', () => {
  it(`2.5.62 uncached-read aio-never-blocks: median runs to find over 5 seeds: uniform ${PCT_CASE.uniform}, pct ${PCT_CASE.pct}`, () => {
    // the submitter must reach wait_on_page_locked before the disk interrupt, which
    // uniform choice delivers at almost every step
    expect(Number.isFinite(PCT_CASE.pct)).toBe(true);
    expect(PCT_CASE.pct * 5).toBeLessThan(PCT_CASE.uniform);
  });
});

describe('a random failure exports as a trace in every format', () => {
  it('text, mermaid, ITF and json (the json replays)', () => {
    const w = WORKLOADS['getevents-timeout'];
    const { model, threadOf } = cached('mar05', w);
    const r = randomSearch(model, { strategy: 'pct', strategyOpts: { threadOf, steps: estimateRunLength(model, 8, undefined, threadOf) }, seed: 3, runs: 200, invariants: ['ki-users-accounting'] });
    expect(r.run).not.toBeNull();
    const s = fcShrink(model, r.run!.actions, { invariants: ['ki-users-accounting'] })!;
    const t = buildTrace(VARIANTS.mar05, w, s.actions, s.violation.invariant);
    expect(t.divergedAt).toBe(-1);
    expect(t.steps).toHaveLength(s.actions.length);
    expect(t.reason).toBe(s.violation.reason);
    expect(formatText(t)).toContain('ki-users-accounting VIOLATED');
    const mm = formatMermaid(t);
    expect(mm.startsWith('sequenceDiagram\n')).toBe(true);
    expect(mm).toContain('VIOLATED');
    const itf = formatITF(t) as { vars: string[]; states: unknown[] };
    expect(itf.states).toHaveLength(s.actions.length);
    const json = JSON.stringify(formatJSON(t));
    const rep = replayTraceFile(parseTraceFile(json, { resolveVariant, workloadByName: anyWorkloadByName, isInvariant }));
    expect(rep.reproduced).toBe(true);
  }, 30_000);

  it('json of a larger workload replays when the lookup knows the larger workloads', () => {
    const w = LARGER['two-iocbs-and-sync-reader'];
    const { model, threadOf } = cached('mar14', w);
    const r = randomSearch(model, { strategy: 'pct', strategyOpts: { threadOf, steps: 90 }, seed: 1, runs: 100 });
    expect(r.run?.violation).toBeTruthy();
    const t = buildTrace(VARIANTS.mar14, w, r.run!.actions, r.run!.violation!.invariant);
    const rep = replayTraceFile(parseTraceFile(JSON.stringify(formatJSON(t)), { resolveVariant, workloadByName: anyWorkloadByName, isInvariant }));
    expect(rep.reproduced).toBe(true);
  });
});
