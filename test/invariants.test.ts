/**
 * Every invariant catches a deliberately broken engine (a mutant), and holds on a
 * workload where the code is correct. Mutants wrap one kernel function's step (the
 * registry of kernel functions is per test file), or turn off one patch hunk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run.ts';
import { fnBodies, fnByName, type Frame } from '../src/engine/fn.ts';
import type { Machine } from '../src/engine/machine.ts';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { KIF_STARTED, KIOCB, KIOCTX, PAGE, TASK_RUNNING, TASK_UNINTERRUPTIBLE, WAITQ } from '../src/engine/structs.ts';
import { list_add_tail, list_del, list_del_init } from '../src/engine/kernel/list.ts';
import { H_FREED, H_LIVE } from '../src/engine/mem.ts';
import { IOCB_CMD_PWRITE } from '../src/engine/aio/aio.ts';
import { spin_lock_irq } from '../src/engine/kernel/spinlock.ts';
import type { InvariantName } from '../src/check/invariants.ts';

type Step = (k: Machine, f: Frame<string>) => void;
const restore: (() => void)[] = [];
afterEach(() => {
  while (restore.length) restore.pop()!();
});

/** replaces the step of kernel function `name` (each of its bodies, or the one patch `body` gives it) with `wrap(orig)` until the test ends */
function mutate(name: string, wrap: (orig: Step) => Step, body?: string): void {
  const fns = fnBodies(name).filter((f) => body === undefined || f.body === body);
  if (!fns.length) throw new Error(`no kernel function ${name}${body ? ` with a ${body} body` : ''}`);
  for (const fn of fns) {
    const orig = fn.step as Step;
    (fn as { step: Step }).step = wrap(orig);
    restore.push(() => ((fn as { step: Step }).step = orig));
  }
}

/** the program point of `name`'s `body` whose step calls `call` (the compiler's numbering, found rather than hard-coded) */
function pcCalling(name: string, body: string | undefined, call: string): number {
  const fn = fnBodies(name).find((f) => f.body === body)!;
  const p = fn.points.find((x) => x.footprint.calls.includes(call));
  if (!p) throw new Error(`${name}: no step calls ${call}`);
  return p.pc;
}

function verdict(variant: string, workload: string, inv: InvariantName, maxStates = 300_000) {
  const v = resolveVariant(variant)!;
  const r = runCheck(v, WORKLOADS[workload], { maxStates, maxSeconds: 60 });
  return r.invariants.find((i) => i.invariant === inv)!;
}

interface Case {
  inv: InvariantName;
  variant: string;
  workload: string;
  mutant: string;
  apply: () => void | string;
}

