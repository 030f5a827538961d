/**
 * Why each variant violates what it violates: one sentence per cause, read from the
 * shortest counterexample (npm run trace). proofs/record.ts copies the matching
 * sentence into every claim that finds the violation.
 */
import { PROPOSED_CHANGES, type Variant } from '../src/engine/variants.ts';
import type { Workload } from '../src/engine/workload.ts';
import type { InvariantName } from '../src/check/invariants.ts';

const BLOCKING =
  'a blocking point the patches do not convert (a copy_to_user fault, wait_on_buffer, get_request_wait, i_sem or dirty throttling, or lock_page on the write path) still sleeps synchronously inside the retry';

const DIO =
  'blockdev_direct_IO returns -EIOCBQUEUED with ki_wait not queued, so the retry code sets KIF_KICKED and retries the iocb while its direct I/O is in flight: the read is submitted again and completed twice';

const LOST_KICK_DESTROY =
  "queue_kicked_iocb sees wait_for_all_aios (of io_destroy, or of exit_aio when the process exits) on ctx->wait and wakes it instead of queueing ctx->wq, but wait_for_all_aios never runs the run list: the kicked iocb is never retried and the teardown sleeps forever";

const LOST_KICK =
  "queue_kicked_iocb sees io_getevents still on ctx->wait and wakes it instead of queueing ctx->wq, but io_getevents has timed out and leaves without running aio_run_iocbs, so the kicked iocb stays on the run list for good";

export function WHY(v: Variant, w: Workload, inv: InvariantName, reason: string): string | null {
  const odirect = !!w.fd.odirect;
  // the review's proposed fixes (src/engine/variants.ts): no violation is known; the mar14 sentences
  // below would be wrong for it, so a new one stops the recording until it has its own sentence
  if (PROPOSED_CHANGES.some((c) => v[c])) return null;
  if (v.core === 'baseline') {
    if (inv === 'aio-never-blocks') return 'io_submit_one calls the read/write method directly, and the submitting process sleeps in it (lock_page, wait_on_page_locked or another blocking point) inside io_submit';
    if (inv === 'memory-safety' && odirect) return "the bio completion's aio_complete frees the kiocb before __generic_file_aio_read tests is_sync_kiocb(iocb) on it";
    return null;
  }
  if (inv === 'aio-never-blocks') return BLOCKING;
  if (odirect) {
    if (inv === 'no-double-retry' || inv === 'one-completion' || inv === 'read-result') return DIO;
    if (inv === 'run-list-integrity') return 'the second direct-I/O completion of a retried O_DIRECT read finds the kiocb queued on the run list again after its first completion';
    if (inv === 'memory-safety') return 'the retried O_DIRECT read completes twice, and the second completion touches the kiocb the first one freed';
    if (inv === 'ki-users-accounting' || inv === 'progress') return DIO;
  }
  if (w.getevents?.timeout === 'timer' && (inv === 'progress' || inv === 'ki-users-accounting' || inv === 'one-completion')) return LOST_KICK;
  if ((w.destroy || w.exit) && (inv === 'progress' || inv === 'ki-users-accounting' || inv === 'one-completion')) return LOST_KICK_DESTROY;
  if (v.core === 'mar05') {
    if (inv === 'read-result' && /-9\b/.test(reason))
      return 'after a full read the forced extra retry evaluates `iocb->ki_opcode = IOCB_CMD_PWRITE` (an assignment, not a test), so the retry issues a write on the read-only descriptor and the read completes with -EBADF';
    if (inv === 'read-result' && /-11\b/.test(reason)) return 'each retry of a read that hit a failing page calls readpage again instead of returning -EIO, until the retry cap ends it with -EAGAIN';
    if (inv === 'read-result') return 'the forced extra retry after a full read (ki_opcode overwritten with IOCB_CMD_PWRITE) changes the completion result';
    if (inv === 'run-list-integrity')
      return "a disk interrupt's kick_iocb passes kiocbTryKick while KIF_STARTED is still set; io_submit_one then clears STARTED and queues the iocb itself, the worker completes it, and the interrupt's queue_kicked_iocb puts the completed kiocb back on the run list";
    if (inv === 'memory-safety')
      return "a disk interrupt's wakeup (aio_wake_function, then kick_iocb) is still under way when the iocb completes and its kiocb is freed by another context, and the late kick touches the freed kiocb";
    if (inv === 'no-double-retry') return 'a stale kick re-queues the iocb after its completion and the worker runs the retry method again';
    if (inv === 'one-completion' || inv === 'ki-users-accounting' || inv === 'progress') return 'a stale kick re-queues the completed iocb, which is then retried and completed or leaked again';
    if (inv === 'no-bug') return 'aio_process_iocb is entered with current->iocb still set (BUG_ON) by a retry nested in another';
  }
  if (v.core === 'mar14') {
    if (inv === 'memory-safety')
      return 'ki_run_list holds NULL pointers while the iocb runs (set by io_submit_one, or by list_del in aio_run_iocbs), and aio_run_iocb calls aio_complete before its INIT_LIST_HEAD: aio_complete finds the list "not empty" and list_del_init writes through NULL';
    if ((inv === 'ki-users-accounting' || inv === 'one-completion' || inv === 'progress') && (w.iocbs.some((i) => i.op === 'fsync' || i.op === 'fdsync') || !w.fd.aioRead))
      return 'aio_setup_iocb returns -EINVAL without setting ki_retry, so aio_run_iocb returns 0 at `if (!(retry = iocb->ki_retry))` and the iocb is never completed nor freed';
    if (inv === 'read-result' && /-11\b/.test(reason)) return 'each retry of a read that hit a failing page calls readpage again instead of returning -EIO, until the retry cap ends it with -EAGAIN';
  }
  return null;
}
