/**
 * Observation hooks: what the invariants and the spec models see that is not kernel
 * state (the ghost words, the model events), taken from the machine's calls, entries,
 * returns, writes, list links and observable helpers (src/engine/machine.ts) rather
 * than written into the kernel code. Each is named here with what it watches.
 *
 * The kiocb (the per-iocb ghost words GHOST.*, the kiocb and kick-protocol models' events):
 *  - the retry method runs from its call to its return: a call of ki_retry or of the aio
 *    method io_submit_one calls (aio_process_iocb (Mar 5), aio_pread & co (Mar 14), the
 *    file's aio_read/aio_write (2.5.62)) that is not inside another one, for an async
 *    kiocb: RUNNING, RETRIES, MAX_RUNNING, LATE_RETRY, the task's g_aio (aio context, for
 *    the blocking points schedule() records), retry_enter / retry_exit_*;
 *  - aio_complete's entry for a live async kiocb: COMPLETIONS, COMPLETE_WHILE_WAITING,
 *    aio_complete; its call of __aio_put_req once the event is in the ring: POSTED, and
 *    RES, the result the first posted event carries;
 *  - aio_read_evt returning 1: EVENTS_READ of the user iocb whose event it consumed;
 *  - io_submit_one_fill: SUBMITTED, io_submit_one; io_submit_one's aio_put_req (its
 *    out_put_req path): not submitted after all; io_submit_one_retry_fields: FILLED;
 *  - really_put_req: FREED, really_put_req; the kiocb's slab word made live: aio_get_req;
 *  - ki_users written one up / down (not to 0): get_ref / put_ref;
 *  - kiocbTryKick finding KIF_KICKED clear, kiocbSetKicked, kiocbClearKicked clearing it:
 *    kick_iocb, kicked_set, kicked_clear;
 *  - ki_run_list linked / unlinked: run_list_add / run_list_del; ki_wait's task list
 *    linked / unlinked: ki_wait_queued / ki_wait_dequeued;
 *  - ctx->wq's pending bit set / cleared: queue_work / work_run; a __wake_up of ctx->wait
 *    from queue_kicked_iocb or aio_wake_function: ctx_wait_wake.
 * The blocking points (GLOBAL.BLOCKED_REACHED, AIO_BLOCKED): a thread's status becoming
 * T_SLEEP in schedule(), named by schedule's caller (SLEEPS_AT).
 *
 * A task leaves a system call, and a worker leaves a work function, TASK_RUNNING: a
 * function that returns with its task still TASK_UNINTERRUPTIBLE or TASK_INTERRUPTIBLE
 * (a prepare_to_wait without its finish_wait, a set_current_state before a sleep that
 * never came) sleeps at the next schedule() of whatever runs next in that task. The
 * first such return is kept in the ghost word GLOBAL.RET_NOT_RUNNING for the invariant
 * task-running (src/check/invariants.ts).
 *
 * What the system calls return, on every path (an early -EINVAL included), is kept in
 * GLOBAL.SUBMIT_RET and GLOBAL.GETEVENTS_RET for read-result.
 */
import { FNS, fnBodies, FR_FN, FR_LOCALS, FR_PREV, helperId, type HelperHook } from './fn.ts';
import { BLOCKING_POINTS, GHOST, GLOBAL, type BlockingPoint, type Machine } from './machine.ts';
import { H_LIVE } from './mem.ts';
import { KIOCB, KIOCTX, KI_WAIT_TASK_LIST, KIF_KICKED, PG_locked, TASK, TASK_RUNNING, THREAD, T_SLEEP, WORK, WQ_HEAD } from './structs.ts';
import { EIOCBQUEUED, EIOCBRETRY } from './fs/errno.ts';
import { listEntries } from './kernel/list.ts';
import type { KiocbEvent } from '../../models/events.ts';

/** the system calls (and the process-exit path) the user programs enter, and the work functions the workers run */
export const RETURN_TASK_RUNNING = ['sys_io_submit', 'sys_io_getevents', 'io_destroy', 'exit_aio', 'generic_file_read', 'aio_kick_handler'] as const;

