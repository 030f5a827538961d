/**
 * Protocol variants. Each is the 2.5.62 baseline with a set of named changes turned
 * on; every change is one hunk (or a few hunks that only make sense together) of a
 * posted patch, so a review can turn changes on and off one at a time.
 */
export type Core = 'baseline' | 'mar05' | 'mar14';

/** where a change comes from, what it does and (for the proposed ones) which counterexample it removes: data for reviews */
export interface ChangeDoc {
  /** the patch (or the review) the change comes from */
  source: string;
  /** what it changes, in the kernel's terms */
  summary: string;
  /** for a proposed fix: the counterexample of mar14 it removes (workloads and invariants) */
  removes?: string;
  /** one of the review's proposed fixes to mar14 (not posted in the thread) */
  proposed?: true;
}

/**
 * Every named change, declared once: the posted patches' hunks in patch order, then the
 * review's proposed fixes. The names, the Changes type, PROPOSED_CHANGES and the docs
 * reviews show all come from this table.
 */
export const CHANGES = {
  clearBitFix: { source: 'fix 1 (posted separately on Mar 14; part of the Mar 5 aioretry.patch)', summary: 'kiocbClear* use clear_bit, not set_bit' },
  syncWakeFix: { source: 'fix 2 (posted separately on Mar 14; part of the Mar 5 aioretry.patch)', summary: 'aio_complete wakes a sync iocb also when ki_users == 1' },
  initRunList: { source: 'aioretry.patch (Mar 5 and Mar 14)', summary: '__aio_get_req: INIT_LIST_HEAD(&req->ki_run_list)' },
  queueKickedIocb: { source: 'aioretry.patch (Mar 5 and Mar 14)', summary: 'kick_iocb goes through queue_kicked_iocb/__queue_kicked_iocb (list_empty test, wake ctx->wait or queue_work)' },
  aioWq: { source: 'aioretry.patch (Mar 5 and Mar 14)', summary: 'ctx->wq runs on aio_wq (queue_work) instead of keventd (schedule_work)' },
  completeDelRunList: { source: 'aioretry.patch (Mar 5 and Mar 14)', summary: 'aio_complete: list_del_init(&iocb->ki_run_list) if it is on the run list' },
  readEventsRunIocbs: { source: 'aioretry.patch (Mar 5 and Mar 14)', summary: 'read_events: aio_run_iocbs(ctx) just before schedule()' },
  syncKiocbInitWait: { source: 'aioretry.patch (Mar 5 and Mar 14)', summary: 'init_sync_kiocb also sets ki_user_data = 0 and init_wait(&ki_wait)' },
  waitSyncKicked: { source: 'Mar 5 aioretry.patch', summary: 'wait_on_sync_kiocb: printk, stop waiting when KIF_KICKED, return -EIOCBQUEUED if ki_users' },
  kickStartedCheck: { source: 'Mar 5 aioretry.patch', summary: 'kick_iocb: do not queue while KIF_STARTED (`&& !kiocbIsStarted`)' },
  prepareToWaitPrintk: { source: 'Mar 5 aioretry.patch (kernel/fork.c)', summary: 'prepare_to_wait printk "iocb->ki_wait in use"' },
  aioReadFilemap: { source: 'aioread.patch (Mar 5)', summary: 'do_generic_mapping_read uses aio_lock_page / aio_wait_on_page_locked' },
  syncReadBugOn: { source: 'aioread.patch (Mar 5)', summary: 'BUG_ON(current->iocb != NULL) in generic_file_read / generic_file_sendfile' },
  runListNullCheck: {
    proposed: true,
    source: 'proposed (the test Linux 2.6 fs/aio.c uses)',
    summary:
      'aio_complete: `if (iocb->ki_run_list.prev && !list_empty(&iocb->ki_run_list)) list_del_init(&iocb->ki_run_list)`. Mar 14 leaves NULL pointers in ki_run_list while an iocb runs (io_submit_one sets `ki_run_list.next = .prev = NULL`, aio_run_iocbs uses list_del) and aio_run_iocb calls aio_complete before its INIT_LIST_HEAD: list_empty() says "not empty" and list_del_init writes through NULL.',
    removes:
      "mar14's memory-safety oops in aio_complete: every workload where an iocb completes while ki_run_list holds the NULLs (from aio_run_iocb, and, once setupErrorComplete is on, from io_submit_one for a method-less iocb)",
  },
  setupErrorComplete: {
    proposed: true,
    source: 'proposed (2.5.62 behaviour kept)',
    summary:
      'io_submit_one: when aio_setup_iocb fails with anything but -EBADF/-EFAULT (no retry method: -EINVAL), aio_complete(req, ret, 0) and return 0, as 2.5.62 completed a method-less request, instead of calling aio_run_iocb, which returns 0 at `if (!(retry = iocb->ki_retry))` and never completes nor frees the iocb.',
    removes: 'the stranded, leaked iocb of no-aio-read and fsync (progress, one-completion, ki-users-accounting)',
  },
  kickQueueWork: {
    proposed: true,
    source: "proposed (Linux 2.6's try_queue_kicked_iocb -> aio_queue_work)",
    summary:
      'queue_kicked_iocb (and a wakeup\'s kick) always queue_work(aio_wq, &ctx->wq) instead of `if (waitqueue_active(&ctx->wait)) wake_up(&ctx->wait); else queue_work(...)`: the woken io_getevents may have timed out and leave read_events without running aio_run_iocbs, and the kick is lost.',
    removes: "getevents-timeout's stranded iocb (progress, one-completion, ki-users-accounting)",
  },
  wakeUnderCtxLock: {
    proposed: true,
    source: 'proposed',
    summary:
      'aio_wake_function takes ki_wait off its queue, sets KIF_KICKED and puts the iocb on the run list in one ctx_lock section (then wakes or queues the worker as queue_kicked_iocb does). As posted it does list_del_init(&wait->task_list) and only then kick_iocb(): in between, aio_run_iocb finds ki_wait on no queue, takes it for a retry that queued nothing, re-kicks the iocb itself, another context completes and frees it, and the late kick works on the freed kiocb. The kick and the dequeue are now seen together by aio_run_iocb, which decides under ctx_lock.',
    removes: 'the use after free in kick_iocb (and BUG_ON in aio_run_iocb) of a late kick, on every workload where a read waits, once the shorter NULL-pointer oops is gone',
  },
  kickedOnlyIfRetry: {
    proposed: true,
    source: 'proposed (the structure of Linux 2.6 aio_run_iocb)',
    summary:
      'aio_run_iocb re-queues a kicked iocb only when its retry asked for another run (ret is the "retry" code), instead of `if (kiocbIsKicked(iocb)) { BUG_ON(ret != -EIOCBQUEUED); __queue_kicked_iocb(iocb); }`: a wakeup can kick an iocb whose running retry then finds its page unlocked and finishes; that kick is stale.',
    removes: 'BUG_ON(ret != ...) in aio_run_iocb (read-io-error: the read fails while the wakeup of its page is kicking it)',
  },
  eiocbRetry: {
    proposed: true,
    source: 'proposed (-EIOCBRETRY = 530, Linux 2.6 include/linux/errno.h)',
    summary:
      '"Retry me" gets its own code: aio_schedule in aio context, the aioread.patch\'s queued waits and aio_pread/aio_pwrite\'s forced extra retry return -EIOCBRETRY; aio_run_iocb re-kicks (if ki_wait is not queued) and io_submit_one queues the work only for -EIOCBRETRY, and an iocb whose method returned -EIOCBQUEUED ("I will call aio_complete myself", direct I/O) is neither completed nor run again.',
    removes: "odirect-read's double submission and double completion (no-double-retry, one-completion, run-list-integrity, memory-safety): direct I/O's -EIOCBQUEUED was taken for a retry",
  },
  retryCapProgress: {
    proposed: true,
    source: 'proposed',
    summary:
      'The retry cap counts retries without progress: aio_pread/aio_pwrite reset ki_retried when the method transferred bytes. Mar 14 counts every run, so a long read that keeps making progress reaches the cap (a two-page uncached read needs three runs), and aio_run_iocb then returns -EAGAIN without completing the iocb. A retry loop without progress still ends at the cap (and is still stranded there).',
    removes: "small-retry-cap's iocb stranded at the cap (progress, one-completion, ki-users-accounting)",
  },
  resumeReadpageWait: {
    proposed: true,
    source: 'proposed',
    summary:
      'A retry resumes a read at the wait it queued after its own readpage: when the last run stopped in aio_wait_on_page_locked right after calling readpage on the page at ki_pos (a ki_flags bit, KIF_READPAGE_WAIT, remembers it), do_generic_mapping_read goes straight back to that wait and, once the page is unlocked, returns -EIO if it is not up to date, as the synchronous `readpage; wait_on_page_locked; if (!PageUptodate(page)) error = -EIO` does. Without it each retry of a page whose read fails calls readpage again, until the retry cap strands the iocb.',
    removes: "read-io-error's readpage-again retries, ended by the retry cap (2 in that workload) with a stranded iocb (progress, one-completion, ki-users-accounting)",
  },
  asyncBlockingPoints: {
    proposed: true,
    source: 'proposed (the retry model of the thread applied to Andrew Morton\'s other blocking points)',
    summary:
      'In aio context (current->iocb set) the generic blocking-point wait (a copy_to_user / fault_in_pages fault\'s page-in, wait_on_buffer, get_request_wait, balance_dirty_pages) starts its event, queues current->iocb->ki_wait on the event\'s wait queue (aio_wake_function kicks the iocb) and returns -EIOCBRETRY instead of sleeping; the callers unwind (readpage unlocks its page, the read actor stops with desc->error = -EIOCBRETRY, the write loop stops after the bytes written) and the retry comes back to the point, finds the event done and goes on. Sync callers (current->iocb == NULL) still sleep. Not converted: i_sem (down), lock_page in the write path, blk_congestion_wait in the page allocator, the direct-I/O path\'s waits (no workload reaches them in aio context).',
    removes: 'aio-never-blocks in faulting-buffer (copy_to_user fault), metadata-miss (wait_on_buffer), request-congestion (get_request_wait) and cached-write (balance_dirty_pages)',
  },
} as const satisfies Record<string, ChangeDoc>;

