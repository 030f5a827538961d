/**
 * mm/filemap.c (2.5.62) read and write paths, with the hunks of the Mar 5
 * aioread.patch ("Patch 2/2", seed thread) tagged [aioread.patch]:
 *   aio_schedule, aio_wait_on_page_bit, __aio_lock_page (new in mm/filemap.c),
 *   aio_lock_page, aio_wait_on_page_locked (new inlines in include/linux/pagemap.h),
 *   do_generic_mapping_read's two `goto sync_error` hunks (k.variant.aioReadFilemap),
 *   generic_file_read's BUG_ON(current->iocb != NULL) (k.variant.syncReadBugOn).
 * Plus the user copies (file_read_actor, fault_in_pages_*, __copy_*_user), the
 * O_DIRECT read path (generic_file_direct_IO -> fs/direct-io.c) and the write
 * path (generic_file_aio_write: i_sem, the page cache, dirty throttling), which
 * stays synchronous in every variant.
 *
 * Model of the file: one address_space, i_size = k.workload.fileSize, PAGE_CACHE_SIZE =
 * k.workload.pageSize, one struct page per page index (k.addr.pages[i]); `in_cache` says
 * whether the radix tree holds it. Contents are fileByte(offset) (fs/file.ts).
 * User buffers are one word per byte; a user page is present when its word in
 * k.addr.userBufPresent is 1 (the sync reader's buffer is always present).
 * @c mm/filemap.c
 */
import { addressOf, asKGen, atomic, call_ptr, FR_LOCALS, fnptr, fnref, type FrameBase, type KFn, type KGen } from '../../engine/fn.ts';
import { GLOBAL, IRQ, PANIC_ENGINE, registerIrq, type Machine } from '../../engine/machine.ts';
import { KIOCB, O_DIRECT, PAGE, PG_locked, TASK, TASK_RUNNING, TASK_UNINTERRUPTIBLE } from '../../engine/structs.ts';
import { set_bit, test_and_clear_bit, test_bit } from '../../engine/kernel/bitops.ts';
import { io_schedule, schedule, set_current_state, wake_up_process } from '../kernel/sched.ts';
import { __wake_up, finish_wait, init_wait, prepare_to_wait, TASK_NORMAL, waitqueue_active } from '../kernel/wait.ts';
import { EEXIST, EFAULT, EINVAL, EIO, EIOCBQUEUED, ENOMEM } from '../../engine/fs/errno.ts';
import { fileByte, GARBAGE } from '../../engine/fs/file.ts';
import { aio_complete, init_sync_kiocb, KIOCB_SYNC_KEY, wait_on_sync_kiocb } from '../../engine/aio/aio.ts';
import {
  PageLocked,
  PageUptodate,
  SetPageUptodate,
  TestSetPageLocked,
  lock_page,
  page_cache_get,
  page_cache_release,
  page_waitqueue,
  pageEvent,
  pageIndex,
  readpage,
  sync_page,
  unlock_page,
  wait_on_page_locked,
} from '../../engine/mm/page.ts';
const sync_page_g = asKGen(sync_page);
const lock_page_g = asKGen(lock_page);
const unlock_page_g = asKGen(unlock_page);
const readpage_g = asKGen(readpage);
const wait_on_page_locked_g = asKGen(wait_on_page_locked);
const balance_dirty_pages_g = asKGen(balance_dirty_pages);
const __wait_on_buffer_g = asKGen(__wait_on_buffer);
const get_request_wait_g = asKGen(get_request_wait);
const handle_mm_fault_g = asKGen(handle_mm_fault);
const blk_congestion_wait_g = asKGen(blk_congestion_wait);
import {
  FS_ALLOC_CONGESTED,
  FS_DIRTY_THROTTLED,
  FS_INDIRECT_READ,
  FS_REQ_CONGESTED,
  __wait_on_buffer,
  aioEventOutstanding,
  aioRetryCode,
  balance_dirty_pages,
  blk_congestion_wait,
  eventPending,
  fsOnce,
  get_request_wait,
  handle_mm_fault,
  setEventPending,
} from '../../engine/mm/blocking.ts';

export { aioRetryCode, wait_for_event } from '../../engine/mm/blocking.ts';

export const READ = 0;
export const WRITE = 1;

/** page->mapping of a page in the file's page cache (setup stores 1 for the file's address_space) */
export const MAPPING = 1;

/**
 * A freshly allocated page that is not in the page cache yet (page_cache_alloc_cold's
 * result). The model has one struct page per file index, so a private page has no
 * struct of its own: add_to_page_cache_lru turns it into k.addr.pages[index].
 */
export const SPARE_PAGE = 1;

// ------------------------------------------------------------------ small helpers
/**
 * [proposed: resumeReadpageWait] a ki_flags bit (after the KIF_* bits of aio.h): the last run of
 * the iocb stopped in the aio_wait_on_page_locked that follows its own readpage of the page at ki_pos.
 */
export const KIF_READPAGE_WAIT = 4;

/** current->iocb: only the task itself writes it, so reading it is local (no preemption point) */
export function currentIocb(k: Machine): number {
  return k.rd(k.current + TASK.off.iocb, 'current->iocb');
}

/** address of a local of a frame (for &local arguments: &desc, &cached_page) */
export function localAddr(fn: Pick<KFn, 'name' | 'params' | 'locals'>, f: FrameBase, name: string): number {
  const i = [...fn.params, ...fn.locals].indexOf(name);
  if (i < 0) throw new Error(`${fn.name} has no local ${name}`);
  return f.base + FR_LOCALS + i;
}

/** *ppos: a loff_t somewhere (iocb->ki_pos, or the caller's stack); one visible access */
function readPos(k: Machine, ppos: number): number {
  k.sharedAccess();
  return k.rd(ppos, '*ppos');
}
function writePos(k: Machine, ppos: number, v: number): void {
  k.sharedAccess();
  k.wr(ppos, v, '*ppos');
}

/** read_descriptor_t { size_t written; size_t count; char *buf; int error; } (four consecutive words) */
export const RD = { written: 0, count: 1, buf: 2, error: 3 } as const;
const rdDesc = (k: Machine, desc: number, field: keyof typeof RD) => k.rd(desc + RD[field], `desc->${field}`);
const wrDesc = (k: Machine, desc: number, field: keyof typeof RD, v: number) => k.wr(desc + RD[field], v, `desc->${field}`);

/** a user buffer: the iocb index (-1: the sync reader's buffer), its first word and length */
interface UBuf {
  i: number;
  base: number;
  len: number;
}
function userBuf(k: Machine, addr: number): UBuf | null {
  const A = k.addr;
  for (let i = 0; i < A.userBufs.length; i++) {
    const base = A.userBufs[i];
    const len = k.workload.iocbs[i].nbytes;
    if (addr >= base && addr < base + len) return { i, base, len };
  }
  const sr = k.workload.syncReader;
  if (sr && addr >= A.syncBuf && addr < A.syncBuf + sr.nbytes) return { i: -1, base: A.syncBuf, len: sr.nbytes };
  return null;
}
/** is the user page present (its pte valid)? One visible read. */
function userPresent(k: Machine, ub: UBuf, upage: number): boolean {
  k.sharedAccess();
  if (ub.i < 0) return true;
  return k.rd(k.addr.userBufPresent[ub.i] + upage, 'pte') !== 0;
}
const userPage = (k: Machine, ub: UBuf, addr: number) => Math.floor((addr - ub.base) / k.workload.pageSize);

