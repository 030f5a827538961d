import { describe, expect, it } from 'vitest';
import { harness, start, runToEnd, asThread, panicCode, step } from './harness.ts';
import { INIT_LIST_HEAD, list_add_tail, list_del, list_del_init, list_empty, listEntries } from '../src/engine/kernel/list.ts';
import { PANIC_LOCK, PANIC_OOPS_NULL, PANIC_UAF, KernelStop } from '../src/engine/machine.ts';
import { CWQ, KIOCB, KIOCTX, TASK, TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE, T_SLEEP, T_SPIN, WQ_HEAD, WAITQ, WORK } from '../src/engine/structs.ts';
import { __wake_up, add_wait_queue, init_wait, prepare_to_wait, wake_up_args, wList, wake_up_all_args } from '../src/engine/kernel/wait.ts';
import { spin_lock_irq, spin_unlock_irq, spin_lock } from '../src/engine/kernel/spinlock.ts';
import { schedule, set_current_state } from '../src/engine/kernel/sched.ts';
import { H_FREED, H_LIVE } from '../src/engine/mem.ts';
import { queue_work, AIO_WQ, INIT_WORK, cwqList } from '../src/engine/kernel/workqueue.ts';
import { test_and_set_bit } from '../src/engine/kernel/bitops.ts';

const SUB = 0; // io_submit thread, cpu0
const W0 = 1; // aio/0, cpu0
const W1 = 2; // aio/1, cpu1

describe('list_head at pointer level', () => {
  it('list_del leaves NULL pointers, and list_empty says "not empty" for them', () => {
    const k = harness();
    const head = k.addr.ctx + KIOCTX.off.run_list;
    const e = k.addr.kiocbs[0]; // &kiocb0->ki_run_list
    asThread(k, SUB, () => {
      INIT_LIST_HEAD(k, head);
      list_add_tail(k, e, head);
    });
    expect(listEntries(k.m, head)).toEqual([e]);
    asThread(k, SUB, () => list_del(k, e));
    expect(k.m[e]).toBe(0);
    expect(k.m[e + 1]).toBe(0);
    expect(listEntries(k.m, head)).toEqual([]);
    expect(asThread(k, SUB, () => list_empty(k, e))).toBe(false);
  });

  it('list_del_init on an entry with NULL pointers is an oops, reported not thrown', () => {
    const k = harness();
    const e = k.addr.kiocbs[0];
    const r = asThread(k, SUB, () => list_del_init(k, e));
    expect(r).toBeInstanceOf(KernelStop);
    expect(panicCode(k)).toBe(PANIC_OOPS_NULL);
  });

  it('list_add_tail of an entry that is still linked corrupts the list it was on', () => {
    const k = harness();
    const h1 = k.addr.buckets[0] + WQ_HEAD.off.task_list;
    const e = k.addr.kiocbs[0];
    asThread(k, SUB, () => {
      // the bucket's lock held, as prepare_to_wait holds it (the machine checks it for every wait-queue list change)
      k.m[k.addr.buckets[0] + WQ_HEAD.off.lock] = SUB + 1;
      list_add_tail(k, e, h1);
      list_add_tail(k, k.addr.kiocbs[1], h1);
      list_add_tail(k, e, h1); // again, without removing it first
    });
    expect(listEntries(k.m, h1)).toBeNull();
  });

  it('touching a freed kiocb is a use-after-free at the access site', () => {
    const k = harness();
    const a = k.addr.kiocbs[0];
    k.m[a - 1] = H_FREED;
    const r = asThread(k, SUB, () => k.kiocb(a).ki_users++);
    expect(r).toBeInstanceOf(KernelStop);
    expect(panicCode(k)).toBe(PANIC_UAF);
    expect(k.labels.join()).toContain('kiocb->ki_users');
  });
});

