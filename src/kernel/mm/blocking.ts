/**
 * @jumps-end-steps (ported under the rule that every jump ends a step; to be brought to the current rule)
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
 * synchronously in aio context, and schedule() records that in GLOBAL.AIO_BLOCKED.
 *
 * State kept in the globals word G_FS (GLOBAL.FS_FLAGS):
 *   bits 0..3  "once" flags (the indirect block has been read, the request queue /
 *              allocator congestion and the dirty throttling have been met once);
 *   bit 8+t    task t (index in k.addr.tasks) waits for its event (the "buffer locked"
 *              condition of the loop above);
 *   bits 20+2i, 21+2i  [proposed: asyncBlockingPoints] iocb i's asynchronous event is
 *              pending / has happened and not been consumed by a retry yet.
 *
 * [proposed: asyncBlockingPoints] In aio context (current->iocb set) the same body does
 * not sleep: it starts the event for the iocb, queues current->iocb->ki_wait on the
 * event's queue (TASK_RUNNING, aio_wake_function kicks the iocb) and returns
 * -EIOCBRETRY (aioRetryCode) from the caller's frame; the retry comes back to the same point, finds
 * the event done, takes ki_wait off the queue if it is still there, and goes on.
 * @c fs/buffer.c
 */
import type { KGen } from '../../engine/fn.ts';
import { atomic, fnref } from '../../engine/fn.ts';
import { GLOBAL, IRQ, PANIC_ENGINE, registerIrq, type Machine } from '../../engine/machine.ts';
import { io_schedule, blockingPoint, TASK_RUNNING, TASK_UNINTERRUPTIBLE } from '../kernel/sched.ts';
import { __wake_up, finish_wait, init_wait, prepare_to_wait, TASK_NORMAL, waitqueue_active } from '../kernel/wait.ts';
import { TASK } from '../../engine/structs.ts';
import { EIOCBQUEUED, EIOCBRETRY } from '../../engine/fs/errno.ts';

/** the globals word the fs/mm model keeps its flags in */
export const G_FS = GLOBAL.FS_FLAGS;
export const FS_INDIRECT_READ = 1 << 0; // the file's indirect block has been read (metadata)
export const FS_REQ_CONGESTED = 1 << 1; // get_request_wait has been met once (requestCongestion)
export const FS_ALLOC_CONGESTED = 1 << 2; // blk_congestion_wait in the page allocator met once (allocCongestion)
export const FS_DIRTY_THROTTLED = 1 << 3; // balance_dirty_pages has throttled once (dirtyThrottle)
const FS_PENDING_SHIFT = 8;

/** test-and-set of a once flag: true for the first caller. One visible step. */
export function fsOnce(k: Machine, bit: number): boolean {
  k.sharedAccess();
  const g = k.g(G_FS);
  if (g & bit) return false;
  k.setG(G_FS, g | bit);
  return true;
}

function pendingBit(k: Machine, task: number): number {
  const ti = k.addr.tasks.indexOf(task);
  if (ti < 0 || ti + FS_PENDING_SHIFT > 30) k.panic(PANIC_ENGINE, `no event-pending bit for task @${task}`);
  return 1 << (ti + FS_PENDING_SHIFT);
}
/** is task's event still pending? (one visible read) */
export function eventPending(k: Machine, task: number): boolean {
  k.sharedAccess();
  return (k.g(G_FS) & pendingBit(k, task)) !== 0;
}
/** marks task's event pending / done (one visible write) */
export function setEventPending(k: Machine, task: number, on: boolean): void {
  k.sharedAccess();
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
    case blockingPoint('blk_congestion_wait'):
    case blockingPoint('balance_dirty_pages'):
      return k.addr.congestionWait;
    default:
      return k.addr.reqWait;
  }
}

/**
 * What the aio-context waits return instead of sleeping: -EIOCBQUEUED as posted, or
 * [proposed: eiocbRetry] -EIOCBRETRY, which the retry code tells apart from a method's
 * "-EIOCBQUEUED: I will call aio_complete myself".
 */
