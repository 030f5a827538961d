/**
 * The kick / queue / run / complete protocol for ONE async kiocb, seen from the context
 * (struct kioctx) side: KIF_KICKED, ctx->run_list, and who is going to run the list
 * (the ctx->wq work item on aio_wq, or an io_getevents sleeper on ctx->wait).
 * Kernel names: seed thread aioretry.patch (Mar 5) and the Mar 14 revised core patch,
 * reference §3.6, §4.8 and §6.1; see models/kiocb.ts for the whole kiocb lifecycle
 * (references and ki_wait), which this machine leaves out.
 *
 * The board picture (three regions side by side):
 *
 *   iocb : unsubmitted -io_submit_one-> submitted -retry_enter-> running
 *          running -retry_exit_queued-> idle -run_list_add-> queuedUnnotified
 *          queuedUnnotified -queue_work / ctx_wait_wake-> queuedNotified
 *          queued* -run_list_del-> taken -kicked_clear-> ready -retry_enter-> running ...
 *          running -retry_exit_done-> finishing -aio_complete-> completed
 *   kif  : clear -kick_iocb / kicked_set-> set -kicked_clear-> clear          (KIF_KICKED)
 *   work : idle -queue_work-> pending -work_run-> idle                       (WORK_STRUCT_PENDING of ctx->wq)
 *
 * The protocol as intended:
 *  - kick_iocb: kiocbTryKick wins (KIF_KICKED was clear) -> queue_kicked_iocb ->
 *    __queue_kicked_iocb adds the kiocb to ctx->run_list when it is not on it and no retry
 *    is running; then wake_up(&ctx->wait) if an io_getevents caller sleeps there, else
 *    queue_work(aio_wq, &ctx->wq). A kick while a retry runs only leaves KIF_KICKED set:
 *    the runner re-queues the kiocb itself after the retry returns -EIOCBQUEUED
 *    (Mar 14 aio_run_iocb / Mar 5 aio_run_iocbs and io_submit_one: __queue_kicked_iocb);
 *  - aio_run_iocbs (aio_wq worker via aio_kick_handler, or read_events before schedule())
 *    takes it off the list, clears KIF_KICKED and calls the retry; a kicked retry is
 *    queued again; completion happens once, after which nothing queues or runs it, and
 *    aio_complete takes it off the run list if it is (still) there.
 *
 * queue_work / work_run / ctx_wait_wake are ctx-wide events (emitted with iocb = -1) and
 * are part of every kiocb's projection: the work item drains the whole run list, whoever
 * queued it. "Notified" is recorded for the end-of-run check only (a kiocb left on the run
 * list with no runner coming is stranded); nothing forbids a runner that was not notified
 * (read_events calls aio_run_iocbs on its own) from taking it.
 */
import { and, or, setup, stateIn } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { KiocbEventType } from './events.ts';
import type { Invariant } from './types.ts';

/** the events this machine consumes */
export const KICK_ALPHABET = [
  'io_submit_one',
  'retry_enter',
  'retry_exit_queued',
  'retry_exit_done',
  'kick_iocb',
  'kicked_set',
  'kicked_clear',
  'run_list_add',
  'run_list_del',
  'aio_complete',
  'queue_work',
  'work_run',
  'ctx_wait_wake',
] as const satisfies readonly KiocbEventType[];
export type KickAlphabet = (typeof KICK_ALPHABET)[number];
export type KickMachineEvent = { [K in KickAlphabet]: { type: K; iocb?: number } }[KickAlphabet];

/** the states of the `iocb` region */
export type KickIocbState =
  | 'unsubmitted'
  | 'submitted'
  | 'running'
  | 'idle'
  | 'queuedUnnotified'
  | 'queuedNotified'
  | 'taken'
  | 'ready'
  | 'finishing'
  | 'completing'
  | 'completed';

const iocbIn = (...xs: KickIocbState[]) => or(xs.map((x) => stateIn({ iocb: x })));
const kifSet = stateIn({ kif: 'set' });
const workIdle = stateIn({ work: 'idle' });
const workPending = stateIn({ work: 'pending' });

