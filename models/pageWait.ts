/**
 * One page and one waiter: the page's own life (PG_locked x PG_uptodate, readpage, disk
 * completion, unlock_page waking the whole hashed bucket) side by side with one waiter W
 * running the seed thread's aioread.patch wait functions (reference §4.5, §4.6, §4.7, §6.3):
 *
 *   aio_lock_page(p)           = TestSetPageLocked(p) ? __aio_lock_page(p) : 0
 *   __aio_lock_page(p):          while (TestSetPageLocked(p)) {
 *                                    prepare_to_wait(bucket, wait, state);
 *                                    if (PageLocked(p)) { sync_page(p); if (aio_schedule() == -EIOCBQUEUED) return -EIOCBQUEUED; }
 *                                }
 *                                finish_wait(bucket, wait); return 0;
 *   aio_wait_on_page_locked(p) = PageLocked(p) ? aio_wait_on_page_bit(p, PG_locked) : 0
 *   aio_wait_on_page_bit(p,b):   do { prepare_to_wait(bucket, wait, state);
 *                                     if (test_bit(b)) { sync_page(p); if (aio_schedule() == -EIOCBQUEUED) return -EIOCBQUEUED; }
 *                                } while (test_bit(b));
 *                                finish_wait(bucket, wait); return 0;
 *   aio_schedule():              current->iocb ? -EIOCBQUEUED : (io_schedule(), 0)
 *
 * `wait` is current->iocb->ki_wait (func aio_wake_function) for an aio waiter, or an
 * on-stack DEFINE_WAIT (autoremove_wake_function) for a synchronous one: the events
 * aio_schedule_queued / io_schedule tell which. The same machine therefore also covers
 * the synchronous __lock_page / wait_on_page_bit.
 *
 * The board picture:
 *
 *   page   : notCached -page_cache_add-> lockedBy{Waiter,Other} -readpage-> reading
 *            reading -io_done_ok-> readOk -unlock_page-> unlockedUptodate
 *            reading -io_done_error-> readFailed -unlock_page-> unlocked
 *            unlocked(Uptodate) -lock_page_acquired-> lockedBy{Waiter,Other}(Uptodate) -unlock_page-> unlocked(Uptodate)
 *   waiter : idle -lock_page_contended-> lockLoop -lock_page_contended-> lockPrepare -prepare_to_wait-> lockCheck
 *            lockCheck -aio_schedule_queued-> idle | -io_schedule-> lockSleep -woken-> lockLoop
 *            lockLoop/lockCheck -lock_page_acquired-> lockWon -finish_wait-> idle
 *            idle -prepare_to_wait-> bitCheck -aio_schedule_queued-> idle | -io_schedule-> bitSleep -woken-> bitRecheck
 *            bitCheck/bitRecheck -finish_wait-> idle, -prepare_to_wait-> bitCheck
 *
 * and the context field `entry` says where W's wait entry is: off the bucket, queued on it,
 * or queued when this page was unlocked (`wakeOwed`: unlock_page's wake_up_all has to run
 * W's wake function, or W takes the entry off itself with finish_wait).
 *
 * Actors: PageEvent.waiter === WAITER (0) is W; -1 is the page side (readpage, the disk
 * interrupt, unlock_page, a page_cache_add done during workload setup); any other number
 * is another thread, of which only lock_page_acquired and page_cache_add matter here
 * (use projectPageEvents to cut a multi-waiter trace down to one page and one waiter).
 * Hashed buckets: W's entry may be woken by the unlock of another page of the same bucket,
 * so `woken` is allowed whenever W's entry is queued (a spurious wake is benign).
 */
import { and, assign, not, or, setup, stateIn } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { PageEvent, PageEventType } from './events.ts';
import type { Invariant } from './types.ts';

/** the waiter this machine follows, after projection */
export const WAITER = 0;
/** another thread, after projection */
export const OTHER = 1;
/** the page side */
export const PAGE_SIDE = -1;

export const PAGE_ALPHABET = [
  'lock_page_acquired',
  'lock_page_contended',
  'prepare_to_wait',
  'aio_schedule_queued',
  'io_schedule',
  'woken',
  'finish_wait',
  'readpage',
  'io_done_ok',
  'io_done_error',
  'unlock_page',
  'page_cache_add',
] as const satisfies readonly PageEventType[];
export type PageAlphabet = (typeof PAGE_ALPHABET)[number];