export function aioRetryCode(k: Machine): number {
  return k.variant.eiocbRetry ? -EIOCBRETRY : -EIOCBQUEUED;
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
  return k.variant.asyncBlockingPoints && curIocb(k) !== 0;
}
/**
 * [proposed: asyncBlockingPoints] does current->iocb have an async event outstanding (started and
 * not consumed by a retry)? One visible read. A blocking point guarded by a "once" flag must be
 * entered again on the retry that follows its async wait: `fsOnce(k, bit) || aioEventOutstanding(k)`.
 */
export function aioEventOutstanding(k: Machine): boolean {
  if (!aioAsyncContext(k)) return false;
  k.sharedAccess();
  const b = aioEvBits(k, curIocb(k));
  return (k.g(G_FS) & (b.pending | b.done)) !== 0;
}
/** [proposed: asyncBlockingPoints] the event of an iocb happened (the interrupt, one visible step) */
function aioEventDone(k: Machine, iocb: number): void {
  k.sharedAccess();
  const b = aioEvBits(k, iocb);
  k.setG(G_FS, (k.g(G_FS) & ~b.pending) | b.done);
}

/**
 * [proposed: asyncBlockingPoints] the async wait's first step: is current->iocb's event done
 * (the retry after it: consume it, true) or still to come (start it unless it is started: false)?
 * One visible step.
 */
function aioEventBegin(k: Machine, point: number): boolean {
  const iocb = curIocb(k);
  k.sharedAccess();
  const b = aioEvBits(k, iocb);
  const g = k.g(G_FS);
  if (g & b.done) {
    // the retry after the event: consume it, take ki_wait off the queue if a wakeup has not
    k.setG(G_FS, g & ~b.done);
    return true;
  }
  if (!(g & b.pending)) {
    // start the event (lock_buffer + submit_bh, ...) for the iocb; its completion comes as an
    // interrupt. (The iocb's bits are private until the interrupt is raised: same step.)
    k.setG(G_FS, g | b.pending);
    k.raiseIrq(IRQ.EVENT_DONE, iocb, point);
  }
  return false;
}
/**
 * [proposed: asyncBlockingPoints] after queueing ki_wait: is current->iocb's event still pending
 * (true: ki_wait stays queued)? If not, consume its done bit. One visible step.
 */
function aioEventPending(k: Machine): boolean {
  const iocb = curIocb(k);
  k.sharedAccess();
  const b = aioEvBits(k, iocb);
  const g = k.g(G_FS);
  if (g & b.pending) return true;
  k.setG(G_FS, g & ~b.done);
  return false;
}

/** the end of the DEFINE_WAIT's scope */
export function eventWaitEnd(k: Machine, wait: number): void {
  // [proposed: asyncBlockingPoints] an async wait used current->iocb->ki_wait, not a stack entry
  if (k.variant.asyncBlockingPoints && k.iocbIndex(wait - k.kiWaitOff) >= 0) return;
  k.setStackObj(wait, false);
}

/* The blocking points below are wait_for_event's body with their own point, as in the kernel each has its own loop. */
const WAIT_ON_BUFFER = blockingPoint('wait_on_buffer');
const GET_REQUEST_WAIT = blockingPoint('get_request_wait');
const BLK_CONGESTION_WAIT = blockingPoint('blk_congestion_wait');
const BALANCE_DIRTY_PAGES = blockingPoint('balance_dirty_pages');
const COPY_TO_USER_FAULT = blockingPoint('copy_to_user_fault');

/**
 * wait_for_event(point): the generic blocking point. Raises IRQ.EVENT_DONE for the
 * current task and sleeps TASK_UNINTERRUPTIBLE on a stack wait entry until the
 * handler has ended the event.
 * @c 'model: a blocking point'
 */
