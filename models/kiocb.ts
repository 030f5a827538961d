/**
 * The lifecycle of ONE async kiocb under the retry-based AIO protocol, as the Mar 2003
 * patches intend it (the specification, not the patches' bugs). Kernel names refer to
 * 2.5.62 fs/aio.c plus the seed thread's aioretry.patch (Mar 5) / revised core patch
 * (Mar 14); see /work/shared/reference/kernel-2.5.62-baseline.md §2, §3.3, §3.6, §6.
 *
 * The board picture:
 *
 *   unallocated --aio_get_req--> allocated --io_submit_one--> live ==aio_complete==> completed --really_put_req--> freed
 *                                    \-- really_put_req (io_submit_one's out_put_req) -->/        (live also: submission rejected)
 *
 *   live is four regions side by side:
 *
 *     retry   : notStarted -retry_enter-> firstAttempt -retry_exit_queued-> waiting -run_list_del-> dispatched
 *               -kicked_clear-> ready -retry_enter-> running -retry_exit_queued-> waiting ...
 *               firstAttempt/running -retry_exit_done-> firstResult/result -aio_complete-> (completed)
 *     kiWait  : unqueued <-ki_wait_queued / ki_wait_dequeued-> queued     (iocb->ki_wait on a page bucket)
 *     kicked  : clear <-kick_iocb, kicked_set / kicked_clear-> set       (KIF_KICKED)
 *     runList : off <-run_list_add / run_list_del-> on                    (iocb->ki_run_list on ctx->run_list)
 *
 *   and ki_users is the context field `users` (1..KIOCB_USERS_CAP while allocated).
 *
 * Design decisions (what the spec says):
 *  - the retry method runs in at most one context at a time (one `retry` region), and only
 *    after io_submit_one (first attempt) or after a runner took the kiocb off ctx->run_list
 *    and cleared KIF_KICKED; never after aio_complete;
 *  - the retry method runs, and aio_complete happens, only while ki_wait is on no wait queue
 *    (the "prepare_to_wait: iocb->ki_wait in use" / "can't delete iocb in use" situations
 *    are violations); a retry that returns a result must have taken ki_wait off;
 *  - the kiocb is put on ctx->run_list only when KIF_KICKED is set, ki_wait is idle, no
 *    retry is running or about to run, at most once, and never after aio_complete
 *    (queue_kicked_iocb's WARN_ON, __queue_kicked_iocb's list_empty test);
 *  - exactly one aio_complete, except a submission rejected synchronously (io_submit_one's
 *    out_put_req: the error goes back to io_submit, no event is posted);
 *  - ki_users: get_ref / put_ref while allocated, really_put_req only from ki_users == 1,
 *    only after completion (or a rejected submission); a runner holds its own reference
 *    while a (non-first) retry runs;
 *  - benign orderings are allowed: a kick while a retry runs just leaves KIF_KICKED set and
 *    the kiocb is queued again afterwards; a late waker's kick_iocb after the runner cleared
 *    KIF_KICKED, or after the retry returned its result, is harmless (nobody acts on it
 *    after completion); the retry method itself may ask for another retry (kicked_set,
 *    Mar 5's aio_process_iocb "force an extra retry", Mar 14's aio_run_iocb) before or after
 *    its retry_exit_queued; the method's own completer (e.g. direct-IO end_io) may call
 *    aio_complete while no retry runs, and aio_complete's "if (!list_empty(&iocb->ki_run_list))
 *    list_del_init" may report its run_list_del just before or just after aio_complete.
 */
import { and, assign, not, or, setup, stateIn } from 'xstate';
import type { SnapshotFrom, StateValue } from 'xstate';
import type { KiocbEventType } from './events.ts';
import type { Invariant } from './types.ts';

/** ki_users is modelled as a bounded counter: more references than this is outside the model */
export const KIOCB_USERS_CAP = 3;

/** the ctx-wide events of the kick protocol; the kiocb lifecycle model does not consume them */
export const CTX_EVENTS = ['queue_work', 'work_run', 'ctx_wait_wake'] as const;
export type CtxEventType = (typeof CTX_EVENTS)[number];

/** the events this machine consumes (every other event of a trace is projected away) */
export const KIOCB_ALPHABET = [
  'aio_get_req',
  'io_submit_one',
  'retry_enter',
  'retry_exit_queued',
  'retry_exit_done',
  'ki_wait_queued',
  'ki_wait_dequeued',
  'kick_iocb',
  'kicked_set',
  'kicked_clear',
  'run_list_add',
  'run_list_del',
  'aio_complete',
  'get_ref',
  'put_ref',
  'really_put_req',
] as const satisfies readonly Exclude<KiocbEventType, CtxEventType>[];
export type KiocbAlphabet = (typeof KIOCB_ALPHABET)[number];