// ------------------------------------------------------------------ [aioread.patch] the async waits
/**
 * [aioread.patch] aio_schedule(): if (!current->iocb) { io_schedule(); return 0; }
 * else { pr_debug("aio schedule"); return -EIOCBQUEUED; }
 * (`point` only names the blocking point for schedule's bookkeeping; C has no argument.)
 */
export function* aio_schedule(k: Machine): KGen {
  // [proposed: eiocbRetry] return -EIOCBRETRY;
  if (currentIocb(k)) return aioRetryCode(k);
  yield* io_schedule(k);
  return 0;
}

/**
 * [aioread.patch] aio_wait_on_page_bit(page, bit_nr): wait_on_page_bit, but in aio
 * context (current->iocb set) the entry is current->iocb->ki_wait (aio_wake_function)
 * and the state TASK_RUNNING, and instead of sleeping it returns -EIOCBQUEUED, with
 * NO finish_wait: ki_wait stays on the page's bucket until a wakeup removes it.
 */
export function* aio_wait_on_page_bit(k: Machine, page: number, bit_nr: number): KGen {
  // [aioread.patch] wait_queue_head_t *waitqueue = page_waitqueue(page); DEFINE_WAIT(sync_wait);
  // wait_queue_t *wait = &sync_wait; int state = TASK_UNINTERRUPTIBLE;
  const waitqueue = page_waitqueue(k, page);
  const sync_wait = k.myWait(0);
  k.setStackObj(sync_wait, true);
  init_wait(k, sync_wait);
  let wait = sync_wait;
  let state = TASK_UNINTERRUPTIBLE;
  // [aioread.patch] if (current->iocb) { wait = &current->iocb->ki_wait; state = TASK_RUNNING; }
  const iocb = currentIocb(k);
  if (iocb) {
    wait = iocb + k.kiWaitOff;
    state = TASK_RUNNING;
  }
  yield;
  do {
    // [aioread.patch] do { prepare_to_wait(waitqueue, wait, state);
    yield* prepare_to_wait(k, waitqueue, wait, state, 0);
    pageEvent(k, 'prepare_to_wait', page);
    // [aioread.patch] if (test_bit(bit_nr, &page->flags)) {
    if (test_bit(k, bit_nr, page + PAGE.off.flags)) {         yield;
      // [aioread.patch] sync_page(page);
      yield* sync_page_g(k, page);
      // [aioread.patch] if (-EIOCBQUEUED == aio_schedule()) return -EIOCBQUEUED; } } while (...)
      if (!currentIocb(k)) pageEvent(k, 'io_schedule', page);
      const rv = yield* aio_schedule(k);
      // [proposed: eiocbRetry] -EIOCBRETRY
      if (rv === aioRetryCode(k)) {
        pageEvent(k, 'aio_schedule_queued', page);
        k.setStackObj(sync_wait, false);
        return aioRetryCode(k);
      }
      pageEvent(k, 'woken', page);
    }
    yield;
    // [aioread.patch] } while (test_bit(bit_nr, &page->flags));
  } while (test_bit(k, bit_nr, page + PAGE.off.flags));
  yield;
  // [aioread.patch] finish_wait(waitqueue, wait);
  yield* finish_wait(k, waitqueue, wait);
  pageEvent(k, 'finish_wait', page);
  k.setStackObj(sync_wait, false);
  // [aioread.patch] return 0;
  return 0;
}

/**
 * [aioread.patch] __aio_lock_page(page): __lock_page with the same aio entry/state
 * choice; returns -EIOCBQUEUED (ki_wait left queued) instead of sleeping in aio
 * context, 0 once the caller owns PG_locked.
 */
export function* __aio_lock_page(k: Machine, page: number): KGen {
  // [aioread.patch] wait_queue_head_t *wqh = page_waitqueue(page); DEFINE_WAIT(sync_wait);
  // wait_queue_t *wait = &sync_wait; int state = TASK_UNINTERRUPTIBLE;
  const wqh = page_waitqueue(k, page);
  const sync_wait = k.myWait(0);
  k.setStackObj(sync_wait, true);
  init_wait(k, sync_wait);
  let wait = sync_wait;
  let state = TASK_UNINTERRUPTIBLE;
  // [aioread.patch] if (current->iocb) { wait = &current->iocb->ki_wait; state = TASK_RUNNING; }
  const iocb = currentIocb(k);
  if (iocb) {
    wait = iocb + k.kiWaitOff;
    state = TASK_RUNNING;
  }
  yield;
  for (;;) {
    // [aioread.patch] while (TestSetPageLocked(page)) {
    if (!TestSetPageLocked(k, page)) {
      pageEvent(k, 'lock_page_acquired', page);
      break;
    }
    pageEvent(k, 'lock_page_contended', page);
    // [aioread.patch] prepare_to_wait(wqh, wait, state);
    yield* prepare_to_wait(k, wqh, wait, state, 0);
    pageEvent(k, 'prepare_to_wait', page);
    // [aioread.patch] if (PageLocked(page)) {
    if (PageLocked(k, page)) {                                yield;
      // [aioread.patch] sync_page(page);
      yield* sync_page_g(k, page);
      // [aioread.patch] if (-EIOCBQUEUED == aio_schedule()) return -EIOCBQUEUED; } }
      if (!currentIocb(k)) pageEvent(k, 'io_schedule', page);
      const rv = yield* aio_schedule(k);
      // [proposed: eiocbRetry] -EIOCBRETRY
      if (rv === aioRetryCode(k)) {
        pageEvent(k, 'aio_schedule_queued', page);
        k.setStackObj(sync_wait, false);
        return aioRetryCode(k);
      }
      pageEvent(k, 'woken', page);
    }
  }
  yield;
  // [aioread.patch] finish_wait(wqh, wait);
  yield* finish_wait(k, wqh, wait);
  pageEvent(k, 'finish_wait', page);
  k.setStackObj(sync_wait, false);
  // [aioread.patch] return 0;
  return 0;
}

/**
 * [aioread.patch] aio_lock_page(page) (include/linux/pagemap.h): TestSetPageLocked(page) ? __aio_lock_page(page) : 0
 * @c include/linux/pagemap.h
 */
export function* aio_lock_page(k: Machine, page: number): KGen {
  if (!TestSetPageLocked(k, page)) {
    pageEvent(k, 'lock_page_acquired', page);
    return 0;
  }
  pageEvent(k, 'lock_page_contended', page);
  return yield* __aio_lock_page(k, page);
}

/**
 * [aioread.patch] aio_wait_on_page_locked(page) (include/linux/pagemap.h): PageLocked(page) ? aio_wait_on_page_bit(page, PG_locked) : 0
 * @c include/linux/pagemap.h
 */
export function* aio_wait_on_page_locked(k: Machine, page: number): KGen {
  if (!PageLocked(k, page)) return 0;
  return yield* aio_wait_on_page_bit(k, page, PG_locked);
}

// ------------------------------------------------------------------ page cache insertion
/**
 * page_cache_alloc_cold(mapping) (include/linux/pagemap.h -> alloc_pages): returns a
 * private page (SPARE_PAGE). Under allocation congestion (k.workload.blocking.allocCongestion,
 * once) __alloc_pages sleeps in blk_congestion_wait. The allocation never fails in the model.
 * @c include/linux/pagemap.h
 */
export function* page_cache_alloc_cold(k: Machine): KGen {
  // __alloc_pages: ... try_to_free_pages(); blk_congestion_wait(WRITE, HZ/50); goto rebalance;
  if (k.workload.blocking?.allocCongestion && fsOnce(k, FS_ALLOC_CONGESTED)) yield* blk_congestion_wait_g(k);
  else yield;
  return SPARE_PAGE;
}