/** `waiter`: WAITER, another thread (any other >= 0), or PAGE_SIDE */
export type PageMachineEvent = { [K in PageAlphabet]: { type: K; waiter: number; page?: number } }[PageAlphabet];

export type WaitEntry = 'off' | 'queued' | 'wakeOwed';
export interface PageContext {
  /** where W's wait entry (ki_wait or the on-stack DEFINE_WAIT) is */
  entry: WaitEntry;
}

export type PageState =
  | 'notCached'
  | 'unlocked'
  | 'unlockedUptodate'
  | 'lockedByWaiter'
  | 'lockedByWaiterUptodate'
  | 'lockedByOther'
  | 'lockedByOtherUptodate'
  | 'reading'
  | 'readOk'
  | 'readFailed';
export type WaiterState =
  | 'idle'
  | 'lockLoop'
  | 'lockPrepare'
  | 'lockCheck'
  | 'lockSleep'
  | 'lockWon'
  | 'bitCheck'
  | 'bitSleep'
  | 'bitRecheck';

const pageIn = (...xs: PageState[]) => or(xs.map((x) => stateIn({ page: x })));
const waiterIn = (...xs: WaiterState[]) => or(xs.map((x) => stateIn({ waiter: x })));
const isW = ({ event }: { event: PageMachineEvent }) => event.waiter === WAITER;
const isOther = ({ event }: { event: PageMachineEvent }) => event.waiter !== WAITER;
const onBucket = ({ context }: { context: PageContext }) => context.entry !== 'off';
const offBucket = ({ context }: { context: PageContext }) => context.entry === 'off';
const heldByW = pageIn('lockedByWaiter', 'lockedByWaiterUptodate');

