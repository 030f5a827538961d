/**
 * Reading a machine state back as kernel objects: what simulate prints at the end
 * of a run and what traces show at each step. Reads memory directly (no checks, no
 * steps), so it works on any state, including one after a panic.
 */
import { BLOCKING_POINTS, GLOBAL, GHOST, PANIC_NAMES, type Machine } from './machine.ts';
import { H_FREED, H_LIVE } from './mem.ts';
import { listEntries } from './kernel/list.ts';
import { IO_EVENT, KIOCB, KIOCTX, KI_WAIT_TASK_LIST, PAGE, PG_error, PG_locked, PG_uptodate, TASK, THREAD, WQ_HEAD, T_DONE, T_IDLE, T_RUN, T_SLEEP, T_SPIN } from './structs.ts';
import { fnByName } from './fn.ts';

const STATUS = { [T_IDLE]: 'idle', [T_RUN]: 'running', [T_SPIN]: 'spinning', [T_SLEEP]: 'sleeping', [T_DONE]: 'done' } as Record<number, string>;
const TSTATE = ['RUNNING', 'INTERRUPTIBLE', 'UNINTERRUPTIBLE'];

export function kiocbFlags(v: number): string {
  const n = ['LOCKED', 'KICKED', 'CANCELLED', 'STARTED'].filter((_, i) => v & (1 << i));
  return n.length ? n.join('|') : '0';
}

export function pageFlags(v: number): string {
  const n: string[] = [];
  if (v & (1 << PG_locked)) n.push('locked');
  if (v & (1 << PG_uptodate)) n.push('uptodate');
  if (v & (1 << PG_error)) n.push('error');
  return n.length ? n.join('|') : '0';
}

export interface StateSummary {
  panic: string | null;
  ctx: { users: number; reqs_active: number; dead: number; run_list: string[]; wait: number; ring: { head: number; tail: number } };
  kiocbs: { slot: number; state: 'unallocated' | 'live' | 'freed'; ki_users: number; ki_flags: string; ki_run_list: 'self' | 'NULL' | 'linked'; on_run_list: boolean; ki_wait_queued: boolean; ki_retried: number; ki_left: number }[];
  iocbs: { slot: number; submitted: boolean; completions: number; res: number | null; eventsRead: number; maxRunning: number; retries: number; buffer: number[] }[];
  pages: { index: number; flags: string; in_cache: boolean }[];
  buckets: { bucket: number; waiters: string[] }[];
  threads: { name: string; status: string; taskState: string | null; stack: string[]; iocb: number }[];
  blocking: { point: string; reached: boolean; sleptInAio: boolean }[];
  sync: { done: boolean; result: number } | null;
}

export function summarize(k: Machine): StateSummary {
  const m = k.m;
  const A = k.addr;
  const g = A.globals;
  const panicCode = m[g + GLOBAL.PANIC];
  const ctx = A.ctx;
  const rl = listEntries(m, ctx + KIOCTX.off.run_list);
  const slotOf = (a: number) => A.kiocbs.indexOf(a);
  const waiterName = (tl: number): string => {
    const w = tl - 3; // WAITQ.off.task_list
    const ki = w - KIOCB.off.ki_wait;
    if (A.kiocbs.includes(ki)) return `kiocb${slotOf(ki)}->ki_wait`;
    if (A.syncKiocbs.includes(ki)) return `sync kiocb->ki_wait`;
    return k.describe(w);
  };
  const tasks = k.threads.map((t) => t.task);
  return {
    panic: panicCode ? `${PANIC_NAMES[panicCode]}` : null,
    ctx: {
      users: m[ctx + KIOCTX.off.users],
      reqs_active: m[ctx + KIOCTX.off.reqs_active],
      dead: m[ctx + KIOCTX.off.dead],
      run_list: rl ? rl.map((p) => `kiocb${slotOf(p - KIOCB.off.ki_run_list)}`) : ['<corrupt>'],
      wait: (listEntries(m, ctx + KIOCTX.off.wait + WQ_HEAD.off.task_list) ?? []).length,
      ring: { head: m[ctx + KIOCTX.off.ring_head], tail: m[ctx + KIOCTX.off.ring_tail] },
    },
    kiocbs: A.kiocbs.map((a, i) => {
      const h = m[a - 1];
      const onRun = !!rl && rl.includes(a + KIOCB.off.ki_run_list);
      const tl = a + KI_WAIT_TASK_LIST;
      const queued = A.buckets.some((b) => (listEntries(m, b + WQ_HEAD.off.task_list) ?? []).includes(tl));
      return {
        slot: i,
        state: h === H_LIVE ? 'live' : h === H_FREED ? 'freed' : 'unallocated',
        ki_users: m[a + KIOCB.off.ki_users],
        ki_flags: kiocbFlags(m[a + KIOCB.off.ki_flags]),
        ki_run_list: m[a + KIOCB.off.ki_run_list] === a + KIOCB.off.ki_run_list ? 'self' : m[a + KIOCB.off.ki_run_list] === 0 ? 'NULL' : 'linked',
        on_run_list: onRun,
        ki_wait_queued: queued,
        ki_retried: m[a + KIOCB.off.ki_retried],
        ki_left: m[a + KIOCB.off.ki_left],
      } as const;
    }),
    iocbs: k.workload.iocbs.map((io, i) => ({
      slot: i,
      submitted: !!k.ghost(i, GHOST.SUBMITTED),
      completions: k.ghost(i, GHOST.COMPLETIONS),
      res: k.ghost(i, GHOST.POSTED) ? k.ghost(i, GHOST.RES) : null,
      eventsRead: k.ghost(i, GHOST.EVENTS_READ),
      maxRunning: k.ghost(i, GHOST.MAX_RUNNING),
      retries: k.ghost(i, GHOST.RETRIES),
      buffer: Array.from(m.subarray(A.userBufs[i], A.userBufs[i] + io.nbytes)),
    })),
    pages: A.pages.map((p, i) => ({ index: i, flags: pageFlags(m[p + PAGE.off.flags]), in_cache: !!m[p + PAGE.off.in_cache] })),
    buckets: A.buckets.map((b, i) => ({ bucket: i, waiters: (listEntries(m, b + WQ_HEAD.off.task_list) ?? ['<corrupt>' as unknown as number]).map((tl) => (typeof tl === 'number' ? waiterName(tl) : String(tl))) })),
    threads: k.threads.map((t, i) => ({
      name: t.name,
      status: STATUS[m[t.addr + THREAD.off.status]] ?? '?',
      taskState: t.task ? TSTATE[m[t.task + TASK.off.state]] ?? String(m[t.task + TASK.off.state]) : null,
      stack: k.stack(i).map((s) => `${s.fn}@${s.pc}`),
      iocb: t.task ? slotOf(m[t.task + TASK.off.iocb]) : -1,
    })),
    blocking: BLOCKING_POINTS.map((p, i) => ({ point: p, reached: !!(m[g + GLOBAL.BLOCKED_REACHED] & (1 << i)), sleptInAio: !!(m[g + GLOBAL.AIO_BLOCKED] & (1 << i)) })),
    sync: k.workload.syncReader ? { done: !!m[g + GLOBAL.SYNC_DONE], result: m[g + GLOBAL.SYNC_RESULT] } : null,
  };
  void tasks;
  void IO_EVENT;
  void fnByName;
}