const CASES: Case[] = [
  {
    inv: 'no-double-retry',
    variant: 'mar05',
    workload: 'uncached-read',
    mutant: 'kiocbTryStart always succeeds (KIF_STARTED cleared under aio_run_iocbs)',
    apply: () =>
      mutate('aio_run_iocbs', (orig) => (k, f) => {
        if (f.iocb) k.m[f.iocb + KIOCB.off.ki_flags] &= ~(1 << KIF_STARTED);
        orig(k, f);
      }),
  },
  {
    inv: 'no-complete-while-waiting',
    variant: 'mar14',
    workload: 'partly-cached-read',
    mutant: 'aio_wake_function kicks before it unlinks ki_wait, and aio_run_iocb completes without checking list_empty(&iocb->ki_wait.task_list)',
    apply: () => {
      mutate('aio_wake_function', (orig) => (k, f) => {
        if (f.pc === 0) {
          f.iocb = f.wait - KIOCB.off.ki_wait;
          return k.call(10, fnByName('kick_iocb')!, f.iocb);
        }
        if (f.pc === 10) {
          list_del_init(k, f.wait + WAITQ.off.task_list);
          return k.ret(1);
        }
        orig(k, f);
      });
      mutate('aio_run_iocb', (orig) => (k, f) => {
        if (f.pc === 5 && f.ret !== -529) f.waitEmpty = 1;
        orig(k, f);
      });
    },
  },
  {
    inv: 'ki-users-accounting',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: '__aio_put_req forgets to drop the reference',
    apply: () =>
      mutate('__aio_put_req', (orig) => (k, f) => {
        if (f.pc === 0) k.m[f.req + KIOCB.off.ki_users]++;
        orig(k, f);
      }),
  },
  {
    inv: 'one-completion',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: 'aio_complete completes the iocb twice (it calls itself first)',
    apply: () =>
      mutate('aio_complete', (orig) => (k, f) => {
        if (f.pc === 0 && !f.tail) {
          f.tail = 1; // aio_complete(iocb, res, res2) once more, then on as usual
          k.call(0, fnByName('aio_complete')!, f.iocb, f.res, f.res2);
          return;
        }
        orig(k, f);
      }),
  },
  {
    inv: 'progress',
    variant: '2.5.62+fixes',
    workload: 'uncached-read',
    mutant: 'the disk interrupt never completes the page read',
    apply: () => mutate('mpage_end_io_read', () => (k) => k.ret(0)),
  },
  {
    inv: 'run-list-integrity',
    variant: 'mar05',
    workload: 'rdwr-fd-read',
    mutant: 'aio_run_iocbs puts the iocb back on the run list after running it',
    apply: () =>
      mutate(
        'aio_run_iocbs',
        (orig) => {
          // at the step after the retry that tests KIF_KICKED (ctx_lock held): a stray __queue_kicked_iocb
          const pc = pcCalling('aio_run_iocbs', 'mar05', 'kiocbIsKicked');
          return (k, f) => {
            if (f.pc === pc && k.m[f.iocb + KIOCB.off.ki_run_list] === f.iocb + KIOCB.off.ki_run_list) list_add_tail(k, f.iocb + KIOCB.off.ki_run_list, f.ctx + KIOCTX.off.run_list);
            orig(k, f);
          };
        },
        'mar05',
      ),
  },
  {
    inv: 'read-result',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: 'aio_complete reports one byte too many',
    apply: () =>
      mutate('aio_complete', (orig) => (k, f) => {
        if (f.pc === 0) f.res += 1;
        orig(k, f);
      }),
  },
  {
    inv: 'ctx-accounting',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: 'aio_complete takes a kioctx reference it never drops',
    apply: () =>
      mutate('aio_complete', (orig) => (k, f) => {
        if (f.pc === 0) k.store(k.addr.ctx + KIOCTX.off.users, k.m[k.addr.ctx + KIOCTX.off.users] + 1);
        orig(k, f);
      }),
  },
  {
    inv: 'page-references',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: 'aio_complete takes a reference to the page it never drops (a page_cache_get without its page_cache_release)',
    apply: () =>
      mutate('aio_complete', (orig) => (k, f) => {
        if (f.pc === 0) k.store(k.addr.pages[0] + PAGE.off.count, k.m[k.addr.pages[0] + PAGE.off.count] + 1);
        orig(k, f);
      }),
  },
  {
    inv: 'task-running',
    variant: 'mar14',
    workload: 'uncached-read',
    mutant: 'aio_wait_on_page_bit queues ki_wait with TASK_UNINTERRUPTIBLE in aio context and returns -EIOCBRETRY in that state',
    apply: () =>
      mutate('aio_wait_on_page_bit', (orig) => (k, f) => {
        orig(k, f);
        if (f.state === TASK_RUNNING) f.state = TASK_UNINTERRUPTIBLE;
      }),
  },
  {
    inv: 'lock-discipline',
    variant: 'mar14',
    workload: 'uncached-read',
    mutant: "remove_wait_queue unlinks the entry without taking q->lock (a woken worker leaving its more_work queue)",
    apply: () =>
      mutate('remove_wait_queue', () => (k, f) => {
        list_del(k, f.wait + WAITQ.off.task_list);
        return k.ret(0);
      }),
  },
  {
    inv: 'operation-unchanged',
    variant: 'mar14',
    workload: 'rdwr-fd-read',
    mutant: "aio_run_iocb turns a read whose bytes are all in into a write (the Mar 5 patch's `ki_opcode = IOCB_CMD_PWRITE`, moved to mar14)",
    apply: () =>
      mutate('aio_run_iocb', (orig) => (k, f) => {
        orig(k, f);
        const iocb = f.iocb;
        if (iocb && k.m[iocb - 1] === H_LIVE && k.m[iocb + KIOCB.off.ki_nbytes] > 0 && k.m[iocb + KIOCB.off.ki_left] === 0) k.store(iocb + KIOCB.off.ki_opcode, IOCB_CMD_PWRITE);
      }),
  },
  {
    inv: 'memory-safety',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: 'io_submit_one touches the kiocb after aio_complete freed it',
    apply: () => {
      // the dead-variable reduction resets `req` once the C no longer reads it, so the mutant keeps its own copy
      let req = 0;
      mutate('io_submit_one', (orig) => (k, f) => {
        if (f.req) req = f.req;
        if (req && k.m[req - 1] === H_FREED) void k.kiocb(req).ki_users;
        orig(k, f);
      });
    },
  },
  {
    inv: 'lock-discipline',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: 'aio_complete is entered with ctx_lock already held (recursive spin_lock)',
    apply: () =>
      mutate('aio_complete', (orig) => (k, f) => {
        // pc 9: the step that starts the async branch's spin_lock_irqsave(&ctx->ctx_lock) (compiled numbering); ret is still 0 there
        if (f.pc === 9 && !f.ret) {
          f.ret = 1;
          spin_lock_irq(k, k.addr.ctx + KIOCTX.off.ctx_lock);
          return;
        }
        orig(k, f);
      }),
  },
  {
    inv: 'no-bug',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: '__aio_put_req drops two references',
    apply: () =>
      mutate('__aio_put_req', (orig) => (k, f) => {
        if (f.pc === 0) k.m[f.req + KIOCB.off.ki_users]--;
        orig(k, f);
      }),
  },
  {
    inv: 'aio-never-blocks',
    variant: 'mar05',
    workload: 'uncached-read',
    mutant: 'mar05 without the aioread.patch hunk in do_generic_mapping_read (the retry sleeps in wait_on_page_locked)',
    apply: () => 'mar05-aioReadFilemap',
  },
  {
    inv: 'engine-sanity',
    variant: '2.5.62+fixes',
    workload: 'cached-read',
    mutant: 'a kernel function throws a JavaScript error',
    apply: () =>
      mutate('aio_complete', () => () => {
        throw new TypeError('boom');
      }),
  },
];

describe('each invariant holds where the code is correct and catches a mutant', () => {
  for (const c of CASES) {
    it(`${c.inv}: holds on ${c.variant} / ${c.workload}`, () => {
      const r = verdict(c.variant, c.workload, c.inv);
      expect(r.verdict, r.reason).toBe('holds');
    });
    it(`${c.inv}: catches "${c.mutant}"`, () => {
      const other = c.apply();
      const r = verdict(typeof other === 'string' ? other : c.variant, c.workload, c.inv);
      expect(r.verdict).toBe('violated');
      expect(r.path!.length).toBeGreaterThan(0);
    });
  }
});

it('every invariant has a mutant case', async () => {
  const { INVARIANTS } = await import('../src/check/invariants.ts');
  expect(new Set(CASES.map((c) => c.inv))).toEqual(new Set(INVARIANTS));
  void VARIANTS;
});