describe('wait queues', () => {
  it('prepare_to_wait sets the state unconditionally but does not add an entry that is already queued', () => {
    const k = harness();
    const q = k.addr.buckets[0];
    const w = k.addr.stackWaits[0][0];
    k.m[w - 1] = H_LIVE;
    asThread(k, SUB, () => init_wait(k, w));
    start(k, SUB, prepare_to_wait, q, w, TASK_UNINTERRUPTIBLE, 0);
    runToEnd(k, SUB);
    expect(listEntries(k.m, q + WQ_HEAD.off.task_list)).toEqual([wList(w)]);
    k.m[k.threads[SUB].task + TASK.off.state] = TASK_RUNNING;
    start(k, SUB, prepare_to_wait, q, w, TASK_INTERRUPTIBLE, 0);
    runToEnd(k, SUB);
    expect(listEntries(k.m, q + WQ_HEAD.off.task_list)).toEqual([wList(w)]);
    expect(k.m[k.threads[SUB].task + TASK.off.state]).toBe(TASK_INTERRUPTIBLE);
  });

  it('wake_up wakes the non-exclusive waiters and only the first exclusive one whose task was asleep', () => {
    const k = harness();
    const q = k.addr.buckets[0];
    const tasks = [0, 1, 2].map((i) => k.threads[i].task);
    const waits = [0, 1, 2].map((i) => k.addr.stackWaits[i][2]);
    waits.forEach((w) => (k.m[w - 1] = H_LIVE));
    // waiter 0 non-exclusive (head), waiters 1 and 2 exclusive (tail), all asleep
    [0, 1, 2].forEach((i) => {
      asThread(k, i, () => init_wait(k, waits[i]));
      start(k, i, add_wait_queue, q, waits[i], i === 0 ? 0 : 1);
      runToEnd(k, i);
      k.m[tasks[i] + TASK.off.state] = TASK_UNINTERRUPTIBLE;
    });
    start(k, 3 + 0 - 0, __wake_up, ...wake_up_args(q)); // irq/0 slot runs the wakeup
    k.setCpuWord(0, 'irq_thread', 4);
    runToEnd(k, 3);
    expect(tasks.map((t) => k.m[t + TASK.off.state])).toEqual([TASK_RUNNING, TASK_RUNNING, TASK_UNINTERRUPTIBLE]);
    // autoremove: the woken entries left the queue, the other stays
    expect(listEntries(k.m, q + WQ_HEAD.off.task_list)).toEqual([wList(waits[2])]);
  });

  it('an exclusive waiter whose task is already RUNNING does not use up the wake_up count', () => {
    const k = harness();
    const q = k.addr.buckets[0];
    const tasks = [0, 1].map((i) => k.threads[i].task);
    const waits = [0, 1].map((i) => k.addr.stackWaits[i][2]);
    waits.forEach((w) => (k.m[w - 1] = H_LIVE));
    [0, 1].forEach((i) => {
      asThread(k, i, () => init_wait(k, waits[i]));
      start(k, i, add_wait_queue, q, waits[i], 1);
      runToEnd(k, i);
    });
    k.m[tasks[1] + TASK.off.state] = TASK_UNINTERRUPTIBLE; // task 0 stays RUNNING
    start(k, 3, __wake_up, ...wake_up_args(q));
    runToEnd(k, 3);
    expect(k.m[tasks[1] + TASK.off.state]).toBe(TASK_RUNNING);
  });

  it('wake_up_all calls every entry', () => {
    const k = harness();
    const q = k.addr.buckets[0];
    const waits = [0, 1].map((i) => k.addr.stackWaits[i][2]);
    waits.forEach((w) => (k.m[w - 1] = H_LIVE));
    [0, 1].forEach((i) => {
      asThread(k, i, () => init_wait(k, waits[i]));
      start(k, i, add_wait_queue, q, waits[i], 1);
      runToEnd(k, i);
      k.m[k.threads[i].task + TASK.off.state] = TASK_UNINTERRUPTIBLE;
    });
    start(k, 3, __wake_up, ...wake_up_all_args(q));
    runToEnd(k, 3);
    expect([0, 1].map((i) => k.m[k.threads[i].task + TASK.off.state])).toEqual([TASK_RUNNING, TASK_RUNNING]);
    expect(listEntries(k.m, q + WQ_HEAD.off.task_list)).toEqual([]);
  });
});

