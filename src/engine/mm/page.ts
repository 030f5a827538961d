/**
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
 * of the zone's buckets (k.w.buckets), and two pages may share a bucket, so
 * unlock_page's wake_up_all also wakes the other page's waiters.
 */
import { kfn } from '../fn.ts';
import { G, IRQ, PANIC_BUG, PANIC_ENGINE, registerIrq, type Machine } from '../machine.ts';
import { PAGE, PG_error, PG_locked, PG_uptodate } from '../structs.ts';
import { clear_bit, set_bit, test_and_clear_bit, test_and_set_bit, test_bit } from '../kernel/bitops.ts';
import { bp, io_schedule, TASK_UNINTERRUPTIBLE } from '../kernel/sched.ts';
import { __wake_up, finish_wait, init_wait, prepare_to_wait, waitqueue_active, wake_up_all_args } from '../kernel/wait.ts';
import type { PageEvent, PageEventType } from '../../../models/events.ts';
import type { Workload } from '../workload.ts';
import { FS_INDIRECT_READ, FS_REQ_CONGESTED, __wait_on_buffer, aioEventOutstanding, aioRetryCode, fsOnce, get_request_wait } from './blocking.ts';

// ------------------------------------------------------------------ helpers
/** index of a page in the model's file (its radix-tree index), -1 if not a page */
export function pageIndex(k: Machine, page: number): number {
  return k.A.pages.indexOf(page);
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
  return k.A.buckets[k.w.buckets[i]];
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
/** sync_page(page): mapping->a_ops->sync_page (block_sync_page: blk_run_queues). I/O always progresses here. */
export const sync_page = kfn('sync_page', 'mm/filemap.c', ['page'], [], (k) => {
  k.pp();
  return k.ret(0);
});

/**
 * wait_on_page_bit(page, bit_nr): DEFINE_WAIT(wait); do { prepare_to_wait(waitqueue,
 * &wait, TASK_UNINTERRUPTIBLE); if (test_bit(bit_nr, &page->flags)) { sync_page(page);
 * io_schedule(); } } while (test_bit(bit_nr, &page->flags)); finish_wait(waitqueue, &wait);
 */
export const wait_on_page_bit = kfn('wait_on_page_bit', 'mm/filemap.c', ['page', 'bit_nr'], ['waitqueue', 'wait'], (k, f) => {
  switch (f.pc) {
    case 0:
      // wait_queue_head_t *waitqueue = page_waitqueue(page); DEFINE_WAIT(wait);
      f.waitqueue = page_waitqueue(k, f.page);
      f.wait = k.myWait(0);
      k.setStackObj(f.wait, true);
      init_wait(k, f.wait);
      f.pc = 1;
      return;
    case 1:
      // do { prepare_to_wait(waitqueue, &wait, TASK_UNINTERRUPTIBLE);
      return k.call(2, prepare_to_wait, f.waitqueue, f.wait, TASK_UNINTERRUPTIBLE, 0);
    case 2:
      pageEvent(k, 'prepare_to_wait', f.page);
      // if (test_bit(bit_nr, &page->flags)) {
      f.pc = test_bit(k, f.bit_nr, flagsOf(f.page)) ? 3 : 5;
      return;
    case 3:
      // sync_page(page);
      return k.call(4, sync_page, f.page);
    case 4:
      // io_schedule(); }
      pageEvent(k, 'io_schedule', f.page);
      return k.call(8, io_schedule, f.bit_nr === PG_locked ? bp('wait_on_page_locked') : -1);
    case 8:
      // back from io_schedule: a wake function made us RUNNING (autoremove took the entry off)
      pageEvent(k, 'woken', f.page);
      f.pc = 5;
      return;
    case 5:
      // } while (test_bit(bit_nr, &page->flags));
      f.pc = test_bit(k, f.bit_nr, flagsOf(f.page)) ? 1 : 6;
      return;
    case 6:
      // finish_wait(waitqueue, &wait);
      return k.call(7, finish_wait, f.waitqueue, f.wait);
    case 7:
      pageEvent(k, 'finish_wait', f.page);
      k.setStackObj(f.wait, false);
      return k.ret(0);
  }
});

/** wait_on_page_locked(page) (include/linux/pagemap.h): if (PageLocked(page)) wait_on_page_bit(page, PG_locked); */
export const wait_on_page_locked = kfn('wait_on_page_locked', 'include/linux/pagemap.h', ['page'], [], (k, f) => {
  switch (f.pc) {
    case 0:
      if (PageLocked(k, f.page)) return k.call(1, wait_on_page_bit, f.page, PG_locked);
      return k.ret(0);
    case 1:
      return k.ret(0);
  }
});

/**
 * unlock_page(page): smp_mb__before_clear_bit(); if (!TestClearPageLocked(page)) BUG();
 * smp_mb__after_clear_bit(); if (waitqueue_active(waitqueue)) wake_up_all(waitqueue);
 */
export const unlock_page = kfn('unlock_page', 'mm/filemap.c', ['page'], ['waitqueue'], (k, f) => {
  switch (f.pc) {
    case 0:
      f.waitqueue = page_waitqueue(k, f.page);
      if (!TestClearPageLocked(k, f.page)) k.panic(PANIC_BUG, `kernel BUG in unlock_page: page${pageIndex(k, f.page)} was not locked`);
      pageEvent(k, 'unlock_page', f.page, -1);
      f.pc = 1;
      return;
    case 1:
      if (waitqueue_active(k, f.waitqueue)) return k.call(2, __wake_up, ...wake_up_all_args(f.waitqueue));
      return k.ret(0);
    case 2:
      return k.ret(0);
  }
});

/**
 * __lock_page(page): DEFINE_WAIT(wait); while (TestSetPageLocked(page)) {
 * prepare_to_wait(wqh, &wait, TASK_UNINTERRUPTIBLE); if (PageLocked(page)) {
 * sync_page(page); io_schedule(); } } finish_wait(wqh, &wait);
 */
export const __lock_page = kfn('__lock_page', 'mm/filemap.c', ['page'], ['wqh', 'wait'], (k, f) => {
  switch (f.pc) {
    case 0:
      // wait_queue_head_t *wqh = page_waitqueue(page); DEFINE_WAIT(wait);
      f.wqh = page_waitqueue(k, f.page);
      f.wait = k.myWait(0);
      k.setStackObj(f.wait, true);
      init_wait(k, f.wait);
      f.pc = 1;
      return;
    case 1:
      // while (TestSetPageLocked(page)) {
      if (!TestSetPageLocked(k, f.page)) {
        pageEvent(k, 'lock_page_acquired', f.page);
        f.pc = 5;
        return;
      }
      pageEvent(k, 'lock_page_contended', f.page);
      // prepare_to_wait(wqh, &wait, TASK_UNINTERRUPTIBLE);
      return k.call(2, prepare_to_wait, f.wqh, f.wait, TASK_UNINTERRUPTIBLE, 0);
    case 2:
      pageEvent(k, 'prepare_to_wait', f.page);
      // if (PageLocked(page)) {
      f.pc = PageLocked(k, f.page) ? 3 : 1;
      return;
    case 3:
      // sync_page(page);
      return k.call(4, sync_page, f.page);
    case 4:
      // io_schedule(); } }
      pageEvent(k, 'io_schedule', f.page);
      return k.call(7, io_schedule, bp('lock_page'));
    case 7:
      // back from io_schedule: a wake function made us RUNNING (autoremove took the entry off)
      pageEvent(k, 'woken', f.page);
      f.pc = 1;
      return;
    case 5:
      // finish_wait(wqh, &wait);
      return k.call(6, finish_wait, f.wqh, f.wait);
    case 6:
      pageEvent(k, 'finish_wait', f.page);
      k.setStackObj(f.wait, false);
      return k.ret(0);
  }
});

/** lock_page(page) (include/linux/pagemap.h): if (TestSetPageLocked(page)) __lock_page(page); */
export const lock_page = kfn('lock_page', 'include/linux/pagemap.h', ['page'], [], (k, f) => {
  switch (f.pc) {
    case 0:
      if (TestSetPageLocked(k, f.page)) {
        pageEvent(k, 'lock_page_contended', f.page);
        return k.call(1, __lock_page, f.page);
      }
      pageEvent(k, 'lock_page_acquired', f.page);
      return k.ret(0);
    case 1:
      return k.ret(0);
  }
});

// ------------------------------------------------------------------ the disk
/**
 * mapping->a_ops->readpage(filp, page) of the model's filesystem: ext2_readpage
 * (fs/ext2/inode.c) = mpage_readpage(page, ext2_get_block) (fs/mpage.c). Called with
 * the page locked; starts the read and returns 0 before the data arrives. The bio's
 * completion (IRQ.DISK_READ) sets PG_uptodate or PG_error and unlocks the page.
 * Blocking points on the way (Andrew Morton's list): ext2_get_block may have to read
 * the indirect block first (wait_on_buffer, once per file, k.w.blocking.metadata);
 * submit_bio may have to wait for a free request (get_request_wait, once,
 * k.w.blocking.requestCongestion). A page in k.w.ioError is read with an error.
 */
export const ext2_readpage = kfn('ext2_readpage', 'fs/ext2/inode.c', ['filp', 'page'], [], (k, f) => {
  switch (f.pc) {
    case 0:
      // do_mpage_readpage -> ext2_get_block -> ext2_get_branch -> sb_bread(indirect block) -> wait_on_buffer
      // [proposed: asyncBlockingPoints] (or the retry after an async wait_on_buffer comes back to it)
      if (k.w.blocking?.metadata && (fsOnce(k, FS_INDIRECT_READ) || aioEventOutstanding(k))) {
        f.pc = 1;
        return;
      }
      f.pc = 2;
      return;
    case 1:
      return k.call(k.v.asyncBlockingPoints ? 5 : 2, __wait_on_buffer);
    case 2:
      // mpage_bio_submit -> submit_bio -> __make_request -> get_request_wait
      // [proposed: asyncBlockingPoints] (or the retry after an async get_request_wait comes back to it)
      if (k.w.blocking?.requestCongestion && (fsOnce(k, FS_REQ_CONGESTED) || aioEventOutstanding(k))) {
        f.pc = 3;
        return;
      }
      f.pc = 4;
      return;
    case 3:
      return k.call(k.v.asyncBlockingPoints ? 6 : 4, get_request_wait);
    // ---- [proposed: asyncBlockingPoints] an async wait in aio context: the read is not started;
    // unlock the page (readpage's error convention) and return -EIOCBRETRY up to the retry
    case 5:
      if (f.rv === aioRetryCode(k)) return k.call(7, unlock_page, f.page);
      f.pc = 2;
      return;
    case 6:
      if (f.rv === aioRetryCode(k)) return k.call(7, unlock_page, f.page);
      f.pc = 4;
      return;
    case 7:
      return k.ret(aioRetryCode(k));
    case 4: {
      // submit_bio(READ, bio): the disk read is in flight; mpage_end_io_read runs at its end
      const i = pageIndex(k, f.page);
      const ok = (k.w.ioError ?? []).includes(i) ? 0 : 1;
      pageEvent(k, 'readpage', f.page, -1);
      k.raiseIrq(IRQ.DISK_READ, f.page, ok);
      k.setG(G.DISK_BUSY, k.g(G.DISK_BUSY) + 1);
      return k.ret(0);
    }
  }
});
/** mapping->a_ops->readpage */
export const readpage = ext2_readpage;

/**
 * mpage_end_io_read(bio, bytes_done, err) (fs/mpage.c), for one page, in interrupt
 * context: if (uptodate) SetPageUptodate(page); else { ClearPageUptodate(page);
 * SetPageError(page); } unlock_page(page);
 */
export const mpage_end_io_read = kfn('mpage_end_io_read', 'fs/mpage.c', ['page', 'ok'], [], (k, f) => {
  switch (f.pc) {
    case 0:
      k.setG(G.DISK_BUSY, k.g(G.DISK_BUSY) - 1);
      if (f.ok) {
        SetPageUptodate(k, f.page);
        pageEvent(k, 'io_done_ok', f.page, -1);
        f.pc = 3;
        return;
      }
      ClearPageUptodate(k, f.page);
      f.pc = 1;
      return;
    case 1:
      SetPageError(k, f.page);
      pageEvent(k, 'io_done_error', f.page, -1);
      f.pc = 3;
      return;
    case 3:
      return k.call(4, unlock_page, f.page);
    case 4:
      return k.ret(0);
  }
});
/** the disk interrupt handler for page reads */
export const end_page_read = mpage_end_io_read;
registerIrq(IRQ.DISK_READ, mpage_end_io_read);

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