/** page_cache_alloc(mapping): page_cache_alloc_cold's allocation (a hot page), the same in the model. @c include/linux/pagemap.h */
export function* page_cache_alloc(k: Machine): KGen {
  // __alloc_pages: ... try_to_free_pages(); blk_congestion_wait(WRITE, HZ/50); goto rebalance;
  if (k.workload.blocking?.allocCongestion && fsOnce(k, FS_ALLOC_CONGESTED)) yield* blk_congestion_wait_g(k);
  else yield;
  return SPARE_PAGE;
}

/**
 * add_to_page_cache_lru(page, mapping, index, gfp) (mm/filemap.c), one step: the
 * whole insertion runs under write_lock(&mapping->page_lock), which excludes the
 * readers' find_get_page steps. add_to_page_cache: page_cache_get(page);
 * error = radix_tree_insert(...); if (!error) { SetPageLocked(page);
 * ___add_to_page_cache(page, mapping, offset); } else page_cache_release(page);
 * then lru_cache_add(page). The inserted page has count 2 (the caller's allocation
 * reference + the page cache's), is locked and not up to date.
 * Returns 0, or -EEXIST if the index is already cached (the spare page stays private).
 */
export function add_to_page_cache_lru(k: Machine, cached_page: number, index: number): number {
  if (cached_page !== SPARE_PAGE) k.panic(PANIC_ENGINE, 'add_to_page_cache_lru of a page that is not a fresh one');
  const page = k.addr.pages[index];
  const p = k.page(page);
  if (p.in_cache) return -EEXIST;
  if (p.count !== 0) k.panic(PANIC_ENGINE, `page${index} is not in the cache but has references (${p.count})`);
  p.flags = 1 << PG_locked; // a fresh page: no PG_uptodate, no PG_error; SetPageLocked
  p.mapping = MAPPING;
  p.index = index;
  p.count = 2;
  p.in_cache = 1;
  pageEvent(k, 'page_cache_add', page);
  return 0;
}

/**
 * find_get_page(mapping, index), one step (under read_lock(&mapping->page_lock)):
 * page = radix_tree_lookup(&mapping->page_tree, index); if (page) page_cache_get(page);
 */
export function find_get_page(k: Machine, index: number): number {
  if (index < 0 || index >= k.addr.pages.length) {
    k.sharedAccess();
    return 0;
  }
  const page = k.addr.pages[index];
  if (!k.page(page).in_cache) return 0;
  page_cache_get(k, page);
  return page;
}

/** releases a private (never inserted) page: page_cache_release(cached_page) of a SPARE_PAGE frees it; no shared state */
function releaseSparePage(cached_page: number): void {
  void cached_page;
}

// ------------------------------------------------------------------ user copies
/**
 * __put_user(x, addr) / __get_user(x, addr) of one byte (include/asm-i386/uaccess.h;
 * macros, so no frame): a store or load to a present user page is one step and
 * returns 0; an address outside every user buffer is unmapped and gives -EFAULT (the
 * exception table fixup); a non-present page faults: the result is the
 * [iocb index, user page] that handle_mm_fault must bring in before the access is
 * retried.
 */
function userAccess(k: Machine, addr: number, write: boolean, x: number): number | [number, number] {
  const ub = userBuf(k, addr);
  if (!ub) {
    k.sharedAccess();
    return -EFAULT;
  }
  const up = userPage(k, ub, addr);
  if (!userPresent(k, ub, up)) return [ub.i, up];
  if (write) k.wr(addr, x, 'user byte');
  return 0;
}

/** ((unsigned long)uaddr & PAGE_MASK) == ((unsigned long)end & PAGE_MASK): the two bytes are on one user page */
function samePage(k: Machine, uaddr: number, end: number): boolean {
  const ub = userBuf(k, uaddr);
  return ub !== null && end < ub.base + ub.len && userPage(k, ub, uaddr) === userPage(k, ub, end);
}

/**
 * fault_in_pages_writeable(uaddr, size) (include/linux/pagemap.h): ret = __put_user(0, uaddr);
 * if (ret == 0) { char *end = uaddr + size - 1; if (((unsigned long)uaddr & PAGE_MASK) !=
 * ((unsigned long)end & PAGE_MASK)) ret = __put_user(0, end); } return ret;
 * A fault in either access sleeps in handle_mm_fault (Suparna: "fault_in_writable_pages
 * can block too"), then the access is retried.
 * @c include/linux/pagemap.h
 */
export function* fault_in_pages_writeable(k: Machine, uaddr: number, size: number): KGen {
  let ret = 0;
  // ret = __put_user(0, uaddr);
  for (;;) {
    const r = userAccess(k, uaddr, true, 0);
    if (!Array.isArray(r)) {
      ret = r;
      break;
    }
    const rv = yield* handle_mm_fault_g(k, r[0], r[1]);
    // [proposed: asyncBlockingPoints] the fault queued an async page-in: return -EIOCBRETRY
    if (k.variant.asyncBlockingPoints && rv === aioRetryCode(k)) return rv;
  }
  yield;
  // if (ret == 0) { char *end = uaddr + size - 1; if ((uaddr & PAGE_MASK) != (end & PAGE_MASK))
  if (ret !== 0) return ret;
  if (samePage(k, uaddr, uaddr + size - 1)) return 0;
  yield;
  // ret = __put_user(0, end); } return ret;
  for (;;) {
    const e = userAccess(k, uaddr + size - 1, true, 0);
    if (!Array.isArray(e)) return e;
    const rv_end = yield* handle_mm_fault_g(k, e[0], e[1]);
    // [proposed: asyncBlockingPoints] the fault queued an async page-in: return -EIOCBRETRY
    if (k.variant.asyncBlockingPoints && rv_end === aioRetryCode(k)) return rv_end;
  }
}

/** fault_in_pages_readable(uaddr, size) (include/linux/pagemap.h): fault_in_pages_writeable with __get_user. @c include/linux/pagemap.h */
export function* fault_in_pages_readable(k: Machine, uaddr: number, size: number): KGen {
  let ret = 0;
  // volatile char c; ret = __get_user(c, uaddr);
  for (;;) {
    const r = userAccess(k, uaddr, false, 0);
    if (!Array.isArray(r)) {
      ret = r;
      break;
    }
    const rv = yield* handle_mm_fault_g(k, r[0], r[1]);
    // [proposed: asyncBlockingPoints] the fault queued an async page-in: return -EIOCBRETRY
    if (k.variant.asyncBlockingPoints && rv === aioRetryCode(k)) return rv;
  }
  yield;
  // if (ret == 0) { const char *end = uaddr + size - 1; if ((uaddr & PAGE_MASK) != (end & PAGE_MASK))
  if (ret !== 0) return ret;
  if (samePage(k, uaddr, uaddr + size - 1)) return 0;
  yield;
  // ret = __get_user(c, end); } return ret;
  for (;;) {
    const e = userAccess(k, uaddr + size - 1, false, 0);
    if (!Array.isArray(e)) return e;
    const rv_end = yield* handle_mm_fault_g(k, e[0], e[1]);
    // [proposed: asyncBlockingPoints] the fault queued an async page-in: return -EIOCBRETRY
    if (k.variant.asyncBlockingPoints && rv_end === aioRetryCode(k)) return rv_end;
  }
}

/**
 * __copy_to_user(to, kaddr + offset, n): copies page `page` from byte `offset` to the
 * user buffer, one user page (chunk) per step; returns the number of bytes NOT
 * copied. The page's bytes are copied if it is PG_uptodate; otherwise whatever the
 * page frame holds (GARBAGE), so a read of stale data shows in the buffer.
 * A non-present user page faults: with `in_atomic` (a kmap_atomic copy) the fault
 * handler takes the exception fixup and the copy stops short; otherwise
 * handle_mm_fault sleeps until the page is in (Suparna: "copy_to_user ... can block
 * too") and the copy goes on. An address outside the user buffers stops it short.
 * @c include/asm-i386/uaccess.h
 */