/** the system calls whose return value an invariant reads, and the ghost word it goes to (each is also in RETURN_TASK_RUNNING) */
const RETURN_VALUE: Record<string, number> = { sys_io_submit: GLOBAL.SUBMIT_RET, sys_io_getevents: GLOBAL.GETEVENTS_RET };

/** the retry methods: what aio_run_iocb / aio_kick_handler call as ki_retry, and the file's aio methods 2.5.62's io_submit_one calls */
export const RETRY_METHODS = ['aio_pread', 'aio_pwrite', 'aio_fsync', 'aio_fdsync', 'generic_file_aio_read', 'generic_file_aio_write'] as const;

/** per function id: 1 for every body of the named functions */
function idSet(names: readonly string[]): Uint8Array {
  const s = new Uint8Array(FNS.length);
  for (const n of names) for (const f of fnBodies(n)) s[f.id] = 1;
  return s;
}
/** the ids of every body of `name` */
const ids = (name: string) => fnBodies(name).map((f) => f.id);

/** installs the hooks on machine k */
export function observe(k: Machine): void {
  const callWatch = new Uint8Array(FNS.length);
  const entryWatch = new Uint8Array(FNS.length);
  const returnWatch = new Uint8Array(FNS.length);
  const calls = new Map<number, (caller: number, args: readonly number[]) => void>();
  const entries = new Map<number, (frame: number) => void>();
  const returns = new Map<number, ((v: number) => void)[]>();
  const onCall = (name: string, h: (caller: number, args: readonly number[]) => void) => {
    for (const id of ids(name)) {
      callWatch[id] = 1;
      calls.set(id, h);
    }
  };
  const onEntry = (name: string, h: (frame: number) => void) => {
    for (const id of ids(name)) {
      entryWatch[id] = 1;
      entries.set(id, h);
    }
  };
  const onReturn = (name: string, h: (v: number) => void) => {
    for (const id of ids(name)) {
      returnWatch[id] = 1;
      returns.set(id, [...(returns.get(id) ?? []), h]);
    }
  };
  const onHelper = (name: string, h: HelperHook) => {
    k.helperHooks[helperId(name)] = h;
  };
  const ev = (iocb: number, type: KiocbEvent['type']) => {
    if (!k.modelEvents) return;
    const i = k.iocbIndex(iocb);
    if (i >= 0) k.emit({ machine: 'kiocb', type, iocb: i });
  };
  const ctxEv = (type: KiocbEvent['type']) => {
    if (k.modelEvents) k.emit({ machine: 'kiocb', type, iocb: -1 });
  };
  const ghostAdd = (i: number, word: number, d: number) => k.setGhost(i, word, k.ghost(i, word) + d);
  const store = new Map<number, (old: number, v: number) => void>();

  // ---------------------------------------------------------------- system calls and work functions
  for (const name of RETURN_TASK_RUNNING) {
    const word = RETURN_VALUE[name];
    const ids0 = ids(name);
    onReturn(name, (v) => {
      const state = k.task(k.current).state;
      if (state !== TASK_RUNNING && k.g(GLOBAL.RET_NOT_RUNNING) === 0) k.setG(GLOBAL.RET_NOT_RUNNING, (k.currentFnId() + 1) * 8 + state);
      if (word !== undefined) k.setG(word, v);
    });
    void ids0;
  }

  // ---------------------------------------------------------------- the retry method runs
  // Where the variant's C marks it (Mar 5 and Mar 14: current->iocb = iocb ... = NULL), the
  // retry runs while current->iocb is set; where it does not (2.5.62: io_submit_one calls the
  // file's aio method, aio_kick_handler calls ki_retry), from the method's call to its return.
  const enter = (iocb: number) => {
    const i = k.iocbIndex(iocb);
    if (i < 0) return;
    k.task(k.current).g_aio = iocb;
    ev(iocb, 'retry_enter');
    const r = k.ghost(i, GHOST.RUNNING) + 1;
    k.setGhost(i, GHOST.RUNNING, r);
    ghostAdd(i, GHOST.RETRIES, 1);
    if (r > k.ghost(i, GHOST.MAX_RUNNING)) k.setGhost(i, GHOST.MAX_RUNNING, r);
    if (k.ghost(i, GHOST.COMPLETIONS) > 0) k.setGhost(i, GHOST.LATE_RETRY, 1);
  };
  const exit = (ret: number) => {
    const t = k.task(k.current);
    const iocb = t.g_aio;
    if (!iocb) return;
    t.g_aio = 0;
    ev(iocb, ret === -EIOCBQUEUED || ret === -EIOCBRETRY ? 'retry_exit_queued' : 'retry_exit_done');
    ghostAdd(k.iocbIndex(iocb), GHOST.RUNNING, -1);
  };
  for (const t of k.addr.tasks) {
    store.set(t + TASK.off.iocb, (old, v) => {
      if (!old && v) enter(v);
      // current->iocb = NULL follows ret = <the method>: the running function's local `ret`
      else if (old && !v) exit(frameLocal(k, 'ret'));
    });
  }
  const retry = idSet(RETRY_METHODS);
  /** is a retry method on the running thread's stack (below `skip` frames)? */
  const inRetry = (skip: number) => {
    let n = 0;
    for (const id of k.frameFns()) if (n++ >= skip && retry[id]) return true;
    return false;
  };
  for (const name of RETRY_METHODS) {
    onCall(name, (_caller, args) => {
      if (k.m[k.current + TASK.off.iocb] || inRetry(0)) return;
      enter(args[0]);
    });
    onReturn(name, (ret) => {
      if (k.m[k.current + TASK.off.iocb] || inRetry(1)) return;
      exit(ret);
    });
  }

  // ---------------------------------------------------------------- blocking points
  // A task that goes to sleep in schedule() (its thread's status becomes T_SLEEP) at one of
  // the blocking points (BLOCKING_POINTS): which one is the function that called schedule
  // (through aio_schedule, the aioread.patch's wrapper); asleep in aio context (g_aio set), it
  // is a synchronous block where the patches want none.
  const sleepers = new Map(k.threads.map((t, i) => [t.addr + THREAD.off.status, i]));
  for (const [word] of sleepers)
    store.set(word, (old, v) => {
      if (v !== T_SLEEP || old === T_SLEEP) return;
      const point = blockingPointOf(k);
      if (point < 0) return;
      k.setG(GLOBAL.BLOCKED_REACHED, k.g(GLOBAL.BLOCKED_REACHED) | (1 << point));
      if (k.m[k.current + TASK.off.g_aio]) {
        k.setG(GLOBAL.AIO_BLOCKED, k.g(GLOBAL.AIO_BLOCKED) | (1 << point));
        k.note(`sleeps synchronously in aio context at ${BLOCKING_POINTS[point]}`);
      }
    });

  // ---------------------------------------------------------------- completion and events
  onEntry('aio_complete', (frame) => {
    const iocb = k.m[frame + FR_LOCALS];
    const i = k.iocbIndex(iocb);
    // a freed kiocb: the step's first read faults, as it would have
    if (i < 0 || k.m[iocb - 1] !== H_LIVE) return;
    ghostAdd(i, GHOST.COMPLETIONS, 1);
    if (k.variant.core !== 'baseline' && onSomeWaitQueue(k, iocb + KI_WAIT_TASK_LIST)) k.setGhost(i, GHOST.COMPLETE_WHILE_WAITING, 1);
    ev(iocb, 'aio_complete');
  });
  const aioComplete = idSet(['aio_complete']);
  onCall('__aio_put_req', (caller, args) => {
    if (!aioComplete[caller]) return;
    const i = k.iocbIndex(args[1]);
    if (i < 0) return;
    // the result user space will read: the event just written at the ring's old tail
    const c = k.ctx();
    if (!k.ghost(i, GHOST.POSTED)) k.setGhost(i, GHOST.RES, k.event(k.addr.ringEvents[(c.info_tail + c.info_nr - 1) % c.info_nr]).res);
    k.setGhost(i, GHOST.POSTED, 1);
  });
  onReturn('aio_read_evt', (got) => {
    if (got !== 1) return;
    const c = k.ctx();
    const head = (c.ring_head + c.info_nr - 1) % c.info_nr;
    const ui = k.addr.userIocbs.indexOf(k.event(k.addr.ringEvents[head]).obj);
    if (ui >= 0) ghostAdd(ui, GHOST.EVENTS_READ, 1);
  });

  // ---------------------------------------------------------------- submission, references, the slab
  onHelper('io_submit_one_fill', {
    after(_k, [, req]) {
      const i = k.iocbIndex(req);
      if (i >= 0) k.setGhost(i, GHOST.SUBMITTED, 1);
      ev(req, 'io_submit_one');
    },
  });
  const ioSubmitOne = idSet(['io_submit_one']);
  onCall('aio_put_req', (caller, args) => {
    if (!ioSubmitOne[caller]) return;
    // out_put_req: the iocb is rejected (io_submit returns the error, no event is owed)
    const i = k.iocbIndex(args[0]);
    if (i >= 0) k.setGhost(i, GHOST.SUBMITTED, 0);
  });
  onHelper('io_submit_one_retry_fields', {
    after(_k, [req]) {
      const i = k.iocbIndex(req);
      if (i >= 0) k.setGhost(i, GHOST.FILLED, 1);
    },
  });
  onHelper('really_put_req', {
    before(_k, [, req]) {
      ev(req, 'really_put_req');
      const i = k.iocbIndex(req);
      if (i >= 0) ghostAdd(i, GHOST.FREED, 1);
    },
  });
  onHelper('kiocbTryKick', {
    after(_k, [iocb], old) {
      if (!old) ev(iocb, 'kick_iocb');
    },
  });
  onHelper('kiocbSetKicked', {
    after(_k, [iocb]) {
      ev(iocb, 'kicked_set');
    },
  });
  onHelper('kiocbClearKicked', {
    before(_k, [iocb]) {
      if (k.variant.clearBitFix && k.m[iocb + KIOCB.off.ki_flags] & (1 << KIF_KICKED)) ev(iocb, 'kicked_clear');
    },
  });

  // ---------------------------------------------------------------- watched words and lists
  if (k.modelEvents) for (const a of k.addr.kiocbs) {
    store.set(a - 1, (old, v) => {
      if (v === H_LIVE && old !== H_LIVE) ev(a, 'aio_get_req');
    });
    store.set(a + KIOCB.off.ki_users, (old, v) => {
      if (old >= 1 && v === old + 1) ev(a, 'get_ref');
      else if (v === old - 1 && v > 0) ev(a, 'put_ref');
    });
  }
  if (k.modelEvents) {
    store.set(k.addr.ctx + KIOCTX.off.wq + WORK.off.pending, (old, v) => {
      if (!(old & 1) && v & 1) ctxEv('queue_work');
      else if (old & 1 && !(v & 1)) ctxEv('work_run');
    });
    const runListOf = new Map(k.addr.kiocbs.map((a) => [a + KIOCB.off.ki_run_list, a]));
    const waitOf = new Map(k.addr.kiocbs.map((a) => [a + KI_WAIT_TASK_LIST, a]));
    k.onListLink = (e) => {
      const r = runListOf.get(e);
      if (r !== undefined) return ev(r, 'run_list_add');
      const w = waitOf.get(e);
      if (w !== undefined) ev(w, 'ki_wait_queued');
    };
    k.onListUnlink = (e) => {
      const r = runListOf.get(e);
      if (r !== undefined) return ev(r, 'run_list_del');
      const w = waitOf.get(e);
      if (w !== undefined) ev(w, 'ki_wait_dequeued');
    };
    const ctxWait = k.addr.ctx + KIOCTX.off.wait;
    const wakers = idSet(['queue_kicked_iocb', 'aio_wake_function']);
    onCall('__wake_up', (caller, args) => {
      if (args[0] === ctxWait && wakers[caller]) ctxEv('ctx_wait_wake');
    });
  }
  const watch = new Uint8Array(k.size);
  for (const a of store.keys()) watch[a] = 1;
  k.storeWatch = watch;
  k.onWatchedStore = quiet(k, (addr, old, v) => store.get(addr)!(old, v));
  k.callWatch = callWatch;
  k.onWatchedCall = quiet(k, (fnId, caller, args) => calls.get(fnId)!(caller, args));
  k.entryWatch = entryWatch;
  k.onWatchedEntry = quiet(k, (fnId, frame) => entries.get(fnId)!(frame));
  k.returnWatch = returnWatch;
  k.onWatchedReturn = quiet(k, (fnId, v) => {
    for (const h of returns.get(fnId)!) h(v);
  });
  if (k.onListLink) k.onListLink = quiet(k, k.onListLink);
  if (k.onListUnlink) k.onListUnlink = quiet(k, k.onListUnlink);
  for (const [i, h] of k.helperHooks.entries()) {
    if (!h) continue;
    k.helperHooks[i] = {
      ...(h.before ? { before: quiet(k, h.before) } : {}),
      ...(h.after ? { after: quiet(k, h.after) } : {}),
    };
  }
}

