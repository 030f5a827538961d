/**
 * The review's proposed fixes to Mar 14 that replace a whole function body (the others
 * are [proposed: <change>] hunks in place). Each is chosen by its change
 * (src/engine/variants.ts): the label after `@body`.
 * @c fs/aio.c
 */
import type { KGen } from '../../engine/fn.ts';
import type { Machine } from '../../engine/machine.ts';
import { KIOCB } from '../../engine/structs.ts';
import { list_del_init } from '../../engine/kernel/list.ts';
import { spin_lock_irqsave, spin_unlock_irqrestore } from '../../engine/kernel/locking.ts';
import { __wake_up, waitqueue_active, TASK_NORMAL } from '../kernel/wait.ts';
import { AIO_WQ, queue_work } from '../kernel/workqueue.ts';
import { __queue_kicked_iocb, ctxLock, ctxWait, ctxWq, kiocbTryKick, kiWaitList } from './aio.ts';

/**
 * aio_wake_function(wait, mode, sync), dequeue and kick in one ctx_lock section:
 *   spin_lock_irqsave(&ctx->ctx_lock, flags); list_del_init(&wait->task_list);
 *   if (!kiocbTryKick(iocb)) run = __queue_kicked_iocb(iocb);
 *   spin_unlock_irqrestore(&ctx->ctx_lock, flags); if (run) <wake ctx->wait or queue_work, as queue_kicked_iocb>
 * @body wakeUnderCtxLock
 */
export function* aio_wake_function(k: Machine, wait: number, mode: number): KGen {
  void mode;
  // struct kiocb *iocb = container_of(wait, struct kiocb, ki_wait);
  const iocb = wait - KIOCB.off.ki_wait;
  const ctx = k.kiocb(iocb).ki_ctx;
  let run = 0;
  const flags = yield* spin_lock_irqsave(k, ctxLock(ctx));                      yield;
  list_del_init(k, kiWaitList(iocb));                                           yield;
  if (!kiocbTryKick(k, iocb)) run = __queue_kicked_iocb(k, iocb);
  else k.note('pr_debug: iocb already kicked or in progress');                  yield;
  spin_unlock_irqrestore(k, ctxLock(ctx), flags);                               yield;
  if (!run) return 1;
  if (!k.variant.kickQueueWork && waitqueue_active(k, ctxWait(ctx))) yield* __wake_up(k, ctxWait(ctx), TASK_NORMAL, 1);
  else yield* queue_work(k, AIO_WQ, ctxWq(ctx));
  return 1;
}
