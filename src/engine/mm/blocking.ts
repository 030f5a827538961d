/**
 * Andrew Morton's "soooo many more places where we can block" (seed thread, Mar 5,
 * reply to Patch 2/2) and the user-copy fault Suparna adds ("The copy_to_user or
 * fault_in_writable_pages can block too"), as synchronous sleeps.
 *
 * Each one is the kernel's sleep pattern on a stack wait entry:
 *   DEFINE_WAIT(wait);
 *   <start the event: lock_buffer + submit_bh, take the request slot, ...>
 *   do { prepare_to_wait(wqh, &wait, TASK_UNINTERRUPTIBLE);
 *        if (<event pending>) io_schedule(); } while (<event pending>);
 *   finish_wait(wqh, &wait);
 * The event is an interrupt (IRQ.EVENT_DONE, arg = the waiting task, arg2 = the
 * blocking point) whose handler clears the pending condition and wakes the queue.
 * None of these sleeps knows about current->iocb: with the retry patches they sleep
 * synchronously in aio context, and schedule() records that in G.AIO_BLOCKED.
 *
 * State kept in the globals word G_FS (G.FS_FLAGS):
 *   bits 0..3  "once" flags (the indirect block has been read, the request queue /
 *              allocator congestion and the dirty throttling have been met once);
 *   bit 8+t    task t (index in k.A.tasks) waits for its event (the "buffer locked"
 *              condition of the loop above);
 *   bits 20+2i, 21+2i  [proposed: asyncBlockingPoints] iocb i's asynchronous event is
 *              pending / has happened and not been consumed by a retry yet.
 *
 * [proposed: asyncBlockingPoints] In aio context (current->iocb set) the same body does
 * not sleep: it starts the event for the iocb, queues current->iocb->ki_wait on the
 * event's queue (TASK_RUNNING, aio_wake_function kicks the iocb) and returns
 * -EIOCBRETRY (aioRetryCode) from the caller's frame; the retry comes back to the same point, finds
 * the event done, takes ki_wait off the queue if it is still there, and goes on.
 */
import { kfn, type Frame } from '../fn.ts';
import { G, IRQ, PANIC_ENGINE, registerIrq, type Machine } from '../machine.ts';
import { io_schedule, bp, TASK_RUNNING, TASK_UNINTERRUPTIBLE } from '../kernel/sched.ts';
import { __wake_up, finish_wait, init_wait, prepare_to_wait, waitqueue_active, wake_up_all_args } from '../kernel/wait.ts';
import type { BlockingPoint } from '../machine.ts';
import { TASK } from '../structs.ts';
import { EIOCBQUEUED, EIOCBRETRY } from '../fs/errno.ts';

/** the globals word the fs/mm model keeps its flags in */
export const G_FS = G.FS_FLAGS;
export const FS_INDIRECT_READ = 1 << 0; // the file's indirect block has been read (metadata)
export const FS_REQ_CONGESTED = 1 << 1; // get_request_wait has been met once (requestCongestion)
export const FS_ALLOC_CONGESTED = 1 << 2; // blk_congestion_wait in the page allocator met once (allocCongestion)
export const FS_DIRTY_THROTTLED = 1 << 3; // balance_dirty_pages has throttled once (dirtyThrottle)
const FS_PENDING_SHIFT = 8;

/** test-and-set of a once flag: true for the first caller. One visible step. */
export function fsOnce(k: Machine, bit: number): boolean {
  k.pp();
  const g = k.g(G_FS);
  if (g & bit) return false;
  k.setG(G_FS, g | bit);
  return true;
}

function pendingBit(k: Machine, task: number): number {
  const ti = k.A.tasks.indexOf(task);
  if (ti < 0 || ti + FS_PENDING_SHIFT > 30) k.panic(PANIC_ENGINE, `no event-pending bit for task @${task}`);
  return 1 << (ti + FS_PENDING_SHIFT);
}
/** is task's event still pending? (one visible read) */
export function eventPending(k: Machine, task: number): boolean {
  k.pp();
  return (k.g(G_FS) & pendingBit(k, task)) !== 0;
}
/** marks task's event pending / done (one visible write) */
export function setEventPending(k: Machine, task: number, on: boolean): void {
  k.pp();
  const b = pendingBit(k, task);
  k.setG(G_FS, on ? k.g(G_FS) | b : k.g(G_FS) & ~b);
}