export type ChangeName = keyof typeof CHANGES;
/** a variant's named changes: each on or off */
export type Changes = Record<ChangeName, boolean>;
/** every named change, in table order */
export const CHANGE_NAMES = Object.keys(CHANGES) as ChangeName[];
/** the review's proposed changes to mar14 */
export const PROPOSED_CHANGES = CHANGE_NAMES.filter((c) => (CHANGES[c] as ChangeDoc).proposed);
/** the docs of every change (reviews) */
export const CHANGE_DOCS: Record<ChangeName, ChangeDoc> = CHANGES;

/**
 * The function bodies a variant chooses (KFn.body, `@body` in src/kernel/aio/), in order of
 * precedence: 'aioretry' for either posting, its core, then each change that is on (a
 * change's body wins over its core's, the core's over the one both postings share).
 */
export function bodyLabels(v: Variant): string[] {
  const labels: string[] = v.core === 'baseline' ? [] : ['aioretry'];
  labels.push(v.core);
  for (const c of CHANGE_NAMES) if (v[c]) labels.push(c);
  return labels;
}

export interface Variant extends Changes {
  name: string;
  description: string;
  core: Core;
  /** keventd worker threads exist (the baseline's schedule_work target) */
  keventd: boolean;
}

const NONE: Changes = Object.fromEntries(CHANGE_NAMES.map((c) => [c, false])) as unknown as Changes;
const COMMON: Partial<Changes> = {
  initRunList: true,
  queueKickedIocb: true,
  aioWq: true,
  completeDelRunList: true,
  readEventsRunIocbs: true,
  syncKiocbInitWait: true,
};
const AIOREAD: Partial<Changes> = { aioReadFilemap: true, syncReadBugOn: true };
const PROPOSED: Partial<Changes> = Object.fromEntries(PROPOSED_CHANGES.map((c) => [c, true]));

