/**
 * @jumps-end-steps (ported under the rule that every jump ends a step; to be brought to the current rule)
 * Pages: flags, the page lock and the hashed page wait queues (include/linux/
 * page-flags.h, include/linux/pagemap.h, mm/filemap.c of 2.5.62), the page cache
 * refcount, and the model's disk: ext2's readpage (fs/ext2/inode.c -> fs/mpage.c)
 * and its bio completion in interrupt context.
 *
 * Every flag operation is one atomic bitop on page->flags (one visible step).
 * Model events (models/events.ts PAGE_EVENTS): the waiter side emits them where the
 * code does the named thing; 'woken' is emitted by a synchronous waiter when it comes
 * back from io_schedule (the wake functions themselves run in kernel/wait.ts and
 * fs/aio.c, which do not know the page).
 * Pages do not have wait queues of their own: page_waitqueue() hashes a page to one
 * of the zone's buckets (k.workload.buckets), and two pages may share a bucket, so
 * unlock_page's wake_up_all also wakes the other page's waiters.
 */
import { atomic, fnref, type KGen } from '../../engine/fn.ts';
import { GLOBAL, IRQ, PANIC_BUG, PANIC_ENGINE, registerIrq, type Machine } from '../../engine/machine.ts';
import { PAGE, PG_error, PG_locked, PG_uptodate } from '../../engine/structs.ts';
import { clear_bit, set_bit, test_and_clear_bit, test_and_set_bit, test_bit } from '../../engine/kernel/bitops.ts';
import { io_schedule, TASK_UNINTERRUPTIBLE } from '../kernel/sched.ts';
import { __wake_up, finish_wait, init_wait, prepare_to_wait, TASK_NORMAL, waitqueue_active } from '../kernel/wait.ts';
import type { PageEvent, PageEventType } from '../../../models/events.ts';
import type { Workload } from '../../engine/workload.ts';
import { FS_INDIRECT_READ, FS_REQ_CONGESTED, __wait_on_buffer, aioEventOutstanding, aioRetryCode, fsOnce, get_request_wait } from './blocking.ts';

// ------------------------------------------------------------------ helpers
/** index of a page in the model's file (its radix-tree index), -1 if not a page */
export function pageIndex(k: Machine, page: number): number {
  return k.addr.pages.indexOf(page);
}

/** page-level model event (models/events.ts PAGE_EVENTS); waiter = thread index or -1 */
export function pageEvent(k: Machine, type: PageEventType, page: number, waiter: number = k.cur): void {
  if (k.modelEvents) k.emit({ machine: 'page', type, page: pageIndex(k, page), waiter });
}

const flagsOf = (page: number) => page + PAGE.off.flags;

/** page_waitqueue(page) = &zone->wait_table[hash_ptr(page, zone->wait_table_bits)] */
export function page_waitqueue(k: Machine, page: number): number {
  const i = pageIndex(k, page);
  if (i < 0) k.panic(PANIC_ENGINE, `page_waitqueue of a non-page @${page}`);
  return k.addr.buckets[k.workload.buckets[i]];
}

// ------------------------------------------------------------------ page flags (include/linux/page-flags.h)
export const PageLocked = (k: Machine, page: number) => test_bit(k, PG_locked, flagsOf(page));
export const PageUptodate = (k: Machine, page: number) => test_bit(k, PG_uptodate, flagsOf(page));
export const PageError = (k: Machine, page: number) => test_bit(k, PG_error, flagsOf(page));
export const SetPageUptodate = (k: Machine, page: number) => set_bit(k, PG_uptodate, flagsOf(page));
export const ClearPageUptodate = (k: Machine, page: number) => clear_bit(k, PG_uptodate, flagsOf(page));
export const SetPageError = (k: Machine, page: number) => set_bit(k, PG_error, flagsOf(page));
export const ClearPageError = (k: Machine, page: number) => clear_bit(k, PG_error, flagsOf(page));
export const SetPageLocked = (k: Machine, page: number) => set_bit(k, PG_locked, flagsOf(page));
/** test_and_set_bit(PG_locked): the old value, so 0 means "we now own the lock" */
export const TestSetPageLocked = (k: Machine, page: number) => test_and_set_bit(k, PG_locked, flagsOf(page));
export const TestClearPageLocked = (k: Machine, page: number) => test_and_clear_bit(k, PG_locked, flagsOf(page));