describe('spinlocks, irqs and sleeping', () => {
  it('an interrupt cannot run on a CPU whose irqs are off, but can on another CPU', () => {
    const k = harness();
    const l = k.addr.ctx + KIOCTX.off.ctx_lock;
    asThread(k, SUB, () => spin_lock_irq(k, l));
    k.raiseIrq(1, k.addr.pages[0], 1);
    const out: number[] = [];
    k.actions(out);
    const irqActions = out.filter((a) => a >= k.nThreads).map((a) => k.decode(a));
    expect(irqActions).toEqual([{ src: 0, cpu: 1 }]);
    asThread(k, SUB, () => spin_unlock_irq(k, l));
    out.length = 0;
    k.actions(out);
    expect(out.filter((a) => a >= k.nThreads).map((a) => k.decode(a))).toEqual([
      { src: 0, cpu: 0 },
      { src: 0, cpu: 1 },
    ]);
  });

  it('holding a spinlock makes the CPU non-preemptible; a contender spins until release', () => {
    const k = harness();
    const l = k.addr.ctx + KIOCTX.off.ctx_lock;
    asThread(k, SUB, () => spin_lock(k, l));
    k.setThreadWord('status', 1, SUB);
    // aio/0 is on the same CPU: it may not run while io_submit holds the lock
    k.setThreadWord('status', 1, W0);
    expect(k.threadEnabled(W0)).toBe(false);
    // aio/1 on cpu1 tries and spins
    k.setThreadWord('status', 1, W1);
    expect(asThread(k, W1, () => spin_lock(k, l))).toBe(false);
    expect(k.threadWord('status', W1)).toBe(T_SPIN);
    expect(k.threadEnabled(W1)).toBe(false);
    asThread(k, SUB, () => spin_unlock_irq(k, l));
    expect(k.threadEnabled(W1)).toBe(true);
  });

  it('unlocking a lock held by another thread and sleeping while atomic are lock-discipline violations', () => {
    const k = harness();
    const l = k.addr.ctx + KIOCTX.off.ctx_lock;
    asThread(k, SUB, () => spin_lock(k, l));
    expect(asThread(k, W1, () => spin_unlock_irq(k, l))).toBeInstanceOf(KernelStop);
    expect(panicCode(k)).toBe(PANIC_LOCK);

    const k2 = harness();
    asThread(k2, SUB, () => spin_lock(k2, l));
    asThread(k2, SUB, () => set_current_state(k2, TASK_UNINTERRUPTIBLE));
    start(k2, SUB, schedule, -1);
    step(k2, SUB);
    expect(panicCode(k2)).toBe(PANIC_LOCK);
  });

  it('schedule() sleeps until a wakeup makes the task RUNNING; a wakeup before schedule() prevents the sleep', () => {
    const k = harness();
    const t = k.threads[SUB].task;
    asThread(k, SUB, () => set_current_state(k, TASK_UNINTERRUPTIBLE));
    start(k, SUB, schedule, -1);
    step(k, SUB);
    expect(k.threadWord('status', SUB)).toBe(T_SLEEP);
    expect(k.threadEnabled(SUB)).toBe(false);
    k.m[t + TASK.off.state] = TASK_RUNNING;
    expect(k.threadEnabled(SUB)).toBe(true);

    const k2 = harness();
    asThread(k2, SUB, () => set_current_state(k2, TASK_UNINTERRUPTIBLE));
    k2.m[k2.threads[SUB].task + TASK.off.state] = TASK_RUNNING; // the wakeup came first
    start(k2, SUB, schedule, -1);
    step(k2, SUB);
    expect(k2.threadWord('depth', SUB)).toBe(0);
  });
});

describe('bitops and workqueues', () => {
  it('test_and_set_bit returns the old value', () => {
    const k = harness();
    const a = k.addr.kiocbs[0] + KIOCB.off.ki_flags;
    expect(asThread(k, SUB, () => test_and_set_bit(k, 1, a))).toBe(0);
    expect(asThread(k, SUB, () => test_and_set_bit(k, 1, a))).toBe(1);
    expect(k.m[a]).toBe(2);
  });

  it('queue_work does not queue a pending work item twice', () => {
    const k = harness();
    const work = k.addr.ctx + KIOCTX.off.wq;
    const cwq = k.addr.cwq.aio[0];
    asThread(k, SUB, () => {
      INIT_LIST_HEAD(k, cwqList(cwq));
      INIT_LIST_HEAD(k, cwq + CWQ.off.more_work + WQ_HEAD.off.task_list);
      INIT_WORK(k, work, 1, 0);
    });
    start(k, SUB, queue_work, AIO_WQ, work);
    runToEnd(k, SUB);
    start(k, SUB, queue_work, AIO_WQ, work);
    runToEnd(k, SUB);
    expect(listEntries(k.m, cwqList(cwq))).toEqual([work + WORK.off.entry]);
    expect(k.m[work + WORK.off.pending]).toBe(1);
  });
});
void WAITQ;