export const pageWaitMachine = setup({
  types: {
    context: {} as PageContext,
    events: {} as PageMachineEvent,
  },
  guards: {
    /** the event is W's own step */
    byWaiter: isW,
    /** another thread's TestSetPageLocked / add_to_page_cache_lru */
    byOther: isOther,
    /** W is in no wait function (do_generic_mapping_read itself): W's own readpage / unlock_page */
    waiterOutside: waiterIn('idle'),
    /** W's add_to_page_cache_lru (no_cached_page) */
    waiterAddsPage: and([isW, waiterIn('idle')]),
    /**
     * W's TestSetPageLocked returned 0 on an unlocked page: aio_lock_page's fast path (idle),
     * or the `while (TestSetPageLocked(page))` test of __aio_lock_page (lockLoop, lockCheck)
     */
    waiterAcquires: and([isW, pageIn('unlocked', 'unlockedUptodate'), waiterIn('idle', 'lockLoop', 'lockCheck')]),
    /** W's TestSetPageLocked returned 1: somebody else (a thread, or the read in flight) holds PG_locked */
    waiterContends: and([isW, pageIn('lockedByOther', 'lockedByOtherUptodate', 'reading', 'readOk', 'readFailed')]),
    /** aio_wait_on_page_locked: W never waits for a lock it holds itself */
    waiterWaitsOnBit: and([isW, not(heldByW), not(pageIn('notCached'))]),
    /** W's schedule() sleeps: its entry is on the bucket, a wake will come */
    sleepsOnBucket: and([isW, onBucket]),
    /** W's entry was already woken (autoremove took it off, TASK_RUNNING): schedule() returns at once */
    alreadyWoken: and([isW, offBucket]),
    /** W's wake function runs only for an entry that is on the bucket */
    wokenW: and([isW, onBucket]),
  },
  actions: {
    /** prepare_to_wait: if (list_empty(&wait->task_list)) __add_wait_queue(q, wait); an entry already on a list stays */
    enqueue: assign({ entry: ({ context }) => (context.entry === 'off' ? 'queued' : context.entry) }),
    /** finish_wait's list_del_init, aio_wake_function's list_del_init, autoremove_wake_function */
    dequeue: assign({ entry: 'off' }),
    /** unlock_page: wake_up_all(page_waitqueue(page)) has to run W's wake function */
    oweWake: assign({ entry: ({ context }) => (context.entry === 'queued' ? 'wakeOwed' : context.entry) }),
  },
}).createMachine({
  id: 'pageWait',
  type: 'parallel',
  context: { entry: 'off' },
  states: {
    /** the page: PG_locked, PG_uptodate, and who holds the lock */
    page: {
      initial: 'notCached',
      states: {
        /** not in the page cache (radix-tree miss) */
        notCached: {
          on: {
            // do_generic_mapping_read no_cached_page: page_cache_alloc_cold + add_to_page_cache_lru
            // (the new page is locked and not uptodate; its adder owns PG_locked)
            page_cache_add: [
              { guard: 'waiterAddsPage', target: 'lockedByWaiter' },
              { guard: 'byOther', target: 'lockedByOther' },
            ],
          },
        },
        /** cached, !PageLocked, !PageUptodate (after a read error, or never read) */
        unlocked: {
          on: {
            // TestSetPageLocked(page) == 0
            lock_page_acquired: [
              { guard: 'waiterAcquires', target: 'lockedByWaiter' },
              { guard: 'byOther', target: 'lockedByOther' },
            ],
          },
        },
        /** cached, !PageLocked, PageUptodate: do_generic_mapping_read's page_ok */
        unlockedUptodate: {
          on: {
            lock_page_acquired: [
              { guard: 'waiterAcquires', target: 'lockedByWaiterUptodate' },
              { guard: 'byOther', target: 'lockedByOtherUptodate' },
            ],
          },
        },
        /** W holds PG_locked, page not uptodate: W calls readpage (or unlocks: truncated page) */
        lockedByWaiter: {
          on: {
            // mapping->a_ops->readpage(filp, page): the read owns PG_locked from now on
            readpage: { guard: 'waiterOutside', target: 'reading' },
            // unlock_page (page->mapping == NULL: truncated meanwhile)
            unlock_page: { guard: 'waiterOutside', target: 'unlocked', actions: 'oweWake' },
          },
        },
        /** W holds PG_locked on an uptodate page ("someone else filled the page"): W unlocks */
        lockedByWaiterUptodate: {
          on: { unlock_page: { guard: 'waiterOutside', target: 'unlockedUptodate', actions: 'oweWake' } },
        },
        /** another thread holds PG_locked, page not uptodate */
        lockedByOther: {
          on: {
            readpage: 'reading',
            unlock_page: { target: 'unlocked', actions: 'oweWake' },
          },
        },
        /** another thread holds PG_locked on an uptodate page */
        lockedByOtherUptodate: {
          on: { unlock_page: { target: 'unlockedUptodate', actions: 'oweWake' } },
        },
        /** the disk read is in flight; the page stays locked until the completion unlocks it */
        reading: {
          on: {
            // bio end_io (interrupt): SetPageUptodate
            io_done_ok: 'readOk',
            // bio end_io: read error, SetPageError
            io_done_error: 'readFailed',
          },
        },
        /** read done, uptodate, still locked: the completion's unlock_page is next */
        readOk: {
          on: { unlock_page: { target: 'unlockedUptodate', actions: 'oweWake' } },
        },
        /** read failed, still locked: unlock_page next; waiters then see !PageUptodate (-EIO) */
        readFailed: {
          on: { unlock_page: { target: 'unlocked', actions: 'oweWake' } },
        },
      },
    },

    /** W: where it is in aio_lock_page / __aio_lock_page / aio_wait_on_page_bit */
    waiter: {
      initial: 'idle',
      states: {
        /**
         * outside the wait functions (may hold the page lock; an aio W that returned
         * -EIOCBQUEUED has left its ki_wait queued on the bucket)
         */
        idle: {
          on: {
            // aio_lock_page: TestSetPageLocked(page) != 0 -> __aio_lock_page(page)
            lock_page_contended: { guard: 'waiterContends', target: 'lockLoop' },
            // aio_wait_on_page_locked -> aio_wait_on_page_bit: first prepare_to_wait of the do-loop
            prepare_to_wait: { guard: 'waiterWaitsOnBit', target: 'bitCheck', actions: 'enqueue' },
            // aio_wake_function (list_del_init + kick_iocb) on the ki_wait an aio W left queued
            woken: { guard: 'wokenW', actions: 'dequeue' },
          },
        },
        /** __aio_lock_page: at `while (TestSetPageLocked(page))` */
        lockLoop: {
          on: {
            lock_page_acquired: { guard: 'waiterAcquires', target: 'lockWon' },
            lock_page_contended: { guard: 'waiterContends', target: 'lockPrepare' },
            woken: { guard: 'wokenW', actions: 'dequeue' },
          },
        },
        /** __aio_lock_page: in the loop body, before prepare_to_wait */
        lockPrepare: {
          on: {
            prepare_to_wait: { guard: 'byWaiter', target: 'lockCheck', actions: 'enqueue' },
            woken: { guard: 'wokenW', actions: 'dequeue' },
          },
        },
        /** __aio_lock_page: after prepare_to_wait, at `if (PageLocked(page))` */
        lockCheck: {
          on: {
            // aio W: sync_page; aio_schedule() == -EIOCBQUEUED -> return -EIOCBQUEUED (entry stays queued)
            aio_schedule_queued: { guard: 'byWaiter', target: 'idle' },
            // sync W: sync_page; io_schedule() sleeps ...
            io_schedule: [
              { guard: 'sleepsOnBucket', target: 'lockSleep' },
              // ... or returns at once: the wake already ran and set TASK_RUNNING
              { guard: 'alreadyWoken', target: 'lockLoop' },
            ],
            // PageLocked was false: back to the while test, which W wins ...
            lock_page_acquired: { guard: 'waiterAcquires', target: 'lockWon' },
            // ... or loses again (re-locked meanwhile)
            lock_page_contended: { guard: 'waiterContends', target: 'lockPrepare' },
            woken: { guard: 'wokenW', actions: 'dequeue' },
          },
        },
        /** sync W asleep in io_schedule() (TASK_UNINTERRUPTIBLE), entry on the bucket */
        lockSleep: {
          on: {
            // unlock_page -> wake_up_all -> autoremove_wake_function: TASK_RUNNING, list_del_init
            woken: { guard: 'wokenW', target: 'lockLoop', actions: 'dequeue' },
          },
        },
        /** __aio_lock_page won PG_locked: finish_wait(bucket, wait) next, then return 0 */
        lockWon: {
          on: {
            finish_wait: { guard: 'byWaiter', target: 'idle', actions: 'dequeue' },
            woken: { guard: 'wokenW', actions: 'dequeue' },
          },
        },
        /** aio_wait_on_page_bit: after prepare_to_wait, at `if (test_bit(bit_nr, &page->flags))` */
        bitCheck: {
          on: {
            aio_schedule_queued: { guard: 'byWaiter', target: 'idle' },
            io_schedule: [
              { guard: 'sleepsOnBucket', target: 'bitSleep' },
              { guard: 'alreadyWoken', target: 'bitRecheck' },
            ],
            // bit clear at both tests: the loop ends, finish_wait
            finish_wait: { guard: 'byWaiter', target: 'idle', actions: 'dequeue' },
            // bit clear at the `if`, set again at the `while`: next iteration
            prepare_to_wait: { guard: 'byWaiter', target: 'bitCheck', actions: 'enqueue' },
            woken: { guard: 'wokenW', actions: 'dequeue' },
          },
        },
        /** sync W asleep in aio_wait_on_page_bit's io_schedule() */
        bitSleep: {
          on: {
            woken: { guard: 'wokenW', target: 'bitRecheck', actions: 'dequeue' },
          },
        },
        /** aio_wait_on_page_bit: back from io_schedule(), at `while (test_bit(...))` */
        bitRecheck: {
          on: {
            prepare_to_wait: { guard: 'byWaiter', target: 'bitCheck', actions: 'enqueue' },
            finish_wait: { guard: 'byWaiter', target: 'idle', actions: 'dequeue' },
            woken: { guard: 'wokenW', actions: 'dequeue' },
          },
        },
      },
    },
  },
});