// ------------------------------------------------------------------ page cache references
/** page_cache_get(page) = get_page(page): atomic_inc(&page->count) */
export function page_cache_get(k: Machine, page: number): void {
  const p = k.page(page);
  p.count = p.count + 1;
}

/**
 * page_cache_release(page) = put_page(page): atomic_dec_and_test(&page->count). A page
 * in the page cache holds the cache's own reference, so reaching 0 there means the
 * page would be freed while still in the radix tree ("Bad page state").
 */
export function page_cache_release(k: Machine, page: number): void {
  const p = k.page(page);
  const c = p.count - 1;
  p.count = c;
  if (c < 0) k.panic(PANIC_BUG, `kernel BUG: put_page of a free page (page${pageIndex(k, page)})`);
  if (c === 0 && p.in_cache) k.panic(PANIC_BUG, `kernel BUG: page${pageIndex(k, page)} freed while in the page cache`);
}

// ------------------------------------------------------------------ mm/filemap.c
/** sync_page(page): mapping->a_ops->sync_page (block_sync_page: blk_run_queues). I/O always progresses here. @c mm/filemap.c */
export function* sync_page(k: Machine, page: number): KGen {
  k.sharedAccess();
  return 0;
}

/**
 * wait_on_page_bit(page, bit_nr): DEFINE_WAIT(wait); do { prepare_to_wait(waitqueue,
 * &wait, TASK_UNINTERRUPTIBLE); if (test_bit(bit_nr, &page->flags)) { sync_page(page);
 * io_schedule(); } } while (test_bit(bit_nr, &page->flags)); finish_wait(waitqueue, &wait);
 * @c mm/filemap.c
 */
export function* wait_on_page_bit(k: Machine, page: number, bit_nr: number): KGen {
  // wait_queue_head_t *waitqueue = page_waitqueue(page); DEFINE_WAIT(wait);
  const waitqueue = page_waitqueue(k, page);
  const wait = k.myWait(0);
  k.setStackObj(wait, true);
  init_wait(k, wait);                                         yield;
  do {
    // do { prepare_to_wait(waitqueue, &wait, TASK_UNINTERRUPTIBLE);
    yield* prepare_to_wait(k, waitqueue, wait, TASK_UNINTERRUPTIBLE, 0);
    pageEvent(k, 'prepare_to_wait', page);
    // if (test_bit(bit_nr, &page->flags)) {
    if (test_bit(k, bit_nr, flagsOf(page))) {
                                                              yield;
      // sync_page(page);
      yield* sync_page(k, page);
      // io_schedule(); }
      pageEvent(k, 'io_schedule', page);
      yield* io_schedule(k);
      // back from io_schedule: a wake function made us RUNNING (autoremove took the entry off)
      pageEvent(k, 'woken', page);
    }
  } while (test_bit(k, bit_nr, flagsOf(page)));  // } while (test_bit(bit_nr, &page->flags));
                                                              yield;
  // finish_wait(waitqueue, &wait);
  yield* finish_wait(k, waitqueue, wait);
  pageEvent(k, 'finish_wait', page);
  k.setStackObj(wait, false);
  return 0;
}

/** wait_on_page_locked(page) (include/linux/pagemap.h): if (PageLocked(page)) wait_on_page_bit(page, PG_locked); @c include/linux/pagemap.h */
export function* wait_on_page_locked(k: Machine, page: number): KGen {
  if (!PageLocked(k, page)) return 0;
  yield* wait_on_page_bit(k, page, PG_locked);
  return 0;
}