/** an event of the kiocb machine; `iocb` (the engine's slot number) is carried but not used */
export type KiocbMachineEvent = { [K in KiocbAlphabet]: { type: K; iocb?: number } }[KiocbAlphabet];

export interface KiocbContext {
  /** iocb->ki_users */
  users: number;
}

/** the states of the `retry` region */
export type RetryState =
  | 'notStarted'
  | 'firstAttempt'
  | 'firstResult'
  | 'waiting'
  | 'dispatched'
  | 'ready'
  | 'running'
  | 'result';

const retryIn = (...xs: RetryState[]) => or(xs.map((x) => stateIn({ live: { retry: x } })));
const kiWaitIdle = stateIn({ live: { kiWait: 'unqueued' } });
const kickedSet = stateIn({ live: { kicked: 'set' } });
const onRunList = stateIn({ live: { runList: 'on' } });
const offRunList = stateIn({ live: { runList: 'off' } });
const usersAtLeast = (n: number) => ({ context }: { context: KiocbContext }) => context.users >= n;

export const kiocbMachine = setup({
  types: {
    context: {} as KiocbContext,
    events: {} as KiocbMachineEvent,
  },
  guards: {
    /** list_empty(&iocb->ki_wait.task_list) */
    kiWaitIdle,
    /** prepare_to_wait(bucket, &current->iocb->ki_wait, ...) is only reached from inside the retry method */
    retryIsRunning: retryIn('firstAttempt', 'running'),
    /**
     * kick_iocb's kiocbTryKick won: ki_wait is already unlinked (aio_wake_function's
     * list_del_init precedes it; queue_kicked_iocb WARN_ONs otherwise). Allowed while a
     * retry runs or has just returned (benign), and from a late waker after the runner
     * cleared KIF_KICKED; not before the first attempt, not after completion.
     */
    mayKick: and([kiWaitIdle, retryIn('firstAttempt', 'running', 'waiting', 'ready', 'firstResult', 'result')]),
    /**
     * kiocbSetKicked by the retry side ("force an extra retry"): Mar 5 aio_process_iocb's
     * `out:` and Mar 14 aio_run_iocb after retry(), both only when ki_wait is idle.
     */
    mayForceRetry: and([kiWaitIdle, retryIn('firstAttempt', 'running', 'waiting')]),
    /**
     * __queue_kicked_iocb: list_add_tail(&iocb->ki_run_list, &ctx->run_list) only for a
     * kicked kiocb, ki_wait idle, no retry running or about to run, not yet on the list.
     */
    mayQueue: and([kickedSet, kiWaitIdle, retryIn('waiting'), offRunList]),
    /** aio_run_iocbs: list_del(&iocb->ki_run_list) of the first entry of ctx->run_list */
    mayTakeOffRunList: and([onRunList, retryIn('waiting')]),
    /**
     * kiocbClearKicked(iocb) by the runner that took the kiocb off the run list, after its
     * iocb->ki_users++ (Mar 14 aio_run_iocb and Mar 5 aio_run_iocbs both take the reference first)
     */
    mayClearKicked: and([kickedSet, retryIn('dispatched'), usersAtLeast(2)]),
    /** the runner's iocb->ki_users++ is in place, ki_wait is idle: call iocb->ki_retry(iocb) */
    runnerReady: and([kiWaitIdle, usersAtLeast(2)]),
    /**
     * aio_complete(iocb, res, 0) with nothing pending: the retry returned its result (or
     * the runner gave up: Mar 5 aio_process_iocb's retry cap returns -EAGAIN before its
     * retry_enter), or the method's own completer runs while no retry runs, or io_submit_one
     * posts an error without any method to call (2.5.62: no aio_read/aio_fsync -> -EINVAL);
     * ki_wait idle.
     */
    mayComplete: and([kiWaitIdle, offRunList, retryIn('notStarted', 'firstResult', 'result', 'waiting', 'dispatched', 'ready')]),
    /** aio_complete entered while the kiocb is still on ctx->run_list (its list_del_init follows) */
    mayCompleteOnRunList: and([kiWaitIdle, onRunList, retryIn('waiting')]),
    /** io_submit_one's out_put_req: aio_put_req(req) drops the only reference, no event posted */
    mayRejectSubmission: and([kiWaitIdle, retryIn('notStarted', 'firstResult'), ({ context }) => context.users === 1]),
    /** __aio_put_req: --ki_users reaches 0 */
    lastRef: ({ context }) => context.users === 1,
    /** __aio_put_req: --ki_users stays above 0 */
    notLastRef: ({ context }) => context.users >= 2,
    /**
     * __aio_put_req before completion: keeps the in-flight reference (dropped by aio_complete)
     * and, from the runner's ki_users++ until its retry has been completed or re-queued, the
     * runner's own one
     */
    mayPutRefLive: and([usersAtLeast(2), or([not(retryIn('ready', 'running', 'result')), usersAtLeast(3)])]),
    /** ki_users++ (the model's bound) */
    belowCap: ({ context }) => context.users < KIOCB_USERS_CAP,
  },
  actions: {
    /** __aio_get_req: req->ki_users = 1 */
    firstRef: assign({ users: 1 }),
    /** ki_users++ under ctx_lock */
    getRef: assign({ users: ({ context }) => context.users + 1 }),
    /** ki_users-- under ctx_lock (not the last) */
    putRef: assign({ users: ({ context }) => context.users - 1 }),
    /** really_put_req: kmem_cache_free */
    lastPut: assign({ users: 0 }),
  },
}).createMachine({
  id: 'kiocb',
  context: { users: 0 },
  initial: 'unallocated',
  states: {
    /** no kiocb yet (before io_submit_one's aio_get_req) */
    unallocated: {
      on: {
        // __aio_get_req: kmem_cache_alloc, ki_users = 1, on ctx->active_reqs, reqs_active++;
        // [aioretry] INIT_LIST_HEAD(&req->ki_run_list)
        aio_get_req: { target: 'allocated', actions: 'firstRef' },
      },
    },

    /** allocated, private to io_submit_one (ki_filp, ki_user_obj, ki_pos being filled) */
    allocated: {
      on: {
        // io_submit_one: fields filled, [aioretry] ki_buf/ki_left/ki_nbytes/ki_opcode,
        // init_waitqueue_func_entry(&ki_wait, aio_wake_function), INIT_LIST_HEAD(&ki_wait.task_list)
        io_submit_one: 'live',
        // io_submit_one: put_user(ki_key) faulted -> out_put_req: aio_put_req(req) frees it
        really_put_req: { guard: 'lastRef', target: 'freed', actions: 'lastPut' },
        get_ref: { guard: 'belowCap', actions: 'getRef' },
        put_ref: { guard: 'notLastRef', actions: 'putRef' },
      },
    },

    /** submitted and not yet completed: four regions side by side */
    live: {
      type: 'parallel',
      on: {
        // aio_complete(iocb, res, 0), async branch: the event is posted to the ring
        // (its __aio_put_req shows up as the put_ref / really_put_req after it)
        aio_complete: [
          { guard: 'mayComplete', target: 'completed' },
          // ... still on ctx->run_list: aio_complete's own list_del_init comes next
          { guard: 'mayCompleteOnRunList', target: 'completing' },
        ],
        // io_submit_one's out_put_req after a rejected first attempt: Mar 14 aio_setup_iocb
        // (-EBADF/-EFAULT, before any retry), Mar 5 aio_process_iocb returning -EBADF/-EFAULT
        really_put_req: { guard: 'mayRejectSubmission', target: 'freed', actions: 'lastPut' },
        // ki_users++: Mar 14 aio_run_iocb, Mar 5 aio_run_iocbs, before calling the retry
        get_ref: { guard: 'belowCap', actions: 'getRef' },
        // __aio_put_req after the retry (Mar 14 aio_run_iocb, Mar 5 aio_run_iocbs)
        put_ref: { guard: 'mayPutRefLive', actions: 'putRef' },
      },
      states: {
        /** where the retry method is: who may run it next */
        retry: {
          initial: 'notStarted',
          states: {
            /** io_submit_one is about to make the first attempt */
            notStarted: {
              on: {
                // Mar 5: io_submit_one -> aio_process_iocb (current->iocb = iocb);
                // Mar 14: io_submit_one -> aio_run_iocb -> retry(iocb)
                retry_enter: { guard: 'kiWaitIdle', target: 'firstAttempt' },
              },
            },
            /** the first attempt runs in io_submit_one's context (current->iocb == iocb) */
            firstAttempt: {
              on: {
                // the method returned -EIOCBQUEUED: "someone will retry or complete it"
                retry_exit_queued: 'waiting',
                // the method returned a result (bytes or error) with ki_wait idle
                retry_exit_done: { guard: 'kiWaitIdle', target: 'firstResult' },
              },
            },
            /**
             * the first attempt returned a result: io_submit_one (Mar 5) / aio_run_iocb (Mar 14)
             * calls aio_complete, or (Mar 5, -EBADF/-EFAULT) frees it via out_put_req
             */
            firstResult: {},
            /**
             * the retry returned -EIOCBQUEUED; nobody runs it. It waits for aio_wake_function
             * (ki_wait queued), for its own re-queueing (KIF_KICKED set), or for its completer.
             */
            waiting: {
              on: {
                // aio_run_iocbs: iocb = first entry of ctx->run_list; list_del(&iocb->ki_run_list)
                // (Mar 5: list_del_init). Also aio_complete's list_del_init when reported first.
                run_list_del: { guard: 'mayTakeOffRunList', target: 'dispatched' },
              },
            },
            /** a runner took it off ctx->run_list and holds it (ki_users++ follows) */
            dispatched: {
              on: {
                // Mar 14 aio_run_iocb / Mar 5 aio_run_iocbs: kiocbClearKicked(iocb) (clear_bit)
                kicked_clear: { guard: 'mayClearKicked', target: 'ready' },
              },
            },
            /** KIF_KICKED consumed; the runner drops ctx_lock and calls iocb->ki_retry(iocb) */
            ready: {
              on: {
                retry_enter: { guard: 'runnerReady', target: 'running' },
              },
            },
            /** a later attempt runs (aio_wq worker's aio_kick_handler, or read_events' aio_run_iocbs) */
            running: {
              on: {
                retry_exit_queued: 'waiting',
                retry_exit_done: { guard: 'kiWaitIdle', target: 'result' },
              },
            },
            /** the retry returned a result: aio_run_iocb(s) calls aio_complete next */
            result: {},
          },
        },

        /** iocb->ki_wait: the async wait-queue entry (func = aio_wake_function) */
        kiWait: {
          initial: 'unqueued',
          states: {
            /** list_empty(&iocb->ki_wait.task_list) */
            unqueued: {
              on: {
                // aio_wait_on_page_bit / __aio_lock_page: prepare_to_wait(bucket, &current->iocb->ki_wait, TASK_RUNNING)
                ki_wait_queued: { guard: 'retryIsRunning', target: 'queued' },
              },
            },
            /** linked on a page's wait-queue bucket */
            queued: {
              on: {
                // aio_wake_function's list_del_init (unlock_page -> wake_up_all), or finish_wait
                ki_wait_dequeued: 'unqueued',
              },
            },
          },
        },

        /** KIF_KICKED in iocb->ki_flags */
        kicked: {
          initial: 'clear',
          states: {
            clear: {
              on: {
                // aio_wake_function -> kick_iocb: !kiocbTryKick(iocb) (the bit was clear)
                kick_iocb: { guard: 'mayKick', target: 'set' },
                // kiocbSetKicked: the retry side asks for another retry
                kicked_set: { guard: 'mayForceRetry', target: 'set' },
              },
            },
            set: {
              on: {
                // set_bit on a set bit: no change, but still a legal step
                kicked_set: { guard: 'mayForceRetry', target: 'set' },
                // kiocbClearKicked(iocb) by the runner, just before ki_retry
                kicked_clear: { guard: 'mayClearKicked', target: 'clear' },
              },
            },
          },
        },

        /** iocb->ki_run_list on ctx->run_list */
        runList: {
          initial: 'off',
          states: {
            off: {
              on: {
                // __queue_kicked_iocb (from queue_kicked_iocb, or the runner's re-queue after a
                // kicked retry): if (list_empty(&iocb->ki_run_list)) list_add_tail(..., &ctx->run_list)
                run_list_add: { guard: 'mayQueue', target: 'on' },
              },
            },
            on: {
              // aio_run_iocbs' list_del (the runner takes it)
              on: { run_list_del: { guard: 'mayTakeOffRunList', target: 'off' } },
            },
          },
        },
      },
    },

    /** aio_complete entered while the kiocb was still on ctx->run_list; it holds ctx_lock */
    completing: {
      on: {
        // aio_complete: if (!list_empty(&iocb->ki_run_list)) list_del_init(&iocb->ki_run_list)
        run_list_del: 'completed',
      },
    },

    /** the completion event is posted; references are being dropped */
    completed: {
      on: {
        // the last __aio_put_req (aio_complete's own, or the runner's after it)
        really_put_req: { guard: 'lastRef', target: 'freed', actions: 'lastPut' },
        get_ref: { guard: 'belowCap', actions: 'getRef' },
        put_ref: { guard: 'notLastRef', actions: 'putRef' },
      },
    },

    /** really_put_req: kmem_cache_free(kiocb_cachep, req); nothing may touch it again */
    freed: { type: 'final' },
  },
});