/**
 * An observer does not change the schedule: what it reads and writes through the struct
 * views would mark the step visible (a preemption point), so the mark is put back as it was;
 * `Machine.observing` tells its writes from the kernel's (the footprint test).
 */
function quiet<A extends unknown[]>(k: Machine, f: (...a: A) => void): (...a: A) => void {
  return (...a: A) => {
    const visible = k.visible;
    k.observing = true;
    try {
      f(...a);
    } finally {
      k.observing = false;
      k.visible = visible;
    }
  };
}

/** the function that calls schedule() -> the blocking point it is (a name, or a local that holds one) */
const SLEEPS_AT: Record<string, BlockingPoint | ((local: (name: string) => number) => number)> = {
  __lock_page: 'lock_page',
  __aio_lock_page: 'lock_page',
  wait_on_page_bit: (local) => (local('bit_nr') === PG_locked ? BLOCKING_POINTS.indexOf('wait_on_page_locked') : -1),
  aio_wait_on_page_bit: (local) => (local('bit_nr') === PG_locked ? BLOCKING_POINTS.indexOf('wait_on_page_locked') : -1),
  down: 'i_sem',
  wait_on_sync_kiocb: 'wait_on_sync_kiocb',
  __wait_on_buffer: 'wait_on_buffer',
  get_request_wait: 'get_request_wait',
  blk_congestion_wait: 'blk_congestion_wait',
  balance_dirty_pages: 'balance_dirty_pages',
  handle_mm_fault: 'copy_to_user_fault',
  wait_for_event: (local) => local('point'),
};