/**
 * unlock_page(page): smp_mb__before_clear_bit(); if (!TestClearPageLocked(page)) BUG();
 * smp_mb__after_clear_bit(); if (waitqueue_active(waitqueue)) wake_up_all(waitqueue);
 * @c mm/filemap.c
 */
export function* unlock_page(k: Machine, page: number): KGen {
  const waitqueue = page_waitqueue(k, page);
  if (!TestClearPageLocked(k, page)) k.panic(PANIC_BUG, `kernel BUG in unlock_page: page${pageIndex(k, page)} was not locked`);
  pageEvent(k, 'unlock_page', page, -1);                      yield;
  if (!waitqueue_active(k, waitqueue)) return 0;
  // wake_up_all(waitqueue)
  yield* __wake_up(k, waitqueue, TASK_NORMAL, 0);
  return 0;
}

/**
 * __lock_page(page): DEFINE_WAIT(wait); while (TestSetPageLocked(page)) {
 * prepare_to_wait(wqh, &wait, TASK_UNINTERRUPTIBLE); if (PageLocked(page)) {
 * sync_page(page); io_schedule(); } } finish_wait(wqh, &wait);
 * @c mm/filemap.c
 */
export function* __lock_page(k: Machine, page: number): KGen {
  // wait_queue_head_t *wqh = page_waitqueue(page); DEFINE_WAIT(wait);
  const wqh = page_waitqueue(k, page);
  const wait = k.myWait(0);
  k.setStackObj(wait, true);
  init_wait(k, wait);                                         yield;
  for (;;) {
    // while (TestSetPageLocked(page)) {
    if (!TestSetPageLocked(k, page)) {
      pageEvent(k, 'lock_page_acquired', page);
      break;
    }
    pageEvent(k, 'lock_page_contended', page);
    // prepare_to_wait(wqh, &wait, TASK_UNINTERRUPTIBLE);
    yield* prepare_to_wait(k, wqh, wait, TASK_UNINTERRUPTIBLE, 0);
    pageEvent(k, 'prepare_to_wait', page);
    // if (PageLocked(page)) {
    if (!PageLocked(k, page)) continue;
                                                              yield;
    // sync_page(page);
    yield* sync_page(k, page);
    // io_schedule(); } }
    pageEvent(k, 'io_schedule', page);
    yield* io_schedule(k);
    // back from io_schedule: a wake function made us RUNNING (autoremove took the entry off)
    pageEvent(k, 'woken', page);
  }
  // finish_wait(wqh, &wait);
  yield* finish_wait(k, wqh, wait);
  pageEvent(k, 'finish_wait', page);
  k.setStackObj(wait, false);
  return 0;
}

/** lock_page(page) (include/linux/pagemap.h): if (TestSetPageLocked(page)) __lock_page(page); @c include/linux/pagemap.h */
export function* lock_page(k: Machine, page: number): KGen {
  if (TestSetPageLocked(k, page)) {
    pageEvent(k, 'lock_page_contended', page);
    yield* __lock_page(k, page);
    return 0;
  }
  pageEvent(k, 'lock_page_acquired', page);
  return 0;
}

// ------------------------------------------------------------------ the disk
/**
 * mapping->a_ops->readpage(filp, page) of the model's filesystem: ext2_readpage
 * (fs/ext2/inode.c) = mpage_readpage(page, ext2_get_block) (fs/mpage.c). Called with
 * the page locked; starts the read and returns 0 before the data arrives. The bio's
 * completion (IRQ.DISK_READ) sets PG_uptodate or PG_error and unlocks the page.
 * Blocking points on the way (Andrew Morton's list): ext2_get_block may have to read
 * the indirect block first (wait_on_buffer, once per file, k.workload.blocking.metadata);
 * submit_bio may have to wait for a free request (get_request_wait, once,
 * k.workload.blocking.requestCongestion). A page in k.workload.ioError is read with an error.
 * @c fs/ext2/inode.c
 */
