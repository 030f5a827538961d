/**
 * aioretry.patch: the bodies both postings (Mar 5 and Mar 14) give functions of fs/aio.c,
 * and the helpers both use. A function here replaces 2.5.62's (aio.ts) when its variant
 * chooses the label after `@body`: 'aioretry' (either posting) or the name of a change
 * (src/engine/variants.ts). What differs between the postings is in mar05.ts and mar14.ts.
 * @c fs/aio.c
 */
import { fnptr, observable, type KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { KIOCB } from '../../engine/structs.ts';
import { INIT_LIST_HEAD, list_del_init } from '../../engine/kernel/list.ts';
import { init_waitqueue_func_entry } from '../kernel/wait.ts';
import { aio_run_iocbs } from './mar05.ts';
import { is_sync_kiocb, kiocbIsStarted, kiocbSetKicked, kiocbTryKick, kiWait, kiWaitList, queue_kicked_iocb } from './aio.ts';
import { wake_up_process } from '../kernel/sched.ts';

/** pr_debug("iocb already kicked or in progress\n"); return */
export function pr_debug_kicked(k: Machine): number {
  k.note('pr_debug: iocb already kicked or in progress');
  return 0;
}

/**
 * kick_iocb(iocb), as both postings have it: through queue_kicked_iocb
 * @body queueKickedIocb
 */
export function* kick_iocb(k: Machine, iocb: number): KGen {
  // /* sync iocbs are easy: they can only ever be executing from a single context. */
  if (is_sync_kiocb(k, iocb)) {
    kiocbSetKicked(k, iocb);                                                    yield;
    wake_up_process(k, k.kiocb(iocb).ki_user_obj);
    return 0;
  }
  // [mar05 aioretry] if (!kiocbTryKick(iocb) && !kiocbIsStarted(iocb)) queue_kicked_iocb(iocb);
  // [mar14 aioretry] if (!kiocbTryKick(iocb)) queue_kicked_iocb(iocb);
  if (kiocbTryKick(k, iocb)) return pr_debug_kicked(k);                         yield;
  if (k.variant.kickStartedCheck) {
    if (kiocbIsStarted(k, iocb)) return pr_debug_kicked(k);                     yield;
  }
  yield* queue_kicked_iocb(k, iocb);
  return 0;
}

/**
 * aio_wake_function(wait, mode, sync): the func of iocb->ki_wait
 * @body aioretry
 */
export function* aio_wake_function(k: Machine, wait: number, mode: number): KGen {
  void mode;
  // struct kiocb *iocb = container_of(wait, struct kiocb, ki_wait);
  const iocb = wait - KIOCB.off.ki_wait;
  list_del_init(k, kiWaitList(iocb));                                           yield;
  yield* kick_iocb(k, iocb);
  return 1;
}

/**
 * aio_kick_handler(data = ctx): the work function of ctx->wq runs aio_run_iocbs
 * @body aioretry
 */
export function* aio_kick_handler(k: Machine, ctx: number): KGen {
  // use_mm(ctx->mm);
  k.task(k.current).mm = 1;
  yield* aio_run_iocbs(k, ctx);
  // unuse_mm(ctx->mm);
  k.task(k.current).mm = 0;
  return 0;
}

/** io_submit_one, both postings: remember in the kiocb what a retry needs */
export const io_submit_one_retry_fields = observable('io_submit_one_retry_fields', (k: Machine, req: number, user_iocb: number): void => {
  const rq = k.kiocb(req);
  const u = k.uiocb(user_iocb);
  rq.ki_buf = u.aio_buf;
  rq.ki_left = rq.ki_nbytes = u.aio_nbytes;
  rq.ki_opcode = u.aio_lio_opcode;
  init_waitqueue_func_entry(k, kiWait(req), fnptr(aio_wake_function));
  INIT_LIST_HEAD(k, kiWaitList(req));
  rq.ki_retried = 0;
});

/** the retry-cap printks of aio_process_iocb (mar05) and aio_run_iocb (mar14) */
export function retryCountCheck(k: Machine, iocb: number): boolean {
  const i = k.kiocb(iocb);
  const r = i.ki_retried++;
  if (r > k.workload.retryCap) {
    k.printk(`Maximal retry count. Bytes done ${i.ki_nbytes - i.ki_left}`);
    return false;
  }
  if (!(i.ki_retried & 0xff)) k.printk(`${i.ki_retried} aio retries completed ${i.ki_nbytes - i.ki_left} bytes of ${i.ki_nbytes}`);
  return true;
}

/** the f_op arguments of aio_read/aio_write after the iocb: ki_buf, ki_left, ki_pos */
export function rwArgs(k: Machine, iocb: number): number[] {
  const i = k.kiocb(iocb);
  return [i.ki_buf, i.ki_left, i.ki_pos];
}