export function* __copy_to_user(k: Machine, to: number, page: number, offset: number, n: number, in_atomic: number): KGen {
  let done = 0;
  for (;;) {
    atomic('the user pte check and the copy into the present user page are one step (the fault is taken at the first absent page)');
    if (done >= n) return 0;
    const a = to + done;
    const ub = userBuf(k, a);
    if (!ub) {
      k.sharedAccess();
      return n - done;
    }
    const PS = k.workload.pageSize;
    const up = userPage(k, ub, a);
    const chunk = Math.min(n - done, (up + 1) * PS - (a - ub.base), ub.base + ub.len - a);
    const ubi = ub.i;
    if (userPresent(k, ub, up)) {
      // the copy itself: the page frame's bytes to the present user page
      const uptodate = PageUptodate(k, page);
      const src = pageIndex(k, page) * PS + offset + done;
      for (let j = 0; j < chunk; j++) k.wr(a + j, uptodate ? fileByte(src + j) : GARBAGE, 'user byte');
      done += chunk;
      continue;
    }
    if (in_atomic) return n - done;
    if (k.variant.asyncBlockingPoints) {
      const rv = yield* handle_mm_fault_g(k, ubi, up);
      // [proposed: asyncBlockingPoints] the fault queued an async page-in: the copy stops short
      if (rv === aioRetryCode(k)) return n - done;
    } else {
      yield* handle_mm_fault_g(k, ubi, up);
    }
  }
}

/**
 * __copy_from_user(kaddr + offset, from, n): the user's bytes into the page. The
 * model's file contents are fixed (fileByte), so only the user pages' presence
 * matters: same faulting rules as __copy_to_user; returns the bytes not copied.
 * @c include/asm-i386/uaccess.h
 */
export function* __copy_from_user(k: Machine, page: number, offset: number, from: number, n: number, in_atomic: number): KGen {
  void page;
  void offset;
  let done = 0;
  for (;;) {
    if (done >= n) return 0;
    const a = from + done;
    const ub = userBuf(k, a);
    if (!ub) {
      k.sharedAccess();
      return n - done;
    }
    const PS = k.workload.pageSize;
    const up = userPage(k, ub, a);
    const chunk = Math.min(n - done, (up + 1) * PS - (a - ub.base), ub.base + ub.len - a);
    const ubi = ub.i;
    if (userPresent(k, ub, up)) {
      done += chunk;
      continue;
    }
    if (in_atomic) return n - done;
    if (k.variant.asyncBlockingPoints) {
      const rv = yield* handle_mm_fault_g(k, ubi, up);
      // [proposed: asyncBlockingPoints] the fault queued an async page-in: the copy stops short
      if (rv === aioRetryCode(k)) return n - done;
    } else {
      yield* handle_mm_fault_g(k, ubi, up);
    }
  }
}

/**
 * file_read_actor(desc, page, offset, size) (mm/filemap.c): clamp to desc->count,
 * prefault the destination, try an atomic-kmap copy, fall back to a sleeping copy;
 * a partial copy sets desc->error = -EFAULT. Returns the bytes copied.
 */
export function* file_read_actor(k: Machine, desc: number, page: number, offset: number, size: number): KGen {
  // unsigned long left, count = desc->count; if (size > count) size = count;
  const count = rdDesc(k, desc, 'count');
  if (size > count) size = count;
  const buf = rdDesc(k, desc, 'buf');
  // if (!fault_in_pages_writeable(desc->buf, size)) {
  const fault = yield* fault_in_pages_writeable(k, buf, size);
  let left = 0;
  success: {
    if (fault === 0) {
      // kaddr = kmap_atomic(page, KM_USER0); left = __copy_to_user(desc->buf, kaddr + offset, size); kunmap_atomic(kaddr, KM_USER0);
      left = yield* __copy_to_user(k, buf, page, offset, size, 1);
      yield;
      // if (left == 0) goto success; }
      if (left === 0) break success;
    } else {
      // [proposed: asyncBlockingPoints] the prefault queued an async page-in: copy nothing, stop the
      // read with desc->error = -EIOCBRETRY (the retry copies once the page is in)
      if (k.variant.asyncBlockingPoints && fault === aioRetryCode(k)) {
        size = 0;
        wrDesc(k, desc, 'error', fault);                           yield;
        break success;
      }
      yield;
    }
    // /* Do it the slow way */ kaddr = kmap(page); left = __copy_to_user(desc->buf, kaddr + offset, size); kunmap(page);
    left = yield* __copy_to_user(k, buf, page, offset, size, 0);
    // if (left) { size -= left; desc->error = -EFAULT; }
    if (left) {
      size -= left;
      // [proposed: asyncBlockingPoints] short because a fault queued an async page-in: -EIOCBRETRY
      wrDesc(k, desc, 'error', aioEventOutstanding(k) ? aioRetryCode(k) : -EFAULT);
    }
    yield;
  }
  // success: desc->count = count - size; desc->written += size; desc->buf += size; return size;
  wrDesc(k, desc, 'count', count - size);
  wrDesc(k, desc, 'written', rdDesc(k, desc, 'written') + size);
  wrDesc(k, desc, 'buf', rdDesc(k, desc, 'buf') + size);
  return size;
}

// ------------------------------------------------------------------ the buffered read
/**
 * do_generic_mapping_read(mapping, ra, filp, ppos, desc, actor) (mm/filemap.c), with the
 * two aioread.patch hunks when k.variant.aioReadFilemap. `desc` is the address of the caller's
 * read_descriptor_t, `actor` a kernel function id (file_read_actor). do_generic_file_read
 * (filp, ppos, desc, actor) is the inline that calls it (include/linux/fs.h), so it has no frame.
 * The C's labels: `page_ok: { ... break page_ok; }` is its `goto page_ok` (the code after
 * the block is page_ok's), and so for readpage, the resumed wait and sync_error; find_page
 * is the loop that no_cached_page's `goto find_page` repeats; `break out` is the C's
 * `break` from inside it.
 * Not modelled: cond_resched() (every step boundary is already a possible switch),
 * page_cache_readahead / handle_ra_miss (no readahead: pages are read on demand),
 * flush_dcache_page / mark_page_accessed / UPDATE_ATIME (no effect here).
 */
