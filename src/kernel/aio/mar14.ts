/**
 * Mar 14 aioretry.patch (Suparna Bhattacharya): its own bodies of fs/aio.c functions,
 * chosen for core 'mar14' (what it shares with Mar 5 is in aioretry.ts). The retry
 * method is chosen once (aio_setup_iocb) and every run goes through aio_run_iocb, with
 * ctx_lock held around it; the review's proposed fixes to it are the [proposed: ...] hunks.
 * @body mar14
 * @c fs/aio.c
 */
import { call_ptr, fnptr, type KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { FMODE_READ, FMODE_WRITE, KIOCB } from '../../engine/structs.ts';
import { INIT_LIST_HEAD, list_del, list_empty, list_first } from '../../engine/kernel/list.ts';
import { spin_lock_irq, spin_unlock_irq } from '../../engine/kernel/locking.ts';
import { AIO_WQ, queue_work } from '../kernel/workqueue.ts';
import { EAGAIN, EBADF, EFAULT, EINVAL, EIOCBQUEUED, EIOCBRETRY } from '../../engine/fs/errno.ts';
import { fop } from '../../engine/fs/fops.ts';
import {
  IOCB_CMD_FDSYNC,
  IOCB_CMD_FSYNC,
  IOCB_CMD_PREAD,
  IOCB_CMD_PWRITE,
  __aio_put_req,
  __queue_kicked_iocb,
  aio_complete,
  aio_get_req,
  aio_put_req,
  ctxLock,
  ctxWq,
  fget,
  io_submit_one_fill,
  kiocbClearKicked,
  kiocbIsKicked,
  kiocbSetKicked,
  kiRunList,
  kiWaitList,
  retryCode,
  runList,
  runListEntry,
} from './aio.ts';
import { io_submit_one_retry_fields, retryCountCheck, rwArgs } from './aioretry.ts';

/** io_submit_one(ctx, user_iocb, iocb): aio_setup_iocb, then the first run through aio_run_iocb */
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
  io_submit_one_fill(k, user_iocb, req, file);
  out_put_req: {
    io_submit_one_retry_fields(k, req, user_iocb);
    // req->ki_run_list.next = req->ki_run_list.prev = NULL; req->ki_retry = NULL;
    k.wr(kiRunList(req), 0, 'ki_run_list.next');
    k.wr(kiRunList(req) + 1, 0, 'ki_run_list.prev');
    k.kiocb(req).ki_retry = 0;
    ret = aio_setup_iocb(k, req);
    if (ret === -EBADF || ret === -EFAULT) break out_put_req;
    // [proposed: setupErrorComplete] no retry method (-EINVAL): if (ret) { aio_complete(req, ret, 0); return 0; }
    if (k.variant.setupErrorComplete && ret) {
      yield* aio_complete(k, req, ret, 0);
      return 0;
    }                                                                           yield;
    yield* spin_lock_irq(k, ctxLock(ctx));
    ret = yield* aio_run_iocb(k, req);
    spin_unlock_irq(k, ctxLock(ctx));                                           yield;
    // [proposed: eiocbRetry] if (-EIOCBRETRY == ret) queue_work(aio_wq, &ctx->wq);
    if (ret === retryCode(k)) yield* queue_work(k, AIO_WQ, ctxWq(ctx));
    return 0;
  }                                                                             yield;
  // out_put_req:
  yield* aio_put_req(k, req);
  return ret;
}

/** aio_run_iocbs(ctx): runs each kicked iocb through aio_run_iocb */
export function* aio_run_iocbs(k: Machine, ctx: number): KGen {
  yield* spin_lock_irq(k, ctxLock(ctx));                                        yield;
  while (!list_empty(k, runList(ctx))) {
    const iocb = runListEntry(list_first(k, runList(ctx)));                     yield;
    list_del(k, kiRunList(iocb));
    yield* aio_run_iocb(k, iocb);
  }                                                                             yield;
  spin_unlock_irq(k, ctxLock(ctx));
  return 0;
}

/**
 * aio_run_iocb(iocb): entered and left with ctx_lock held
 * (spin_lock_irq form); drops it around retry().
 */
