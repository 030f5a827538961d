/**
 * Mar 5 aioretry.patch (Suparna Bhattacharya): its own bodies of fs/aio.c functions,
 * chosen for core 'mar05' (what it shares with Mar 14 is in aioretry.ts). Retries run
 * under KIF_STARTED, through aio_process_iocb.
 * @body mar05
 * @c fs/aio.c
 */
import { call_ptr, fnptr, type KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { FMODE_READ, FMODE_WRITE, KIOCB } from '../../engine/structs.ts';
import { list_del_init, list_empty, list_first } from '../../engine/kernel/list.ts';
import { spin_lock_irq, spin_unlock_irq } from '../../engine/kernel/locking.ts';
import { AIO_WQ, queue_work } from '../kernel/workqueue.ts';
import { EAGAIN, EBADF, EFAULT, EINVAL, EIOCBQUEUED } from '../../engine/fs/errno.ts';
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
  kiocbClearStarted,
  kiocbIsKicked,
  kiocbSetKicked,
  kiocbSetStarted,
  kiocbTryStart,
  kiRunList,
  kiWaitList,
  runList,
  runListEntry,
} from './aio.ts';
import { io_submit_one_retry_fields, retryCountCheck, rwArgs } from './aioretry.ts';

/** io_submit_one(ctx, user_iocb, iocb): the first run of aio_process_iocb, under KIF_STARTED */
export function* io_submit_one(k: Machine, ctx: number, user_iocb: number): KGen {
  let ret = 0;
  let run = 0;
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
    // req->ki_retry = aio_process_iocb; ... kiocbSetStarted(req); ret = aio_process_iocb(req);
    k.kiocb(req).ki_retry = fnptr(aio_process_iocb);                             yield;
    kiocbSetStarted(k, req);
    ret = yield* aio_process_iocb(k, req);
    if (ret === -EIOCBQUEUED) {
      run = 0;
      yield* spin_lock_irq(k, ctxLock(ctx));                                    yield;
      kiocbClearStarted(k, req);                                                yield;
      if (kiocbIsKicked(k, req)) {                                              yield;
        run = __queue_kicked_iocb(k, req);
      }                                                                         yield;
      spin_unlock_irq(k, ctxLock(ctx));
      if (run) yield* queue_work(k, AIO_WQ, ctxWq(ctx));
      return 0;
    }
    if (ret === -EBADF || ret === -EFAULT) break out_put_req;
    yield* aio_complete(k, req, ret, 0);
    return 0;
  }                                                                             yield;
  // out_put_req:
  yield* aio_put_req(k, req);
  return ret;
}

/** aio_run_iocbs(ctx): runs each kicked iocb once, under KIF_STARTED */
export function* aio_run_iocbs(k: Machine, ctx: number): KGen {
  let ret: number;
  yield* spin_lock_irq(k, ctxLock(ctx));                                        yield;
  while (!list_empty(k, runList(ctx))) {
    const iocb = runListEntry(list_first(k, runList(ctx)));                     yield;
    list_del_init(k, kiRunList(iocb));                                          yield;
    k.sharedAccess(iocb + KIOCB.off.ki_users);
    k.kiocb(iocb).ki_users++;                                                   yield;
    // if (!kiocbTryStart(iocb)) {
    if (kiocbTryStart(k, iocb)) k.printk('iocb already started');
    else {                                                                      yield;
      kiocbClearKicked(k, iocb);                                                yield;
      spin_unlock_irq(k, ctxLock(ctx));
      ret = yield* call_ptr(k, k.kiocb(iocb).ki_retry, iocb);
      if (ret !== -EIOCBQUEUED) {
        if (list_empty(k, kiWaitList(iocb))) yield* aio_complete(k, iocb, ret, 0);
        else k.printk("can't delete iocb in use");                              yield;
      }
      yield* spin_lock_irq(k, ctxLock(ctx));                                    yield;
      kiocbClearStarted(k, iocb);                                               yield;
      if (kiocbIsKicked(k, iocb)) {                                             yield;
        __queue_kicked_iocb(k, iocb);                                           yield;
      }
    }
    yield* __aio_put_req(k, ctx, iocb);
  }                                                                             yield;
  spin_unlock_irq(k, ctxLock(ctx));
  return 0;
}

/** aio_process_iocb's switch on ki_opcode: [ret, method, ...args after the iocb] (method 0: none, ret is the error) */
function aio_process_method(k: Machine, iocb: number): number[] {
  const i = k.kiocb(iocb);
  const file = k.file(i.ki_filp);
  switch (i.ki_opcode) {
    case IOCB_CMD_PREAD:
      if (!(file.f_mode & FMODE_READ)) return [-EBADF, 0];
      return [-EINVAL, fop(k, i.ki_filp, 'aio_read'), ...rwArgs(k, iocb)];
    case IOCB_CMD_PWRITE:
      if (!(file.f_mode & FMODE_WRITE)) return [-EBADF, 0];
      return [-EINVAL, fop(k, i.ki_filp, 'aio_write'), ...rwArgs(k, iocb)];
    case IOCB_CMD_FDSYNC:
    case IOCB_CMD_FSYNC:
      return [-EINVAL, fop(k, i.ki_filp, 'aio_fsync'), i.ki_opcode === IOCB_CMD_FDSYNC ? 1 : 0];
    default:
      return [-EINVAL, 0];
  }
}

/** aio_process_iocb(iocb): installed as ki_retry; io_submit_one calls it too */
export function* aio_process_iocb(k: Machine, iocb: number): KGen {
  let ret = 0;
  if (!retryCountCheck(k, iocb)) return -EAGAIN;
  k.BUG_ON(k.task(k.current).iocb !== 0, 'current->iocb != NULL');
  k.task(k.current).iocb = iocb;
  k.sharedAccess();
  out: {
    // switch (iocb->ki_opcode): the method and its arguments (ret if there is none)
    const m = aio_process_method(k, iocb);
    ret = m[0];
    if (m[1]) ret = yield* call_ptr(k, m[1], iocb, ...m.slice(2));
    else if (ret === -EBADF) break out;
    // if (likely(-EIOCBQUEUED == ret)) { blk_run_queues(); goto out; }
    if (ret === -EIOCBQUEUED) break out;
    const p = k.kiocb(iocb);
    if (ret > 0) {
      p.ki_buf += ret;
      p.ki_left -= ret;
      // if (iocb->ki_left || ((iocb->ki_left == 0) && (iocb->ki_opcode = IOCB_CMD_PWRITE)))  -- an assignment, as posted
      if (p.ki_left || (p.ki_left === 0 && (p.ki_opcode = IOCB_CMD_PWRITE))) {
        // /* Force an extra retry to determine if we're done */
        ret = -EIOCBQUEUED;
        break out;
      }
    }
    if (ret >= 0) ret = p.ki_nbytes - p.ki_left;
  }                                                                             yield;
  // out: current->iocb = NULL;
  k.task(k.current).iocb = 0;
  const waitEmpty = list_empty(k, kiWaitList(iocb)) ? 1 : 0;                    yield;
  if (ret === -EIOCBQUEUED && waitEmpty) {
    kiocbSetKicked(k, iocb);
  }
  return ret;
}