export function* wait_for_event(k: Machine, point: number): KGen {
  let wait: number;
  let q: number;
  // [proposed: asyncBlockingPoints] in aio context: an async wait on current->iocb->ki_wait
  if (aioAsyncContext(k)) {
    // wait = &current->iocb->ki_wait; is this iocb's event already started, or done?
    wait = curIocb(k) + k.kiWaitOff;
    q = eventQueue(k, point);
    atomic('aioEventBegin sets the iocb\'s pending bit and raises its interrupt: the bits are private until then');
    if (!aioEventBegin(k, point)) {
      yield;
      // prepare_to_wait(wqh, &iocb->ki_wait, TASK_RUNNING): aio_wake_function will kick the iocb
      yield* prepare_to_wait(k, q, wait, TASK_RUNNING, 0);
      // if (event pending) return -EIOCBRETRY;  (ki_wait stays queued; -EIOCBQUEUED without eiocbRetry)
      if (aioEventPending(k)) return aioRetryCode(k);         yield;
    }
  } else {
    // DEFINE_WAIT(wait);
    wait = k.myWait(0);
    k.setStackObj(wait, true);
    init_wait(k, wait);
    q = eventQueue(k, point);                                 yield;
    // lock_buffer(bh) / the request list is empty / the queue is congested: the condition
    setEventPending(k, k.current, true);                      yield;
    // submit_bh(READ, bh) / ...: the event that ends it will come as an interrupt
    k.raiseIrq(IRQ.EVENT_DONE, k.current, point);             yield;
    do {
      // do { prepare_to_wait(wqh, &wait, TASK_UNINTERRUPTIBLE);
      yield* prepare_to_wait(k, q, wait, TASK_UNINTERRUPTIBLE, 0);
      //   if (buffer_locked(bh)) { blk_run_queues(); io_schedule(); }
      if (eventPending(k, k.current)) yield* io_schedule(k);
    } while (eventPending(k, k.current));  // } while (buffer_locked(bh));
                                                              yield;
  }
  // finish_wait(wqh, &wait);
  yield* finish_wait(k, q, wait);
  eventWaitEnd(k, wait);
  return 0;
}

/** __wait_on_buffer(bh) (fs/buffer.c): read() -> read indirect block -> wait_on_buffer() @c fs/buffer.c */
export function* __wait_on_buffer(k: Machine): KGen {
  let wait: number;
  let q: number;
  if (aioAsyncContext(k)) {
    wait = curIocb(k) + k.kiWaitOff;
    q = eventQueue(k, WAIT_ON_BUFFER);
    atomic('aioEventBegin sets the iocb\'s pending bit and raises its interrupt: the bits are private until then');
    if (!aioEventBegin(k, WAIT_ON_BUFFER)) {
      yield;
      yield* prepare_to_wait(k, q, wait, TASK_RUNNING, 0);
      if (aioEventPending(k)) return aioRetryCode(k);         yield;
    }
  } else {
    wait = k.myWait(0);
    k.setStackObj(wait, true);
    init_wait(k, wait);
    q = eventQueue(k, WAIT_ON_BUFFER);                        yield;
    // lock_buffer(bh); submit_bh(READ, bh);
    setEventPending(k, k.current, true);                      yield;
    k.raiseIrq(IRQ.EVENT_DONE, k.current, WAIT_ON_BUFFER);    yield;
    do {
      yield* prepare_to_wait(k, q, wait, TASK_UNINTERRUPTIBLE, 0);
      if (eventPending(k, k.current)) yield* io_schedule(k);
    } while (eventPending(k, k.current));                     yield;
  }
  // finish_wait(wqh, &wait);
  yield* finish_wait(k, q, wait);
  eventWaitEnd(k, wait);
  return 0;
}

