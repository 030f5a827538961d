/**
 * Wait queues (include/linux/wait.h, kernel/fork.c, kernel/sched.c of 2.5.62).
 * Every head has its own lock; wake functions run inside __wake_up with that lock
 * held and interrupts off. A wait entry's `func` is a kernel function id.
 * @c kernel/fork.c
 */
import { fnptr, call_ptr, type KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { WAITQ, WQ_FLAG_EXCLUSIVE, WQ_HEAD } from '../../engine/structs.ts';
import { INIT_LIST_HEAD, list_add, list_add_tail, list_del, list_del_init, list_empty, list_first } from '../../engine/kernel/list.ts';
import { __set_current_state, TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE, try_to_wake_up } from './sched.ts';
import { spin_lock_irqsave, spin_unlock_irqrestore } from '../../engine/kernel/locking.ts';

export const TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;
export const qLock = (q: number) => q + WQ_HEAD.off.lock;
export const qList = (q: number) => q + WQ_HEAD.off.task_list;
export const wList = (w: number) => w + WAITQ.off.task_list;
/** container_of(task_list, wait_queue_t, task_list) */
export const wEntry = (tl: number) => tl - WAITQ.off.task_list;

/** default_wake_function(wait, mode, sync) = try_to_wake_up(wait->task, mode, sync) @c kernel/sched.c */
export function* default_wake_function(k: Machine, wait: number, mode: number): KGen {
  return try_to_wake_up(k, k.waitq(wait).task, mode);
}

/** autoremove_wake_function: default_wake_function, then list_del_init if it woke the task */
export function* autoremove_wake_function(k: Machine, wait: number, mode: number): KGen {
  const ret = try_to_wake_up(k, k.waitq(wait).task, mode);    yield;
  if (ret) list_del_init(k, wList(wait));
  return ret;
}

/** init_wait(w) / DEFINE_WAIT: task = current, func = autoremove, task_list self-linked */
export function init_wait(k: Machine, w: number): void {
  const e = k.waitq(w);
  e.flags = 0;
  e.task = k.current;
  e.func = fnptr(autoremove_wake_function);
  INIT_LIST_HEAD(k, wList(w));
}

/** DECLARE_WAITQUEUE(w, tsk): default_wake_function, task_list {NULL, NULL} */
export function declare_waitqueue(k: Machine, w: number, tsk: number): void {
  const e = k.waitq(w);
  e.flags = 0;
  e.task = tsk;
  e.func = fnptr(default_wake_function);
  k.wr(wList(w), 0, 'wait->task_list.next');
  k.wr(wList(w) + 1, 0, 'wait->task_list.prev');
}

/** init_waitqueue_func_entry(w, f): task NULL, func f, task_list NOT initialised */
export function init_waitqueue_func_entry(k: Machine, w: number, fnId: number): void {
  const e = k.waitq(w);
  e.flags = 0;
  e.task = 0;
  e.func = fnId;
}

/** waitqueue_active(q) = !list_empty(&q->task_list), unlocked */
export function waitqueue_active(k: Machine, q: number): boolean {
  return !list_empty(k, qList(q));
}

/** add_wait_queue / add_wait_queue_exclusive (exclusive adds at the tail) */
export function* add_wait_queue(k: Machine, q: number, wait: number, exclusive: number): KGen {
  const e = k.waitq(wait);
  e.flags = exclusive ? e.flags | WQ_FLAG_EXCLUSIVE : e.flags & ~WQ_FLAG_EXCLUSIVE;
  const flags = yield* spin_lock_irqsave(k, qLock(q));
  yield;
  if (exclusive) list_add_tail(k, wList(wait), qList(q));
  else list_add(k, wList(wait), qList(q));
  yield;
  spin_unlock_irqrestore(k, qLock(q), flags);
  return 0;
}

/** remove_wait_queue(q, wait): list_del under q->lock (leaves NULL pointers) */
export function* remove_wait_queue(k: Machine, q: number, wait: number): KGen {
  const flags = yield* spin_lock_irqsave(k, qLock(q));
  yield;
  list_del(k, wList(wait));                                   yield;
  spin_unlock_irqrestore(k, qLock(q), flags);
  return 0;
}

/**
 * prepare_to_wait(q, wait, state): set the caller's state (unconditionally), clear
 * the exclusive flag, and add the entry at the head only if it is not on a list.
 * With the Mar 5 patch, an already-queued current->iocb->ki_wait is reported by printk.
 */
export function* prepare_to_wait(k: Machine, q: number, wait: number, state: number, exclusive: number): KGen {
  __set_current_state(k, state);                              yield;
  const e = k.waitq(wait);
  e.flags = exclusive ? e.flags | WQ_FLAG_EXCLUSIVE : e.flags & ~WQ_FLAG_EXCLUSIVE;
  const flags = yield* spin_lock_irqsave(k, qLock(q));
  yield;
  const empty = list_empty(k, wList(wait)) ? 1 : 0;           yield;
  if (empty) {
    if (exclusive) list_add_tail(k, wList(wait), qList(q));
    else list_add(k, wList(wait), qList(q));
  } else if (k.variant.prepareToWaitPrintk) {
    // [mar05 aioretry.patch, kernel/fork.c] report a reused, still-queued ki_wait
    const cur = k.task(k.current).iocb;
    if (cur && wait === cur + k.kiWaitOff) k.printk('prepare_to_wait: iocb->ki_wait in use');
  }
  yield;
  spin_unlock_irqrestore(k, qLock(q), flags);
  return 0;
}

/** finish_wait(q, wait): state RUNNING; if the entry is still queued, unlink it under q->lock */
export function* finish_wait(k: Machine, q: number, wait: number): KGen {
  __set_current_state(k, TASK_RUNNING);                       yield;
  if (list_empty(k, wList(wait))) return 0;
  yield;
  const flags = yield* spin_lock_irqsave(k, qLock(q));
  yield;
  list_del_init(k, wList(wait));
  yield;
  spin_unlock_irqrestore(k, qLock(q), flags);
  return 0;
}

/**
 * __wake_up(q, mode, nr_exclusive): under q->lock (irqsave) walk the list head to
 * tail with list_for_each_safe, calling each entry's func; stop after nr_exclusive
 * exclusive entries whose func returned nonzero (0 = wake them all).
 * @c kernel/sched.c
 */
export function* __wake_up(k: Machine, q: number, mode: number, nr_exclusive: number): KGen {
  const flags = yield* spin_lock_irqsave(k, qLock(q));
  let curr = list_first(k, qList(q));                         yield;
  // list_for_each_safe(curr, next, &q->task_list)
  while (curr !== qList(q)) {
    const next = k.rd(curr, 'list_head->next');
    const eflags = k.waitq(wEntry(curr)).flags;
    const woke = yield* call_ptr(k, k.waitq(wEntry(curr)).func, wEntry(curr), mode);
    if (woke && eflags & WQ_FLAG_EXCLUSIVE && !--nr_exclusive) break;
    curr = next;
  }
  spin_unlock_irqrestore(k, qLock(q), flags);
  return 0;
}

/** wake_up(q): wakes every non-exclusive waiter and at most one exclusive one */
export function wake_up_args(q: number): number[] {
  return [q, TASK_NORMAL, 1];
}
/** wake_up_all(q) */
export function wake_up_all_args(q: number): number[] {
  return [q, TASK_NORMAL, 0];
}
