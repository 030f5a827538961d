/**
 * fs/aio.c (2.5.62), function by function, and the seed patches' hunks of a few lines in
 * place, each tagged with the patch it comes from and guarded by its change (`k.variant.<change>`,
 * src/engine/variants.ts) or the variant's core (`k.variant.core`: 'baseline' | 'mar05' | 'mar14'):
 *   [fix1] / [fix2]        the two fixes (folded into mar05, posted separately Mar 14)
 *   [aioretry]             a hunk common to the Mar 5 and Mar 14 aioretry.patch
 *   [mar05 aioretry]       Mar 5 only;  [mar14 aioretry]  Mar 14 only
 *   [proposed: <change>]   the review's proposed fixes to mar14 (not posted; src/engine/variants.ts)
 * Where a patch replaces a whole body, its body is in a file of its own (`@body`): aioretry.ts
 * (both postings), mar05.ts, mar14.ts, proposed.ts; the machine runs the one its variant chooses.
 * @c fs/aio.c
 */
import { addressOf, atomic, call_ptr, fnptr, fnref, observable, type KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { GLOBAL, IRQ, PANIC_BUG, PANIC_ENGINE, registerIrq } from '../../engine/machine.ts';
import { H_FREED, H_LIVE } from '../../engine/mem.ts';
import {
  FMODE_READ,
  FMODE_WRITE,
  KIF_KICKED,
  KIF_LOCKED,
  KIF_STARTED,
  KIOCB,
  KIOCTX,
  KI_WAIT_TASK_LIST,
  TASK_INTERRUPTIBLE,
  TASK_RUNNING,
  TASK_UNINTERRUPTIBLE,
  WQ_HEAD,
} from '../../engine/structs.ts';
import { clear_bit, set_bit, test_and_set_bit, test_bit } from '../../engine/kernel/bitops.ts';
import { INIT_LIST_HEAD, list_add, list_add_tail, list_del, list_del_init, list_empty, list_first, listEntries } from '../../engine/kernel/list.ts';
import { schedule, set_current_state, try_to_wake_up, wake_up_process } from '../kernel/sched.ts';
import { spin_lock_irq, spin_lock_irqsave, spin_unlock_irq, spin_unlock_irqrestore } from '../../engine/kernel/locking.ts';
import { __wake_up, add_wait_queue, init_wait, remove_wait_queue, declare_waitqueue, waitqueue_active, TASK_NORMAL } from '../kernel/wait.ts';
// not ported yet (still hand-written under src/engine/): a plain import from '../kernel/workqueue.ts' once it is
import { AIO_WQ, KEVENTD_WQ, INIT_WORK, queue_work } from '../kernel/workqueue.ts';
import { EAGAIN, EBADF, EINTR, EINVAL, EIOCBQUEUED, EIOCBRETRY } from '../../engine/fs/errno.ts';
import { fop } from '../../engine/fs/fops.ts';
import { aio_run_iocbs } from './mar05.ts';

// hand-written kernel functions of modules not ported yet, typed for `yield*`

export const IOCB_CMD_PREAD = 0;
export const IOCB_CMD_PWRITE = 1;
export const IOCB_CMD_FSYNC = 2;
export const IOCB_CMD_FDSYNC = 3;
export const KIOCB_SYNC_KEY = -1; // ~0U

// ------------------------------------------------------------------ addresses
export const ctxLock = (ctx: number) => ctx + KIOCTX.off.ctx_lock;
export const ctxWait = (ctx: number) => ctx + KIOCTX.off.wait;
export const runList = (ctx: number) => ctx + KIOCTX.off.run_list;
export const activeReqs = (ctx: number) => ctx + KIOCTX.off.active_reqs;
export const ctxWq = (ctx: number) => ctx + KIOCTX.off.wq;
export const kiRunList = (iocb: number) => iocb + KIOCB.off.ki_run_list;
export const kiList = (iocb: number) => iocb + KIOCB.off.ki_list;
export const kiWait = (iocb: number) => iocb + KIOCB.off.ki_wait;
export const kiWaitList = (iocb: number) => iocb + KI_WAIT_TASK_LIST;
export const kiFlags = (iocb: number) => iocb + KIOCB.off.ki_flags;
/** list_entry(p, struct kiocb, ki_run_list) */
export const runListEntry = (p: number) => p - KIOCB.off.ki_run_list;

// ------------------------------------------------------------------ include/linux/aio.h: KIF_* macros
// (observable: src/engine/observe.ts hears of each kick for the spec models)
/** kiocbTryKick(iocb) = test_and_set_bit(KIF_KICKED): returns the old bit */
export const kiocbTryKick = observable('kiocbTryKick', (k: Machine, iocb: number): number => test_and_set_bit(k, KIF_KICKED, kiFlags(iocb)));
export const kiocbSetKicked = observable('kiocbSetKicked', (k: Machine, iocb: number): void => set_bit(k, KIF_KICKED, kiFlags(iocb)));
/** 2.5.62: kiocbClearKicked is set_bit(KIF_KICKED) (the defect); [fix1] clear_bit */
export const kiocbClearKicked = observable('kiocbClearKicked', (k: Machine, iocb: number): void => {
  if (k.variant.clearBitFix) clear_bit(k, KIF_KICKED, kiFlags(iocb));
  else set_bit(k, KIF_KICKED, kiFlags(iocb));
});
export function kiocbIsKicked(k: Machine, iocb: number): number {
  return test_bit(k, KIF_KICKED, kiFlags(iocb));
}
/** [mar05 aioretry] KIF_STARTED */
export function kiocbTryStart(k: Machine, iocb: number): number {
  return test_and_set_bit(k, KIF_STARTED, kiFlags(iocb));
}
export function kiocbSetStarted(k: Machine, iocb: number): void {
  set_bit(k, KIF_STARTED, kiFlags(iocb));
}
/** the Mar 5 patch's own macro: clear_bit from the start (clearBitFix is about the three 2.5.62 ones) */
export function kiocbClearStarted(k: Machine, iocb: number): void {
  clear_bit(k, KIF_STARTED, kiFlags(iocb));
}
export function kiocbIsStarted(k: Machine, iocb: number): number {
  return test_bit(k, KIF_STARTED, kiFlags(iocb));
}
export function is_sync_kiocb(k: Machine, iocb: number): boolean {
  return k.kiocb(iocb).ki_key === KIOCB_SYNC_KEY;
}

// ------------------------------------------------------------------ contexts
/** get_ioctx(ctx): BUG if users <= 0, else atomic_inc */
export function get_ioctx(k: Machine, ctx: number): void {
  k.sharedAccess();
  const c = k.ctx(ctx);
  k.BUG_ON(c.users <= 0, 'atomic_read(&kioctx->users) <= 0');
  c.users++;
}
/** put_ioctx(ctx): atomic_dec_and_test -> __put_ioctx (BUG if reqs_active) */
export function put_ioctx(k: Machine, ctx: number): void {
  k.sharedAccess();
  const c = k.ctx(ctx);
  c.users--;
  if (c.users === 0) {
    k.BUG_ON(c.reqs_active, 'ctx->reqs_active');
    // __put_ioctx: free the ring, mmdrop, kmem_cache_free(kioctx_cachep, ctx)
    k.store(ctx - 1, H_FREED);
  } else k.BUG_ON(c.users < 0, 'atomic_read(&kioctx->users) < 0');
}

/** ioctx_alloc(nr_events) for io_setup: a fresh context (set up before the threads start) */
export function ioctx_alloc(k: Machine, ctx: number, nrEvents: number): void {
  k.store(ctx - 1, H_LIVE);
  const c = k.ctx(ctx);
  c.users = 1;
  c.dead = 0;
  c.max_reqs = nrEvents;
  INIT_LIST_HEAD(k, ctxWait(ctx) + WQ_HEAD.off.task_list);
  INIT_LIST_HEAD(k, activeReqs(ctx));
  INIT_LIST_HEAD(k, runList(ctx));
  INIT_WORK(k, ctxWq(ctx), fnptr(aio_kick_handler), ctx);
  c.info_nr = k.addr.ringEvents.length;
  c.info_tail = 0;
  c.ring_head = 0;
  c.ring_tail = 0;
}

// ------------------------------------------------------------------ allocation and reference counting
/** kmem_cache_alloc(kiocb_cachep): the next slab slot of the workload */
function kmem_cache_alloc(k: Machine): number {
  for (const a of k.addr.kiocbs) if (k.m[a - 1] === 0) return a;
  return 0;
}

/** aio_ring_avail(info, ring) */
function aio_ring_avail(k: Machine, ctx: number): number {
  const c = k.ctx(ctx);
  return (c.ring_head + c.info_nr - 1 - c.info_tail) % c.info_nr;
}

/** the return code that asks for a retry: -EIOCBQUEUED, or -EIOCBRETRY with [proposed: eiocbRetry] */
export function retryCode(k: Machine): number {
  return k.variant.eiocbRetry ? -EIOCBRETRY : -EIOCBQUEUED;
}

/** __aio_get_req(ctx) */
export function* __aio_get_req(k: Machine, ctx: number): KGen {
  let req = kmem_cache_alloc(k);
  if (!req) return 0;
  k.store(req - 1, H_LIVE);
  const r = k.kiocb(req);
  r.ki_flags = 1 << KIF_LOCKED;
  r.ki_users = 1;
  r.ki_key = 0;
  r.ki_ctx = ctx;
  r.ki_cancel = 0;
  r.ki_retry = 0;
  r.ki_user_obj = 0;
  // ki_run_list holds whatever the slab memory held (zeroes here) ...
  // [aioretry] ... unless the patch initialises it:
  if (k.variant.initRunList) INIT_LIST_HEAD(k, kiRunList(req));                 yield;
  yield* spin_lock_irq(k, ctxLock(ctx));                                        yield;
  // if (ctx->reqs_active < aio_ring_avail(info, ring)) { list_add; get_ioctx; reqs_active++ }
  if (k.ctx(ctx).reqs_active < aio_ring_avail(k, ctx)) {
    list_add(k, kiList(req), activeReqs(ctx));
    get_ioctx(k, ctx);
    k.ctx(ctx).reqs_active++;
  } else {
    k.store(req - 1, H_FREED); // kmem_cache_free
    req = 0;
  }                                                                             yield;
  spin_unlock_irq(k, ctxLock(ctx));
  return req;
}

/** aio_get_req(ctx): one retry after aio_fput_routine (no deferred fputs in the model) */
export function* aio_get_req(k: Machine, ctx: number): KGen {
  const req = yield* __aio_get_req(k, ctx);
  if (req) return req;
  return yield* __aio_get_req(k, ctx);
}

/**
 * really_put_req(ctx, req): caller holds ctx_lock. Returns true when the context is dead
 * and this was its last request: the caller then does the wake_up(&ctx->wait) that ends
 * wait_for_all_aios (a wakeup is a multi-step operation, so __aio_put_req runs it).
 */
export const really_put_req = observable('really_put_req', (k: Machine, ctx: number, req: number): boolean => {
  const r = k.kiocb(req);
  r.ki_ctx = 0;
  r.ki_filp = 0;
  r.ki_user_obj = 0;
  k.store(req - 1, H_FREED); // kmem_cache_free(kiocb_cachep, req)
  const c = k.ctx(ctx);
  c.reqs_active--;
  // if (unlikely(!ctx->reqs_active && ctx->dead)) wake_up(&ctx->wait);
  return !c.reqs_active && !!c.dead;
});

/**
 * __aio_put_req(ctx, req): caller holds ctx_lock. Returns 1 if the kiocb is gone (the
 * caller owes a put_ioctx). The last-file-reference branch (deferred fput) is not
 * reachable in the model: the submitter keeps its fd open throughout.
 */
export function* __aio_put_req(k: Machine, ctx: number, req: number): KGen {
  k.sharedAccess(req + KIOCB.off.ki_users);
  const r = k.kiocb(req);
  r.ki_users--;
  if (r.ki_users < 0) k.panic(PANIC_BUG, 'kernel BUG in __aio_put_req: ki_users < 0');
  if (r.ki_users > 0) return 0;                                                                             yield;
  list_del(k, kiList(req));                                                     yield;
  const r2 = k.kiocb(req);
  r2.ki_cancel = 0;
  r2.ki_retry = 0;
  // atomic_dec_and_test(&req->ki_filp->f_count)
  const file = k.file(r2.ki_filp);
  k.sharedAccess();
  file.f_count--;
  if (file.f_count === 0) k.panic(PANIC_ENGINE, 'not modelled: a kiocb dropped the last reference of its file (deferred fput)');
  if (really_put_req(k, ctx, req)) yield* __wake_up(k, ctxWait(ctx), TASK_NORMAL, 1); // wake_up(&ctx->wait)
  return 1;
}

/** aio_put_req(req) */
export function* aio_put_req(k: Machine, req: number): KGen {
  const ctx = k.kiocb(req).ki_ctx;
  yield* spin_lock_irq(k, ctxLock(ctx));
  const ret = yield* __aio_put_req(k, ctx, req);
  spin_unlock_irq(k, ctxLock(ctx));
  if (ret) put_ioctx(k, ctx);
  return ret;
}

// ------------------------------------------------------------------ sync kiocbs
/** init_sync_kiocb(x, filp) (macro) */
export function init_sync_kiocb(k: Machine, x: number, filp: number): void {
  k.store(x - 1, H_LIVE); // the kiocb lives in the caller's stack frame from here on
  const i = k.kiocb(x);
  i.ki_flags = 0;
  i.ki_users = 1;
  i.ki_key = KIOCB_SYNC_KEY;
  i.ki_filp = filp;
  i.ki_ctx = k.addr.ctx; // &current->active_mm->default_kioctx (never locked by async paths here)
  i.ki_cancel = 0;
  i.ki_user_obj = k.current;
  if (k.variant.syncKiocbInitWait) {
    // [aioretry] (x)->ki_user_data = 0; init_wait((&(x)->ki_wait));
    i.ki_user_data = 0;
    init_wait(k, kiWait(x));
  }
}

/** wait_on_sync_kiocb(iocb) */
export function* wait_on_sync_kiocb(k: Machine, iocb: number): KGen {
  // [mar05 aioretry] printk("wait_on_sync_iocb\n");
  if (k.variant.waitSyncKicked) k.printk('wait_on_sync_iocb');                      yield;
  // while (iocb->ki_users [mar05: && !kiocbIsKicked(iocb)]) {
  for (;;) {
    k.sharedAccess();
    if (!k.kiocb(iocb).ki_users) break;
    if (k.variant.waitSyncKicked && kiocbIsKicked(k, iocb)) break;                   yield;
    set_current_state(k, TASK_UNINTERRUPTIBLE);                                 yield;
    // if (!iocb->ki_users [mar05: || kiocbIsKicked(iocb)]) break;
    k.sharedAccess();
    if (!k.kiocb(iocb).ki_users || (k.variant.waitSyncKicked && k.m[kiFlags(iocb)] & (1 << KIF_KICKED))) break;
    yield* schedule(k);
  }                                                                             yield;
  // __set_current_state(TASK_RUNNING);
  set_current_state(k, TASK_RUNNING);                                           yield;
  // return iocb->ki_user_data;  [mar05: return iocb->ki_users ? -EIOCBQUEUED : iocb->ki_user_data;]
  if (k.variant.waitSyncKicked && k.kiocb(iocb).ki_users) return -EIOCBQUEUED;
  return k.kiocb(iocb).ki_user_data;
}

// ------------------------------------------------------------------ completion
/**
 * aio_complete(iocb, res, res2): returns 1 if the kiocb was freed.
 * Sync branch: store the result; 2.5.62 returns without a wakeup when ki_users == 1
 * ([fix2] wakes in both cases). Async branch: post the event in the ring under
 * ctx_lock, drop the reference, then wake ctx->wait after the unlock.
 */
export function* aio_complete(k: Machine, iocb: number, res: number, res2: number): KGen {
  const ctx = k.kiocb(iocb).ki_ctx;
  let ret: number;
  if (is_sync_kiocb(k, iocb)) {
    k.kiocb(iocb).ki_user_data = res;
    k.sharedAccess();
    if (k.kiocb(iocb).ki_users === 1) {
      k.kiocb(iocb).ki_users = 0;
      ret = 1;
      if (!k.variant.syncWakeFix) return 1; // 2.5.62: return 1 without waking anyone
      yield;
    } else {                                                                    yield;
      yield* spin_lock_irq(k, ctxLock(ctx));                                    yield;
      k.sharedAccess();
      k.kiocb(iocb).ki_users--;
      ret = k.kiocb(iocb).ki_users === 0 ? 1 : 0;
      spin_unlock_irq(k, ctxLock(ctx));                                         yield;
    }
    // /* sync iocbs put the task here for us */ wake_up_process(iocb->ki_user_obj);
    wake_up_process(k, k.kiocb(iocb).ki_user_obj);
    return ret;
  }
                                                                                yield;
  const flags = yield* spin_lock_irqsave(k, ctxLock(ctx));                      yield;
  if (k.variant.completeDelRunList) {
    run_list: {
      // [proposed: runListNullCheck] if (iocb->ki_run_list.prev && !list_empty(&iocb->ki_run_list))
      // NULL pointers: the iocb is running (aio_run_iocb re-initialises the entry after the retry)
      if (k.variant.runListNullCheck && !k.rd(kiRunList(iocb) + 1, 'ki_run_list.prev')) {
        k.sharedAccess(kiRunList(iocb));
        break run_list;
      }
      // [aioretry] if (!list_empty(&iocb->ki_run_list)) list_del_init(&iocb->ki_run_list);
      if (list_empty(k, kiRunList(iocb))) break run_list;                       yield;
      list_del_init(k, kiRunList(iocb));
    }                                                                           yield;
  }
  // tail = info->tail; event = aio_ring_event(info, tail, KM_IRQ0); tail = (tail + 1) % info->nr;
  k.sharedAccess();
  const c = k.ctx(ctx);
  const t = c.info_tail;
  const e = k.event(k.addr.ringEvents[t]);
  e.obj = k.kiocb(iocb).ki_user_obj;
  e.data = k.kiocb(iocb).ki_user_data;
  e.res = res;
  e.res2 = res2;
  const tail = (t + 1) % c.info_nr;
  // smp_wmb(); info->tail = tail; ring->tail = tail;
  c.info_tail = tail;
  c.ring_tail = tail;
  ret = yield* __aio_put_req(k, ctx, iocb);
  spin_unlock_irqrestore(k, ctxLock(ctx), flags);                               yield;
  // if (waitqueue_active(&ctx->wait)) wake_up(&ctx->wait);
  if (waitqueue_active(k, ctxWait(ctx))) yield* __wake_up(k, ctxWait(ctx), TASK_NORMAL, 1);
  else yield;
  if (ret) put_ioctx(k, ctx);
  return ret;
}

// ------------------------------------------------------------------ events
/** aio_read_evt(ctx, ent): consume one event from the ring; returns 1 if it got one */
export function* aio_read_evt(k: Machine, ctx: number): KGen {
  k.sharedAccess();
  if (k.ctx(ctx).ring_head === k.ctx(ctx).ring_tail) return 0;                  yield;
  yield* spin_lock_irq(k, ctx + KIOCTX.off.ring_lock); /* spin_lock(&info->ring_lock) */ yield;
  k.sharedAccess();
  const c = k.ctx(ctx);
  const head = c.ring_head % c.info_nr;
  let got = 0;
  if (head !== c.ring_tail) {
    c.ring_head = (head + 1) % c.info_nr;
    got = 1;
  }
  spin_unlock_irq(k, ctx + KIOCTX.off.ring_lock);
  return got;
}

/**
 * read_events(ctx, min_nr, nr, timeout): timeout 0 = NULL (wait forever), 1 = already
 * expired, 2 = a timer armed (its interrupt may fire at any time).
 */
export function* read_events(k: Machine, ctx: number, min_nr: number, nr: number, timeout: number): KGen {
  let i = 0;
  let ret = 0;
  // fast path: while (likely(i < nr)) { ret = aio_read_evt(ctx, &ent); if (unlikely(ret <= 0)) break; ... i++; }
  while (i < nr) {
    ret = yield* aio_read_evt(k, ctx);
    if (ret <= 0) break;
    i++;
  }
  if (min_nr <= i) return i;
  if (ret) return ret;
  // init_timeout(&to); set_timeout(start_jiffies, &to, &ts);
  const timed_out = timeout === 1 ? 1 : 0;
  if (timeout === 2) k.raiseIrq(IRQ.TIMER, k.current, addressOf(timed_out));
  const wait = k.myWait(1);
  k.setStackObj(wait, true);
  declare_waitqueue(k, wait, k.current);                                        yield;
  while (i < nr) {
    yield* add_wait_queue(k, ctxWait(ctx), wait, 1); // add_wait_queue_exclusive(&ctx->wait, &wait)
    do {
      set_current_state(k, TASK_INTERRUPTIBLE); // set_task_state(tsk, TASK_INTERRUPTIBLE)
      ret = yield* aio_read_evt(k, ctx);
      if (ret) break;
      if (min_nr <= i) break;
      ret = 0;
      k.sharedAccess();
      if (timed_out) break;
      // [aioretry] /* accelerate kicked iocbs for this ctx */ aio_run_iocbs(ctx);
      if (k.variant.readEventsRunIocbs && k.variant.core !== 'baseline') yield* aio_run_iocbs(k, ctx);
      yield* schedule(k);
      // if (signal_pending(tsk)) { ret = -EINTR; break; }
      k.sharedAccess();
      if (k.task(k.current).sigpending) {
        ret = -EINTR;
        break;
      }
    } while (1);                                                                yield;
    // set_task_state(tsk, TASK_RUNNING); remove_wait_queue(&ctx->wait, &wait);
    set_current_state(k, TASK_RUNNING);
    yield* remove_wait_queue(k, ctxWait(ctx), wait);
    if (ret <= 0) break;
    i++;
  }
  // if (timeout) clear_timeout(&to);
  if (timeout === 2) k.cancelIrq(IRQ.TIMER, k.current);
  k.setStackObj(wait, false);
  return i ? i : ret;
}

/** timeout_func: the read_events timer fired (interrupt context); `timed_out` is the address of read_events' local */
export function* timeout_func(k: Machine, task: number, timed_out: number): KGen {
  // to->timed_out = 1; wake_up_process(to->p);
  k.store(timed_out, 1);
  wake_up_process(k, task);
  return 0;
}
registerIrq(IRQ.TIMER, fnref(timeout_func));

/**
 * signal delivery to a task (interrupt context): signal_wake_up -> wake it if INTERRUPTIBLE
 * @c kernel/signal.c
 */
export function* signal_wake_up(k: Machine, task: number): KGen {
  k.task(task).sigpending = 1;
  try_to_wake_up(k, task, TASK_INTERRUPTIBLE);
  return 0;
}
registerIrq(IRQ.SIGNAL, fnref(signal_wake_up));

// ------------------------------------------------------------------ kicks and retries
/** [aioretry] __queue_kicked_iocb(iocb): ctx_lock held */
export function __queue_kicked_iocb(k: Machine, iocb: number): number {
  const ctx = k.kiocb(iocb).ki_ctx;
  if (list_empty(k, kiRunList(iocb))) {
    list_add_tail(k, kiRunList(iocb), runList(ctx));
    return 1;
  }
  return 0;
}

/** [aioretry] queue_kicked_iocb(iocb) */
export function* queue_kicked_iocb(k: Machine, iocb: number): KGen {
  const ctx = k.kiocb(iocb).ki_ctx;
  let run = 0;
  // WARN_ON((!list_empty(&iocb->ki_wait.task_list)));
  k.WARN_ON(!list_empty(k, kiWaitList(iocb)), '!list_empty(&iocb->ki_wait.task_list)'); yield;
  const flags = yield* spin_lock_irqsave(k, ctxLock(ctx));                      yield;
  run = __queue_kicked_iocb(k, iocb);                                           yield;
  spin_unlock_irqrestore(k, ctxLock(ctx), flags);                               yield;
  if (!run) return 0;
  // [proposed: kickQueueWork] queue_work(aio_wq, &ctx->wq);  (always: a woken io_getevents may leave without running it)
  if (k.variant.kickQueueWork) yield* queue_work(k, AIO_WQ, ctxWq(ctx));
  // if (waitqueue_active(&ctx->wait)) wake_up(&ctx->wait); else queue_work(aio_wq, &ctx->wq);
  else if (waitqueue_active(k, ctxWait(ctx))) yield* __wake_up(k, ctxWait(ctx), TASK_NORMAL, 1);
  else yield* queue_work(k, AIO_WQ, ctxWq(ctx));
  return 0;
}

/** kick_iocb(iocb) (the patches' body, through queue_kicked_iocb: aioretry.ts) */
export function* kick_iocb(k: Machine, iocb: number): KGen {
  const ctx = k.kiocb(iocb).ki_ctx;
  // /* sync iocbs are easy: they can only ever be executing from a single context. */
  if (is_sync_kiocb(k, iocb)) {
    kiocbSetKicked(k, iocb);                                                    yield;
    wake_up_process(k, k.kiocb(iocb).ki_user_obj);
    return 0;
  }
  // if (!kiocbTryKick(iocb)) { lock; list_add_tail(run_list); unlock; schedule_work(&ctx->wq); }
  if (kiocbTryKick(k, iocb)) return 0;                                          yield;
  const flags = yield* spin_lock_irqsave(k, ctxLock(ctx));                      yield;
  list_add_tail(k, kiRunList(iocb), runList(ctx));                              yield;
  spin_unlock_irqrestore(k, ctxLock(ctx), flags);
  // [aioretry: aioWq] queue_work(aio_wq, &ctx->wq) instead of schedule_work(&ctx->wq)
  yield* queue_work(k, k.variant.aioWq ? AIO_WQ : KEVENTD_WQ, ctxWq(ctx));
  return 0;
}

/**
 * aio_kick_handler(data = ctx): the work function of ctx->wq. 2.5.62 runs the retries
 * itself, on keventd (the patches call aio_run_iocbs: aioretry.ts).
 */
export function* aio_kick_handler(k: Machine, ctx: number): KGen {
  let ret: number;
  // use_mm(ctx->mm);
  k.task(k.current).mm = 1;
  yield* spin_lock_irq(k, ctxLock(ctx));                                        yield;
  while (!list_empty(k, runList(ctx))) {
    let iocb = runListEntry(list_first(k, runList(ctx)));                       yield;
    list_del(k, kiRunList(iocb));                                               yield;
    k.sharedAccess(iocb + KIOCB.off.ki_users);
    k.kiocb(iocb).ki_users++;
    spin_unlock_irq(k, ctxLock(ctx));                                           yield;
    kiocbClearKicked(k, iocb);                                                  yield;
    // ret = iocb->ki_retry(iocb);  (no NULL check)
    ret = yield* call_ptr(k, k.kiocb(iocb).ki_retry, iocb);
    if (ret !== -EIOCBQUEUED) {
      const done = iocb;
      iocb = 0;
      yield* aio_complete(k, done, ret, 0);
    }
    yield* spin_lock_irq(k, ctxLock(ctx));
    if (iocb) yield* __aio_put_req(k, ctx, iocb);
  }                                                                             yield;
  spin_unlock_irq(k, ctxLock(ctx));                                             yield;
  // unuse_mm(ctx->mm);
  k.task(k.current).mm = 0;
  return 0;
}

// ------------------------------------------------------------------ submission
/** fget(fd): the kiocb's own f_count reference */
export function fget(k: Machine, fd: number): number {
  const filp = k.addr.files[fd];
  if (!filp) return 0;
  k.sharedAccess();
  k.file(filp).f_count++;
  return filp;
}

/**
 * The first half of io_submit_one, the same in 2.5.62 and both patches: after the
 * kiocb is allocated, fill it in from the user iocb (put_user of aio_key included).
 */
export const io_submit_one_fill = observable('io_submit_one_fill', (k: Machine, user_iocb: number, req: number, file: number): void => {
  const u = k.uiocb(user_iocb);
  const r = k.kiocb(req);
  r.ki_filp = file;
  u.aio_key = r.ki_key; // put_user(req->ki_key, &user_iocb->aio_key)
  r.ki_user_obj = user_iocb;
  r.ki_user_data = u.aio_data;
  r.ki_pos = u.aio_offset;
});

/** io_submit_one(ctx, user_iocb, iocb) (the patches' bodies: mar05.ts, mar14.ts) */
export function* io_submit_one(k: Machine, ctx: number, user_iocb: number): KGen {
  let ret = 0;
  if (k.uiocb(user_iocb).aio_reserved1) return -EINVAL;
  const file = fget(k, k.uiocb(user_iocb).aio_fildes);
  if (!file) return -EBADF;
  const req = yield* aio_get_req(k, ctx);
  if (!req) {
    k.file(file).f_count--; // fput(file)
    return -EAGAIN;
  }
  io_submit_one_fill(k, user_iocb, req, file);                                  yield;
  out_put_req: {
    // switch (iocb->aio_lio_opcode): the f_op method and its arguments
    const m = submit_method(k, user_iocb, req, file);
    ret = m[0];
    if (m[1]) {
      ret = yield* call_ptr(k, m[1], req, ...m.slice(2));                       yield;
    } else if (ret === -EBADF) break out_put_req;
    // if (likely(-EIOCBQUEUED == ret)) return 0; aio_complete(req, ret, 0); return 0;
    if (ret === -EIOCBQUEUED) return 0;
    yield* aio_complete(k, req, ret, 0);
    return 0;
  }                                                                             yield;
  // out_put_req:
  yield* aio_put_req(k, req);
  return ret;
}

/** 2.5.62 io_submit_one's switch on aio_lio_opcode: [ret, f_op method, ...args after the kiocb] (method 0: none) */
function submit_method(k: Machine, user_iocb: number, req: number, filp: number): number[] {
  const u = k.uiocb(user_iocb);
  const file = k.file(filp);
  switch (u.aio_lio_opcode) {
    case IOCB_CMD_PREAD:
      if (!(file.f_mode & FMODE_READ)) return [-EBADF, 0];
      return [-EINVAL, fop(k, filp, 'aio_read'), u.aio_buf, u.aio_nbytes, k.kiocb(req).ki_pos];
    case IOCB_CMD_PWRITE:
      if (!(file.f_mode & FMODE_WRITE)) return [-EBADF, 0];
      return [-EINVAL, fop(k, filp, 'aio_write'), u.aio_buf, u.aio_nbytes, k.kiocb(req).ki_pos];
    case IOCB_CMD_FDSYNC:
    case IOCB_CMD_FSYNC:
      return [-EINVAL, fop(k, filp, 'aio_fsync'), u.aio_lio_opcode === IOCB_CMD_FDSYNC ? 1 : 0];
    default:
      return [-EINVAL, 0];
  }
}

/** sys_io_submit(ctx_id, nr, iocbpp): submits the workload's iocbs; returns i ? i : ret */
export function* sys_io_submit(k: Machine, ctx: number, nr: number): KGen {
  let ret = 0;
  // ctx = lookup_ioctx(ctx_id)
  get_ioctx(k, ctx);
  let i = 0;                                                                    yield;
  while (i < nr) {
    ret = yield* io_submit_one(k, ctx, k.addr.userIocbs[i]);
    if (ret) break;
    i++;
  }
  put_ioctx(k, ctx);
  return i ? i : ret;
}

/** sys_io_getevents(ctx_id, min_nr, nr, events, timeout) */
export function* sys_io_getevents(k: Machine, ctx: number, min_nr: number, nr: number, timeout: number): KGen {
  atomic('lookup_ioctx: the dead test and get_ioctx happen under ioctx_list_lock in the C (a read lock the model leaves out)');
  k.sharedAccess();
  // lookup_ioctx walks mm->ioctx_list: a context io_destroy took off it is not found (and may be freed), a dead one is skipped
  if (k.g(GLOBAL.IOCTX_LIST) !== ctx || k.ctx(ctx).dead) return -EINVAL;
  get_ioctx(k, ctx);
  let ret = -EINVAL;
  if (min_nr >= 0 && nr >= 0 && nr >= min_nr) ret = yield* read_events(k, ctx, min_nr, nr, timeout);
  else yield;
  put_ioctx(k, ctx);
  return ret;
}

/** sys_io_cancel(ctx, user_iocb): no read method sets ki_cancel, so it finds nothing to cancel (-EAGAIN) */
export function* sys_io_cancel(k: Machine, ctx: number, user_iocb: number): KGen {
  get_ioctx(k, ctx);
  yield* spin_lock_irq(k, ctxLock(ctx));                                        yield;
  // lookup_kiocb: search active_reqs for ki_user_obj == user_iocb with a ki_cancel
  const reqs = listEntries(k.m, activeReqs(ctx)) ?? [];
  let found = 0;
  k.sharedAccess();
  for (const l of reqs) {
    const req = k.kiocb(l - KIOCB.off.ki_list);
    if (req.ki_user_obj === user_iocb && req.ki_cancel) found = l - KIOCB.off.ki_list;
  }
  spin_unlock_irq(k, ctxLock(ctx));
  put_ioctx(k, ctx);
  return found ? 0 : -EAGAIN;
}

/** wait_for_all_aios(ctx) */
export function* wait_for_all_aios(k: Machine, ctx: number): KGen {
  k.sharedAccess();
  if (!k.ctx(ctx).reqs_active) return 0;
  const wait = k.myWait(2);
  k.setStackObj(wait, true);
  declare_waitqueue(k, wait, k.current);
  yield* add_wait_queue(k, ctxWait(ctx), wait, 0);
  set_current_state(k, TASK_UNINTERRUPTIBLE);                                   yield;
  for (;;) {
    k.sharedAccess();
    if (!k.ctx(ctx).reqs_active) break;
    yield* schedule(k);
    set_current_state(k, TASK_UNINTERRUPTIBLE);
  }                                                                             yield;
  set_current_state(k, TASK_RUNNING);
  yield* remove_wait_queue(k, ctxWait(ctx), wait);
  k.setStackObj(wait, false);
  return 0;
}

/** io_destroy(ctx): mark dead, drop the list reference, cancel all, wait for all, drop the lookup reference */
export function* io_destroy(k: Machine, ctx: number): KGen {
  atomic('lookup_ioctx and the list removal happen under ioctx_list_lock (write) in the C, a lock the model leaves out');
  get_ioctx(k, ctx); // lookup_ioctx
  const c = k.ctx(ctx);
  const was_dead = c.dead;
  c.dead = 1;
  // delete the entry from mm->ioctx_list if someone else hasn't already
  if (k.g(GLOBAL.IOCTX_LIST) === ctx) k.setG(GLOBAL.IOCTX_LIST, 0);
  if (!was_dead) put_ioctx(k, ctx);                                             yield;
  // aio_cancel_all(ctx): ctx->dead = 1; no kiocb has a ki_cancel method in the model's read/write paths
  yield* spin_lock_irq(k, ctxLock(ctx));
  k.ctx(ctx).dead = 1;                                                          yield;
  spin_unlock_irq(k, ctxLock(ctx));
  yield* wait_for_all_aios(k, ctx);
  put_ioctx(k, ctx);
  return 0;
}

export { EINVAL };

/**
 * exit_aio(mm): the last user of the mm goes away (the process exits without io_destroy).
 * For its context: aio_cancel_all (ctx->dead = 1 under ctx_lock; no read sets ki_cancel),
 * wait_for_all_aios, a debug printk if users != 1, then the final put_ioctx.
 */
export function* exit_aio(k: Machine, ctx: number): KGen {
  // aio_cancel_all(ctx): spin_lock_irq(&ctx->ctx_lock); ctx->dead = 1; ...
  yield* spin_lock_irq(k, ctxLock(ctx));
  k.ctx(ctx).dead = 1;                                                          yield;
  spin_unlock_irq(k, ctxLock(ctx));
  yield* wait_for_all_aios(k, ctx);
  // if (1 != atomic_read(&ctx->users)) printk(KERN_DEBUG "exit_aio:ioctx still alive: %d %d %d\n", ...);
  atomic('exit_aio runs when the last user of the mm is gone: nothing else can take a reference to the context between the test and the put');
  k.sharedAccess();
  if (k.ctx(ctx).users !== 1) k.printk(`exit_aio:ioctx still alive: ${k.ctx(ctx).users} ${k.ctx(ctx).dead} ${k.ctx(ctx).reqs_active}`);
  put_ioctx(k, ctx);
  return 0;
}
