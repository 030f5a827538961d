/**
 * @jumps-end-steps (ported under the rule that every jump ends a step; to be brought to the current rule)
 * Workqueues (kernel/workqueue.c, 2.5.62): one worker thread per CPU per workqueue.
 * queue_work does not queue a pending item twice; the worker clears `pending`
 * before it calls the function, so the item can be queued (and run on another CPU)
 * again while the first run is still going.
 * @c kernel/workqueue.c
 */
import { call_ptr, type KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { CWQ, WORK } from '../../engine/structs.ts';
import { clear_bit, test_and_set_bit } from '../../engine/kernel/bitops.ts';
import { list_add_tail, list_del_init, list_empty, list_first } from '../../engine/kernel/list.ts';
import { blockingPoint, schedule, set_current_state, TASK_INTERRUPTIBLE, TASK_RUNNING } from './sched.ts';
import { spin_lock_irqsave, spin_unlock_irqrestore } from '../../engine/kernel/locking.ts';
import { __wake_up, add_wait_queue, remove_wait_queue, TASK_NORMAL } from './wait.ts';

export const cwqLock = (c: number) => c + CWQ.off.lock;
export const cwqList = (c: number) => c + CWQ.off.worklist;
export const cwqMoreWork = (c: number) => c + CWQ.off.more_work;
export const workEntry = (w: number) => w + WORK.off.entry;

/** which workqueue: 0 = aio_wq, 1 = keventd_wq (schedule_work) */
export const AIO_WQ = 0;
export const KEVENTD_WQ = 1;

export function cwqOf(k: Machine, wq: number, cpu: number): number {
  return wq === AIO_WQ ? k.addr.cwq.aio[cpu] : k.addr.cwq.keventd[cpu];
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
export function* queue_work(k: Machine, wq: number, work: number): KGen {
  if (test_and_set_bit(k, 0, work + WORK.off.pending)) return 0;
  const cwq = cwqOf(k, wq, k.cpuId);                          yield;
  const flags = yield* spin_lock_irqsave(k, cwqLock(cwq));
  yield;
  list_add_tail(k, workEntry(work), cwqList(cwq));
  k.work(work).wq_data = cwq;
  // wake_up(&cwq->more_work)
  yield* __wake_up(k, cwqMoreWork(cwq), TASK_NORMAL, 1);
  spin_unlock_irqrestore(k, cwqLock(cwq), flags);
  return 1;
}

/**
 * worker_thread(cwq): sleep on more_work while the worklist is empty, then
 * run_workqueue: take each item off (list_del_init), drop the lock,
 * clear_bit(0, &work->pending), call work->func(work->data).
 * `wait` is the DECLARE_WAITQUEUE entry of the worker's stack frame.
 */
export function* worker_thread(k: Machine, cwq: number, wait: number): KGen {
  let flags: number;
  let work!: number; // set before the first item is run (next_item)
  let empty: number;
  // (model) 1 from the end of an item's turn to its function call: run_workqueue's loop is entered
  // from the worklist test and from the function's return at the same spin_lock_irqsave (one
  // program point, as the hand-written worker had), which structured code can only say this way
  let next_item = 0;
  while (true) {
    if (!next_item) {
      // for (;;) { set_task_state(current, TASK_INTERRUPTIBLE); add_wait_queue(&cwq->more_work, &wait);
      set_current_state(k, TASK_INTERRUPTIBLE);
      yield* add_wait_queue(k, cwqMoreWork(cwq), wait, 0);
      // if (list_empty(&cwq->worklist)) schedule(); else set_task_state(current, TASK_RUNNING);
      empty = list_empty(k, cwqList(cwq)) ? 1 : 0;            yield;
      if (empty) yield* schedule(k);
      else {
        set_current_state(k, TASK_RUNNING);                   yield;
      }
      yield* remove_wait_queue(k, cwqMoreWork(cwq), wait);
      // if (!list_empty(&cwq->worklist)) run_workqueue(cwq);
      if (list_empty(k, cwqList(cwq))) continue;
    } else {
      next_item = 0;
      // clear_bit(0, &work->pending); f(data);
      clear_bit(k, 0, work + WORK.off.pending);
      const w = k.work(work);
      yield* call_ptr(k, w.func, w.data);
    }
    // run_workqueue: spin_lock_irqsave(&cwq->lock, flags); while (!list_empty(&cwq->worklist)) {
    flags = yield* spin_lock_irqsave(k, cwqLock(cwq));
    yield;
    if (list_empty(k, cwqList(cwq))) {
                                                              yield;
      spin_unlock_irqrestore(k, cwqLock(cwq), flags);
      continue;
    }
    yield;
    // work = list_entry(cwq->worklist.next, ...); list_del_init(cwq->worklist.next);
    work = list_first(k, cwqList(cwq)) - WORK.off.entry;
    list_del_init(k, workEntry(work));                        yield;
    spin_unlock_irqrestore(k, cwqLock(cwq), flags);
    next_item = 1;
  }
}
void blockingPoint;
