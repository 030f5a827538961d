/**
 * The incremental fast path (model.ts: fingerprint, step, packStep) in explore(): the
 * same model explored with and without it gives the same result (states,
 * transitions, terminal states, violations and labels with their paths, cycles), and
 * only new successors are packed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explore, hasFastPath, type ExploreOptions, type ExploreResult } from '../src/explore/bfs.ts';
import type { Model } from '../src/explore/model.ts';
import { torusModel } from '../src/explore/bench-models.ts';
import {
  additiveFingerprint,
  graphModel,
  labelModel,
  livelockModel,
  lostUpdateModel,
  petersonModel,
  philosophersModel,
  withFastPath,
  withoutFastPath,
} from '../src/explore/toys.ts';
import { essence, graphArb } from './explore-helpers.ts';

function compare(make: () => Model, options: ExploreOptions = {}, transient = false): ExploreResult {
  const fastModel = withFastPath(make(), transient);
  expect(hasFastPath(fastModel)).toBe(true);
  const seenFast: string[] = [];
  const seenSlow: string[] = [];
  const fast = explore(fastModel, { ...options, onNewState: (s, i) => seenFast.push(`${i}:${s.join(',')}`) });
  const slowModel = withoutFastPath(withFastPath(make(), transient));
  expect(hasFastPath(slowModel)).toBe(false);
  const slow = explore(slowModel, { ...options, onNewState: (s, i) => seenSlow.push(`${i}:${s.join(',')}`) });
  expect(essence(fast)).toEqual(essence(slow));
  expect(seenFast).toEqual(seenSlow);
  expect(seenFast.length).toBe(fast.states);
  expect(fastModel.counters.steps).toBeGreaterThanOrEqual(fast.transitions);
  // packStep only for new successors, each once
  expect(fastModel.counters.packs).toBe(fast.states - fast.initialStates);
  expect(fastModel.counters.repeatPacks).toBe(0);
  return fast;
}

describe('additive toy fingerprint', () => {
  it('step updates it to the fingerprint of the successor', () => {
    const m = withFastPath(petersonModel(true));
    const fp = new Int32Array(2);
    const out = new Int32Array(2);
    const want = new Int32Array(2);
    let frontier = m.init();
    for (let d = 0; d < 6; d++) {
      const next = [];
      for (const s of frontier) {
        m.fingerprint!(s, fp);
        for (const a of [0, 1]) {
          if (!m.step!(s, fp[0], fp[1], a, out)) continue;
          const t = m.packStep!();
          additiveFingerprint(t, want);
          expect([...out]).toEqual([...want]);
          next.push(t);
        }
      }
      frontier = next;
    }
  });
});

describe('explore() with and without the fast path', () => {
  for (const transient of [false, true]) {
    describe(transient ? 'transient states' : 'fresh states', () => {
      it('toys: same results, packStep only for new states', () => {
        compare(() => lostUpdateModel('at-quiescence'), {}, transient);
        compare(() => lostUpdateModel('always'), {}, transient);
        compare(() => petersonModel(), {}, transient);
        const broken = compare(() => petersonModel(true), {}, transient);
        expect(broken.violations.has('mutex')).toBe(true);
        compare(() => philosophersModel(), {}, transient);
        const lab = compare(() => labelModel(40), {}, transient);
        expect(lab.labels.size).toBe(4);
        const live = compare(() => livelockModel(), { storeEdges: true }, transient);
        expect(live.cycles).toMatchObject({ checked: true });
        compare(() => torusModel(60, 50), {}, transient);
      });

      it('limits: maxStates, maxDepth, stopOn', () => {
        compare(() => torusModel(100, 100), { maxStates: 777 }, transient);
        compare(() => torusModel(100, 100), { maxDepth: 7 }, transient);
        compare(() => philosophersModel(), { maxDepth: 2 }, transient);
        compare(() => petersonModel(true), { stopOn: 'first-violation' }, transient);
        compare(() => lostUpdateModel('always'), { stopOn: 'all-violated' }, transient);
        compare(() => livelockModel(), { storeEdges: true, maxStates: 5 }, transient);
      });

      it('random graphs (variable-length states, labels, cycles, limits)', () => {
        fc.assert(
          fc.property(graphArb(120, 3), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 0, max: 10 }), (g, maxStates, maxDepth) => {
            compare(() => graphModel(g), { storeEdges: true, initialCapacity: 16 }, transient);
            compare(() => graphModel(g), { maxStates }, transient);
            compare(() => graphModel(g), { maxDepth, storeEdges: true }, transient);
            compare(() => graphModel(g), { stopOn: 'first-violation' }, transient);
          }),
          { numRuns: 150 },
        );
      });
    });
  }
});

describe('onNewState', () => {
  it('sees every new state once, in index order, initial states first', () => {
    const seen: number[] = [];
    const r = explore(torusModel(30, 20), { onNewState: (_s, i) => seen.push(i) });
    expect(seen).toEqual([...Array(r.states).keys()]);
  });
});