export type KiocbSnapshot = SnapshotFrom<typeof kiocbMachine>;

/** the model state, flattened for invariants and reports */
export interface KiocbView {
  phase: 'unallocated' | 'allocated' | 'live' | 'completing' | 'completed' | 'freed';
  retry: RetryState | null;
  kiWaitQueued: boolean;
  kicked: boolean;
  onRunList: boolean;
  users: number;
}

export function kiocbView(s: KiocbSnapshot): KiocbView {
  const v = s.value as StateValue;
  const users = s.context.users;
  if (typeof v === 'string') {
    return {
      phase: v as KiocbView['phase'],
      retry: null,
      kiWaitQueued: false,
      kicked: false,
      onRunList: v === 'completing',
      users,
    };
  }
  const live = v.live as Record<string, string>;
  return {
    phase: 'live',
    retry: live.retry as RetryState,
    kiWaitQueued: live.kiWait === 'queued',
    kicked: live.kicked === 'set',
    onRunList: live.runList === 'on',
    users,
  };
}

/** what must hold in every reachable state of the kiocb spec */
export const kiocbInvariants: Invariant<KiocbSnapshot>[] = [
  {
    name: 'completed-off-run-list',
    description: 'once aio_complete is done (completed, freed) the kiocb is on no run list',
    holds: (s) => {
      const w = kiocbView(s);
      return !((w.phase === 'completed' || w.phase === 'freed') && w.onRunList);
    },
  },
  {
    name: 'completed-ki-wait-idle',
    description: 'aio_complete never happens while ki_wait is on a wait queue',
    holds: (s) => {
      const w = kiocbView(s);
      return !((w.phase === 'completing' || w.phase === 'completed' || w.phase === 'freed') && w.kiWaitQueued);
    },
  },
  {
    name: 'one-retry-at-a-time',
    description: 'while a retry runs (or is about to) the kiocb is not queued for another one',
    holds: (s) => {
      const w = kiocbView(s);
      const busy = w.retry === 'firstAttempt' || w.retry === 'running' || w.retry === 'dispatched' || w.retry === 'ready';
      return !(busy && w.onRunList);
    },
  },
  {
    name: 'run-list-implies-kicked',
    description: 'on ctx->run_list only with KIF_KICKED set, ki_wait idle and no retry running',
    holds: (s) => {
      const w = kiocbView(s);
      if (w.phase !== 'live' || !w.onRunList) return true;
      return w.kicked && !w.kiWaitQueued && w.retry === 'waiting';
    },
  },
  {
    name: 'ki-wait-only-from-retry',
    description: 'ki_wait is queued only by a running retry, and stays queued only until the next retry',
    holds: (s) => {
      const w = kiocbView(s);
      if (!w.kiWaitQueued) return true;
      return w.retry === 'firstAttempt' || w.retry === 'running' || w.retry === 'waiting';
    },
  },
  {
    name: 'runner-holds-ref',
    description: "a non-first retry runs (and its result is completed) with the runner's own reference (ki_users >= 2)",
    holds: (s) => {
      const w = kiocbView(s);
      return !(w.retry === 'ready' || w.retry === 'running' || w.retry === 'result') || w.users >= 2;
    },
  },
  {
    name: 'ki-users-range',
    description: 'ki_users is 0 exactly before allocation and after the free, else 1..cap',
    holds: (s) => {
      const w = kiocbView(s);
      if (w.phase === 'unallocated' || w.phase === 'freed') return w.users === 0;
      return w.users >= 1 && w.users <= KIOCB_USERS_CAP;
    },
  },
];

/** what should hold when a complete run (all threads and interrupts finished) ends here */
export const kiocbQuiescence: Invariant<KiocbSnapshot>[] = [
  {
    name: 'kiocb-freed',
    description: 'every submitted kiocb is completed (or rejected) and freed: no leak, no hang',
    holds: (s) => s.matches('freed') || s.matches('unallocated'),
  },
];
