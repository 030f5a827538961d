/**
 * The mutation suite: named semantic mutants of the engine, each a small patch in the
 * engine's own terms (a primitive that forgets a step, a hunk of a patch undone, a lock
 * not taken). `npm run mutate` applies each one to a copy of the tree, compiles it and
 * runs the claims against it: a mutant is killed when a claim's verdict changes
 * (src/mutate/run.ts). A mutant that cannot change any behaviour is `equivalent`, with
 * the argument in a sentence.
 *
 * A patch names a file (src/kernel/... is the straight-line source and is compiled
 * after patching; src/engine/kernel/... are the hand-written primitives) and text that
 * occurs exactly once in it, and what replaces it.
 */

export interface Mutant {
  /** a short lower-case name (kebab-case), unique */
  name: string;
  /** what the mutant does, in kernel terms */
  what: string;
  /** the edits (each `find` occurs exactly once in its file, before any edit of the mutant) */
  patch: { file: string; find: string; replace: string }[];
  /** the mutant cannot change behaviour: why, in a sentence */
  equivalent?: string;
}

export const MUTANTS: Mutant[] = [
  // ---- include/linux/list.h
  {
    name: 'list-add-tail-at-head',
    what: 'list_add_tail inserts right after the head (as list_add) instead of before it',
    patch: [{ file: 'src/engine/kernel/list.ts', find: '__list_add(k, n, prev(k, head), head);', replace: '__list_add(k, n, head, next(k, head));' }],
  },
  {
    name: 'list-del-keeps-pointers',
    what: 'list_del leaves the entry\'s pointers as they were instead of NULL (LIST_POISON in later kernels)',
    patch: [{ file: 'src/engine/kernel/list.ts', find: '  setNext(k, e, 0);\n  setPrev(k, e, 0);\n', replace: '' }],
  },
  {
    name: 'list-add-at-tail',
    what: 'list_add inserts before the head (as list_add_tail): non-exclusive waiters and run-list entries go to the tail',
    patch: [{ file: 'src/engine/kernel/list.ts', find: '__list_add(k, n, head, next(k, head));', replace: '__list_add(k, n, prev(k, head), head);' }],
  },
  {
    name: 'list-add-forgets-next-prev',
    what: '__list_add forgets next->prev = new: the successor still points back past the new entry',
    patch: [{ file: 'src/engine/kernel/list.ts', find: '  setPrev(k, nx, n);\n  setNext(k, n, nx);', replace: '  setNext(k, n, nx);' }],
  },
  {
    name: 'list-del-init-leaves-null',
    what: 'list_del_init leaves NULL pointers in the entry (as list_del) instead of re-initialising it',
    patch: [{ file: 'src/engine/kernel/list.ts', find: '  __list_del(k, prev(k, e), next(k, e));\n  setNext(k, e, e);\n  setPrev(k, e, e);', replace: '  __list_del(k, prev(k, e), next(k, e));\n  setNext(k, e, 0);\n  setPrev(k, e, 0);' }],
  },
  {
    name: 'list-del-init-no-unlink',
    what: 'list_del_init re-initialises the entry without unlinking it: its neighbours still point at it',
    patch: [{ file: 'src/engine/kernel/list.ts', find: '  __list_del(k, prev(k, e), next(k, e));\n  setNext(k, e, e);', replace: '  setNext(k, e, e);' }],
  },
  {
    name: 'list-empty-null-is-empty',
    what: 'list_empty also says "empty" for an entry whose next is NULL (a list_del\'ed entry looks unqueued)',
    patch: [{ file: 'src/engine/kernel/list.ts', find: 'return next(k, h) === h;', replace: 'return next(k, h) === h || next(k, h) === 0;' }],
  },
  // ---- include/asm/bitops.h
  {
    name: 'test-and-set-bit-returns-new',
    what: 'test_and_set_bit returns the new value of the bit (always 1) instead of the old one',
    patch: [{ file: 'src/engine/kernel/bitops.ts', find: "  k.wr(addr, old | (1 << nr), 'flags');\n  return (old >> nr) & 1;", replace: "  k.wr(addr, old | (1 << nr), 'flags');\n  return ((old | (1 << nr)) >> nr) & 1;" }],
  },
  {
    name: 'test-and-clear-bit-no-clear',
    what: 'test_and_clear_bit returns the old bit but forgets to clear it (TestClearPageLocked leaves PG_locked set)',
    patch: [{ file: 'src/engine/kernel/bitops.ts', find: "  k.wr(addr, old & ~(1 << nr), 'flags');\n", replace: '' }],
  },
  {
    name: 'clear-bit-mask-not-inverted',
    what: 'clear_bit ANDs with (1 << nr) instead of ~(1 << nr): it clears every other bit and keeps this one',
    patch: [{ file: 'src/engine/kernel/bitops.ts', find: "k.wr(addr, k.rd(addr, 'flags') & ~(1 << nr), 'flags');", replace: "k.wr(addr, k.rd(addr, 'flags') & (1 << nr), 'flags');" }],
  },
  {
    name: 'set-bit-toggles',
    what: 'set_bit is change_bit (XOR): setting a bit that is already set clears it',
    patch: [{ file: 'src/engine/kernel/bitops.ts', find: "k.wr(addr, k.rd(addr, 'flags') | (1 << nr), 'flags');", replace: "k.wr(addr, k.rd(addr, 'flags') ^ (1 << nr), 'flags');" }],
  },
  {
    name: 'test-bit-off-by-one',
    what: 'test_bit tests bit nr+1 instead of bit nr',
    patch: [{ file: 'src/engine/kernel/bitops.ts', find: "return (k.rd(addr, 'flags') >> nr) & 1;", replace: "return (k.rd(addr, 'flags') >> (nr + 1)) & 1;" }],
  },
  // ---- include/linux/spinlock.h
  {
    name: 'spin-lock-irq-no-irq-disable',
    what: 'spin_lock_irq / spin_lock_irqsave take the lock without disabling local interrupts',
    patch: [{ file: 'src/engine/kernel/spinlock.ts', find: "    if (irq !== 'none') k.setCpuWord(k.cpuId, 'irqs_off', 1);\n", replace: '' }],
  },
  {
    name: 'spin-unlock-irq-keeps-irqs-off',
    what: 'spin_unlock_irq releases the lock but does not re-enable interrupts',
    patch: [{ file: 'src/engine/kernel/spinlock.ts', find: "  release(k, l);\n  k.setCpuWord(k.cpuId, 'irqs_off', 0);\n", replace: '  release(k, l);\n' }],
  },
  {
    name: 'spin-unlock-irqrestore-enables',
    what: 'spin_unlock_irqrestore re-enables interrupts whatever the saved flags said (as spin_unlock_irq)',
    patch: [{ file: 'src/engine/kernel/spinlock.ts', find: "k.setCpuWord(k.cpuId, 'irqs_off', flags);", replace: "k.setCpuWord(k.cpuId, 'irqs_off', 0);" }],
  },
  {
    name: 'spin-lock-irqsave-saves-after-disable',
    what: 'spin_lock_irqsave saves the irq state after local_irq_disable (wrong order): irqrestore never re-enables',
    patch: [
      {
        file: 'src/engine/kernel/spinlock.ts',
        find: "    const saved = k.cpuWord(k.cpuId, 'irqs_off');\n    if (irq !== 'none') k.setCpuWord(k.cpuId, 'irqs_off', 1);",
        replace: "    if (irq !== 'none') k.setCpuWord(k.cpuId, 'irqs_off', 1);\n    const saved = k.cpuWord(k.cpuId, 'irqs_off');",
      },
    ],
  },
  {
    name: 'spin-lock-no-preempt-disable',
    what: 'spin_lock / spin_unlock leave the preempt count alone: a lock holder can be preempted and may schedule',
    patch: [
      { file: 'src/engine/kernel/spinlock.ts', find: "    k.setThreadWord('preempt', k.threadWord('preempt') + 1);\n", replace: '' },
      { file: 'src/engine/kernel/spinlock.ts', find: "  k.setThreadWord('preempt', k.threadWord('preempt') - 1);\n", replace: '' },
    ],
  },
  // ---- kernel/sched.c
  {
    name: 'try-to-wake-up-ignores-mask',
    what: 'try_to_wake_up wakes a sleeping task whatever its state (the state mask ignored)',
    patch: [{ file: 'src/kernel/kernel/sched.ts', find: 'if (t.state & mask) {', replace: 'if (t.state) {' }],
    equivalent: "the only partial mask is signal_wake_up's TASK_INTERRUPTIBLE, so the mutant only adds wakeups of TASK_UNINTERRUPTIBLE sleepers, and every sleep in the engine re-tests its condition in a loop (as every kernel wait must, spurious wakeups being allowed): the woken task goes back to sleep",
  },
  {
    name: 'try-to-wake-up-no-running',
    what: 'try_to_wake_up reports a wakeup but forgets p->state = TASK_RUNNING',
    patch: [{ file: 'src/kernel/kernel/sched.ts', find: '    t.state = TASK_RUNNING;\n    return 1;', replace: '    return 1;' }],
  },
  {
    name: 'try-to-wake-up-returns-zero',
    what: 'try_to_wake_up wakes the task but returns 0 (autoremove keeps the entry, wake_up does not count the exclusive waiter)',
    patch: [{ file: 'src/kernel/kernel/sched.ts', find: '    t.state = TASK_RUNNING;\n    return 1;', replace: '    t.state = TASK_RUNNING;\n    return 0;' }],
  },
  {
    name: 'wake-up-process-interruptible-only',
    what: 'wake_up_process wakes only TASK_INTERRUPTIBLE tasks (mask without TASK_UNINTERRUPTIBLE)',
    patch: [{ file: 'src/kernel/kernel/sched.ts', find: 'return try_to_wake_up(k, p, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE);', replace: 'return try_to_wake_up(k, p, TASK_INTERRUPTIBLE);' }],
  },
  {
    name: 'schedule-ignores-signal',
    what: 'schedule() puts a TASK_INTERRUPTIBLE task with a signal pending to sleep',
    patch: [{ file: 'src/kernel/kernel/sched.ts', find: '  if (t.state === TASK_INTERRUPTIBLE && t.sigpending) {', replace: '  if (t.state === TASK_INTERRUPTIBLE && t.sigpending && false) {' }],
  },
  // ---- kernel/sched.c, kernel/fork.c: wait queues
  {
    name: 'wake-up-first-waiter-only',
    what: '__wake_up calls the first entry\'s wake function only and stops, whatever nr_exclusive says',
    patch: [{ file: 'src/kernel/kernel/wait.ts', find: '    curr = next;\n  }', replace: '    curr = next;\n    break;\n  }' }],
  },
  {
    name: 'wake-up-ignores-nr-exclusive',
    what: '__wake_up never stops at nr_exclusive: wake_up() wakes every exclusive waiter (thundering herd)',
    patch: [{ file: 'src/kernel/kernel/wait.ts', find: '    if (woke && eflags & WQ_FLAG_EXCLUSIVE && !--nr_exclusive) break;\n', replace: '' }],
  },
  {
    name: 'wake-up-counts-nonexclusive',
    what: '__wake_up counts non-exclusive waiters against nr_exclusive (the WQ_FLAG_EXCLUSIVE test dropped)',
    patch: [{ file: 'src/kernel/kernel/wait.ts', find: 'if (woke && eflags & WQ_FLAG_EXCLUSIVE && !--nr_exclusive) break;', replace: 'if (woke && !--nr_exclusive) break;' }],
  },
  {
    name: 'wake-up-no-q-lock',
    what: '__wake_up walks the wait list and calls the wake functions without q->lock (and with interrupts on)',
    patch: [
      { file: 'src/kernel/kernel/wait.ts', find: '  const flags = yield* spin_lock_irqsave(k, qLock(q));\n  let curr', replace: '  const flags = 0;\n  let curr' },
      { file: 'src/kernel/kernel/wait.ts', find: '    curr = next;\n  }\n  spin_unlock_irqrestore(k, qLock(q), flags);', replace: '    curr = next;\n  }\n  void flags;' },
    ],
  },
  {
    name: 'add-wait-queue-no-q-lock',
    what: 'add_wait_queue links the entry without taking q->lock',
    patch: [
      {
        file: 'src/kernel/kernel/wait.ts',
        find: '  const flags = yield* spin_lock_irqsave(k, qLock(q));\n  yield;\n  if (exclusive) list_add_tail(k, wList(wait), qList(q));\n  else list_add(k, wList(wait), qList(q));\n  yield;\n  spin_unlock_irqrestore(k, qLock(q), flags);',
        replace: '  yield;\n  if (exclusive) list_add_tail(k, wList(wait), qList(q));\n  else list_add(k, wList(wait), qList(q));\n  yield;',
      },
    ],
  },
  {
    name: 'remove-wait-queue-no-q-lock',
    what: 'remove_wait_queue unlinks the entry without taking q->lock',
    patch: [
      { file: 'src/kernel/kernel/wait.ts', find: 'export function* remove_wait_queue(k: Machine, q: number, wait: number): KGen {\n  const flags = yield* spin_lock_irqsave(k, qLock(q));', replace: 'export function* remove_wait_queue(k: Machine, q: number, wait: number): KGen {\n  const flags = 0;' },
      { file: 'src/kernel/kernel/wait.ts', find: '  list_del(k, wList(wait));                                   yield;\n  spin_unlock_irqrestore(k, qLock(q), flags);', replace: '  list_del(k, wList(wait));                                   yield;\n  void flags;' },
    ],
  },
  {
    name: 'add-wait-queue-exclusive-at-head',
    what: 'add_wait_queue_exclusive adds the entry at the head (list_add) instead of the tail',
    patch: [{ file: 'src/kernel/kernel/wait.ts', find: '  yield;\n  if (exclusive) list_add_tail(k, wList(wait), qList(q));', replace: '  yield;\n  if (exclusive) list_add(k, wList(wait), qList(q));' }],
  },
  {
    name: 'prepare-to-wait-always-adds',
    what: 'prepare_to_wait adds the entry even when it is already on a list (the list_empty test removed)',
    patch: [{ file: 'src/kernel/kernel/wait.ts', find: '  if (empty) {', replace: '  if (empty || !empty) {' }],
  },
  {
    name: 'finish-wait-test-inverted',
    what: 'finish_wait\'s list_empty test inverted: it returns at once for a still-queued entry and "unlinks" only unqueued ones',
    patch: [{ file: 'src/kernel/kernel/wait.ts', find: '  if (list_empty(k, wList(wait))) return 0;', replace: '  if (!list_empty(k, wList(wait))) return 0;' }],
  },
  {
    name: 'finish-wait-no-q-lock',
    what: 'finish_wait unlinks a still-queued entry without taking q->lock (racing with __wake_up\'s autoremove)',
    patch: [
      { file: 'src/kernel/kernel/wait.ts', find: '  yield;\n  const flags = yield* spin_lock_irqsave(k, qLock(q));\n  yield;\n  list_del_init(k, wList(wait));', replace: '  yield;\n  const flags = 0;\n  yield;\n  list_del_init(k, wList(wait));' },
      { file: 'src/kernel/kernel/wait.ts', find: '  list_del_init(k, wList(wait));\n  yield;\n  spin_unlock_irqrestore(k, qLock(q), flags);', replace: '  list_del_init(k, wList(wait));\n  yield;\n  void flags;' },
    ],
  },
  {
    name: 'finish-wait-no-task-running',
    what: 'finish_wait forgets __set_current_state(TASK_RUNNING): a waiter that did not sleep returns TASK_UNINTERRUPTIBLE',
    patch: [{ file: 'src/kernel/kernel/wait.ts', find: '  __set_current_state(k, TASK_RUNNING);                       yield;\n  if (list_empty', replace: '  yield;\n  if (list_empty' }],
  },
  {
    name: 'autoremove-keeps-entry',
    what: 'autoremove_wake_function wakes the task but does not list_del_init its entry (default_wake_function)',
    patch: [{ file: 'src/kernel/kernel/wait.ts', find: '  if (ret) list_del_init(k, wList(wait));\n', replace: '' }],
    equivalent: 'every DEFINE_WAIT entry (init_wait: autoremove_wake_function) is unlinked by its own finish_wait, which takes it off under q->lock when it is still linked; until then the entry only gets more wakeups, which its wait loop absorbs',
  },
  // ---- kernel/workqueue.c
  {
    name: 'queue-work-ignores-pending',
    what: 'queue_work queues the work even when its pending bit was already set (the test of test_and_set_bit ignored)',
    patch: [{ file: 'src/kernel/kernel/workqueue.ts', find: '  if (test_and_set_bit(k, 0, work + WORK.off.pending)) return 0;', replace: '  test_and_set_bit(k, 0, work + WORK.off.pending);' }],
  },
  {
    name: 'queue-work-no-wakeup',
    what: 'queue_work appends the work but does not wake_up(&cwq->more_work)',
    patch: [{ file: 'src/kernel/kernel/workqueue.ts', find: '  yield* __wake_up(k, cwqMoreWork(cwq), TASK_NORMAL, 1);\n', replace: '' }],
  },
  {
    name: 'queue-work-wakes-before-add',
    what: 'queue_work wakes the worker before it appends the work to the worklist',
    patch: [
      {
        file: 'src/kernel/kernel/workqueue.ts',
        find: '  list_add_tail(k, workEntry(work), cwqList(cwq));\n  k.work(work).wq_data = cwq;\n  // wake_up(&cwq->more_work)\n  yield* __wake_up(k, cwqMoreWork(cwq), TASK_NORMAL, 1);',
        replace: '  // wake_up(&cwq->more_work)\n  yield* __wake_up(k, cwqMoreWork(cwq), TASK_NORMAL, 1);\n  list_add_tail(k, workEntry(work), cwqList(cwq));\n  k.work(work).wq_data = cwq;',
      },
    ],
  },
  {
    name: 'worker-clears-pending-after-run',
    what: 'run_workqueue clears work->pending after calling the function instead of before (a queue_work during the run is lost)',
    patch: [
      {
        file: 'src/kernel/kernel/workqueue.ts',
        find: '      clear_bit(k, 0, work + WORK.off.pending);\n',
        replace: '',
      },
      {
        file: 'src/kernel/kernel/workqueue.ts',
        find: '      yield* call_ptr(k, w.func, w.data);\n',
        replace: '      yield* call_ptr(k, w.func, w.data);\n      clear_bit(k, 0, work + WORK.off.pending);\n',
      },
    ],
  },
  {
    name: 'worker-never-clears-pending',
    what: 'run_workqueue never clears work->pending: the work runs once and can never be queued again',
    patch: [{ file: 'src/kernel/kernel/workqueue.ts', find: '      clear_bit(k, 0, work + WORK.off.pending);\n', replace: '' }],
  },
  {
    name: 'worker-tests-list-before-queueing',
    what: 'worker_thread tests the worklist before set_task_state/add_wait_queue (a queue_work in between is a lost wakeup)',
    patch: [
      {
        file: 'src/kernel/kernel/workqueue.ts',
        find: '      set_current_state(k, TASK_INTERRUPTIBLE);\n      yield* add_wait_queue(k, cwqMoreWork(cwq), wait, 0);\n      // if (list_empty(&cwq->worklist)) schedule(); else set_task_state(current, TASK_RUNNING);\n      empty = list_empty(k, cwqList(cwq)) ? 1 : 0;',
        replace: '      empty = list_empty(k, cwqList(cwq)) ? 1 : 0;            yield;\n      set_current_state(k, TASK_INTERRUPTIBLE);\n      yield* add_wait_queue(k, cwqMoreWork(cwq), wait, 0);',
      },
    ],
  },
  {
    name: 'worker-runs-newest-first',
    what: 'run_workqueue takes the last work on the worklist (worklist.prev) instead of the first',
    patch: [{ file: 'src/kernel/kernel/workqueue.ts', find: 'work = list_first(k, cwqList(cwq)) - WORK.off.entry;', replace: "work = k.rd(cwqList(cwq) + 1, 'list_head->prev') - WORK.off.entry;" }],
    equivalent: "ctx->wq is the only work item the model queues (fput_work needs the file's last reference, which the process's open descriptor keeps), and its pending bit keeps it on a worklist at most once: a worklist never holds two entries, so its first is its last",
  },
  // ---- fs/aio.c (2.5.62): contexts and requests
  {
    name: 'get-ioctx-no-inc',
    what: 'get_ioctx checks users > 0 but forgets atomic_inc(&ctx->users)',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  c.users++;\n', replace: '' }],
  },
  {
    name: 'put-ioctx-frees-at-one',
    what: 'put_ioctx frees the context when users drops to 1 (off by one in atomic_dec_and_test)',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  if (c.users === 0) {', replace: '  if (c.users <= 1) {' }],
  },
  {
    name: 'aio-get-req-no-get-ioctx',
    what: '__aio_get_req puts the kiocb on active_reqs without taking its get_ioctx reference',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '    get_ioctx(k, ctx);\n    k.ctx(ctx).reqs_active++;', replace: '    k.ctx(ctx).reqs_active++;' }],
  },
  {
    name: 'aio-get-req-no-reqs-active',
    what: '__aio_get_req forgets ctx->reqs_active++',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '    get_ioctx(k, ctx);\n    k.ctx(ctx).reqs_active++;', replace: '    get_ioctx(k, ctx);' }],
  },
  {
    name: 'aio-get-req-ring-off-by-one',
    what: '__aio_get_req admits a request when reqs_active == aio_ring_avail (<= for <): one more than the ring has room for',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: 'if (k.ctx(ctx).reqs_active < aio_ring_avail(k, ctx)) {', replace: 'if (k.ctx(ctx).reqs_active <= aio_ring_avail(k, ctx)) {' }],
  },
  {
    name: 'aio-put-req-no-list-del',
    what: '__aio_put_req frees the kiocb without list_del(&req->ki_list) from ctx->active_reqs',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  list_del(k, kiList(req));', replace: '' }],
  },
  {
    name: 'aio-put-req-frees-with-users',
    what: '__aio_put_req frees the kiocb when ki_users drops to 1 (the last-reference test off by one)',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  if (r.ki_users > 0) return 0;', replace: '  if (r.ki_users > 1) return 0;' }],
  },
  {
    name: 'aio-put-req-no-put-ioctx',
    what: 'aio_put_req frees the kiocb but forgets the put_ioctx it owes',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  spin_unlock_irq(k, ctxLock(ctx));\n  if (ret) put_ioctx(k, ctx);', replace: '  spin_unlock_irq(k, ctxLock(ctx));' }],
  },
  {
    name: 'really-put-req-dead-test-inverted',
    what: 'really_put_req\'s "last request of a dead context" test inverted (!ctx->dead): wait_for_all_aios is never woken',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  return !c.reqs_active && !!c.dead;', replace: '  return !c.reqs_active && !c.dead;' }],
  },
  // ---- fs/aio.c (2.5.62): completion and events
  {
    name: 'aio-complete-no-put-req',
    what: 'aio_complete posts the event but does not drop the kiocb\'s reference (__aio_put_req)',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  ret = yield* __aio_put_req(k, ctx, iocb);\n', replace: '  ret = 0;\n' }],
  },
  {
    name: 'aio-complete-no-wakeup',
    what: 'aio_complete does not wake_up(&ctx->wait) after posting the event',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  if (waitqueue_active(k, ctxWait(ctx))) yield* __wake_up(k, ctxWait(ctx), TASK_NORMAL, 1);\n  else yield;', replace: '  yield;' }],
  },
  {
    name: 'aio-complete-no-ctx-lock',
    what: 'aio_complete posts the event in the ring and puts the request without ctx_lock',
    patch: [
      {
        file: 'src/kernel/aio/aio.ts',
        find: '  const flags = yield* spin_lock_irqsave(k, ctxLock(ctx));                      yield;\n  if (k.variant.completeDelRunList) {',
        replace: '  const flags = 0;                      yield;\n  if (k.variant.completeDelRunList) {',
      },
      { file: 'src/kernel/aio/aio.ts', find: '  ret = yield* __aio_put_req(k, ctx, iocb);\n  spin_unlock_irqrestore(k, ctxLock(ctx), flags);', replace: '  ret = yield* __aio_put_req(k, ctx, iocb);\n  void flags;' },
    ],
  },
  {
    name: 'aio-complete-sync-keeps-users',
    what: 'aio_complete of a sync kiocb with ki_users == 1 stores the result but leaves ki_users at 1',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '      k.kiocb(iocb).ki_users = 0;\n', replace: '' }],
  },
  {
    name: 'aio-read-evt-no-ring-lock',
    what: 'aio_read_evt consumes the ring head without info->ring_lock',
    patch: [
      { file: 'src/kernel/aio/aio.ts', find: '  yield* spin_lock_irq(k, ctx + KIOCTX.off.ring_lock); /* spin_lock(&info->ring_lock) */ yield;', replace: '  yield;' },
      { file: 'src/kernel/aio/aio.ts', find: '  spin_unlock_irq(k, ctx + KIOCTX.off.ring_lock);\n', replace: '' },
    ],
  },
  {
    name: 'read-events-min-nr-off-by-one',
    what: 'read_events\' fast path returns only when more than min_nr events were read (min_nr < i for min_nr <= i)',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  if (min_nr <= i) return i;', replace: '  if (min_nr < i) return i;' }],
  },
  {
    name: 'read-events-state-after-check',
    what: 'read_events sets TASK_INTERRUPTIBLE after aio_read_evt finds the ring empty (a completion in between is a lost wakeup)',
    patch: [
      {
        file: 'src/kernel/aio/aio.ts',
        find: '      set_current_state(k, TASK_INTERRUPTIBLE); // set_task_state(tsk, TASK_INTERRUPTIBLE)\n      ret = yield* aio_read_evt(k, ctx);\n      if (ret) break;',
        replace: '      ret = yield* aio_read_evt(k, ctx);\n      if (ret) break;\n      set_current_state(k, TASK_INTERRUPTIBLE); // set_task_state(tsk, TASK_INTERRUPTIBLE)\n      yield;',
      },
    ],
  },
  {
    name: 'read-events-ignores-timeout',
    what: 'read_events does not test to.timed_out: io_getevents with a timeout waits forever',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '      if (timed_out) break;\n', replace: '' }],
  },
  {
    name: 'read-events-ignores-signal',
    what: 'read_events does not test signal_pending after schedule() (no -EINTR)',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '      if (k.task(k.current).sigpending) {\n        ret = -EINTR;\n        break;\n      }\n', replace: '' }],
  },
  {
    name: 'read-events-no-run-iocbs',
    what: '[aioretry] hunk undone: read_events does not call aio_run_iocbs(ctx) before schedule()',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: "      if (k.variant.readEventsRunIocbs && k.variant.core !== 'baseline') yield* aio_run_iocbs(k, ctx);\n", replace: '' }],
  },
  // ---- fs/aio.c (2.5.62): io_submit_one, io_destroy, exit_aio
  {
    name: 'io-submit-one-completes-queued',
    what: '2.5.62 io_submit_one calls aio_complete also when the method returned -EIOCBQUEUED',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '    if (ret === -EIOCBQUEUED) return 0;\n', replace: '' }],
  },
  {
    name: 'wait-for-all-aios-test-inverted',
    what: 'wait_for_all_aios\' fast-path test inverted: it returns at once when requests are still active',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  if (!k.ctx(ctx).reqs_active) return 0;\n  const wait = k.myWait(2);', replace: '  if (k.ctx(ctx).reqs_active) return 0;\n  const wait = k.myWait(2);' }],
  },
  {
    name: 'io-destroy-no-final-put',
    what: 'io_destroy forgets the final put_ioctx (the lookup reference): the context is never freed',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  yield* wait_for_all_aios(k, ctx);\n  put_ioctx(k, ctx);\n  return 0;\n}\n\nexport { EINVAL };', replace: '  yield* wait_for_all_aios(k, ctx);\n  return 0;\n}\n\nexport { EINVAL };' }],
  },
  {
    name: 'exit-aio-no-wait',
    what: 'exit_aio cancels but does not wait_for_all_aios before the final put_ioctx',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  yield* wait_for_all_aios(k, ctx);\n  // if (1 != atomic_read', replace: '  // if (1 != atomic_read' }],
  },
  {
    name: 'kick-iocb-2562-no-ctx-lock',
    what: '2.5.62 kick_iocb adds the iocb to ctx->run_list without ctx_lock',
    patch: [
      { file: 'src/kernel/aio/aio.ts', find: '  const flags = yield* spin_lock_irqsave(k, ctxLock(ctx));                      yield;\n  list_add_tail(k, kiRunList(iocb), runList(ctx));', replace: '  const flags = 0;                      yield;\n  list_add_tail(k, kiRunList(iocb), runList(ctx));' },
      { file: 'src/kernel/aio/aio.ts', find: '  spin_unlock_irqrestore(k, ctxLock(ctx), flags);\n  // [aioretry: aioWq]', replace: '  void flags;\n  // [aioretry: aioWq]' },
    ],
    equivalent: 'nothing kicks in the 2.5.62 variants (only the patches\' aio_wake_function calls kick_iocb, and every patched variant runs the queueKickedIocb body), so this body never runs',
  },
  // ---- fs/aio.c: aioretry.patch hunks (both postings)
  {
    name: 'queue-kicked-no-list-empty-test',
    what: '__queue_kicked_iocb adds the iocb to run_list even when ki_run_list is already queued',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  if (list_empty(k, kiRunList(iocb))) {\n    list_add_tail', replace: '  if (list_empty(k, kiRunList(iocb)) || iocb) {\n    list_add_tail' }],
  },
  {
    name: 'queue-kicked-no-ctx-lock',
    what: 'queue_kicked_iocb calls __queue_kicked_iocb without ctx_lock',
    patch: [
      { file: 'src/kernel/aio/aio.ts', find: '  const flags = yield* spin_lock_irqsave(k, ctxLock(ctx));                      yield;\n  run = __queue_kicked_iocb(k, iocb);', replace: '  const flags = 0;                      yield;\n  run = __queue_kicked_iocb(k, iocb);' },
      { file: 'src/kernel/aio/aio.ts', find: '  spin_unlock_irqrestore(k, ctxLock(ctx), flags);                               yield;\n  if (!run) return 0;', replace: '  void flags;                               yield;\n  if (!run) return 0;' },
    ],
  },
  {
    name: 'queue-kicked-waitqueue-test-inverted',
    what: 'queue_kicked_iocb wakes ctx->wait when nobody waits there and queues the work when io_getevents is waiting',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: '  else if (waitqueue_active(k, ctxWait(ctx))) yield*', replace: '  else if (!waitqueue_active(k, ctxWait(ctx))) yield*' }],
  },
  {
    name: 'kick-iocb-test-bit-only',
    what: 'kick_iocb tests KIF_KICKED (kiocbIsKicked) instead of test_and_set_bit: a kick never sets the bit',
    patch: [
      { file: 'src/kernel/aio/aioretry.ts', find: 'import { is_sync_kiocb, kiocbIsStarted,', replace: 'import { is_sync_kiocb, kiocbIsKicked, kiocbIsStarted,' },
      { file: 'src/kernel/aio/aioretry.ts', find: '  if (kiocbTryKick(k, iocb)) return pr_debug_kicked(k);', replace: '  if (kiocbIsKicked(k, iocb)) return pr_debug_kicked(k);' },
    ],
  },
  {
    name: 'kick-iocb-sync-no-set-kicked',
    what: 'kick_iocb of a sync kiocb wakes the task without kiocbSetKicked',
    patch: [{ file: 'src/kernel/aio/aioretry.ts', find: '    kiocbSetKicked(k, iocb);', replace: '' }],
    equivalent: 'a sync kiocb is never kicked: only ki_wait entries set up by io_submit_one have aio_wake_function, and init_sync_kiocb gives its ki_wait autoremove_wake_function (and no sync read sets current->iocb)',
  },
  {
    name: 'aio-wake-function-no-dequeue',
    what: 'aio_wake_function kicks the iocb without list_del_init(&wait->task_list): ki_wait stays on the page\'s queue',
    patch: [{ file: 'src/kernel/aio/aioretry.ts', find: '  list_del_init(k, kiWaitList(iocb));                                           yield;\n  yield* kick_iocb', replace: '  yield;\n  yield* kick_iocb' }],
  },
  {
    name: 'aio-wake-function-kick-before-dequeue',
    what: 'aio_wake_function kicks the iocb before it takes ki_wait off the queue (wrong order)',
    patch: [
      {
        file: 'src/kernel/aio/aioretry.ts',
        find: '  list_del_init(k, kiWaitList(iocb));                                           yield;\n  yield* kick_iocb(k, iocb);',
        replace: '  yield* kick_iocb(k, iocb);\n  list_del_init(k, kiWaitList(iocb));',
      },
    ],
  },
  {
    name: 'retry-fields-no-init-ki-wait',
    what: 'io_submit_one forgets INIT_LIST_HEAD(&req->ki_wait.task_list): ki_wait\'s NULL pointers look "queued" to prepare_to_wait',
    patch: [{ file: 'src/kernel/aio/aioretry.ts', find: '  INIT_LIST_HEAD(k, kiWaitList(req));\n', replace: '' }],
  },
  {
    name: 'retry-cap-off-by-one',
    what: 'the retry cap stops one retry early (ki_retried >= cap for > cap)',
    patch: [{ file: 'src/kernel/aio/aioretry.ts', find: '  if (r > k.workload.retryCap) {', replace: '  if (r >= k.workload.retryCap) {' }],
  },
  {
    name: 'retry-count-not-incremented',
    what: 'the retry count check never increments ki_retried: the cap is never reached',
    patch: [{ file: 'src/kernel/aio/aioretry.ts', find: '  const r = i.ki_retried++;', replace: '  const r = i.ki_retried;' }],
  },
  // ---- fs/aio.c: Mar 5 aioretry.patch (mar05.ts)
  {
    name: 'mar05-kick-started-test-inverted',
    what: 'Mar 5 kick_iocb\'s && !kiocbIsStarted(iocb) inverted: it queues only a running iocb',
    patch: [{ file: 'src/kernel/aio/aioretry.ts', find: '    if (kiocbIsStarted(k, iocb)) return pr_debug_kicked(k);', replace: '    if (!kiocbIsStarted(k, iocb)) return pr_debug_kicked(k);' }],
  },
  {
    name: 'mar05-submit-no-clear-started',
    what: 'Mar 5 io_submit_one leaves KIF_STARTED set after the first aio_process_iocb',
    patch: [{ file: 'src/kernel/aio/mar05.ts', find: '      kiocbClearStarted(k, req);', replace: '' }],
  },
  {
    name: 'mar05-submit-drops-kick',
    what: 'Mar 5 io_submit_one does not queue an iocb that was kicked while its first run had KIF_STARTED',
    patch: [{ file: 'src/kernel/aio/mar05.ts', find: '        run = __queue_kicked_iocb(k, req);', replace: '        run = 0;' }],
  },
  {
    name: 'mar05-run-iocbs-no-get-ref',
    what: 'Mar 5 aio_run_iocbs runs the iocb without taking a reference (ki_users++), then puts one',
    patch: [{ file: 'src/kernel/aio/mar05.ts', find: '    k.kiocb(iocb).ki_users++;                                                   yield;\n', replace: '    yield;\n' }],
  },
  {
    name: 'mar05-run-iocbs-drops-kick',
    what: 'Mar 5 aio_run_iocbs does not re-queue an iocb that was kicked while it ran',
    patch: [{ file: 'src/kernel/aio/mar05.ts', find: '        __queue_kicked_iocb(k, iocb);', replace: '' }],
  },
  {
    name: 'mar05-run-iocbs-complete-test-inverted',
    what: 'Mar 5 aio_run_iocbs completes the iocb only when ki_wait is still queued (list_empty test inverted)',
    patch: [{ file: 'src/kernel/aio/mar05.ts', find: '        if (list_empty(k, kiWaitList(iocb))) yield* aio_complete', replace: '        if (!list_empty(k, kiWaitList(iocb))) yield* aio_complete' }],
  },
  {
    name: 'mar05-process-kicks-while-waiting',
    what: 'Mar 5 aio_process_iocb sets KIF_KICKED after -EIOCBQUEUED even when ki_wait is queued',
    patch: [{ file: 'src/kernel/aio/mar05.ts', find: '  if (ret === -EIOCBQUEUED && waitEmpty) {', replace: '  if (ret === -EIOCBQUEUED) {' }],
  },
  {
    name: 'mar05-pwrite-test-compares',
    what: 'Mar 5 aio_process_iocb\'s `ki_opcode = IOCB_CMD_PWRITE` assignment written as the comparison ==',
    patch: [{ file: 'src/kernel/aio/mar05.ts', find: '(p.ki_left === 0 && (p.ki_opcode = IOCB_CMD_PWRITE))', replace: '(p.ki_left === 0 && p.ki_opcode === IOCB_CMD_PWRITE)' }],
  },
  {
    name: 'mar05-process-keeps-current-iocb',
    what: 'Mar 5 aio_process_iocb does not reset current->iocb = NULL at out:',
    patch: [{ file: 'src/kernel/aio/mar05.ts', find: '  k.task(k.current).iocb = 0;\n', replace: '' }],
  },
  // ---- fs/aio.c: Mar 14 aioretry.patch (mar14.ts)
  {
    name: 'mar14-run-iocb-keeps-ki-retry',
    what: 'Mar 14 aio_run_iocb does not set ki_retry = NULL while the retry runs (a second aio_run_iocb can run it too)',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '  k.kiocb(iocb).ki_retry = 0;', replace: '' }],
  },
  {
    name: 'mar14-run-iocb-no-clear-kicked',
    what: 'Mar 14 aio_run_iocb does not kiocbClearKicked before the retry',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '  kiocbClearKicked(k, iocb);\n', replace: '' }],
  },
  {
    name: 'mar14-run-iocb-no-restore-retry',
    what: 'Mar 14 aio_run_iocb does not restore iocb->ki_retry = retry after the run',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '  k.kiocb(iocb).ki_retry = retry;\n', replace: '' }],
  },
  {
    name: 'mar14-run-iocb-no-init-run-list',
    what: 'Mar 14 aio_run_iocb does not INIT_LIST_HEAD(&iocb->ki_run_list) after the run',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '  INIT_LIST_HEAD(k, kiRunList(iocb));', replace: '' }],
  },
  {
    name: 'mar14-run-iocb-no-get-ref',
    what: 'Mar 14 aio_run_iocb runs the retry without its ki_users++ reference, then puts one',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '  k.kiocb(iocb).ki_users++;                                                     yield;\n', replace: '  yield;\n' }],
  },
  {
    name: 'mar14-run-iocb-completes-while-waiting',
    what: 'Mar 14 aio_run_iocb completes a finished iocb even when ki_wait is still queued ("can\'t delete iocb in use" check removed)',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '    if (waitEmpty) yield* aio_complete(k, iocb, ret, 0);\n    else k.printk("can\'t delete iocb in use");', replace: '    yield* aio_complete(k, iocb, ret, 0);' }],
  },
  {
    name: 'mar14-run-iocb-kicks-while-waiting',
    what: 'Mar 14 aio_run_iocb sets KIF_KICKED after a queued retry even when ki_wait is queued',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '  } else if (waitEmpty) {\n    kiocbSetKicked(k, iocb);', replace: '  } else {\n    kiocbSetKicked(k, iocb);' }],
  },
  {
    name: 'mar14-run-iocbs-list-del-init',
    what: 'Mar 14 aio_run_iocbs takes the iocb off run_list with list_del_init instead of list_del (no NULL pointers)',
    patch: [
      { file: 'src/kernel/aio/mar14.ts', find: 'import { INIT_LIST_HEAD, list_del, list_empty, list_first }', replace: 'import { INIT_LIST_HEAD, list_del, list_del_init, list_empty, list_first }' },
      { file: 'src/kernel/aio/mar14.ts', find: '    list_del(k, kiRunList(iocb));', replace: '    list_del_init(k, kiRunList(iocb));' },
    ],
  },
  {
    name: 'mar14-submit-keeps-run-list-init',
    what: 'Mar 14 io_submit_one hunk undone: it does not set ki_run_list.next = .prev = NULL (the INIT_LIST_HEAD of __aio_get_req stays)',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: "    k.wr(kiRunList(req), 0, 'ki_run_list.next');\n    k.wr(kiRunList(req) + 1, 0, 'ki_run_list.prev');\n", replace: '' }],
  },
  {
    name: 'mar14-submit-no-queue-work',
    what: 'Mar 14 io_submit_one does not queue_work(aio_wq, &ctx->wq) when the first run asks for a retry',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '    if (ret === retryCode(k)) yield* queue_work(k, AIO_WQ, ctxWq(ctx));\n', replace: '' }],
  },
  {
    name: 'mar14-rw-result-no-left-dec',
    what: 'Mar 14 aio_pread advances ki_buf but forgets ki_left -= ret',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '    iocb.ki_left -= ret;\n', replace: '' }],
  },
  {
    name: 'mar14-setup-no-method-ebadf',
    what: 'Mar 14 aio_setup_iocb returns -EBADF (not -EINVAL) for a readable file without aio_read',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: "      ret = -EINVAL;\n      if (fop(k, iocb.ki_filp, 'aio_read'))", replace: "      ret = -EBADF;\n      if (fop(k, iocb.ki_filp, 'aio_read'))" }],
  },
  // ---- the review's proposed changes (proposed.ts and [proposed: X] hunks)
  {
    name: 'proposed-wake-no-ctx-lock',
    what: '[proposed: wakeUnderCtxLock] aio_wake_function dequeues and kicks without ctx_lock',
    patch: [
      { file: 'src/kernel/aio/proposed.ts', find: '  const flags = yield* spin_lock_irqsave(k, ctxLock(ctx));', replace: '  const flags = 0;' },
      { file: 'src/kernel/aio/proposed.ts', find: '  spin_unlock_irqrestore(k, ctxLock(ctx), flags);', replace: '  void flags;' },
    ],
  },
  {
    name: 'proposed-wake-test-bit-only',
    what: '[proposed: wakeUnderCtxLock] aio_wake_function tests KIF_KICKED without setting it (kiocbIsKicked for kiocbTryKick)',
    patch: [
      { file: 'src/kernel/aio/proposed.ts', find: 'ctxWq, kiocbTryKick, kiWaitList }', replace: 'ctxWq, kiocbIsKicked, kiocbTryKick, kiWaitList }' },
      { file: 'src/kernel/aio/proposed.ts', find: '  if (!kiocbTryKick(k, iocb)) run', replace: '  if (!kiocbIsKicked(k, iocb)) run' },
    ],
  },
  {
    name: 'proposed-run-list-null-check-inverted',
    what: '[proposed: runListNullCheck] aio_complete skips the run-list removal when ki_run_list.prev is not NULL',
    patch: [{ file: 'src/kernel/aio/aio.ts', find: "if (k.variant.runListNullCheck && !k.rd(kiRunList(iocb) + 1, 'ki_run_list.prev')) {", replace: "if (k.variant.runListNullCheck && k.rd(kiRunList(iocb) + 1, 'ki_run_list.prev')) {" }],
  },
  {
    name: 'proposed-kicked-only-if-retry-inverted',
    what: '[proposed: kickedOnlyIfRetry] aio_run_iocb re-queues a kicked iocb only when the retry did NOT ask for another run',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '!(k.variant.kickedOnlyIfRetry && ret !== retryCode(k))', replace: '!(k.variant.kickedOnlyIfRetry && ret === retryCode(k))' }],
  },
  {
    name: 'proposed-eiocbretry-wrong-errno',
    what: '[proposed: eiocbRetry] aio_run_iocb leaves alone -EIOCBRETRY instead of -EIOCBQUEUED (the errno of the direct-I/O test swapped)',
    patch: [{ file: 'src/kernel/aio/mar14.ts', find: '  if (k.variant.eiocbRetry && ret === -EIOCBQUEUED) {', replace: '  if (k.variant.eiocbRetry && ret === -EIOCBRETRY) {' }],
  },
  {
    name: 'proposed-retry-cap-reset-always',
    what: '[proposed: retryCapProgress] aio_pread resets ki_retried after every run, with or without progress',
    patch: [
      { file: 'src/kernel/aio/mar14.ts', find: '    if (k.variant.retryCapProgress) iocb.ki_retried = 0;\n', replace: '' },
      { file: 'src/kernel/aio/mar14.ts', find: '  if (ret === 0) ret = iocb.ki_nbytes - iocb.ki_left;\n', replace: '  if (ret === 0) ret = iocb.ki_nbytes - iocb.ki_left;\n  if (k.variant.retryCapProgress) iocb.ki_retried = 0;\n' },
    ],
  },
  {
    name: 'proposed-resume-bit-not-cleared',
    what: '[proposed: resumeReadpageWait] do_generic_mapping_read tests KIF_READPAGE_WAIT without clearing it (test_bit for test_and_clear_bit)',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: 'resume = test_and_clear_bit(k, KIF_READPAGE_WAIT,', replace: 'resume = test_bit(k, KIF_READPAGE_WAIT,' }],
  },
  {
    name: 'proposed-async-readpage-no-unlock',
    what: '[proposed: asyncBlockingPoints] ext2_readpage returns -EIOCBRETRY from an async wait without unlocking the page',
    patch: [{ file: 'src/kernel/mm/page.ts', find: '  yield* unlock_page(k, page);\n  return aioRetryCode(k);', replace: '  return aioRetryCode(k);' }],
  },
  {
    name: 'blocking-event-done-no-wake',
    what: 'the interrupt that ends a blocking point (end_buffer_io_sync, freed_request, ...) clears the condition but does not wake the queue',
    patch: [{ file: 'src/kernel/mm/blocking.ts', find: '  if (!waitqueue_active(k, q)) return 0;\n  // wake_up_all(q)\n  yield* __wake_up(k, q, TASK_NORMAL, 0);\n', replace: '  if (!waitqueue_active(k, q)) return 0;\n' }],
  },
  // ---- mm/filemap.c, include/linux/pagemap.h: pages
  {
    name: 'unlock-page-no-wake',
    what: 'unlock_page clears PG_locked but never wakes the page\'s wait queue',
    patch: [{ file: 'src/kernel/mm/page.ts', find: '  if (!waitqueue_active(k, waitqueue)) return 0;\n  // wake_up_all(waitqueue)\n  yield* __wake_up(k, waitqueue, TASK_NORMAL, 0);\n', replace: '  if (!waitqueue_active(k, waitqueue)) return 0;\n' }],
  },
  {
    name: 'unlock-page-wake-one',
    what: 'unlock_page calls wake_up (nr_exclusive 1) instead of wake_up_all',
    patch: [{ file: 'src/kernel/mm/page.ts', find: '  // wake_up_all(waitqueue)\n  yield* __wake_up(k, waitqueue, TASK_NORMAL, 0);', replace: '  // wake_up_all(waitqueue)\n  yield* __wake_up(k, waitqueue, TASK_NORMAL, 1);' }],
    equivalent: 'every entry on a page bucket is queued non-exclusively (prepare_to_wait(..., 0) in every page wait), and nr_exclusive only counts exclusive entries that were woken',
  },
  {
    name: 'unlock-page-wakes-before-clear',
    what: 'unlock_page wakes the waiters before it clears PG_locked (wrong order: they see the page still locked and sleep again)',
    patch: [
      { file: 'src/kernel/mm/page.ts', find: '  const waitqueue = page_waitqueue(k, page);\n  if (!TestClearPageLocked(k, page))', replace: '  const waitqueue = page_waitqueue(k, page);\n  if (waitqueue_active(k, waitqueue)) yield* __wake_up(k, waitqueue, TASK_NORMAL, 0);\n  else yield;\n  if (!TestClearPageLocked(k, page))' },
      { file: 'src/kernel/mm/page.ts', find: '  if (!waitqueue_active(k, waitqueue)) return 0;\n  // wake_up_all(waitqueue)\n  yield* __wake_up(k, waitqueue, TASK_NORMAL, 0);\n', replace: '' },
    ],
  },
  {
    name: 'lock-page-test-bit-only',
    what: '__lock_page takes the page lock with PageLocked (test_bit) instead of TestSetPageLocked: it never sets PG_locked',
    patch: [{ file: 'src/kernel/mm/page.ts', find: '    if (!TestSetPageLocked(k, page)) {', replace: '    if (!PageLocked(k, page)) {' }],
  },
  {
    name: 'wait-on-page-bit-no-recheck',
    what: 'wait_on_page_bit returns after one wakeup without re-testing the bit (do { } while (0))',
    patch: [{ file: 'src/kernel/mm/page.ts', find: '  } while (test_bit(k, bit_nr, flagsOf(page)));', replace: '  } while (false);' }],
  },
  {
    name: 'page-cache-release-no-dec',
    what: 'page_cache_release does not drop the page\'s reference (put_page without atomic_dec)',
    patch: [{ file: 'src/kernel/mm/page.ts', find: '  p.count = c;\n', replace: '' }],
  },
  {
    name: 'find-get-page-no-get',
    what: 'find_get_page returns the cached page without page_cache_get',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '  page_cache_get(k, page);\n  return page;', replace: '  return page;' }],
  },
  {
    name: 'end-io-read-no-uptodate',
    what: 'mpage_end_io_read unlocks a page read without error but forgets SetPageUptodate',
    patch: [{ file: 'src/kernel/mm/page.ts', find: "    SetPageUptodate(k, page);\n    pageEvent(k, 'io_done_ok'", replace: "    pageEvent(k, 'io_done_ok'" }],
  },
  {
    name: 'end-io-read-no-unlock',
    what: 'mpage_end_io_read sets the page state but does not unlock_page',
    patch: [{ file: 'src/kernel/mm/page.ts', find: '  yield* unlock_page(k, page);\n  return 0;\n}\n/** the disk interrupt handler', replace: '  return 0;\n}\n/** the disk interrupt handler' }],
  },
  // ---- mm/filemap.c: aioread.patch
  {
    name: 'aio-wait-on-page-bit-uninterruptible',
    what: 'aio_wait_on_page_bit in aio context keeps state TASK_UNINTERRUPTIBLE: it returns -EIOCBQUEUED with the task still TASK_UNINTERRUPTIBLE',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '    wait = iocb + k.kiWaitOff;\n    state = TASK_RUNNING;\n  }\n  yield;\n  do {', replace: '    wait = iocb + k.kiWaitOff;\n  }\n  yield;\n  do {' }],
  },
  {
    name: 'aio-lock-page-uninterruptible',
    what: '__aio_lock_page in aio context keeps state TASK_UNINTERRUPTIBLE: it returns -EIOCBQUEUED with the task still TASK_UNINTERRUPTIBLE',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '    wait = iocb + k.kiWaitOff;\n    state = TASK_RUNNING;\n  }\n  yield;\n  for (;;) {', replace: '    wait = iocb + k.kiWaitOff;\n  }\n  yield;\n  for (;;) {' }],
  },
  {
    name: 'aio-wait-on-page-bit-finish-wait-queued',
    what: 'aio_wait_on_page_bit calls finish_wait before returning -EIOCBQUEUED (ki_wait taken off: no wakeup will kick the iocb)',
    patch: [
      {
        file: 'src/kernel/mm/filemap.ts',
        find: "        return aioRetryCode(k);\n      }\n      pageEvent(k, 'woken', page);\n    }\n    yield;",
        replace: "        yield* finish_wait(k, waitqueue, wait);\n        return aioRetryCode(k);\n      }\n      pageEvent(k, 'woken', page);\n    }\n    yield;",
      },
    ],
  },
  {
    name: 'aio-lock-page-queued-returns-zero',
    what: '__aio_lock_page returns 0 ("locked") after queueing ki_wait instead of -EIOCBQUEUED',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: "        return aioRetryCode(k);\n      }\n      pageEvent(k, 'woken', page);\n    }\n  }", replace: "        return 0;\n      }\n      pageEvent(k, 'woken', page);\n    }\n  }" }],
  },
  {
    name: 'aio-schedule-always-sleeps',
    what: 'aio_schedule ignores current->iocb and always io_schedule()s (the aioread.patch\'s async wait undone)',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '  if (currentIocb(k)) return aioRetryCode(k);\n', replace: '' }],
  },
  {
    name: 'sync-read-bug-on-inverted',
    what: 'generic_file_read\'s BUG_ON(current->iocb != NULL) inverted: BUG when current->iocb is NULL',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: "k.BUG_ON(currentIocb(k) !== 0, 'current->iocb != NULL');", replace: "k.BUG_ON(currentIocb(k) === 0, 'current->iocb != NULL');" }],
  },
  // ---- mm/filemap.c: do_generic_mapping_read and the read actor
  {
    name: 'read-end-index-off-by-one',
    what: 'do_generic_mapping_read stops at index >= end_index: the last (partial) page is never read',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '    if (index > end_index) break;', replace: '    if (index >= end_index) break;' }],
  },
  {
    name: 'read-eof-nr-off-by-one',
    what: 'do_generic_mapping_read\'s i_size test in the last page is nr < offset for nr <= offset: at EOF it reads a page with nr == 0',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '      if (bytes <= offset) break;', replace: '      if (bytes < offset) break;' }],
  },
  {
    name: 'read-isize-overrun',
    what: 'do_generic_mapping_read computes nr in the last page one byte past i_size',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '      bytes = isize % k.workload.pageSize;', replace: '      bytes = isize % k.workload.pageSize + 1;' }],
  },
  {
    name: 'read-offset-not-masked',
    what: 'do_generic_mapping_read advances index but forgets offset &= ~PAGE_CACHE_MASK',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '    offset %= k.workload.pageSize;', replace: '' }],
  },
  {
    name: 'read-ppos-drops-offset',
    what: 'do_generic_mapping_read writes *ppos = index << PAGE_CACHE_SHIFT without the offset in the page',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: 'writePos(k, ppos, index * k.workload.pageSize + offset);', replace: 'writePos(k, ppos, index * k.workload.pageSize);' }],
  },
  {
    name: 'read-error-efault',
    what: 'do_generic_mapping_read reports a failed page read as -EFAULT instead of -EIO',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '        error = -EIO;\n', replace: '        error = -EFAULT;\n' }],
  },
  {
    name: 'read-error-no-page-release',
    what: 'do_generic_mapping_read\'s read-error path does not page_cache_release the page',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: "      wrDesc(k, desc, 'error', error);\n      page_cache_release(k, page);\n      break;", replace: "      wrDesc(k, desc, 'error', error);\n      break;" }],
  },
  {
    name: 'read-readpage-error-ignored',
    what: 'do_generic_mapping_read ignores an error returned by ->readpage and goes on to wait for the page',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '          if (error) break sync_error;', replace: '' }],
  },
  {
    name: 'read-no-uptodate-recheck-after-lock',
    what: 'do_generic_mapping_read drops "did somebody else fill it already?": it calls readpage on a page that became up to date while it waited for the lock',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '            if (PageUptodate(k, page)) {\n              yield* unlock_page_g(k, page);\n              break page_ok;\n            }\n', replace: '' }],
  },
  {
    name: 'read-actor-no-count-clamp',
    what: 'file_read_actor does not clamp size to desc->count: it copies the whole page past the user\'s count',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '  if (size > count) size = count;\n', replace: '' }],
  },
  {
    name: 'aio-read-error-overrides-count',
    what: '__generic_file_aio_read returns desc.error whenever it is set, even after bytes were copied',
    patch: [{ file: 'src/kernel/mm/filemap.ts', find: '  if (!retval) retval = desc_error;', replace: '  if (desc_error) retval = desc_error;' }],
  },
];