export function* do_generic_mapping_read(k: Machine, filp: number, ppos: number, desc: number, actor: number): KGen {
  // index = *ppos >> PAGE_CACHE_SHIFT; offset = *ppos & ~PAGE_CACHE_MASK; cached_page = NULL;
  const pos = readPos(k, ppos);
  let index = Math.floor(pos / k.workload.pageSize);
  let offset = pos % k.workload.pageSize;
  let page = 0;
  let nr = 0;
  let error = 0;
  let cached_page = 0;
  let ret = 0;
  let resume = 0;
  // [proposed: resumeReadpageWait] resume = test_and_clear_bit(KIF_READPAGE_WAIT, &current->iocb->ki_flags);
  if (k.variant.resumeReadpageWait && currentIocb(k)) {                 yield;
    resume = test_and_clear_bit(k, KIF_READPAGE_WAIT, currentIocb(k) + KIOCB.off.ki_flags);
  }
  yield;
  out: for (;;) {
    // end_index = inode->i_size >> PAGE_CACHE_SHIFT; if (index > end_index) break;
    const isize = k.workload.fileSize;
    const end_index = Math.floor(isize / k.workload.pageSize);
    if (index > end_index) break;
    // nr = PAGE_CACHE_SIZE; if (index == end_index) { nr = inode->i_size & ~PAGE_CACHE_MASK; if (nr <= offset) break; }
    // (in `bytes` until nr - offset: the frame's nr keeps its value on the way out)
    let bytes = k.workload.pageSize;
    if (index === end_index) {
      bytes = isize % k.workload.pageSize;
      if (bytes <= offset) break;
    }
    // cond_resched(); page_cache_readahead(mapping, ra, filp, index); nr = nr - offset;
    nr = bytes - offset;                                           yield;
    page_ok: {
      sync_error: {
        resume_wait: {
          readpage: {
            find_page: for (;;) {
              // find_page: read_lock(&mapping->page_lock); page = radix_tree_lookup(&mapping->page_tree, index);
              // if (!page) { read_unlock(&mapping->page_lock); handle_ra_miss(mapping, ra, index); goto no_cached_page; }
              // page_cache_get(page); read_unlock(&mapping->page_lock);
              const found = find_get_page(k, index);
              // [proposed: resumeReadpageWait] the last run stopped waiting for its own readpage of this
              // page: go back to that wait (wait_on_page_locked; if (PageUptodate) goto page_ok; error = -EIO)
              const back = resume;
              resume = 0;
              if (found) {
                page = found;
                if (back) break resume_wait;
                break find_page;
              }
              yield;
              // no_cached_page: /* Ok, it wasn't cached, so we need to create a new page.. */
              // if (!cached_page) { cached_page = page_cache_alloc_cold(mapping); if (!cached_page) { desc->error = -ENOMEM; break; } }
              if (!cached_page) {
                cached_page = yield* page_cache_alloc_cold(k);
                if (!cached_page) {
                  wrDesc(k, desc, 'error', -ENOMEM);
                  break out;
                }
              }
              yield;
              // error = add_to_page_cache_lru(cached_page, mapping, index, GFP_KERNEL);
              error = add_to_page_cache_lru(k, cached_page, index);
              // if (error) { if (error == -EEXIST) goto find_page; desc->error = error; break; }
              if (error) {
                if (error === -EEXIST) continue find_page;
                wrDesc(k, desc, 'error', error);
                break out;
              }
              // page = cached_page; cached_page = NULL; goto readpage;
              page = k.addr.pages[index];
              cached_page = 0;                                     yield;
              break readpage;
            }
            yield;
            // if (!PageUptodate(page)) goto page_not_up_to_date;
            if (PageUptodate(k, page)) {                           yield;
              break page_ok;
            }
            yield;
            // page_not_up_to_date: if (PageUptodate(page)) goto page_ok;
            if (PageUptodate(k, page)) {                           yield;
              break page_ok;
            }
            yield;
            // /* Get exclusive access to the page ... */
            // [aioread.patch] - lock_page(page);
            // [aioread.patch] + if (aio_lock_page(page)) { pr_debug("queued lock page \n"); error = -EIOCBQUEUED; goto sync_error; }
            if (k.variant.aioReadFilemap) {
              const queued_lock = yield* aio_lock_page(k, page);
              if (queued_lock) {
                // [aioread.patch] /* TBD: should we hold on to the cached page ? */
                // [proposed: eiocbRetry] error = -EIOCBRETRY;
                error = aioRetryCode(k);
                break sync_error;
              }
              yield;
            } else yield* lock_page_g(k, page);
            // /* Did it get unhashed before we got the lock? */ if (!page->mapping) {
            if (!k.page(page).mapping) {                           yield;
              // unlock_page(page); page_cache_release(page); continue; }
              yield* unlock_page_g(k, page);
              page_cache_release(k, page);
              continue;
            }
            yield;
            // /* Did somebody else fill it already? */ if (PageUptodate(page)) { unlock_page(page); goto page_ok; }
            if (PageUptodate(k, page)) {
              yield* unlock_page_g(k, page);
              break page_ok;
            }
            yield;
          }
          // readpage: /* ... and start the actual read. The read will unlock the page. */
          // error = mapping->a_ops->readpage(filp, page);
          error = yield* readpage_g(k, filp, page);
          // if (!error) { if (PageUptodate(page)) goto page_ok;
          if (error) break sync_error;                             yield;
          if (PageUptodate(k, page)) {                             yield;
            break page_ok;
          }
        }
        // (resume_wait: [proposed: resumeReadpageWait] a resumed run goes on here)
        yield;
        // [aioread.patch] - wait_on_page_locked(page);
        // [aioread.patch] + if (aio_wait_on_page_locked(page)) { pr_debug("queued wait_on_page \n"); error = -EIOCBQUEUED; goto sync_error; }
        if (k.variant.aioReadFilemap) {
          const queued_wait = yield* aio_wait_on_page_locked(k, page);
          if (queued_wait) {
            // [aioread.patch] /*TBD:should we hold on to the cached page ?*/
            // [proposed: eiocbRetry] error = -EIOCBRETRY;
            error = aioRetryCode(k);
            // [proposed: resumeReadpageWait] set_bit(KIF_READPAGE_WAIT, &current->iocb->ki_flags);
            if (k.variant.resumeReadpageWait) set_bit(k, KIF_READPAGE_WAIT, currentIocb(k) + KIOCB.off.ki_flags);
            break sync_error;
          }
          yield;
        } else yield* wait_on_page_locked_g(k, page);
        // if (PageUptodate(page)) goto page_ok; error = -EIO; }
        if (PageUptodate(k, page)) {                               yield;
          break page_ok;
        }
        error = -EIO;
      }
      // [aioread.patch] + sync_error: (later kernels' readpage_error)
      // /* UHHUH! A synchronous read error occurred. Report it */ desc->error = error; page_cache_release(page); break;
      yield;
      wrDesc(k, desc, 'error', error);
      page_cache_release(k, page);
      break;
    }
    // page_ok: if (!list_empty(&mapping->i_mmap_shared)) flush_dcache_page(page); if (!offset) mark_page_accessed(page);
    // ret = actor(desc, page, offset, nr);
    ret = yield* call_ptr(k, actor, desc, page, offset, nr);
    // offset += ret; index += offset >> PAGE_CACHE_SHIFT; offset &= ~PAGE_CACHE_MASK;
    offset += ret;
    index += Math.floor(offset / k.workload.pageSize);
    offset %= k.workload.pageSize;                                        yield;
    // page_cache_release(page); if (ret == nr && desc->count) continue; break;
    page_cache_release(k, page);
    if (ret === nr && rdDesc(k, desc, 'count')) continue;
    break;
  }
  // } *ppos = ((loff_t) index << PAGE_CACHE_SHIFT) + offset;   (every way out of the loop ends its step first)
  yield;
  writePos(k, ppos, index * k.workload.pageSize + offset);                yield;
  // if (cached_page) page_cache_release(cached_page); UPDATE_ATIME(inode);
  if (cached_page) releaseSparePage(cached_page);
  return 0;
}

/** do_generic_file_read(filp, ppos, desc, actor) (include/linux/fs.h, inline) = do_generic_mapping_read(...) */
export const do_generic_file_read = do_generic_mapping_read;

/**
 * __generic_file_aio_read(iocb, iov, nr_segs, ppos) (mm/filemap.c) with one segment
 * (buf, count): the O_DIRECT branch, or the buffered read through a read_descriptor_t
 * in this frame (the locals desc_written..desc_error), returning desc.error only if
 * nothing at all was copied. access_ok() on the model's user buffers always passes.
 */