export function* aio_run_iocb(k: Machine, iocb: number): KGen {
  const ctx = k.kiocb(iocb).ki_ctx;
  if (!retryCountCheck(k, iocb)) return -EAGAIN;
  // if (!(retry = iocb->ki_retry)) return 0;
  const retry = k.kiocb(iocb).ki_retry;
  if (!retry) return 0;
  k.sharedAccess(iocb + KIOCB.off.ki_users);
  k.kiocb(iocb).ki_users++;                                                     yield;
  kiocbClearKicked(k, iocb);
  k.kiocb(iocb).ki_retry = 0;                                                   yield;
  spin_unlock_irq(k, ctxLock(ctx));                                             yield;
  // BUG_ON(current->iocb != NULL); current->iocb = iocb; ret = retry(iocb); current->iocb = NULL;
  k.BUG_ON(k.task(k.current).iocb !== 0, 'current->iocb != NULL');
  k.task(k.current).iocb = iocb;
  k.sharedAccess();
  const ret = yield* call_ptr(k, retry, iocb);
  k.task(k.current).iocb = 0;
  const waitEmpty = list_empty(k, kiWaitList(iocb)) ? 1 : 0;                    yield;
  // [proposed: eiocbRetry] -EIOCBQUEUED: the method completes the iocb itself (direct I/O): neither
  // complete nor retry it; -EIOCBRETRY: retry (now, if ki_wait is not queued); else complete
  if (k.variant.eiocbRetry && ret === -EIOCBQUEUED) {
    // nothing
  } else if (ret !== retryCode(k)) {
    if (waitEmpty) yield* aio_complete(k, iocb, ret, 0);
    else k.printk("can't delete iocb in use");
  } else if (waitEmpty) {
    kiocbSetKicked(k, iocb);                                                    yield;
  }
  yield* spin_lock_irq(k, ctxLock(ctx));                                        yield;
  // iocb->ki_retry = retry; INIT_LIST_HEAD(&iocb->ki_run_list);
  k.kiocb(iocb).ki_retry = retry;
  INIT_LIST_HEAD(k, kiRunList(iocb));                                           yield;
  // [proposed: kickedOnlyIfRetry] if (ret == -EIOCBRETRY && kiocbIsKicked(iocb)) __queue_kicked_iocb(iocb);
  // (a kick that came while a retry which then finished was running is stale)
  if (!(k.variant.kickedOnlyIfRetry && ret !== retryCode(k)) && kiocbIsKicked(k, iocb)) { yield;
    // [proposed: eiocbRetry] BUG_ON(ret != -EIOCBRETRY);
    if (k.variant.eiocbRetry) k.BUG_ON(ret !== -EIOCBRETRY, 'ret != -EIOCBRETRY');
    else k.BUG_ON(ret !== -EIOCBQUEUED, 'ret != -EIOCBQUEUED');
    __queue_kicked_iocb(k, iocb);                                               yield;
  }
  yield* __aio_put_req(k, ctx, iocb);
  return ret;
}

const filpOf = (k: Machine, iocb: number) => k.kiocb(iocb).ki_filp;

/** what aio_pread/aio_pwrite do with the method's result */
function aio_rw_result(k: Machine, req: number, res: number): number {
  const iocb = k.kiocb(req);
  let ret = res;
  // /* Can't just depend on iocb->ki_left to determine whether we are done. This may have been a short read. */
  if (ret > 0) {
    iocb.ki_buf += ret;
    iocb.ki_left -= ret;
    // [proposed: retryCapProgress] iocb->ki_retried = 0;  (progress: the cap counts retries without it)
    if (k.variant.retryCapProgress) iocb.ki_retried = 0;
    // [proposed: eiocbRetry] ret = -EIOCBRETRY;
    ret = k.variant.eiocbRetry ? -EIOCBRETRY : -EIOCBQUEUED;
  }
  // /* This means we must have transferred all that we could */
  if (ret === 0) ret = iocb.ki_nbytes - iocb.ki_left;
  return ret;
}

/** aio_pread(iocb) */
export function* aio_pread(k: Machine, iocb: number): KGen {
  const ret = yield* call_ptr(k, fop(k, filpOf(k, iocb), 'aio_read'), iocb, ...rwArgs(k, iocb));
  return aio_rw_result(k, iocb, ret);
}

/** aio_pwrite(iocb) */
export function* aio_pwrite(k: Machine, iocb: number): KGen {
  const ret = yield* call_ptr(k, fop(k, filpOf(k, iocb), 'aio_write'), iocb, ...rwArgs(k, iocb));
  return aio_rw_result(k, iocb, ret);
}

/** aio_fdsync(iocb) */
export function* aio_fdsync(k: Machine, iocb: number): KGen {
  const fs = fop(k, filpOf(k, iocb), 'aio_fsync');
  if (!fs) return -EINVAL;
  return yield* call_ptr(k, fs, iocb, 1);
}

/** aio_fsync(iocb) */
export function* aio_fsync(k: Machine, iocb: number): KGen {
  const fsync = fop(k, filpOf(k, iocb), 'aio_fsync');
  if (!fsync) return -EINVAL;
  return yield* call_ptr(k, fsync, iocb, 0);
}

/** aio_setup_iocb(iocb): choose the retry method once */
export function aio_setup_iocb(k: Machine, req: number): number {
  const iocb = k.kiocb(req);
  const file = k.file(iocb.ki_filp);
  let ret = 0;
  switch (iocb.ki_opcode) {
    case IOCB_CMD_PREAD:
      ret = -EBADF;
      if (!(file.f_mode & FMODE_READ)) break;
      ret = -EINVAL;
      if (fop(k, iocb.ki_filp, 'aio_read')) iocb.ki_retry = fnptr(aio_pread);
      break;
    case IOCB_CMD_PWRITE:
      ret = -EBADF;
      if (!(file.f_mode & FMODE_WRITE)) break;
      ret = -EINVAL;
      if (fop(k, iocb.ki_filp, 'aio_write')) iocb.ki_retry = fnptr(aio_pwrite);
      break;
    case IOCB_CMD_FDSYNC:
      ret = -EINVAL;
      if (fop(k, iocb.ki_filp, 'aio_fsync')) iocb.ki_retry = fnptr(aio_fdsync);
      break;
    case IOCB_CMD_FSYNC:
      ret = -EINVAL;
      if (fop(k, iocb.ki_filp, 'aio_fsync')) iocb.ki_retry = fnptr(aio_fsync);
      break;
    default:
      ret = -EINVAL;
  }
  if (!iocb.ki_retry) return ret;
  return 0;
}