export const kickProtocolMachine = setup({
  types: {
    context: {} as Record<string, never>,
    events: {} as KickMachineEvent,
  },
  guards: {
    /** kiocbIsKicked(iocb) */
    kifSet,
    /** test_bit(WORK_STRUCT_PENDING, &ctx->wq.pending) == 0 */
    workIdle,
    /** the ctx->wq work item is already pending: a worker will run aio_run_iocbs */
    workPending,
    /** __queue_kicked_iocb: only a kicked kiocb goes on ctx->run_list */
    mayQueue: kifSet,
    /** ... and when the ctx->wq work item is already pending, a worker is already coming for it */
    mayQueueWorkPending: and([kifSet, workPending]),
    /** kick_iocb's kiocbTryKick found KIF_KICKED clear: after the first attempt started, before completion */
    mayKick: iocbIn('running', 'idle', 'ready', 'finishing'),
    /** kiocbSetKicked from the retry side (force another retry): during the retry or right after it */
    mayForceRetry: iocbIn('running', 'idle'),
    /** kiocbClearKicked by the runner that took it off the run list */
    mayClearKicked: and([kifSet, iocbIn('taken')]),
  },
}).createMachine({
  id: 'kickProtocol',
  type: 'parallel',
  context: {},
  states: {
    /** where the kiocb is in the kick / queue / run cycle */
    iocb: {
      initial: 'unsubmitted',
      states: {
        /** before io_submit_one */
        unsubmitted: {
          on: { io_submit_one: 'submitted' },
        },
        /** io_submit_one makes the first attempt itself (no run list involved) */
        submitted: {
          on: {
            // io_submit_one posts an error without calling any method (2.5.62: no aio_read -> -EINVAL)
            aio_complete: 'completed',
            // Mar 5 io_submit_one -> aio_process_iocb; Mar 14 io_submit_one -> aio_run_iocb -> retry()
            retry_enter: 'running',
          },
        },
        /** the retry method runs; __queue_kicked_iocb refuses it meanwhile (Mar 5: KIF_STARTED; Mar 14: NULL ki_run_list) */
        running: {
          on: {
            retry_exit_queued: 'idle',
            retry_exit_done: 'finishing',
          },
        },
        /** returned -EIOCBQUEUED, off the run list, nobody runs it: waiting for a kick or its completer */
        idle: {
          on: {
            // __queue_kicked_iocb: list_add_tail(&iocb->ki_run_list, &ctx->run_list)
            // (from queue_kicked_iocb after a kick, or from the runner re-queueing a kicked retry)
            run_list_add: [
              { guard: 'mayQueueWorkPending', target: 'queuedNotified' },
              { guard: 'mayQueue', target: 'queuedUnnotified' },
            ],
            // the method's own completer (e.g. direct-IO end_io) while no retry runs
            aio_complete: 'completed',
          },
        },
        /** on ctx->run_list; no runner notified yet */
        queuedUnnotified: {
          on: {
            // queue_kicked_iocb: queue_work(aio_wq, &ctx->wq) (or io_submit_one's queue_work)
            queue_work: { guard: 'workIdle', target: 'queuedNotified' },
            // queue_kicked_iocb: waitqueue_active(&ctx->wait) -> wake_up(&ctx->wait)
            ctx_wait_wake: 'queuedNotified',
            // a runner found it anyway (read_events' aio_run_iocbs, a worker already running)
            run_list_del: 'taken',
            // aio_complete entered while it is on the run list; its list_del_init follows
            aio_complete: 'completing',
          },
        },
        /** on ctx->run_list; a worker is pending or an io_getevents sleeper was woken */
        queuedNotified: {
          on: {
            ctx_wait_wake: 'queuedNotified',
            // aio_run_iocbs: list_del(&iocb->ki_run_list) of the first entry
            run_list_del: 'taken',
            aio_complete: 'completing',
          },
        },
        /** a runner took it off ctx->run_list (or aio_complete's list_del_init, reported first) */
        taken: {
          on: {
            // kiocbClearKicked(iocb) before calling ki_retry
            kicked_clear: { guard: 'mayClearKicked', target: 'ready' },
            // aio_complete after its own list_del_init
            aio_complete: 'completed',
          },
        },
        /** KIF_KICKED consumed: the runner calls iocb->ki_retry(iocb) */
        ready: {
          on: {
            retry_enter: 'running',
            // Mar 5 aio_process_iocb's retry cap: -EAGAIN before retry_enter, aio_run_iocbs completes
            aio_complete: 'completed',
          },
        },
        /** the retry returned a result: aio_complete next */
        finishing: {
          on: { aio_complete: 'completed' },
        },
        /** inside aio_complete, still on the run list */
        completing: {
          on: {
            // aio_complete: if (!list_empty(&iocb->ki_run_list)) list_del_init(&iocb->ki_run_list)
            run_list_del: 'completed',
          },
        },
        /** completion posted: never queued, kicked or run again */
        completed: {},
      },
    },

    /** KIF_KICKED */
    kif: {
      initial: 'clear',
      states: {
        clear: {
          on: {
            // kick_iocb: !kiocbTryKick(iocb)
            kick_iocb: { guard: 'mayKick', target: 'set' },
            // kiocbSetKicked: "force an extra retry" (Mar 5 aio_process_iocb, Mar 14 aio_run_iocb)
            kicked_set: { guard: 'mayForceRetry', target: 'set' },
          },
        },
        set: {
          on: {
            kicked_set: { guard: 'mayForceRetry', target: 'set' },
            // kiocbClearKicked (clear_bit) by the runner
            kicked_clear: { guard: 'mayClearKicked', target: 'clear' },
          },
        },
      },
    },

    /** ctx->wq on aio_wq: WORK_STRUCT_PENDING */
    work: {
      initial: 'idle',
      states: {
        idle: {
          on: {
            // queue_work(aio_wq, &ctx->wq): !test_and_set_bit(0, &work->pending) -> on the CPU's worker list
            queue_work: 'pending',
            // wake_up(&ctx->wait): ctx-wide, any time
            ctx_wait_wake: 'idle',
          },
        },
        pending: {
          on: {
            // worker_thread: list_del_init(&work->entry); clear_bit(0, &work->pending); aio_kick_handler(ctx)
            work_run: 'idle',
            ctx_wait_wake: 'pending',
          },
        },
      },
    },
  },
});

