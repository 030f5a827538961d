/**
 * Task states, schedule() and wakeups (kernel/sched.c, 2.5.62).
 * @c kernel/sched.c
 */
import type { KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { BLOCKING_POINTS, PANIC_LOCK, type BlockingPoint } from '../../engine/machine.ts';
import { TASK, TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE, T_SLEEP } from '../../engine/structs.ts';

export { TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE };

/** set_current_state(s) / set_task_state(current, s): a store with a full barrier */
export function set_current_state(k: Machine, s: number): void {
  k.sharedAccess();
  k.task(k.current).state = s;
}
/** __set_current_state(s): the same store without the barrier (same effect here) */
export const __set_current_state = set_current_state;

/**
 * try_to_wake_up(p, mask): if p->state & mask, make p RUNNING and return 1.
 * The mask bits: TASK_INTERRUPTIBLE (1) | TASK_UNINTERRUPTIBLE (2).
 */
export function try_to_wake_up(k: Machine, p: number, mask: number): number {
  k.sharedAccess();
  const t = k.task(p);
  if (t.state & mask) {
    t.state = TASK_RUNNING;
    return 1;
  }
  return 0;
}

/** wake_up_process(p) */
export function wake_up_process(k: Machine, p: number): number {
  return try_to_wake_up(k, p, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE);
}

/** blocking point index, for io_schedule's bookkeeping */
export function blockingPoint(name: BlockingPoint): number {
  return BLOCKING_POINTS.indexOf(name);
}

/**
 * schedule(): if the caller's state is not RUNNING it sleeps until a wakeup makes it
 * RUNNING (a TASK_INTERRUPTIBLE caller with a signal pending does not sleep). Which
 * blocking point a sleep is, and whether it sleeps in aio context, the observers take
 * from the stack (src/engine/observe.ts).
 */
export function* schedule(k: Machine): KGen {
  if (k.inInterrupt) k.panic(PANIC_LOCK, 'scheduling in interrupt context');
  const t = k.task(k.current);
  k.sharedAccess();
  if (t.state === TASK_RUNNING) return 0;
  if (t.state === TASK_INTERRUPTIBLE && t.sigpending) {
    t.state = TASK_RUNNING;
    return 0;
  }
  if (k.threadWord('preempt') > 0) k.panic(PANIC_LOCK, `bad: scheduling while atomic (${k.t().name} holds a spinlock)`);
  k.setThreadWord('status', T_SLEEP);                                 yield;
  // woken: state is RUNNING again
  return 0;
}

/** io_schedule() = schedule() with I/O-wait accounting */
export const io_schedule = schedule;

export { TASK };