export type PageWaitSnapshot = SnapshotFrom<typeof pageWaitMachine>;

export interface PageView {
  page: PageState;
  waiter: WaiterState;
  entry: WaitEntry;
}
export function pageView(s: PageWaitSnapshot): PageView {
  const v = s.value as Record<string, string>;
  return { page: v.page as PageState, waiter: v.waiter as WaiterState, entry: s.context.entry };
}

const WAITING: readonly WaiterState[] = ['lockLoop', 'lockPrepare', 'lockCheck', 'lockSleep', 'bitCheck', 'bitSleep', 'bitRecheck'];
const LOCKED: readonly PageState[] = ['lockedByWaiter', 'lockedByWaiterUptodate', 'lockedByOther', 'lockedByOtherUptodate', 'reading', 'readOk', 'readFailed'];

export const pageInvariants: Invariant<PageWaitSnapshot>[] = [
  {
    name: 'sleeper-on-bucket',
    description: 'a waiter asleep in io_schedule() has its entry on the bucket (else no wake can reach it)',
    holds: (s) => {
      const w = pageView(s);
      return !(w.waiter === 'lockSleep' || w.waiter === 'bitSleep') || w.entry !== 'off';
    },
  },
  {
    name: 'lock-won-holds-lock',
    description: '__aio_lock_page returns 0 only with PG_locked owned by the caller',
    holds: (s) => {
      const w = pageView(s);
      return w.waiter !== 'lockWon' || w.page === 'lockedByWaiter' || w.page === 'lockedByWaiterUptodate';
    },
  },
  {
    name: 'no-self-deadlock',
    description: 'a waiter never waits (lock or bit) on a page lock it holds itself',
    holds: (s) => {
      const w = pageView(s);
      return !(WAITING.includes(w.waiter) && (w.page === 'lockedByWaiter' || w.page === 'lockedByWaiterUptodate'));
    },
  },
  {
    name: 'uncached-page-quiet',
    description: 'nobody waits on, or is queued for, a page that is not in the page cache yet',
    holds: (s) => {
      const w = pageView(s);
      return w.page !== 'notCached' || (w.waiter === 'idle' && w.entry === 'off');
    },
  },
  {
    name: 'wake-owed-only-when-queued',
    description: 'a wake is owed only to an entry that unlock_page found on the bucket after the page was cached',
    holds: (s) => {
      const w = pageView(s);
      return w.entry !== 'wakeOwed' || w.page !== 'notCached';
    },
  },
];

