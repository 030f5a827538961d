/**
 * Workqueues (kernel/workqueue.c, 2.5.62): one worker thread per CPU per workqueue.
 * queue_work does not queue a pending item twice; the worker clears `pending`
 * before it calls the function, so the item can be queued (and run on another CPU)
 * again while the first run is still going.
 */
import { kfn } from '../fn.ts';
import type { Machine } from '../machine.ts';
import { CWQ, WORK } from '../structs.ts';
import { clear_bit, test_and_set_bit } from './bitops.ts';
import { list_add_tail, list_del_init, list_empty, list_first } from './list.ts';
import { bp, schedule, set_current_state, TASK_INTERRUPTIBLE, TASK_RUNNING } from './sched.ts';
import { spin_lock_irqsave, spin_unlock_irqrestore } from './spinlock.ts';
import { __wake_up, add_wait_queue, remove_wait_queue, wake_up_args } from './wait.ts';

export const cwqLock = (c: number) => c + CWQ.off.lock;
export const cwqList = (c: number) => c + CWQ.off.worklist;
export const cwqMoreWork = (c: number) => c + CWQ.off.more_work;
export const workEntry = (w: number) => w + WORK.off.entry;

/** which workqueue: 0 = aio_wq, 1 = keventd_wq (schedule_work) */
export const AIO_WQ = 0;
export const KEVENTD_WQ = 1;

export function cwqOf(k: Machine, wq: number, cpu: number): number {
  return wq === AIO_WQ ? k.A.cwq.aio[cpu] : k.A.cwq.keventd[cpu];
}

/** INIT_WORK(w, func, data) */
export function INIT_WORK(k: Machine, w: number, fnId: number, data: number): void {
  const work = k.work(w);
  work.pending = 0;
  work.func = fnId;
  work.data = data;
  k.wr(workEntry(w), workEntry(w), 'work->entry.next');
  k.wr(workEntry(w) + 1, workEntry(w), 'work->entry.prev');
}

/**
 * queue_work(wq, work): if (!test_and_set_bit(0, &work->pending)) append to the
 * current CPU's worklist and wake its worker; returns 1 if queued. schedule_work(w)
 * is queue_work(keventd_wq, w).
 */
export const queue_work = kfn('queue_work', 'kernel/workqueue.c', ['wq', 'work'], ['cwq', 'flags'], (k, f) => {
  switch (f.pc) {
    case 0:
      if (test_and_set_bit(k, 0, f.work + WORK.off.pending)) return k.ret(0);
      if (k.modelEvents && f.work === k.ctxWorkAddr) k.emit({ machine: 'kiocb', type: 'queue_work', iocb: -1 });
      f.cwq = cwqOf(k, f.wq, k.cpuId);
      f.pc = 1;
      return;
    case 1: {
      const fl = spin_lock_irqsave(k, cwqLock(f.cwq));
      if (fl < 0) return;
      f.flags = fl;
      f.pc = 2;
      return;
    }
    case 2:
      list_add_tail(k, workEntry(f.work), cwqList(f.cwq));
      k.work(f.work).wq_data = f.cwq;
      return k.call(3, __wake_up, ...wake_up_args(cwqMoreWork(f.cwq)));
    case 3:
      spin_unlock_irqrestore(k, cwqLock(f.cwq), f.flags);
      return k.ret(1);
  }
});

/**
 * worker_thread(cwq): sleep on more_work while the worklist is empty, then
 * run_workqueue: take each item off (list_del_init), drop the lock,
 * clear_bit(0, &work->pending), call work->func(work->data).
 * `wait` is the DECLARE_WAITQUEUE entry of the worker's stack frame.
 */
export const worker_thread = kfn('worker_thread', 'kernel/workqueue.c', ['cwq', 'wait'], ['flags', 'work', 'empty'], (k, f) => {
  switch (f.pc) {
    case 0:
      // for (;;) { set_task_state(current, TASK_INTERRUPTIBLE); add_wait_queue(&cwq->more_work, &wait);
      set_current_state(k, TASK_INTERRUPTIBLE);
      return k.call(1, add_wait_queue, cwqMoreWork(f.cwq), f.wait, 0);
    case 1:
      // if (list_empty(&cwq->worklist)) schedule(); else set_task_state(current, TASK_RUNNING);
      f.empty = list_empty(k, cwqList(f.cwq)) ? 1 : 0;
      f.pc = 2;
      return;
    case 2:
      if (f.empty) return k.call(3, schedule, -1);
      set_current_state(k, TASK_RUNNING);
      f.pc = 3;
      return;
    case 3:
      return k.call(4, remove_wait_queue, cwqMoreWork(f.cwq), f.wait);
    case 4:
      // if (!list_empty(&cwq->worklist)) run_workqueue(cwq);
      if (list_empty(k, cwqList(f.cwq))) {
        f.pc = 0;
        return;
      }
      f.pc = 5;
      return;
    case 5: {
      // run_workqueue: spin_lock_irqsave(&cwq->lock, flags); while (!list_empty(&cwq->worklist)) {
      const fl = spin_lock_irqsave(k, cwqLock(f.cwq));
      if (fl < 0) return;
      f.flags = fl;
      f.pc = 6;
      return;
    }
    case 6:
      if (list_empty(k, cwqList(f.cwq))) {
        f.pc = 10;
        return;
      }
      f.pc = 7;
      return;
    case 7:
      // work = list_entry(cwq->worklist.next, ...); list_del_init(cwq->worklist.next);
      f.work = list_first(k, cwqList(f.cwq)) - WORK.off.entry;
      list_del_init(k, workEntry(f.work));
      f.pc = 8;
      return;
    case 8:
      spin_unlock_irqrestore(k, cwqLock(f.cwq), f.flags);
      f.pc = 9;
      return;
    case 9: {
      // clear_bit(0, &work->pending); f(data);
      clear_bit(k, 0, f.work + WORK.off.pending);
      if (k.modelEvents && f.work === k.ctxWorkAddr) k.emit({ machine: 'kiocb', type: 'work_run', iocb: -1 });
      const w = k.work(f.work);
      return k.callPtr(5, w.func, w.data);
    }
    case 10:
      spin_unlock_irqrestore(k, cwqLock(f.cwq), f.flags);
      f.pc = 0;
      return;
  }
});
void bp;
