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
import { torusModel } from './models/bench-models.ts';
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
} from './models/toys.ts';
import { essence, graphArb } from './explore-helpers.ts';

type Mode = 'fresh' | 'transient' | 'direct';

function compare(make: () => Model, options: ExploreOptions = {}, mode: Mode = 'fresh'): ExploreResult {
  const transient = mode !== 'fresh';
  const fastModel = withFastPath(make(), transient, mode === 'direct');
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
  // straight into the frontier when the model can (and only then)
  expect(fastModel.counters.intoPacks).toBe(mode === 'direct' ? fastModel.counters.packs : 0);
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
  const titles: Record<Mode, string> = { fresh: 'fresh states', transient: 'transient states', direct: 'transient states packed straight into the frontier (packStepInto)' };
  for (const mode of ['fresh', 'transient', 'direct'] as const) {
    describe(titles[mode], () => {
      it('toys: same results, packStep only for new states', () => {
        compare(() => lostUpdateModel('at-quiescence'), {}, mode);
        compare(() => lostUpdateModel('always'), {}, mode);
        compare(() => petersonModel(), {}, mode);
        const broken = compare(() => petersonModel(true), {}, mode);
        expect(broken.violations.has('mutex')).toBe(true);
        compare(() => philosophersModel(), {}, mode);
        const lab = compare(() => labelModel(40), {}, mode);
        expect(lab.labels.size).toBe(4);
        const live = compare(() => livelockModel(), { storeEdges: true }, mode);
        expect(live.cycles).toMatchObject({ checked: true });
        compare(() => torusModel(60, 50), {}, mode);
      });

      it('limits: maxStates, maxDepth, stopOn', () => {
        compare(() => torusModel(100, 100), { maxStates: 777 }, mode);
        compare(() => torusModel(100, 100), { maxDepth: 7 }, mode);
        compare(() => philosophersModel(), { maxDepth: 2 }, mode);
        compare(() => petersonModel(true), { stopOn: 'first-violation' }, mode);
        compare(() => lostUpdateModel('always'), { stopOn: 'all-violated' }, mode);
        compare(() => livelockModel(), { storeEdges: true, maxStates: 5 }, mode);
      });

      it('random graphs (variable-length states, labels, cycles, limits)', () => {
        fc.assert(
          fc.property(graphArb(120, 3), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 0, max: 10 }), (g, maxStates, maxDepth) => {
            compare(() => graphModel(g), { storeEdges: true, initialCapacity: 16 }, mode);
            compare(() => graphModel(g), { maxStates }, mode);
            compare(() => graphModel(g), { maxDepth, storeEdges: true }, mode);
            compare(() => graphModel(g), { stopOn: 'first-violation' }, mode);
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