export function* __generic_file_aio_read(k: Machine, iocb: number, buf: number, count: number, ppos: number): KGen {
  // count += iv->iov_len; if (unlikely((ssize_t)(count|iv->iov_len) < 0)) return -EINVAL;
  // if (access_ok(VERIFY_WRITE, iv->iov_base, iv->iov_len)) continue;  (passes)
  if (count < 0) return -EINVAL;
  let retval = 0;
  // struct file *filp = iocb->ki_filp;
  const filp = k.kiocb(iocb).ki_filp;                           yield;
  // /* coalesce the iovecs and go direct-to-BIO for O_DIRECT */ if (filp->f_flags & O_DIRECT) {
  if (k.file(filp).f_flags & O_DIRECT) {                        yield;
    // loff_t pos = *ppos, size; retval = 0; if (!count) goto out; /* skip atime */
    retval = 0;
    if (!count) return 0;
    const pos = readPos(k, ppos);                               yield;
    // size = inode->i_size; if (pos < size) { retval = generic_file_direct_IO(READ, iocb, iov, pos, nr_segs);
    // } UPDATE_ATIME(filp->f_dentry->d_inode); goto out;
    if (!(pos < k.workload.fileSize)) return retval;
    retval = yield* generic_file_direct_IO(k, READ, iocb, buf, count, pos);
    // if (retval >= 0 && !is_sync_kiocb(iocb)) retval = -EIOCBQUEUED;
    if (retval >= 0 && k.kiocb(iocb).ki_key !== KIOCB_SYNC_KEY) retval = -EIOCBQUEUED;
    yield;
    // if (retval > 0) *ppos = pos + retval; } UPDATE_ATIME(...); goto out;
    if (retval > 0) writePos(k, ppos, pos + retval);
    return retval;
  }
  yield;
  // retval = 0; if (count) { for (seg = 0; seg < nr_segs; seg++) { read_descriptor_t desc;
  retval = 0;
  // desc.written = 0; desc.buf = iov[seg].iov_base; desc.count = iov[seg].iov_len; if (desc.count == 0) continue; desc.error = 0;
  if (!count) return 0;
  const desc_written = 0;
  const desc_count = count;
  const desc_buf = buf;
  const desc_error = 0;
  // (the read_descriptor_t is these four consecutive frame words)
  void [addressOf(desc_count), addressOf(desc_buf), addressOf(desc_error)];
  // do_generic_file_read(filp, ppos, &desc, file_read_actor);
  yield* do_generic_mapping_read(k, filp, ppos, addressOf(desc_written), fnptr(file_read_actor));
  // retval += desc.written; if (!retval) { retval = desc.error; break; } } }
  retval += desc_written;
  if (!retval) retval = desc_error;
  // out: return retval;
  return retval;
}

/**
 * generic_file_aio_read(iocb, buf, count, pos) (mm/filemap.c): BUG_ON(iocb->ki_pos != pos);
 * return __generic_file_aio_read(iocb, &local_iov, 1, &iocb->ki_pos);
 */
export function* generic_file_aio_read(k: Machine, iocb: number, buf: number, count: number, pos: number): KGen {
  k.BUG_ON(k.kiocb(iocb).ki_pos !== pos, 'iocb->ki_pos != pos');
  return yield* __generic_file_aio_read(k, iocb, buf, count, iocb + KIOCB.off.ki_pos);
}

/**
 * generic_file_read(filp, buf, count, ppos) (mm/filemap.c): read(2) through a sync
 * kiocb in this stack frame (k.addr.syncKiocbs[task]): init_sync_kiocb, [aioread.patch]
 * BUG_ON(current->iocb != NULL), __generic_file_aio_read, and on -EIOCBQUEUED
 * wait_on_sync_kiocb. The kiocb dies with the frame.
 */
export function* generic_file_read(k: Machine, filp: number, buf: number, count: number, ppos: number): KGen {
  // struct iovec local_iov = { .iov_base = buf, .iov_len = count }; struct kiocb kiocb;
  const ti = k.addr.tasks.indexOf(k.current);
  const kiocb = ti >= 0 ? k.addr.syncKiocbs[ti] : 0;
  if (!kiocb) k.panic(PANIC_ENGINE, `generic_file_read: ${k.t().name} has no stack kiocb`);
  // init_sync_kiocb(&kiocb, filp);
  init_sync_kiocb(k, kiocb, filp);
  k.sharedAccess();                                                       yield;
  // [aioread.patch] BUG_ON(current->iocb != NULL);
  if (k.variant.syncReadBugOn) k.BUG_ON(currentIocb(k) !== 0, 'current->iocb != NULL');
  // ret = __generic_file_aio_read(&kiocb, &local_iov, 1, ppos);
  let ret = yield* __generic_file_aio_read(k, kiocb, buf, count, ppos);
  // if (-EIOCBQUEUED == ret) ret = wait_on_sync_kiocb(&kiocb);
  if (ret === -EIOCBQUEUED) ret = yield* call_ptr(k, fnptr(wait_on_sync_kiocb), kiocb);
  yield;
  // return ret;  (the kiocb's stack frame ends)
  k.setStackObj(kiocb, false);
  return ret;
}

// ------------------------------------------------------------------ O_DIRECT
/**
 * generic_file_direct_IO(rw, iocb, iov, offset, nr_segs) (mm/filemap.c):
 * if (mapping->nrpages) { filemap_fdatawrite; filemap_fdatawait; } -- the model's
 * pages are never dirty nor under writeback, so there is nothing to write or wait
 * for -- then retval = mapping->a_ops->direct_IO(rw, iocb, iov, offset, nr_segs)
 * (ext2_direct_IO -> blockdev_direct_IO).
 */
export function* generic_file_direct_IO(k: Machine, rw: number, iocb: number, buf: number, count: number, offset: number): KGen {
  if (rw !== READ) k.panic(PANIC_ENGINE, 'O_DIRECT writes are not modelled');
  // if (rw == WRITE && mapping->nrpages) invalidate_inode_pages2(mapping); return retval;
  return yield* blockdev_direct_IO(k, rw, iocb, buf, count, offset);
}

/**
 * blockdev_direct_IO (fs/direct-io.c, direct_io_worker) for a READ, in outline:
 * get_user_pages pins (and faults in) each page of the user buffer; get_blocks may
 * read the indirect block (wait_on_buffer, once per file); submit_bio may wait for a
 * request (get_request_wait, once). The request stops at i_size; a disk page in
 * k.workload.ioError fails it with -EIO. The model's DMA lands the file bytes in the pinned
 * user pages at submission (the user cannot look at them before the completion).
 * Async kiocb (dio->is_async): returns the byte count at once; the last bio's
 * completion (IRQ.DIO_DONE) calls aio_complete. Sync kiocb: dio_await_completion
 * sleeps until that completion wakes the task (dio->waiter).
 @c fs/direct-io.c
 */
