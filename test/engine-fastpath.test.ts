/**
 * The engine's incremental fast path (EngineModel.fingerprint / step / packStep, the
 * machine's write log and fingerprint.ts): on the first states of several claims,
 * every action's incremental fingerprint equals the fingerprint computed from the whole
 * successor, `packStep` gives the state `next` gives, and undoing the write log gives
 * back the state the action ran from (so every write an action does is logged). And
 * the 'always' checks the model skips when a step changed none of the words they read
 * (Property.reads) give what the full check gives, wherever the property held before.
 */
import { describe, expect, it } from 'vitest';
import { EngineModel } from '../src/engine/model.ts';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { invariants } from '../src/check/invariants.ts';

const CASES: [string, string][] = [
  ['mar14', 'partly-cached-read'],
  ['mar14', 'getevents-timeout'],
  ['mar05', 'rdwr-fd-read'],
  ['2.5.62', 'odirect-read'],
  ['2.5.62+fixes', 'sync-and-async'],
  ['proposed', 'io-destroy'],
  ['mar14', 'exit-with-pending'],
];

const same = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe('engine fast path', () => {
  for (const [v, w] of CASES) {
    it(`${v} / ${w}: incremental fingerprints, packStep and undo agree with next`, () => {
      expect(WORKLOADS[w], w).toBeDefined();
      const fast = new EngineModel(VARIANTS[v], WORKLOADS[w], invariants);
      const ref = new EngineModel(VARIANTS[v], WORKLOADS[w]);
      const fullProps = invariants(ref.k); // not wrapped by the model: always checked in full
      const fp = new Int32Array(2);
      const want = new Int32Array(2);
      const seen = new Set<string>();
      const queue: { s: Int32Array; lo: number; hi: number }[] = [];
      const s0 = fast.init()[0];
      fast.fingerprint(s0, fp);
      queue.push({ s: s0, lo: fp[0], hi: fp[1] });
      let checked = 0;
      let skippable = 0;
      while (queue.length > 0 && checked < 3000) {
        const { s, lo, hi } = queue.shift()!;
        const acts: number[] = [];
        fast.actions(s, acts);
        for (const a of acts) {
          const t = ref.next(s, a)!.slice();
          expect(fast.step(s, lo, hi, a, fp)).toBe(true);
          // every other successor packed as the explorer's frontier has it (packStepInto)
          let view: Int32Array;
          if (checked % 2 === 0) view = fast.packStep();
          else {
            const out = new Int32Array(fast.packedLength());
            view = fast.packStepInto(out);
            expect(view).toBe(out);
          }
          const packed = view.slice();
          expect(same(packed, t), `packStep after action ${a}`).toBe(true);
          // skipped checks: as the explorer calls them, right after packStep
          for (let j = 0; j < fast.properties.length; j++) {
            const got = fast.properties[j].check(view);
            const full = fullProps[j];
            if (full.kind === 'always' && full.check(s) === null) {
              expect(got, `${full.name} after action ${a}`).toBe(full.check(t));
              skippable += full.reads ? 1 : 0;
            }
          }
          ref.fingerprint(t, want);
          expect([fp[0], fp[1]], `fingerprint after action ${a}`).toEqual([want[0], want[1]]);
          // undoing the log gives back s: every write was logged
          fast.k.undo();
          expect(same(fast.k.pack(), s), `undo after action ${a}`).toBe(true);
          checked++;
          const key = `${fp[0]},${fp[1]}`;
          if (!seen.has(key)) {
            seen.add(key);
            queue.push({ s: t, lo: fp[0], hi: fp[1] });
          }
        }
      }
      expect(checked).toBeGreaterThan(300);
      expect(skippable).toBeGreaterThan(300);
    });
  }

  it('the fingerprint is a function of the state: equal states from different paths, different states differ', () => {
    const m = new EngineModel(VARIANTS.mar14, WORKLOADS['uncached-read']);
    const fp = new Int32Array(2);
    const byKey = new Map<string, string>();
    const queue = [m.init()[0]];
    let n = 0;
    while (queue.length > 0 && n < 4000) {
      const s = queue.shift()!;
      const acts: number[] = [];
      m.actions(s, acts);
      for (const a of acts) {
        const t = m.next(s, a)!.slice();
        const state = t.join(',');
        const other = new EngineModel(VARIANTS.mar14, WORKLOADS['uncached-read']);
        other.fingerprint(t, fp);
        const key = `${fp[0]},${fp[1]}`;
        const prev = byKey.get(key);
        if (prev === undefined) {
          byKey.set(key, state);
          queue.push(t);
          n++;
        } else expect(prev, 'two states with one fingerprint').toBe(state);
      }
    }
    expect(n).toBeGreaterThan(1000);
  });
});
