/**
 * The event vocabulary shared by the xstate models (models/*.ts) and the engine
 * (src/engine). The engine emits one of these at the step where the kernel code
 * does the named thing; the models consume them in lockstep. One source of truth:
 * both sides import the names from here.
 */

/** kiocb lifecycle and kick/queue/complete protocol events (one kiocb each) */
export const KIOCB_EVENTS = [
  'aio_get_req', //            __aio_get_req: kiocb allocated, ki_users = 1
  'io_submit_one', //          io_submit_one has filled the kiocb and makes the first attempt
  'retry_enter', //            the retry method starts running (current->iocb set where the variant sets it)
  'retry_exit_queued', //      the retry method returned -EIOCBQUEUED
  'retry_exit_done', //        the retry method returned a result (bytes or error)
  'ki_wait_queued', //         prepare_to_wait linked iocb->ki_wait on a wait-queue bucket
  'ki_wait_dequeued', //       ki_wait unlinked (aio_wake_function's list_del_init, or finish_wait)
  'kick_iocb', //              kick_iocb found KIF_KICKED clear and set it (or set it on a sync kiocb)
  'kicked_set', //             KIF_KICKED set by aio_process_iocb / aio_run_iocb ("force retry")
  'kicked_clear', //           kiocbClearKicked actually cleared KIF_KICKED
  'run_list_add', //           list_add_tail(&iocb->ki_run_list, &ctx->run_list)
  'run_list_del', //           taken off ctx->run_list (aio_run_iocbs, aio_kick_handler, aio_complete)
  'aio_complete', //           aio_complete posted the event (async) or stored the result (sync)
  'get_ref', //                ki_users++
  'put_ref', //                ki_users-- (not the last)
  'really_put_req', //         the kiocb was freed (last reference dropped)
  // --- added for models/kickProtocol.ts: the context side of the kick protocol. These are
  // --- ctx-wide (one ctx->wq, one ctx->wait): emit them with iocb = -1; every kiocb's
  // --- projection includes them.
  'queue_work', //             queue_work(aio_wq, &ctx->wq) found WORK_STRUCT_PENDING clear and set it
  'work_run', //               an aio_wq worker took ctx->wq off its list, cleared WORK_STRUCT_PENDING and
  //                           is entering aio_kick_handler -> aio_run_iocbs
  'ctx_wait_wake', //          queue_kicked_iocb saw waitqueue_active(&ctx->wait) and did wake_up(&ctx->wait)
  //                           (instead of queue_work): a read_events sleeper is to run aio_run_iocbs
] as const;
export type KiocbEventType = (typeof KIOCB_EVENTS)[number];

/** page lock / page wait events (one page and one waiter each) */
export const PAGE_EVENTS = [
  'lock_page_acquired', //     TestSetPageLocked returned 0: the caller owns PG_locked
  'lock_page_contended', //    TestSetPageLocked returned 1
  'prepare_to_wait', //        the waiter's entry is (or stays) on the page's bucket
  'aio_schedule_queued', //    aio_schedule returned -EIOCBQUEUED: the aio waiter left, entry still queued
  'io_schedule', //            a synchronous waiter sleeps
  'woken', //                  the waiter's wake function ran (unlock_page -> wake_up_all on the bucket)
  'finish_wait', //            finish_wait: entry off the bucket, waiter done waiting
  'readpage', //               disk read started on a locked, not-uptodate page
  'io_done_ok', //             disk interrupt: SetPageUptodate
  'io_done_error', //          disk interrupt: read error (SetPageError)
  'unlock_page', //            PG_locked cleared and the bucket woken
  // --- added for models/pageWait.ts: the page's birth, so that a page model has one initial state
  'page_cache_add', //         add_to_page_cache_lru inserted a new page: PG_locked set (owned by `waiter`, or
  //                           -1), not uptodate. A page already cached and uptodate when the workload starts
  //                           is announced as page_cache_add, readpage, io_done_ok, unlock_page (waiter -1).
] as const;
export type PageEventType = (typeof PAGE_EVENTS)[number];

export interface KiocbEvent {
  type: KiocbEventType;
  /** which kiocb (slot number in the workload, 0-based); -1 for the ctx-wide queue_work, work_run, ctx_wait_wake */
  iocb: number;
}
export interface PageEvent {
  type: PageEventType;
  /** which page (index in the workload's file) */
  page: number;
  /** which waiter (thread id) or -1 for the page itself (readpage, io_done, unlock) */
  waiter: number;
}
export type ModelEvent = ({ machine: 'kiocb' } & KiocbEvent) | ({ machine: 'page' } & PageEvent);