export function* ext2_readpage(k: Machine, filp: number, page: number): KGen {
  async_wait: {
    // do_mpage_readpage -> ext2_get_block -> ext2_get_branch -> sb_bread(indirect block) -> wait_on_buffer
    // [proposed: asyncBlockingPoints] (or the retry after an async wait_on_buffer comes back to it)
    atomic('the once flag and [proposed: asyncBlockingPoints] the iocb\'s outstanding event are tested in one step (as the model always had)');
    if (k.workload.blocking?.metadata && (fsOnce(k, FS_INDIRECT_READ) || aioEventOutstanding(k))) {
                                                              yield;
      const err = yield* __wait_on_buffer(k);
      if (k.variant.asyncBlockingPoints && err === aioRetryCode(k)) break async_wait;
    }
    // mpage_bio_submit -> submit_bio -> __make_request -> get_request_wait
    // [proposed: asyncBlockingPoints] (or the retry after an async get_request_wait comes back to it)
    atomic('the once flag and [proposed: asyncBlockingPoints] the iocb\'s outstanding event are tested in one step (as the model always had)');
    if (k.workload.blocking?.requestCongestion && (fsOnce(k, FS_REQ_CONGESTED) || aioEventOutstanding(k))) {
                                                              yield;
      const err2 = yield* get_request_wait(k);
      if (k.variant.asyncBlockingPoints && err2 === aioRetryCode(k)) break async_wait;
    }
    // submit_bio(READ, bio): the disk read is in flight; mpage_end_io_read runs at its end
    const i = pageIndex(k, page);
    const ioError = k.workload.ioError ?? [];
    const ok = ioError.includes(i) ? 0 : 1;
    pageEvent(k, 'readpage', page, -1);
    k.raiseIrq(IRQ.DISK_READ, page, ok);
    k.setG(GLOBAL.DISK_BUSY, k.g(GLOBAL.DISK_BUSY) + 1);
    return 0;
  }
  // ---- [proposed: asyncBlockingPoints] an async wait in aio context: the read is not started;
  // unlock the page (readpage's error convention) and return -EIOCBRETRY up to the retry
  yield* unlock_page(k, page);
  return aioRetryCode(k);
}
/** mapping->a_ops->readpage */
export const readpage = ext2_readpage;

/**
 * mpage_end_io_read(bio, bytes_done, err) (fs/mpage.c), for one page, in interrupt
 * context: if (uptodate) SetPageUptodate(page); else { ClearPageUptodate(page);
 * SetPageError(page); } unlock_page(page);
 * @c fs/mpage.c
 */
export function* mpage_end_io_read(k: Machine, page: number, ok: number): KGen {
  k.setG(GLOBAL.DISK_BUSY, k.g(GLOBAL.DISK_BUSY) - 1);
  if (ok) {
    SetPageUptodate(k, page);
    pageEvent(k, 'io_done_ok', page, -1);
  } else {
    ClearPageUptodate(k, page);                               yield;
    SetPageError(k, page);
    pageEvent(k, 'io_done_error', page, -1);                  yield;
  }
  yield* unlock_page(k, page);
  return 0;
}
/** the disk interrupt handler for page reads */
export const end_page_read = mpage_end_io_read;
registerIrq(IRQ.DISK_READ, fnref(mpage_end_io_read));

/**
 * The page events that announce the page cache as the workload starts it (for a
 * lockstep model, which starts every page at notCached): an 'uptodate' page is
 * page_cache_add, readpage, io_done_ok, unlock_page; a 'locked-io' /
 * 'locked-io-error' page (someone else's read in flight) is page_cache_add, readpage;
 * an 'absent' page has none. All on the page side (waiter -1).
 */
export function initialPageEvents(w: Workload): PageEvent[] {
  const out: PageEvent[] = [];
  w.cache.forEach((st, page) => {
    if (st === 'absent') return;
    out.push({ type: 'page_cache_add', page, waiter: -1 }, { type: 'readpage', page, waiter: -1 });
    if (st === 'uptodate') out.push({ type: 'io_done_ok', page, waiter: -1 }, { type: 'unlock_page', page, waiter: -1 });
  });
  return out;
}