export type KickSnapshot = SnapshotFrom<typeof kickProtocolMachine>;

export interface KickView {
  iocb: KickIocbState;
  kicked: boolean;
  workPending: boolean;
}

export function kickView(s: KickSnapshot): KickView {
  const v = s.value as Record<string, string>;
  return { iocb: v.iocb as KickIocbState, kicked: v.kif === 'set', workPending: v.work === 'pending' };
}

export const kickInvariants: Invariant<KickSnapshot>[] = [
  {
    name: 'queued-implies-kicked',
    description: 'a kiocb is on ctx->run_list only with KIF_KICKED set (cleared only after the runner takes it)',
    holds: (s) => {
      const w = kickView(s);
      return !(w.iocb === 'queuedUnnotified' || w.iocb === 'queuedNotified') || w.kicked;
    },
  },
  {
    name: 'taken-implies-kicked',
    description: 'the runner that takes it off the list finds KIF_KICKED set (and clears it)',
    holds: (s) => {
      const w = kickView(s);
      return w.iocb !== 'taken' || w.kicked;
    },
  },
  {
    name: 'no-kick-before-first-attempt',
    description: 'nothing kicks a kiocb that io_submit_one has not started',
    holds: (s) => {
      const w = kickView(s);
      return !((w.iocb === 'unsubmitted' || w.iocb === 'submitted') && w.kicked);
    },
  },
];

export const kickQuiescence: Invariant<KickSnapshot>[] = [
  {
    name: 'kick-completed',
    description: 'a submitted kiocb ends completed (rejected submissions are outside this machine)',
    holds: (s) => {
      const w = kickView(s);
      return w.iocb === 'completed' || w.iocb === 'unsubmitted';
    },
  },
  {
    name: 'not-stranded',
    description: 'not left on ctx->run_list with no worker pending and no io_getevents sleeper woken',
    holds: (s) => {
      const w = kickView(s);
      return !(w.iocb === 'queuedUnnotified' && !w.workPending);
    },
  },
  {
    name: 'no-lost-kick',
    description: 'not left idle with KIF_KICKED set (kicked, never queued: no later kick can queue it)',
    holds: (s) => {
      const w = kickView(s);
      return !(w.iocb === 'idle' && w.kicked);
    },
  },
];