/** get_request_wait(q, rw) (drivers/block/ll_rw_blk.c): prepare_to_wait_exclusive on the request list @c drivers/block/ll_rw_blk.c */
export function* get_request_wait(k: Machine): KGen {
  let wait: number;
  let q: number;
  if (aioAsyncContext(k)) {
    wait = curIocb(k) + k.kiWaitOff;
    q = eventQueue(k, GET_REQUEST_WAIT);
    atomic('aioEventBegin sets the iocb\'s pending bit and raises its interrupt: the bits are private until then');
    if (!aioEventBegin(k, GET_REQUEST_WAIT)) {
      yield;
      yield* prepare_to_wait(k, q, wait, TASK_RUNNING, 1);
      if (aioEventPending(k)) return aioRetryCode(k);         yield;
    }
  } else {
    wait = k.myWait(0);
    k.setStackObj(wait, true);
    init_wait(k, wait);
    q = eventQueue(k, GET_REQUEST_WAIT);                      yield;
    // the request list is empty (the next freed_request ends it)
    setEventPending(k, k.current, true);                      yield;
    k.raiseIrq(IRQ.EVENT_DONE, k.current, GET_REQUEST_WAIT);  yield;
    do {
      // prepare_to_wait_exclusive(&rl->wait, &wait, TASK_UNINTERRUPTIBLE);
      yield* prepare_to_wait(k, q, wait, TASK_UNINTERRUPTIBLE, 1);
      if (eventPending(k, k.current)) yield* io_schedule(k);
    } while (eventPending(k, k.current));                     yield;
  }
  // finish_wait(wqh, &wait);
  yield* finish_wait(k, q, wait);
  eventWaitEnd(k, wait);
  return 0;
}

/** blk_congestion_wait(rw, timeout) (drivers/block/ll_rw_blk.c): the page allocator under congestion @c drivers/block/ll_rw_blk.c */
export function* blk_congestion_wait(k: Machine): KGen {
  let wait: number;
  let q: number;
  if (aioAsyncContext(k)) {
    wait = curIocb(k) + k.kiWaitOff;
    q = eventQueue(k, BLK_CONGESTION_WAIT);
    atomic('aioEventBegin sets the iocb\'s pending bit and raises its interrupt: the bits are private until then');
    if (!aioEventBegin(k, BLK_CONGESTION_WAIT)) {
      yield;
      yield* prepare_to_wait(k, q, wait, TASK_RUNNING, 0);
      if (aioEventPending(k)) return aioRetryCode(k);         yield;
    }
  } else {
    wait = k.myWait(0);
    k.setStackObj(wait, true);
    init_wait(k, wait);
    q = eventQueue(k, BLK_CONGESTION_WAIT);                   yield;
    // the queue is congested (clear_queue_congested ends it)
    setEventPending(k, k.current, true);                      yield;
    k.raiseIrq(IRQ.EVENT_DONE, k.current, BLK_CONGESTION_WAIT); yield;
    do {
      // prepare_to_wait(&congestion_wqh, &wait, TASK_UNINTERRUPTIBLE);
      yield* prepare_to_wait(k, q, wait, TASK_UNINTERRUPTIBLE, 0);
      if (eventPending(k, k.current)) yield* io_schedule(k);
    } while (eventPending(k, k.current));                     yield;
  }
  // finish_wait(wqh, &wait);
  yield* finish_wait(k, q, wait);
  eventWaitEnd(k, wait);
  return 0;
}

