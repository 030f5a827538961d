/**
 * Task states, schedule() and wakeups (kernel/sched.c, 2.5.62).
 * @c kernel/sched.c
 */
import type { KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { BLOCKING_POINTS, GLOBAL, PANIC_LOCK, type BlockingPoint } from '../../engine/machine.ts';
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
 * RUNNING (a TASK_INTERRUPTIBLE caller with a signal pending does not sleep).
 * `point` names the blocking point (index into BLOCKING_POINTS, -1 for none): a real
 * sleep while the task runs an async kiocb's operation (io_submit_one's first attempt
 * or a retry: the engine's ghost `g_aio`, which is where the patches set current->iocb)
 * is recorded as a synchronous block in aio context.
 */
export function* schedule(k: Machine, point: number): KGen {
  if (k.inInterrupt) k.panic(PANIC_LOCK, 'scheduling in interrupt context');
  const t = k.task(k.current);
  k.sharedAccess();
  if (t.state === TASK_RUNNING) return 0;
  if (t.state === TASK_INTERRUPTIBLE && t.sigpending) {
    t.state = TASK_RUNNING;
    return 0;
  }
  if (k.threadWord('preempt') > 0) k.panic(PANIC_LOCK, `bad: scheduling while atomic (${k.t().name} holds a spinlock)`);
  if (point >= 0) {
    k.setG(GLOBAL.BLOCKED_REACHED, k.g(GLOBAL.BLOCKED_REACHED) | (1 << point));
    if (t.g_aio) {
      k.setG(GLOBAL.AIO_BLOCKED, k.g(GLOBAL.AIO_BLOCKED) | (1 << point));
      k.note(`sleeps synchronously in aio context at ${BLOCKING_POINTS[point]}`);
    }
  }
  k.setThreadWord('status', T_SLEEP);                                 yield;
  // woken: state is RUNNING again
  return 0;
}

/** io_schedule() = schedule() with I/O-wait accounting */
export const io_schedule = schedule;

export { TASK };