/**
 * The wait-queue head a blocking point sleeps on. get_request_wait: the request
 * list's wait (q->rq.wait); blk_congestion_wait and balance_dirty_pages (which
 * throttles through blk_congestion_wait): congestion_wqh. wait_on_buffer (the
 * hashed bh_wait_queue_heads table) and the user-page fault (the user page's zone
 * wait table) have no head of their own in the machine: they use q->wait_for_request
 * as a stand-in (sharing it only adds spurious wakeups, which the loop absorbs).
 */
export function eventQueue(k: Machine, point: number): number {
  switch (point) {
    case bp('blk_congestion_wait'):
    case bp('balance_dirty_pages'):
      return k.A.congestionWait;
    default:
      return k.A.reqWait;
  }
}

/** pcs 0..EV_DONE-1 belong to eventWaitStep; the caller's own code continues at EV_DONE */
export const EV_DONE = 12;
type EvFrame = Frame<'wait' | 'q'>;

/**
 * What the aio-context waits return instead of sleeping: -EIOCBQUEUED as posted, or
 * [proposed: eiocbRetry] -EIOCBRETRY, which the retry code tells apart from a method's
 * "-EIOCBQUEUED: I will call aio_complete myself".
 */
export function aioRetryCode(k: Machine): number {
  return k.v.eiocbRetry ? -EIOCBRETRY : -EIOCBQUEUED;
}

// ------------------------------------------------------------------ [proposed: asyncBlockingPoints]
const AIO_EV_SHIFT = 20;
/** current->iocb (read by the task itself: no preemption point) */
function curIocb(k: Machine): number {
  return k.rd(k.current + TASK.off.iocb, 'current->iocb');
}
function aioEvBits(k: Machine, iocb: number): { pending: number; done: number } {
  const i = k.iocbIndex(iocb);
  if (i < 0 || AIO_EV_SHIFT + 2 * i + 1 > 30) k.panic(PANIC_ENGINE, `no async event bits for kiocb @${iocb}`);
  return { pending: 1 << (AIO_EV_SHIFT + 2 * i), done: 1 << (AIO_EV_SHIFT + 2 * i + 1) };
}
/** [proposed: asyncBlockingPoints] the blocking points convert to async waits in this context */
export function aioAsyncContext(k: Machine): boolean {
  return k.v.asyncBlockingPoints && curIocb(k) !== 0;
}
/**
 * [proposed: asyncBlockingPoints] does current->iocb have an async event outstanding (started and
 * not consumed by a retry)? One visible read. A blocking point guarded by a "once" flag must be
 * entered again on the retry that follows its async wait: `fsOnce(k, bit) || aioEventOutstanding(k)`.
 */
export function aioEventOutstanding(k: Machine): boolean {
  if (!aioAsyncContext(k)) return false;
  k.pp();
  const b = aioEvBits(k, curIocb(k));
  return (k.g(G_FS) & (b.pending | b.done)) !== 0;
}
/** [proposed: asyncBlockingPoints] the event of an iocb happened (the interrupt, one visible step) */
function aioEventDone(k: Machine, iocb: number): void {
  k.pp();
  const b = aioEvBits(k, iocb);
  k.setG(G_FS, (k.g(G_FS) & ~b.pending) | b.done);
}

/**
 * The shared body of every blocking point (see the file comment). Runs pcs
 * 0..EV_DONE-1 of the caller's frame (locals `wait`, `q`) and leaves it at EV_DONE
 * with the event done; the caller's EV_DONE case must call `eventWaitEnd`.
 */
