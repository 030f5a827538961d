/**
 * Observation apart from the kernel code (src/engine/observe.ts): the kernel sources of fs/aio.c
 * and kernel/ write no ghost word and emit no model event; the observers' retry spans close
 * (every run that ends without a panic leaves no retry running and no task in aio context);
 * and an observer does not make a step visible (it would add preemption points the C has not);
 * no kernel function names the blocking point it sleeps at (the observers take it from the stack).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EngineModel } from '../src/engine/model.ts';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { invariants } from '../src/check/invariants.ts';
import { explore } from '../src/explore/bfs.ts';
import { GHOST, GLOBAL, PANIC_NONE } from '../src/engine/machine.ts';
import { TASK } from '../src/engine/structs.ts';
import type { Property, State } from '../src/explore/model.ts';

const ROOT = join(import.meta.dirname, '..');

describe('observation', () => {
  it('the kernel code of fs/aio.c and kernel/ writes no ghost word and emits no model event', () => {
    const dirs = ['src/kernel/aio', 'src/kernel/kernel'];
    const found: string[] = [];
    for (const d of dirs)
      for (const f of readdirSync(join(ROOT, d)).filter((x) => x.endsWith('.ts'))) {
        const src = readFileSync(join(ROOT, d, f), 'utf8');
        for (const bad of ['setGhost', 'GHOST.', 'k.emit(', 'g_aio =', 'modelEvents', 'kiocbEvent', 'retryEnter', 'onWaitQueued', 'onWaitDequeued'])
          if (src.includes(bad)) found.push(`${d}/${f}: ${bad}`);
      }
    expect(found).toEqual([]);
  });

  it('no kernel function names its blocking point: schedule() takes no argument, as in the C', () => {
    const found: string[] = [];
    for (const d of ['src/kernel/aio', 'src/kernel/kernel', 'src/kernel/mm'])
      for (const f of readdirSync(join(ROOT, d)).filter((x) => x.endsWith('.ts'))) {
        const src = readFileSync(join(ROOT, d, f), 'utf8');
        for (const m of src.matchAll(/\b(io_schedule|schedule|aio_schedule)\(k,[^)]*\)/g)) found.push(`${d}/${f}: ${m[0]}`);
      }
    expect(found).toEqual([]);
  });

  for (const [v, w] of [
    ['2.5.62', 'uncached-read'],
    ['mar05', 'small-retry-cap'],
    ['mar14', 'getevents-timeout'],
    ['proposed', 'sync-and-async'],
  ] as const)
    it(`${v} / ${w}: every run that ends without a panic leaves no retry running and no task in aio context`, () => {
      const m0 = new EngineModel(VARIANTS[v], WORKLOADS[w], invariants, { transient: true });
      const A = m0.k.addr;
      const closed: Property = {
        name: 'retry-spans-closed',
        kind: 'at-quiescence',
        check: (s: State) => {
          if (s[A.globals + GLOBAL.PANIC] !== PANIC_NONE) return null;
          for (let i = 0; i < A.kiocbs.length; i++) if (s[A.ghost + i * GHOST.SIZE + GHOST.RUNNING] !== 0) return `iocb${i}: retry still running`;
          for (const t of A.tasks) if (s[t + TASK.off.g_aio] !== 0) return 'a task still in aio context';
          return null;
        },
      };
      const m = new EngineModel(VARIANTS[v], WORKLOADS[w], () => [closed], { transient: true });
      const r = explore(m, { maxStates: 300_000 });
      expect(r.terminalStates).toBeGreaterThan(0);
      expect(r.violations.get('retry-spans-closed')?.reason ?? null).toBeNull();
    });

  it('an observer does not make a step visible: 2.5.62 uncached-read without the reductions, as recorded', () => {
    // the old retryExit wrote a ghost word through a struct view, which marked io_submit_one's
    // continuation step visible: 586 states; the observers leave the schedule as the C has it
    const m = new EngineModel(VARIANTS['2.5.62'], WORKLOADS['uncached-read'], invariants, { reduce: false, dead: false, transient: true });
    const r = explore(m, { maxStates: 10_000 });
    expect(r.complete).toBe(true);
    expect(r.states).toBe(571);
  });
});