export function* blockdev_direct_IO(k: Machine, rw: number, iocb: number, buf: number, count: number, offset: number): KGen {
  void rw;
  const end = Math.min(offset + count, k.workload.fileSize);
  const bytes = Math.max(0, end - offset);
  const bad = k.workload.ioError ?? [];
  let err = false;
  for (let p = Math.floor(offset / k.workload.pageSize); p * k.workload.pageSize < end; p++) if (bad.includes(p)) err = true;
  let result = err ? -EIO : bytes;
  // dio->is_async = !is_sync_kiocb(iocb);
  const is_sync = k.kiocb(iocb).ki_key === KIOCB_SYNC_KEY ? 1 : 0;
  // get_user_pages fails on an unmapped range: -EFAULT
  const ub0 = userBuf(k, buf);
  if (!ub0 || buf + count > ub0.base + ub0.len) {
    result = -EFAULT;
    return result;
  }
  let upage = userPage(k, ub0, buf);
  const lastpage = userPage(k, ub0, Math.min(buf + count, ub0.base + ub0.len) - 1);
  yield;
  // get_user_pages(current, current->mm, user_addr, nr_pages, rw == READ, 0, dio->pages, NULL): fault in each page
  while (upage <= lastpage) {
    const ub = userBuf(k, buf)!;
    if (!userPresent(k, ub, upage)) {
      yield* handle_mm_fault_g(k, ub.i, upage);
      continue;
    }
    upage++;
  }
  yield;
  // get_blocks -> ext2_get_block -> ext2_get_branch -> sb_bread(indirect block) -> wait_on_buffer
  if (k.workload.blocking?.metadata && fsOnce(k, FS_INDIRECT_READ)) yield* __wait_on_buffer_g(k);
  else yield;
  // dio_bio_submit -> submit_bio -> __make_request -> get_request_wait
  if (k.workload.blocking?.requestCongestion && fsOnce(k, FS_REQ_CONGESTED)) yield* get_request_wait_g(k);
  else yield;
  // sync: dio->waiter = current; the bios are not done yet
  if (is_sync) setEventPending(k, k.current, true);
  yield;
  // submit_bio(rw, bio) for each bio: the DMA fills the user pages; bio_endio comes as an interrupt
  for (let j = 0; j < result; j++) k.wr(buf + j, fileByte(offset + j), 'user byte');
  k.raiseIrq(IRQ.DIO_DONE, iocb, result);
  k.setG(GLOBAL.DISK_BUSY, k.g(GLOBAL.DISK_BUSY) + 1);
  // if (dio->is_async) return the count; dio_bio_end_aio completes the iocb
  if (!is_sync) return result;
  yield;
  for (;;) {
    // dio_await_completion: while (dio->bio_list == NULL && atomic_read(&dio->bio_count)) {
    // set_current_state(TASK_UNINTERRUPTIBLE); ... io_schedule(); }
    set_current_state(k, TASK_UNINTERRUPTIBLE);                 yield;
    if (!eventPending(k, k.current)) break;
    yield* io_schedule(k);
  }
  yield;
  set_current_state(k, TASK_RUNNING);
  return result;
}

/** dio_bio_end_aio (fs/direct-io.c): the last bio of an async request: dio_complete; aio_complete(dio->iocb, dio->result, 0) @c fs/direct-io.c */
export function* dio_bio_end_aio(k: Machine, iocb: number, result: number): KGen {
  // (aio.ts imports this module: called through its id)
  yield* call_ptr(k, fnptr(aio_complete), iocb, result, 0);
  return 0;
}

/** dio_bio_end_io (fs/direct-io.c): a sync request's bio is done: wake_up_process(dio->waiter) @c fs/direct-io.c */
export function* dio_bio_end_io(k: Machine, iocb: number): KGen {
  // dio->waiter: the task that submitted the sync kiocb (its ki_user_obj)
  const task = k.kiocb(iocb).ki_user_obj;                       yield;
  setEventPending(k, task, false);                              yield;
  wake_up_process(k, task);
  return 0;
}

/**
 * bio_endio(bio, bytes_done, error) (fs/bio.c) for the O_DIRECT bios, in interrupt
 * context: calls bio->bi_end_io, which direct-io chose at submission (dio_bio_end_aio
 * for an async kiocb, dio_bio_end_io for a sync one).
 @c fs/bio.c
 */
export function* bio_endio(k: Machine, iocb: number, result: number): KGen {
  k.sharedAccess();
  k.setG(GLOBAL.DISK_BUSY, k.g(GLOBAL.DISK_BUSY) - 1);
  if (k.addr.syncKiocbs.includes(iocb)) yield* dio_bio_end_io(k, iocb);
  else yield* dio_bio_end_aio(k, iocb, result);
  return 0;
}
registerIrq(IRQ.DIO_DONE, fnref(bio_endio));

// ------------------------------------------------------------------ the write path
/**
 * down(&inode->i_sem) (arch/i386/kernel/semaphore.c). The semaphore is modelled as a
 * sleeping mutex: k.addr.iSem holds the owner thread + 1; a contended down sleeps
 * TASK_UNINTERRUPTIBLE on an exclusive entry of k.addr.iSemWait (blocking point 'i_sem')
 * until up() wakes one waiter. (The count/sleepers arithmetic of __down is not
 * reproduced; the blocking behaviour is the same.)
 @c arch/i386/kernel/semaphore.c
 */
export function* down(k: Machine, sem: number): KGen {
  // atomic dec of sem->count: free -> ours
  k.sharedAccess();
  if (k.rd(sem, 'i_sem') === 0) {
    k.wr(sem, k.cur + 1, 'i_sem');
    return 0;
  }
  yield;
  // __down: DECLARE_WAITQUEUE(wait, tsk);
  const wait = k.myWait(0);
  k.setStackObj(wait, true);
  init_wait(k, wait);
  yield;
  for (;;) {
    // tsk->state = TASK_UNINTERRUPTIBLE; add_wait_queue_exclusive_locked(&sem->wait, &wait);
    yield* prepare_to_wait(k, k.addr.iSemWait, wait, TASK_UNINTERRUPTIBLE, 1);
    k.sharedAccess();
    if (k.rd(sem, 'i_sem') === 0) {
      k.wr(sem, k.cur + 1, 'i_sem');
      break;
    }
    yield* schedule(k);
  }
  yield;
  // remove_wait_queue_locked(&sem->wait, &wait); tsk->state = TASK_RUNNING;
  yield* finish_wait(k, k.addr.iSemWait, wait);
  k.setStackObj(wait, false);
  return 0;
}

/** up(&inode->i_sem): release, then wake one waiter (wake_up(&sem->wait)) @c arch/i386/kernel/semaphore.c */
export function* up(k: Machine, sem: number): KGen {
  k.sharedAccess();
  if (k.rd(sem, 'i_sem') !== k.cur + 1) k.WARN_ON(true, 'up() of i_sem by a task that does not hold it');
  k.wr(sem, 0, 'i_sem');                                        yield;
  if (!waitqueue_active(k, k.addr.iSemWait)) return 0;
  // wake_up(&sem->wait)
  yield* __wake_up(k, k.addr.iSemWait, TASK_NORMAL, 1);
  return 0;
}

/**
 * __grab_cache_page(mapping, index, &cached_page, lru_pvec) (mm/filemap.c):
 * page = find_lock_page(mapping, index); if not cached, insert *cached_page (allocated
 * if needed) with add_to_page_cache (-EEXIST: repeat). Returns the page locked, with a
 * reference. `cachedp` is the address of the caller's cached_page local.
 * (The page_cache_get + pagevec_add of a new page cancel out: the page ends with
 * the caller's reference and the cache's, as in add_to_page_cache_lru.)
 */