export function eventWaitStep(k: Machine, f: EvFrame, point: number, exclusive = 0): void {
  switch (f.pc) {
    case 0:
      // [proposed: asyncBlockingPoints] in aio context: an async wait on current->iocb->ki_wait
      if (aioAsyncContext(k)) {
        f.pc = 7;
        return;
      }
      // DEFINE_WAIT(wait);
      f.wait = k.myWait(0);
      k.setStackObj(f.wait, true);
      init_wait(k, f.wait);
      f.q = eventQueue(k, point);
      f.pc = 1;
      return;
    case 1:
      // lock_buffer(bh) / the request list is empty / the queue is congested: the condition
      setEventPending(k, k.current, true);
      f.pc = 2;
      return;
    case 2:
      // submit_bh(READ, bh) / ...: the event that ends it will come as an interrupt
      k.raiseIrq(IRQ.EVENT_DONE, k.current, point);
      f.pc = 3;
      return;
    case 3:
      // do { prepare_to_wait(wqh, &wait, TASK_UNINTERRUPTIBLE);
      return k.call(4, prepare_to_wait, f.q, f.wait, TASK_UNINTERRUPTIBLE, exclusive);
    case 4:
      //   if (buffer_locked(bh)) { blk_run_queues(); io_schedule(); }
      if (eventPending(k, k.current)) return k.call(5, io_schedule, point);
      f.pc = 5;
      return;
    case 5:
      // } while (buffer_locked(bh));
      f.pc = eventPending(k, k.current) ? 3 : 6;
      return;
    case 6:
      // finish_wait(wqh, &wait);
      return k.call(EV_DONE, finish_wait, f.q, f.wait);
    // ---- [proposed: asyncBlockingPoints] the async wait (aio context)
    case 7: {
      // wait = &current->iocb->ki_wait; is this iocb's event already started, or done?
      const iocb = curIocb(k);
      f.wait = iocb + k.kiWaitOff;
      f.q = eventQueue(k, point);
      k.pp();
      const b = aioEvBits(k, iocb);
      const g = k.g(G_FS);
      if (g & b.done) {
        // the retry after the event: consume it, take ki_wait off the queue if a wakeup has not
        k.setG(G_FS, g & ~b.done);
        f.pc = 11;
        return;
      }
      if (!(g & b.pending)) {
        // start the event (lock_buffer + submit_bh, ...) for the iocb; its completion comes as an
        // interrupt. (The iocb's bits are private until the interrupt is raised: same step.)
        k.setG(G_FS, g | b.pending);
        k.raiseIrq(IRQ.EVENT_DONE, iocb, point);
      }
      f.pc = 9;
      return;
    }
    case 9:
      // prepare_to_wait(wqh, &iocb->ki_wait, TASK_RUNNING): aio_wake_function will kick the iocb
      return k.call(10, prepare_to_wait, f.q, f.wait, TASK_RUNNING, exclusive);
    case 10: {
      // if (event pending) return -EIOCBRETRY;  (ki_wait stays queued; -EIOCBQUEUED without eiocbRetry)
      const iocb = curIocb(k);
      k.pp();
      const b = aioEvBits(k, iocb);
      const g = k.g(G_FS);
      if (g & b.pending) return k.ret(aioRetryCode(k));
      k.setG(G_FS, g & ~b.done);
      f.pc = 11;
      return;
    }
    case 11:
      // finish_wait(wqh, &iocb->ki_wait);
      return k.call(EV_DONE, finish_wait, f.q, f.wait);
  }
}
/** the end of the DEFINE_WAIT's scope */
export function eventWaitEnd(k: Machine, f: EvFrame): void {
  // [proposed: asyncBlockingPoints] an async wait used current->iocb->ki_wait, not a stack entry
  if (k.v.asyncBlockingPoints && k.iocbIndex(f.wait - k.kiWaitOff) >= 0) return;
  k.setStackObj(f.wait, false);
}