/** balance_dirty_pages(mapping) (mm/page-writeback.c): writer throttling (it sleeps in blk_congestion_wait) @c mm/page-writeback.c */
export function* balance_dirty_pages(k: Machine): KGen {
  let wait: number;
  let q: number;
  if (aioAsyncContext(k)) {
    wait = curIocb(k) + k.kiWaitOff;
    q = eventQueue(k, BALANCE_DIRTY_PAGES);
    atomic('aioEventBegin sets the iocb\'s pending bit and raises its interrupt: the bits are private until then');
    if (!aioEventBegin(k, BALANCE_DIRTY_PAGES)) {
      yield;
      yield* prepare_to_wait(k, q, wait, TASK_RUNNING, 0);
      if (aioEventPending(k)) return aioRetryCode(k);         yield;
    }
  } else {
    wait = k.myWait(0);
    k.setStackObj(wait, true);
    init_wait(k, wait);
    q = eventQueue(k, BALANCE_DIRTY_PAGES);                   yield;
    // writeback_inodes(...); blk_congestion_wait(WRITE, HZ/10): the queue is congested
    setEventPending(k, k.current, true);                      yield;
    k.raiseIrq(IRQ.EVENT_DONE, k.current, BALANCE_DIRTY_PAGES); yield;
    do {
      yield* prepare_to_wait(k, q, wait, TASK_UNINTERRUPTIBLE, 0);
      if (eventPending(k, k.current)) yield* io_schedule(k);
    } while (eventPending(k, k.current));                     yield;
  }
  // finish_wait(wqh, &wait);
  yield* finish_wait(k, q, wait);
  eventWaitEnd(k, wait);
  return 0;
}

/**
 * handle_mm_fault for a user-buffer page that is not present (mm/memory.c,
 * do_no_page -> filemap_nopage / do_swap_page): the page is read in and the fault
 * sleeps until it arrives; then the pte is installed (the present word).
 * `buf` is the iocb index, `upage` the page of its buffer.
 * @c mm/memory.c
 */
export function* handle_mm_fault(k: Machine, buf: number, upage: number): KGen {
  let wait: number;
  let q: number;
  if (aioAsyncContext(k)) {
    wait = curIocb(k) + k.kiWaitOff;
    q = eventQueue(k, COPY_TO_USER_FAULT);
    atomic('aioEventBegin sets the iocb\'s pending bit and raises its interrupt: the bits are private until then');
    if (!aioEventBegin(k, COPY_TO_USER_FAULT)) {
      yield;
      yield* prepare_to_wait(k, q, wait, TASK_RUNNING, 0);
      if (aioEventPending(k)) return aioRetryCode(k);         yield;
    }
  } else {
    wait = k.myWait(0);
    k.setStackObj(wait, true);
    init_wait(k, wait);
    q = eventQueue(k, COPY_TO_USER_FAULT);                    yield;
    // the page is not present: its read is started (lock_page + readpage)
    setEventPending(k, k.current, true);                      yield;
    k.raiseIrq(IRQ.EVENT_DONE, k.current, COPY_TO_USER_FAULT); yield;
    do {
      // wait_on_page_locked(page)
      yield* prepare_to_wait(k, q, wait, TASK_UNINTERRUPTIBLE, 0);
      if (eventPending(k, k.current)) yield* io_schedule(k);
    } while (eventPending(k, k.current));                     yield;
  }
  // finish_wait(wqh, &wait);
  yield* finish_wait(k, q, wait);
  eventWaitEnd(k, wait);                                      yield;
  // set_pte(page_table, entry): the user page is present
  k.sharedAccess();
  k.wr(k.addr.userBufPresent[buf] + upage, 1, 'pte');
  return 0;
}

/**
 * The interrupt that ends a blocking point's event (end_buffer_io_sync for
 * wait_on_buffer, freed_request for get_request_wait, clear_queue_congested, the
 * user page's read completion): clear the task's pending condition, then wake the
 * queue (unlock_buffer: `if (waitqueue_active(wq)) wake_up_all(wq)`).
 * @c 'model: interrupt ending a blocking point'
 */
export function* blocking_event_done(k: Machine, task: number, point: number): KGen {
  const q = eventQueue(k, point);
  // [proposed: asyncBlockingPoints] an iocb's async event (arg: the kiocb)
  if (k.variant.asyncBlockingPoints && k.iocbIndex(task) >= 0) aioEventDone(k, task);
  else setEventPending(k, task, false);
  yield;
  if (!waitqueue_active(k, q)) return 0;
  // wake_up_all(q)
  yield* __wake_up(k, q, TASK_NORMAL, 0);
  return 0;
}
registerIrq(IRQ.EVENT_DONE, fnref(blocking_event_done));