export const pageQuiescence: Invariant<PageWaitSnapshot>[] = [
  { name: 'waiter-returned', description: 'the waiter is out of the wait functions', holds: (s) => pageView(s).waiter === 'idle' },
  {
    name: 'no-lost-wakeup',
    description: 'unlock_page found the entry queued: its wake function ran (or finish_wait took it off)',
    holds: (s) => pageView(s).entry !== 'wakeOwed',
  },
  { name: 'page-unlocked', description: 'no read in flight and no lock left held', holds: (s) => !LOCKED.includes(pageView(s).page) },
];

/** the canonical concrete events used to explore the machine (one per actor role that matters) */
export const PAGE_CANONICAL_EVENTS: readonly PageMachineEvent[] = [
  ...(['lock_page_acquired', 'lock_page_contended', 'prepare_to_wait', 'aio_schedule_queued', 'io_schedule', 'woken', 'finish_wait', 'page_cache_add'] as const).map(
    (type) => ({ type, waiter: WAITER }) as PageMachineEvent,
  ),
  { type: 'lock_page_acquired', waiter: OTHER },
  { type: 'page_cache_add', waiter: OTHER },
  ...(['readpage', 'io_done_ok', 'io_done_error', 'unlock_page'] as const).map((type) => ({ type, waiter: PAGE_SIDE }) as PageMachineEvent),
];

/** the graph label of a page event: its type, with `@other` for another thread's lock / add */
export function pageEventKey(e: { type: string; waiter?: number }): string {
  if (e.waiter === undefined || e.waiter === WAITER || e.waiter === PAGE_SIDE) return e.type;
  return `${e.type}@other`;
}

const PAGE_SIDE_TYPES: ReadonlySet<string> = new Set(['readpage', 'io_done_ok', 'io_done_error', 'unlock_page']);
const OTHER_TYPES: ReadonlySet<string> = new Set(['lock_page_acquired', 'page_cache_add']);

/**
 * Cut an engine trace down to what this machine follows: events of `page`; W's own events
 * (renumbered WAITER); page-side events (PAGE_SIDE); other threads' lock acquisitions and
 * page-cache insertions (renumbered OTHER). Other threads' waiting steps are dropped.
 * The result keeps, for each event, its index in the input.
 */
export function projectPageEvents(events: readonly PageEvent[], page: number, waiter: number): { event: PageMachineEvent; index: number }[] {
  const out: { event: PageMachineEvent; index: number }[] = [];
  events.forEach((e, index) => {
    if (e.page !== page) return;
    if (!(PAGE_ALPHABET as readonly string[]).includes(e.type)) return;
    const type = e.type as PageAlphabet;
    let who: number;
    if (PAGE_SIDE_TYPES.has(type)) who = PAGE_SIDE;
    else if (e.waiter === waiter) who = WAITER;
    else if (OTHER_TYPES.has(type)) who = e.waiter === PAGE_SIDE ? PAGE_SIDE : OTHER;
    else return;
    out.push({ event: { type, waiter: who, page } as PageMachineEvent, index });
  });
  return out;
}