function blockingPointKfn(name: string, file: string, point: BlockingPoint, exclusive = 0) {
  const p = bp(point);
  return kfn(name, file, [], ['wait', 'q'], (k, f) => {
    if (f.pc < EV_DONE) return eventWaitStep(k, f, p, exclusive);
    eventWaitEnd(k, f);
    return k.ret(0);
  });
}

/**
 * wait_for_event(point): the generic blocking point. Raises IRQ.EVENT_DONE for the
 * current task and sleeps TASK_UNINTERRUPTIBLE on a stack wait entry until the
 * handler has ended the event.
 */
export const wait_for_event = kfn('wait_for_event', 'model: a blocking point', ['point'], ['wait', 'q'], (k, f) => {
  if (f.pc < EV_DONE) return eventWaitStep(k, f, f.point);
  eventWaitEnd(k, f);
  return k.ret(0);
});

/** __wait_on_buffer(bh) (fs/buffer.c): read() -> read indirect block -> wait_on_buffer() */
export const __wait_on_buffer = blockingPointKfn('__wait_on_buffer', 'fs/buffer.c', 'wait_on_buffer');

/** get_request_wait(q, rw) (drivers/block/ll_rw_blk.c): prepare_to_wait_exclusive on the request list */
export const get_request_wait = blockingPointKfn('get_request_wait', 'drivers/block/ll_rw_blk.c', 'get_request_wait', 1);

/** blk_congestion_wait(rw, timeout) (drivers/block/ll_rw_blk.c): the page allocator under congestion */
export const blk_congestion_wait = blockingPointKfn('blk_congestion_wait', 'drivers/block/ll_rw_blk.c', 'blk_congestion_wait');

/** balance_dirty_pages(mapping) (mm/page-writeback.c): writer throttling (it sleeps in blk_congestion_wait) */
export const balance_dirty_pages = blockingPointKfn('balance_dirty_pages', 'mm/page-writeback.c', 'balance_dirty_pages');

/**
 * handle_mm_fault for a user-buffer page that is not present (mm/memory.c,
 * do_no_page -> filemap_nopage / do_swap_page): the page is read in and the fault
 * sleeps until it arrives; then the pte is installed (the present word).
 * `buf` is the iocb index, `upage` the page of its buffer.
 */
export const handle_mm_fault = kfn('handle_mm_fault', 'mm/memory.c', ['buf', 'upage'], ['wait', 'q'], (k, f) => {
  if (f.pc < EV_DONE) return eventWaitStep(k, f, bp('copy_to_user_fault'));
  switch (f.pc) {
    case EV_DONE:
      eventWaitEnd(k, f);
      f.pc = EV_DONE + 1;
      return;
    case EV_DONE + 1:
      // set_pte(page_table, entry): the user page is present
      k.pp();
      k.wr(k.A.userBufPresent[f.buf] + f.upage, 1, 'pte');
      return k.ret(0);
  }
});

/**
 * The interrupt that ends a blocking point's event (end_buffer_io_sync for
 * wait_on_buffer, freed_request for get_request_wait, clear_queue_congested, the
 * user page's read completion): clear the task's pending condition, then wake the
 * queue (unlock_buffer: `if (waitqueue_active(wq)) wake_up_all(wq)`).
 */
export const blocking_event_done = kfn('blocking_event_done', 'model: interrupt ending a blocking point', ['task', 'point'], ['q'], (k, f) => {
  switch (f.pc) {
    case 0:
      f.q = eventQueue(k, f.point);
      f.pc = 1;
      // [proposed: asyncBlockingPoints] an iocb's async event (arg: the kiocb)
      if (k.v.asyncBlockingPoints && k.iocbIndex(f.task) >= 0) return aioEventDone(k, f.task);
      setEventPending(k, f.task, false);
      return;
    case 1:
      if (waitqueue_active(k, f.q)) return k.call(2, __wake_up, ...wake_up_all_args(f.q));
      return k.ret(0);
    case 2:
      return k.ret(0);
  }
});
registerIrq(IRQ.EVENT_DONE, blocking_event_done);
