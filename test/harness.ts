/**
 * Test harness for the kernel primitives: a machine with zeroed memory, every task
 * RUNNING, and helpers to run a kernel function on a chosen thread to completion.
 */
import { Machine, KernelStop, GLOBAL } from '../src/engine/machine.ts';
import type { FnRef } from '../src/engine/fn.ts';
import { VARIANTS, type Variant } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import type { Workload } from '../src/engine/workload.ts';
import { T_DONE, T_IDLE, T_RUN, TASK_RUNNING, WQ_HEAD } from '../src/engine/structs.ts';
import { INIT_LIST_HEAD } from '../src/engine/kernel/list.ts';
import { H_LIVE } from '../src/engine/mem.ts';

export function harness(v: Variant = VARIANTS.mar14, w: Workload = WORKLOADS['two-iocbs-shared-bucket']): Machine {
  const k = new Machine(w, v, {}, { reduce: false });
  k.initState((k) => {
    k.threads.forEach((t, i) => {
      k.setThreadWord('cpu', t.cpu, i);
      k.setThreadWord('status', t.role === 'irq' ? T_IDLE : T_DONE, i);
      if (t.task) k.m[t.task] = TASK_RUNNING;
    });
    for (const b of k.addr.buckets) INIT_LIST_HEAD(k, b + WQ_HEAD.off.task_list);
    for (const a of k.addr.kiocbs) k.m[a - 1] = H_LIVE;
    k.m[k.addr.ctx - 1] = H_LIVE;
  });
  return k;
}

/** runs `fn` on process thread i (0 = io_submit on cpu0, then aio/0, aio/1 ...) until it returns or blocks */
export function start(k: Machine, i: number, fn: FnRef, ...args: number[]): void {
  k.setThreadWord('status', T_RUN, i);
  k.pushFrame(i, fn, args);
}

/** one scheduler action on thread i */
export function step(k: Machine, i: number): void {
  k.act(i);
}

/** runs thread i until it is done, blocked, or maxSteps */
export function runToEnd(k: Machine, i: number, maxSteps = 1000): void {
  for (let s = 0; s < maxSteps; s++) {
    if (!k.threadEnabled(i)) return;
    k.act(i);
  }
}

/** calls a plain (single-step) primitive as thread i; returns its value or the KernelStop */
export function asThread<T>(k: Machine, i: number, f: () => T): T | KernelStop {
  k.cur = i;
  try {
    return f();
  } catch (e) {
    if (e instanceof KernelStop) return e;
    throw e;
  } finally {
    k.cur = -1;
  }
}

export const panicCode = (k: Machine) => k.g(GLOBAL.PANIC);