export const VARIANTS: Record<string, Variant> = {
  '2.5.62': {
    name: '2.5.62',
    description: 'the unpatched 2.5.62 AIO core, with its two defects (kiocbClear* set bits; sync iocbs not woken when ki_users == 1)',
    core: 'baseline',
    keventd: true,
    ...NONE,
  },
  '2.5.62+fixes': {
    name: '2.5.62+fixes',
    description: 'the baseline with the two fixes posted separately on Mar 14 (clear_bit in kiocbClear*, wake sync iocbs)',
    core: 'baseline',
    keventd: true,
    ...NONE,
    clearBitFix: true,
    syncWakeFix: true,
  },
  mar05: {
    name: 'mar05',
    description: 'Mar 5 aioretry.patch + aioread.patch exactly as posted (KIF_STARTED, aio_process_iocb, the fixes folded in)',
    core: 'mar05',
    keventd: false,
    ...NONE,
    ...COMMON,
    ...AIOREAD,
    clearBitFix: true,
    syncWakeFix: true,
    waitSyncKicked: true,
    kickStartedCheck: true,
    prepareToWaitPrintk: true,
  },
  mar14: {
    name: 'mar14',
    description: 'the two fixes + the Mar 14 aioretry.patch (aio_run_iocb, ki_retry == NULL while running) + the Mar 5 aioread.patch',
    core: 'mar14',
    keventd: false,
    ...NONE,
    ...COMMON,
    ...AIOREAD,
    clearBitFix: true,
    syncWakeFix: true,
  },
  proposed: {
    name: 'proposed',
    description: "mar14 + the review's nine proposed fixes, meant to leave no violation on any workload (the check's matrix says which workloads it explored completely)",
    core: 'mar14',
    keventd: false,
    ...NONE,
    ...COMMON,
    ...AIOREAD,
    clearBitFix: true,
    syncWakeFix: true,
    ...PROPOSED,
  },
};

export function variantByName(name: string): Variant | undefined {
  return Object.prototype.hasOwnProperty.call(VARIANTS, name) ? VARIANTS[name] : undefined;
}

/** the variant with one change turned on or off (for reviews and ablations) */
export function withChange(v: Variant, change: ChangeName, on: boolean): Variant {
  return { ...v, [change]: on, name: `${v.name}${on ? '+' : '-'}${change}` };
}