/** the blocking point the running thread sleeps at (its schedule()'s caller), -1 if none */
function blockingPointOf(k: Machine): number {
  let fr = k.m[k.threads[k.cur].addr + THREAD.off.fp];
  // the innermost frame is schedule(); skip it and aio_schedule
  while (fr) {
    const f = FNS[k.m[fr + FR_FN]];
    if (f.name !== 'schedule' && f.name !== 'aio_schedule') {
      const at = SLEEPS_AT[f.name];
      if (at === undefined) return -1;
      if (typeof at === 'string') return BLOCKING_POINTS.indexOf(at);
      const names = [...f.params, ...f.locals];
      const base = fr;
      return at((name) => k.m[base + FR_LOCALS + names.indexOf(name)]);
    }
    fr = k.m[fr + FR_PREV];
  }
  return -1;
}

/** the local `name` of the running thread's innermost frame */
function frameLocal(k: Machine, name: string): number {
  const fr = k.m[k.threads[k.cur].addr + THREAD.off.fp];
  const f = FNS[k.m[fr + FR_FN]];
  const i = [...f.params, ...f.locals].indexOf(name);
  if (i < 0) throw new Error(`${f.name} has no local ${name}`);
  return k.m[fr + FR_LOCALS + i];
}

/** is the entry at task_list address `tl` linked on any wait queue head of the machine? */
export function onSomeWaitQueue(k: Machine, tl: number): boolean {
  const heads = [...k.addr.buckets.map((b) => b + WQ_HEAD.off.task_list), k.addr.ctx + KIOCTX.off.wait + WQ_HEAD.off.task_list];
  for (const h of heads) {
    const e = listEntries(k.m, h);
    if (e && e.includes(tl)) return true;
  }
  return false;
}

/** the function and task state a RET_NOT_RUNNING word records */
export function returnedNotRunning(word: number): { fn: string; state: number } | null {
  if (!word) return null;
  return { fn: FNS[(word >> 3) - 1]?.name ?? '?', state: word & 7 };
}
