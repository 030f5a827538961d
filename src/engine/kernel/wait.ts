/**
 * Wait queues (include/linux/wait.h, kernel/fork.c, kernel/sched.c of 2.5.62).
 * Every head has its own lock; wake functions run inside __wake_up with that lock
 * held and interrupts off. A wait entry's `func` is a kernel function id.
 */
import { kfn } from '../fn.ts';
import type { Machine } from '../machine.ts';
import { WAITQ, WQ_FLAG_EXCLUSIVE, WQ_HEAD } from '../structs.ts';
import { INIT_LIST_HEAD, list_add, list_add_tail, list_del, list_del_init, list_empty, list_first } from './list.ts';
import { __set_current_state, TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE, try_to_wake_up } from './sched.ts';
import { spin_lock_irqsave, spin_unlock_irqrestore } from './spinlock.ts';

export const TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;
export const qLock = (q: number) => q + WQ_HEAD.off.lock;
export const qList = (q: number) => q + WQ_HEAD.off.task_list;
export const wList = (w: number) => w + WAITQ.off.task_list;
/** container_of(task_list, wait_queue_t, task_list) */
export const wEntry = (tl: number) => tl - WAITQ.off.task_list;

/** default_wake_function(wait, mode, sync) = try_to_wake_up(wait->task, mode, sync) */
export const default_wake_function = kfn('default_wake_function', 'kernel/sched.c', ['wait', 'mode'], [], (k, f) => {
  k.ret(try_to_wake_up(k, k.waitq(f.wait).task, f.mode));
});

/** autoremove_wake_function: default_wake_function, then list_del_init if it woke the task */
export const autoremove_wake_function = kfn('autoremove_wake_function', 'kernel/fork.c', ['wait', 'mode'], ['ret'], (k, f) => {
  switch (f.pc) {
    case 0:
      f.ret = try_to_wake_up(k, k.waitq(f.wait).task, f.mode);
      f.pc = 1;
      return;
    case 1:
      if (f.ret) list_del_init(k, wList(f.wait));
      return k.ret(f.ret);
  }
});

/** init_wait(w) / DEFINE_WAIT: task = current, func = autoremove, task_list self-linked */
export function init_wait(k: Machine, w: number): void {
  const e = k.waitq(w);
  e.flags = 0;
  e.task = k.current;
  e.func = autoremove_wake_function.id;
  INIT_LIST_HEAD(k, wList(w));
}