export function* __grab_cache_page(k: Machine, index: number, cachedp: number): KGen {
  // (a statement before the loop: the compiler does not give a function that starts with a loop its entry case)
  let page = 0;
  for (;;) {
    // repeat: page = find_lock_page(mapping, index): find_get_page under page_lock;
    page = find_get_page(k, index);                       yield;
    if (page) {
      // if (TestSetPageLocked(page)) { read_unlock(&mapping->page_lock); lock_page(page); ...
      if (!TestSetPageLocked(k, page)) {
        pageEvent(k, 'lock_page_acquired', page);
        return page;
      }
      pageEvent(k, 'lock_page_contended', page);
      yield* lock_page_g(k, page);
      // /* Has the page been truncated while we slept? */ if (page->mapping != mapping || page->index != offset) ... (never here)
      if (k.page(page).mapping !== MAPPING) k.panic(PANIC_ENGINE, 'a page left the page cache');
      return page;
    }
    // if (!page) { if (!*cached_page) { *cached_page = page_cache_alloc(mapping); if (!*cached_page) return NULL; }
    if (!k.rd(cachedp, 'cached_page')) {
      const newpage = yield* page_cache_alloc(k);
      k.wr(cachedp, newpage, 'cached_page');
      if (!newpage) return 0;
    }
    yield;
    // err = add_to_page_cache(*cached_page, mapping, index, GFP_KERNEL); if (err == -EEXIST) goto repeat;
    const err = add_to_page_cache_lru(k, k.rd(cachedp, 'cached_page'), index);
    if (err === -EEXIST) continue;
    if (err) return 0;
    // page = *cached_page; page_cache_get(page); pagevec_add(lru_pvec, page); *cached_page = NULL;
    k.wr(cachedp, 0, 'cached_page');
    return k.addr.pages[index];
  }
}

/**
 * generic_file_aio_write_nolock(iocb, iov, nr_segs, ppos) (mm/filemap.c), one segment,
 * buffered (O_DIRECT writes also go through the page cache here). Per page:
 * fault_in_pages_readable, __grab_cache_page (the page locked), prepare_write (the
 * indirect block, k.workload.blocking.metadata), filemap_copy_from_user (atomic, then the
 * sleeping copy), commit_write (SetPageUptodate: the model's contents are fixed, so the
 * copied bytes are the file's), unlock_page, page_cache_release,
 * balance_dirty_pages_ratelimited (k.workload.blocking.dirtyThrottle, once). Pages past the
 * model's file are not materialised (i_size is fixed): their bytes count as written.
 * Not modelled: generic_write_checks, remove_suid, inode_update_time's journalling.
 */
export function* generic_file_aio_write_nolock(k: Machine, iocb: number, buf: number, count: number, ppos: number): KGen {
  void iocb;
  // pos = *ppos; written = 0; status = 0; struct page *cached_page = NULL;
  let pos = readPos(k, ppos);
  let written = 0;
  let status = 0;
  let cached_page = 0;
  let index = 0;
  let bytes = 0;
  let page = 0;
  let copied = 0;
  // if (count == 0) goto out;
  if (count <= 0) return count < 0 ? -EINVAL : 0;
  yield;
  out: {
    do {
      // do { unsigned long index, offset; index = pos >> PAGE_CACHE_SHIFT; offset = (pos & (PAGE_CACHE_SIZE -1));
      // bytes = PAGE_CACHE_SIZE - offset; if (bytes > count) bytes = count;
      index = Math.floor(pos / k.workload.pageSize);
      const offset = pos % k.workload.pageSize;
      bytes = Math.min(k.workload.pageSize - offset, count - written);
      if (index >= k.addr.pages.length) {
        written += bytes;
        pos += bytes;                                           yield;
      } else {
        // fault_in_pages_readable(buf, bytes);
        const fault = yield* fault_in_pages_readable(k, buf + written, bytes);
        // [proposed: asyncBlockingPoints] the prefault queued an async page-in: status = -EIOCBRETRY; break;
        if (k.variant.asyncBlockingPoints && fault === aioRetryCode(k)) {
          status = fault;                                       yield;
          break out;
        }
        // page = __grab_cache_page(mapping, index, &cached_page, &lru_pvec);
        page = yield* __grab_cache_page(k, index, addressOf(cached_page));
        // if (!page) { status = -ENOMEM; break; }
        if (!page) {
          status = -ENOMEM;                                     yield;
          break out;
        }
        // status = a_ops->prepare_write(file, page, offset, offset+bytes): block_prepare_write -> ext2_get_block
        if (k.workload.blocking?.metadata && fsOnce(k, FS_INDIRECT_READ)) yield* __wait_on_buffer_g(k);
        else yield;
        // copied = filemap_copy_from_user(page, offset, buf, bytes): kaddr = kmap_atomic(page, KM_USER0);
        // left = __copy_from_user(kaddr + offset, buf, bytes); kunmap_atomic(kaddr, KM_USER0);
        copied = yield* __copy_from_user(k, page, pos % k.workload.pageSize, buf + written, bytes, 1);
        // if (left != 0) { /* Do it the slow way */ kaddr = kmap(page); left = __copy_from_user(kaddr + offset, buf, bytes); kunmap(page); }
        if (copied !== 0) copied = yield* __copy_from_user(k, page, pos % k.workload.pageSize, buf + written, bytes, 0);
        else yield;
        // return bytes - left;  (copied holds left until here)
        copied = bytes - copied;                                yield;
        // flush_dcache_page(page); status = a_ops->commit_write(file, page, offset, offset+bytes): SetPageUptodate(page)
        SetPageUptodate(k, page);
        status = 0;
        // if (likely(copied > 0)) { if (!status) status = copied; if (status >= 0) { written += status; count -= status; pos += status; buf += status; } }
        if (copied > 0) {
          status = copied;
          written += status;
          pos += status;
        }
        // if (unlikely(copied != bytes)) if (status >= 0) status = -EFAULT;
        // [proposed: asyncBlockingPoints] (-EIOCBRETRY when a fault queued an async page-in)
        if (copied !== bytes && status >= 0) status = aioEventOutstanding(k) ? aioRetryCode(k) : -EFAULT;
        yield;
        // unlock_page(page);
        yield* unlock_page_g(k, page);
        // mark_page_accessed(page); page_cache_release(page);
        page_cache_release(k, page);                            yield;
        // if (status < 0) break;
        if (status < 0) break out;
        // balance_dirty_pages_ratelimited(mapping);
        // [proposed: asyncBlockingPoints] (or the retry after an async throttle comes back to it)
        if (k.workload.blocking?.dirtyThrottle && (fsOnce(k, FS_DIRTY_THROTTLED) || aioEventOutstanding(k))) {
          if (k.variant.asyncBlockingPoints) {
            const throttled = yield* balance_dirty_pages_g(k);
            // [proposed: asyncBlockingPoints] throttled asynchronously: stop here (status = -EIOCBRETRY; break;),
            // the bytes written so far are the result and the retry writes the rest
            if (throttled === aioRetryCode(k)) {
              status = throttled;                               yield;
              break out;
            }
            yield;
          } else yield* balance_dirty_pages_g(k);
        } else yield;
      }
      // cond_resched(); } while (count);
    } while (written < count);
    yield;
  }
  // *ppos = pos; if (cached_page) page_cache_release(cached_page);
  writePos(k, ppos, pos);
  if (cached_page) releaseSparePage(cached_page);
  // out: return written ? written : status;
  return written ? written : status;
}

/**
 * generic_file_aio_write(iocb, buf, count, pos) (mm/filemap.c, 2.5.62):
 * BUG_ON(iocb->ki_pos != pos); down(&inode->i_sem);
 * err = generic_file_aio_write_nolock(iocb, &local_iov, 1, &iocb->ki_pos); up(&inode->i_sem); return err;
 */
export function* generic_file_aio_write(k: Machine, iocb: number, buf: number, count: number, pos: number): KGen {
  k.BUG_ON(k.kiocb(iocb).ki_pos !== pos, 'iocb->ki_pos != pos');
  yield* down(k, k.addr.iSem);
  const err = yield* generic_file_aio_write_nolock(k, iocb, buf, count, iocb + KIOCB.off.ki_pos);
  yield* up(k, k.addr.iSem);
  return err;
}
