/**
 * An invariant judges the kernel's state, not a point inside a function that is about to
 * restore it. run-list-integrity used to count an iocb as completed as soon as aio_complete
 * was entered, before aio_complete itself takes it off the run list under ctx_lock: the
 * 16-step counterexample of mar05 and mar14 odirect-read went on, one step later, into a
 * state where the run list is empty. "Completed" is now "its event is posted" (GHOST.POSTED).
 */
import { describe, expect, it } from 'vitest';
import { checkModel } from '../src/check/run.ts';
import { runCheck } from '../src/check/run.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { GHOST } from '../src/engine/machine.ts';
import { KIOCB } from '../src/engine/structs.ts';
import type { State } from '../src/explore/model.ts';

/** the old counterexample: io_submit_one's O_DIRECT read, the bio completion's aio_complete entered */
const OLD_PATH = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 4, 0];

describe('run-list-integrity judges completed iocbs once aio_complete has posted them', () => {
  for (const variant of ['mar05', 'mar14']) {
    it(`${variant} odirect-read: the old 16-step counterexample and every continuation of it up to 6 steps show no violation`, () => {
      const model = checkModel({ variant, workload: WORKLOADS['odirect-read'] });
      const rli = model.properties.find((p) => p.name === 'run-list-integrity')!;
      let s: State = model.init()[0].slice();
      for (const a of OLD_PATH) s = model.next(s, a)!.slice();
      const k = model.load(s);
      const iocb = k.addr.kiocbs[0];
      // the situation of the false alarm: aio_complete entered, the kiocb still on the run list
      expect(k.ghost(0, GHOST.COMPLETIONS)).toBe(1);
      expect(k.ghost(0, GHOST.POSTED)).toBe(0);
      expect(k.m[iocb + KIOCB.off.ki_run_list]).not.toBe(iocb + KIOCB.off.ki_run_list);
      expect(rli.check(s)).toBeNull();
      // a few steps further, along every schedule
      let level = [s];
      let removedSomewhere = false;
      for (let d = 0; d < 6; d++) {
        const next: State[] = [];
        for (const t of level) {
          const acts: number[] = [];
          model.actions(t, acts);
          for (const a of acts) {
            const u = model.next(t, a)!.slice();
            expect(rli.check(u)).toBeNull();
            const m = model.load(u);
            if (m.ghost(0, GHOST.POSTED) && m.m[iocb + KIOCB.off.ki_run_list] === iocb + KIOCB.off.ki_run_list) removedSomewhere = true;
            next.push(u);
          }
        }
        level = next;
      }
      // and aio_complete does take it off the list before it posts the event
      expect(removedSomewhere).toBe(true);
    });
  }

  it('a kiocb put back on the run list after its completion is still caught (mar05 odirect-read: freed kiocb0 on the run list)', () => {
    const r = runCheck(resolveVariant('mar05')!, WORKLOADS['odirect-read'], { maxStates: 200_000 });
    const v = r.invariants.find((i) => i.invariant === 'run-list-integrity')!;
    expect(v.verdict).toBe('violated');
    expect(v.reason).toMatch(/freed kiocb0 on the run list|after its completion was posted/);
    expect(v.depth).toBeGreaterThan(16);
  });
});