/** DECLARE_WAITQUEUE(w, tsk): default_wake_function, task_list {NULL, NULL} */
export function declare_waitqueue(k: Machine, w: number, tsk: number): void {
  const e = k.waitq(w);
  e.flags = 0;
  e.task = tsk;
  e.func = default_wake_function.id;
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
export const add_wait_queue = kfn('add_wait_queue', 'kernel/fork.c', ['q', 'wait', 'exclusive'], ['flags'], (k, f) => {
  switch (f.pc) {
    case 0: {
      const e = k.waitq(f.wait);
      e.flags = f.exclusive ? e.flags | WQ_FLAG_EXCLUSIVE : e.flags & ~WQ_FLAG_EXCLUSIVE;
      const fl = spin_lock_irqsave(k, qLock(f.q));
      if (fl < 0) return;
      f.flags = fl;
      f.pc = 1;
      return;
    }
    case 1:
      if (f.exclusive) list_add_tail(k, wList(f.wait), qList(f.q));
      else list_add(k, wList(f.wait), qList(f.q));
      f.pc = 2;
      return;
    case 2:
      spin_unlock_irqrestore(k, qLock(f.q), f.flags);
      return k.ret(0);
  }
});

/** remove_wait_queue(q, wait): list_del under q->lock (leaves NULL pointers) */
export const remove_wait_queue = kfn('remove_wait_queue', 'kernel/fork.c', ['q', 'wait'], ['flags'], (k, f) => {
  switch (f.pc) {
    case 0: {
      const fl = spin_lock_irqsave(k, qLock(f.q));
      if (fl < 0) return;
      f.flags = fl;
      f.pc = 1;
      return;
    }
    case 1:
      list_del(k, wList(f.wait));
      f.pc = 2;
      return;
    case 2:
      spin_unlock_irqrestore(k, qLock(f.q), f.flags);
      return k.ret(0);
  }
});

/**
 * prepare_to_wait(q, wait, state): set the caller's state (unconditionally), clear
 * the exclusive flag, and add the entry at the head only if it is not on a list.
 * With the Mar 5 patch, an already-queued current->iocb->ki_wait is reported by printk.
 */
export const prepare_to_wait = kfn('prepare_to_wait', 'kernel/fork.c', ['q', 'wait', 'state', 'exclusive'], ['flags', 'empty'], (k, f) => {
  switch (f.pc) {
    case 0:
      __set_current_state(k, f.state);
      f.pc = 1;
      return;
    case 1: {
      const e = k.waitq(f.wait);
      e.flags = f.exclusive ? e.flags | WQ_FLAG_EXCLUSIVE : e.flags & ~WQ_FLAG_EXCLUSIVE;
      const fl = spin_lock_irqsave(k, qLock(f.q));
      if (fl < 0) return;
      f.flags = fl;
      f.pc = 2;
      return;
    }
    case 2:
      f.empty = list_empty(k, wList(f.wait)) ? 1 : 0;
      f.pc = 3;
      return;
    case 3:
      if (f.empty) {
        if (f.exclusive) list_add_tail(k, wList(f.wait), qList(f.q));
        else list_add(k, wList(f.wait), qList(f.q));
        k.onWaitQueued(f.wait, f.q);
      } else if (k.v.prepareToWaitPrintk) {
        // [mar05 aioretry.patch, kernel/fork.c] report a reused, still-queued ki_wait
        const cur = k.task(k.current).iocb;
        if (cur && f.wait === cur + k.kiWaitOff) k.printk('prepare_to_wait: iocb->ki_wait in use');
      }
      f.pc = 4;
      return;
    case 4:
      spin_unlock_irqrestore(k, qLock(f.q), f.flags);
      return k.ret(0);
  }
});

/** finish_wait(q, wait): state RUNNING; if the entry is still queued, unlink it under q->lock */
export const finish_wait = kfn('finish_wait', 'kernel/fork.c', ['q', 'wait'], ['flags'], (k, f) => {
  switch (f.pc) {
    case 0:
      __set_current_state(k, TASK_RUNNING);
      f.pc = 1;
      return;
    case 1:
      if (list_empty(k, wList(f.wait))) return k.ret(0);
      f.pc = 2;
      return;
    case 2: {
      const fl = spin_lock_irqsave(k, qLock(f.q));
      if (fl < 0) return;
      f.flags = fl;
      f.pc = 3;
      return;
    }
    case 3: {
      // (model events: only an entry that was still linked is dequeued here; a wakeup may have beaten us)
      const linked = k.m[wList(f.wait)] !== wList(f.wait);
      list_del_init(k, wList(f.wait));
      if (linked) k.onWaitDequeued(f.wait);
      f.pc = 4;
      return;
    }
    case 4:
      spin_unlock_irqrestore(k, qLock(f.q), f.flags);
      return k.ret(0);
  }
});

/**
 * __wake_up(q, mode, nr_exclusive): under q->lock (irqsave) walk the list head to
 * tail with list_for_each_safe, calling each entry's func; stop after nr_exclusive
 * exclusive entries whose func returned nonzero (0 = wake them all).
 */
export const __wake_up = kfn('__wake_up', 'kernel/sched.c', ['q', 'mode', 'nr_exclusive'], ['flags', 'curr', 'next', 'eflags'], (k, f) => {
  switch (f.pc) {
    case 0: {
      const fl = spin_lock_irqsave(k, qLock(f.q));
      if (fl < 0) return;
      f.flags = fl;
      f.curr = list_first(k, qList(f.q));
      f.pc = 1;
      return;
    }
    case 1:
      // list_for_each_safe(tmp, next, &q->task_list)
      if (f.curr === qList(f.q)) {
        f.pc = 3;
        return;
      }
      f.next = k.rd(f.curr, 'list_head->next');
      f.eflags = k.waitq(wEntry(f.curr)).flags;
      return k.callPtr(2, k.waitq(wEntry(f.curr)).func, wEntry(f.curr), f.mode);
    case 2:
      if (f.rv && f.eflags & WQ_FLAG_EXCLUSIVE && !--f.nr_exclusive) {
        f.pc = 3;
        return;
      }
      f.curr = f.next;
      f.pc = 1;
      return;
    case 3:
      spin_unlock_irqrestore(k, qLock(f.q), f.flags);
      return k.ret(0);
  }
});

/** wake_up(q): wakes every non-exclusive waiter and at most one exclusive one */
export function wake_up_args(q: number): number[] {
  return [q, TASK_NORMAL, 1];
}
/** wake_up_all(q) */
export function wake_up_all_args(q: number): number[] {
  return [q, TASK_NORMAL, 0];
}
