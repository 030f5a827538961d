/**
 * Protocol variants. Each is the 2.5.62 baseline with a set of named changes turned
 * on; every change is one hunk (or a few hunks that only make sense together) of a
 * posted patch, so a review can turn changes on and off one at a time.
 */
export type Core = 'baseline' | 'mar05' | 'mar14';

export interface Changes {
  /** [fix 1, posted separately on Mar 14; part of mar05 aioretry.patch] kiocbClear* use clear_bit, not set_bit */
  clearBitFix: boolean;
  /** [fix 2, posted separately on Mar 14; part of mar05 aioretry.patch] aio_complete wakes a sync iocb also when ki_users == 1 */
  syncWakeFix: boolean;
  /** [aioretry.patch, both] __aio_get_req: INIT_LIST_HEAD(&req->ki_run_list) */
  initRunList: boolean;
  /** [aioretry.patch, both] kick_iocb goes through queue_kicked_iocb/__queue_kicked_iocb (list_empty test, wake ctx->wait or queue_work) */
  queueKickedIocb: boolean;
  /** [aioretry.patch, both] ctx->wq runs on aio_wq (queue_work) instead of keventd (schedule_work) */
  aioWq: boolean;
  /** [aioretry.patch, both] aio_complete: list_del_init(&iocb->ki_run_list) if it is on the run list */
  completeDelRunList: boolean;
  /** [aioretry.patch, both] read_events: aio_run_iocbs(ctx) just before schedule() */
  readEventsRunIocbs: boolean;
  /** [aioretry.patch, both] init_sync_kiocb also sets ki_user_data = 0 and init_wait(&ki_wait) */
  syncKiocbInitWait: boolean;
  /** [mar05 aioretry.patch] wait_on_sync_kiocb: printk, stop waiting when KIF_KICKED, return -EIOCBQUEUED if ki_users */
  waitSyncKicked: boolean;
  /** [mar05 aioretry.patch] kick_iocb: do not queue while KIF_STARTED (`&& !kiocbIsStarted`) */
  kickStartedCheck: boolean;
  /** [mar05 aioretry.patch, kernel/fork.c] prepare_to_wait printk "iocb->ki_wait in use" */
  prepareToWaitPrintk: boolean;
  /** [aioread.patch] do_generic_mapping_read uses aio_lock_page / aio_wait_on_page_locked */
  aioReadFilemap: boolean;
  /** [aioread.patch] BUG_ON(current->iocb != NULL) in generic_file_read / generic_file_sendfile */
  syncReadBugOn: boolean;
}

export interface Variant extends Changes {
  name: string;
  description: string;
  core: Core;
  /** keventd worker threads exist (the baseline's schedule_work target) */
  keventd: boolean;
}

export const CHANGE_NAMES = [
  'clearBitFix',
  'syncWakeFix',
  'initRunList',
  'queueKickedIocb',
  'aioWq',
  'completeDelRunList',
  'readEventsRunIocbs',
  'syncKiocbInitWait',
  'waitSyncKicked',
  'kickStartedCheck',
  'prepareToWaitPrintk',
  'aioReadFilemap',
  'syncReadBugOn',
] as const satisfies readonly (keyof Changes)[];
export type ChangeName = (typeof CHANGE_NAMES)[number];

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
};

export function variantByName(name: string): Variant | undefined {
  return Object.prototype.hasOwnProperty.call(VARIANTS, name) ? VARIANTS[name] : undefined;
}

/** the variant with one change turned on or off (for reviews and ablations) */
export function withChange(v: Variant, change: ChangeName, on: boolean): Variant {
  return { ...v, [change]: on, name: `${v.name}${on ? '+' : '-'}${change}` };
}
