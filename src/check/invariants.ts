/**
 * The invariants, each with a stable name, checked on every state (or on every
 * terminal state) of an exploration. They read the machine's memory and the ghost
 * words the engine keeps for them; none of them knows about any particular bug.
 */
import type { Property, State } from '../explore/model.ts';
import { GLOBAL, GHOST, PANIC_BUG, PANIC_DEAD_FRAME, PANIC_ENGINE, PANIC_LOCK, PANIC_NAMES, PANIC_OOPS_NULL, PANIC_UAF, BLOCKING_POINTS, type Machine } from '../engine/machine.ts';
import { FNS, FR_FN, FR_PREV } from '../engine/fn.ts';
import { errnoName } from '../engine/fs/errno.ts';
import { H_FREED, H_LIVE } from '../engine/mem.ts';
import { listEntries } from '../engine/kernel/list.ts';
import { KIOCB, KIOCTX, PAGE, PG_locked, TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE, THREAD, T_DONE, T_SLEEP, T_SPIN, USER_IOCB } from '../engine/structs.ts';
import { IOCB_CMD_FDSYNC, IOCB_CMD_FSYNC, IOCB_CMD_PREAD, IOCB_CMD_PWRITE } from '../engine/aio/aio.ts';
import { expectedAioResult, expectedRead, fileByte } from '../engine/fs/file.ts';
import { returnedNotRunning } from '../engine/observe.ts';

const TASK_STATE_NAMES: Record<number, string> = { [TASK_INTERRUPTIBLE]: 'TASK_INTERRUPTIBLE', [TASK_UNINTERRUPTIBLE]: 'TASK_UNINTERRUPTIBLE' };

/** IOCB_CMD_* by name, for messages */
const opName = (op: number): string =>
  ({ [IOCB_CMD_PREAD]: 'IOCB_CMD_PREAD', [IOCB_CMD_PWRITE]: 'IOCB_CMD_PWRITE', [IOCB_CMD_FSYNC]: 'IOCB_CMD_FSYNC', [IOCB_CMD_FDSYNC]: 'IOCB_CMD_FDSYNC' })[op] ?? `opcode ${op}`;

export const INVARIANTS = [
  'no-double-retry',
  'no-complete-while-waiting',
  'ki-users-accounting',
  'ctx-accounting',
  'page-references',
  'one-completion',
  'progress',
  'run-list-integrity',
  'read-result',
  'operation-unchanged',
  'memory-safety',
  'lock-discipline',
  'task-running',
  'no-bug',
  'aio-never-blocks',
  'engine-sanity',
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export const INVARIANT_DOC: Record<InvariantName, string> = {
  'no-double-retry': "an iocb's retry method never runs in two contexts at once, and never after the iocb completed",
  'no-complete-while-waiting': "no aio_complete while the iocb's ki_wait is on a wait queue",
  'ki-users-accounting': 'ki_users never negative; the kiocb is freed exactly when its last reference drops; nothing leaks at quiescence',
  'ctx-accounting': "the kioctx's references (ctx->users: io_setup's, one per active request, lookup_ioctx's) are all dropped: when every user thread has finished, users is 1 + reqs_active, or the kioctx is freed once io_destroy or exit_aio has returned",
  'page-references': "every page reference taken (find_get_page, page_cache_get) is dropped: once every user thread has finished, a page in the page cache holds only the cache's reference and a page out of it none",
  'one-completion': 'exactly one completion per submitted iocb, and its event delivered to user space at most once',
  progress: 'every submitted iocb completes and every user thread finishes whenever the system runs out of other work',
  'run-list-integrity': 'the run list stays well-formed; an iocb is on it at most once and never after its completion is posted',
  'read-result': "each completion's result and the user's buffer are what the operation should give (the read's bytes, a short read at EOF, the I/O error, -EINVAL without a method), and io_getevents returns the number of events it delivered (at least min_nr when it waits without a timeout)",
  'operation-unchanged': "an iocb's operation and buffer stay what io_submit was given: ki_opcode and ki_nbytes never change, and ki_buf and ki_left move only together, as the transfer advances them",
  'memory-safety': 'no NULL dereference, no access to a freed kiocb or kioctx or to a stack object after its frame is gone',
  'lock-discipline': "no sleeping while holding a spinlock or in interrupt context, locks released by their holder, a wait queue's list changed only under its lock, no deadlock, no page left locked",
  'task-running': 'a task leaves a system call, and a worker a work function, TASK_RUNNING (not still TASK_UNINTERRUPTIBLE or TASK_INTERRUPTIBLE from a wait it did not finish)',
  'no-bug': 'no BUG_ON fires',
  'aio-never-blocks': 'in aio context (current->iocb set) no synchronous sleep happens',
  'engine-sanity': 'the engine itself never fails (a JavaScript exception is a bug of the engine, not of the kernel)',
};

/** the column heading of each invariant in check's matrices (the legend above them spells each out) */
export const INVARIANT_SHORT: Record<InvariantName, string> = {
  'no-double-retry': 'NDR',
  'no-complete-while-waiting': 'NCW',
  'ki-users-accounting': 'KUA',
  'ctx-accounting': 'CTX',
  'page-references': 'PGR',
  'one-completion': 'ONE',
  progress: 'PRG',
  'run-list-integrity': 'RLI',
  'read-result': 'RES',
  'operation-unchanged': 'OPU',
  'memory-safety': 'MEM',
  'lock-discipline': 'LCK',
  'task-running': 'TRN',
  'no-bug': 'BUG',
  'aio-never-blocks': 'ANB',
  'engine-sanity': 'ENG',
};

export function isInvariant(n: string): n is InvariantName {
  return (INVARIANTS as readonly string[]).includes(n);
}

/** the invariants as Properties over the states of machine k */
export function invariants(k: Machine): Property[] {
  const A = k.addr;
  const w = k.workload;
  const n = w.iocbs.length;
  const gh = (s: State, i: number, word: number) => s[A.ghost + i * GHOST.SIZE + word];
  const panic = (s: State) => s[A.globals + GLOBAL.PANIC];
  const panicIn = (s: State) => FNS[s[A.globals + GLOBAL.PANIC_FN]]?.name ?? '?';
  const userThreads = k.threads.map((t, i) => ({ t, i })).filter(({ t }) => t.role === 'submitter' || t.role === 'sync-reader' || t.role === 'getevents');
  const status = (s: State, i: number) => s[k.threads[i].addr + THREAD.off.status];
  /** every user thread has finished (until then one may still hold a reference it is using: progress judges why it is stuck) */
  const usersDone = (s: State) => userThreads.every(({ i }) => status(s, i) === T_DONE);
  // where thread i is: asleep or spinning, in its innermost functions (innermost first)
  const whereIs = (s: State, i: number): string => {
    const names: string[] = [];
    // frames are stack addresses: in a packed state each stack follows the heap and the stacks before it
    const at = (a: number) => k.packedStackAddr(s, i, a);
    for (let fr = s[k.threads[i].addr + THREAD.off.fp]; fr && names.length < 64; fr = s[at(fr) + FR_PREV]) names.push(FNS[s[at(fr) + FR_FN]]?.name ?? '?');
    const st = status(s, i);
    const how = st === T_SLEEP ? 'asleep' : st === T_SPIN ? `spinning on ${k.describe(s[k.threads[i].addr + THREAD.off.spin_on])}` : 'runnable';
    return `${how} in ${names.slice(0, 3).join(' < ')}`;
  };
  // what a correct kernel completes each iocb with (null: io_submit rejects it, no event)
  const expected = w.iocbs.map((io) => expectedAioResult(w, io));
  // what each 'always' check reads when it holds (Property.reads)
  const ghosts = (...words: number[]) => A.kiocbs.flatMap((_, i) => words.map((x) => A.ghost + i * GHOST.SIZE + x));
  const panicWords = [A.globals + GLOBAL.PANIC, A.globals + GLOBAL.PANIC_FN];
  const range = (a: number, n: number) => Array.from({ length: n }, (_, j) => a + j);
  const runList = A.ctx + KIOCTX.off.run_list;

  const props: Property[] = [
    {
      name: 'no-double-retry',
      kind: 'always',
      reads: ghosts(GHOST.MAX_RUNNING, GHOST.LATE_RETRY),
      check(s) {
        for (let i = 0; i < n; i++) {
          if (gh(s, i, GHOST.MAX_RUNNING) > 1) return `iocb${i}: the retry method runs in two contexts at once`;
          if (gh(s, i, GHOST.LATE_RETRY)) return `iocb${i}: the retry method ran after aio_complete`;
        }
        return null;
      },
    },
    {
      name: 'no-complete-while-waiting',
      kind: 'always',
      reads: ghosts(GHOST.COMPLETE_WHILE_WAITING),
      check(s) {
        for (let i = 0; i < n; i++) if (gh(s, i, GHOST.COMPLETE_WHILE_WAITING)) return `iocb${i}: aio_complete while ki_wait is on a wait queue`;
        return null;
      },
    },
    {
      name: 'ki-users-accounting',
      kind: 'always',
      reads: [...panicWords, ...A.kiocbs.flatMap((a) => [a - 1, a + KIOCB.off.ki_users]), ...ghosts(GHOST.FREED)],
      check(s) {
        if (panic(s) === PANIC_BUG && panicIn(s) === '__aio_put_req') return 'ki_users went negative (BUG in __aio_put_req)';
        for (let i = 0; i < n; i++) {
          const a = A.kiocbs[i];
          if (s[a - 1] === H_LIVE && s[a + KIOCB.off.ki_users] < 0) return `kiocb${i}: ki_users = ${s[a + KIOCB.off.ki_users]}`;
          if (gh(s, i, GHOST.FREED) > 1) return `kiocb${i} freed twice`;
        }
        return null;
      },
    },
    {
      name: 'ki-users-accounting',
      kind: 'at-quiescence',
      check(s) {
        if (panic(s)) return null;
        const ra = s[A.ctx + KIOCTX.off.reqs_active];
        if (ra !== 0) {
          const leaked = A.kiocbs.map((a, i) => (s[a - 1] === H_LIVE ? `kiocb${i} (ki_users=${s[a + KIOCB.off.ki_users]})` : '')).filter(Boolean);
          return `quiescent with reqs_active = ${ra}: leaked ${leaked.join(', ') || 'kiocbs'}`;
        }
        return null;
      },
    },
    {
      name: 'ctx-accounting',
      kind: 'at-quiescence',
      check(s) {
        if (panic(s)) return null;
        // a user thread still inside a system call holds its lookup_ioctx reference (progress judges why it is stuck)
        if (!usersDone(s)) return null;
        const live = s[A.ctx - 1] === H_LIVE;
        const users = s[A.ctx + KIOCTX.off.users];
        // the submitter runs io_destroy or exits (exit_aio) at the end of its program
        const torn = w.destroy || w.exit;
        if (torn) return live ? `${w.destroy ? 'io_destroy' : 'exit_aio'} has returned but the kioctx is still alive (users = ${users})` : null;
        if (!live) return 'the kioctx was freed though nothing tore it down';
        const ra = s[A.ctx + KIOCTX.off.reqs_active];
        return users === 1 + ra ? null : `quiescent with ctx->users = ${users}, reqs_active = ${ra}: ${users > 1 + ra ? 'a reference was never dropped' : 'a reference was dropped twice'}`;
      },
    },
    {
      name: 'page-references',
      kind: 'at-quiescence',
      check(s) {
        if (panic(s)) return null;
        // a thread still inside a system call may hold a page it is reading (progress judges why it is stuck)
        if (!usersDone(s)) return null;
        for (let p = 0; p < A.pages.length; p++) {
          const count = s[A.pages[p] + PAGE.off.count];
          const want = s[A.pages[p] + PAGE.off.in_cache] ? 1 : 0;
          if (count !== want) return `page${p} has ${count} references at quiescence, ${want ? 'the page cache holds 1' : 'and is not in the page cache'}: ${count > want ? 'a reference was never dropped' : 'a reference was dropped twice'}`;
        }
        return null;
      },
    },
    {
      name: 'one-completion',
      kind: 'always',
      reads: ghosts(GHOST.COMPLETIONS, GHOST.EVENTS_READ),
      check(s) {
        for (let i = 0; i < n; i++) {
          if (gh(s, i, GHOST.COMPLETIONS) > 1) return `iocb${i} completed ${gh(s, i, GHOST.COMPLETIONS)} times`;
          if (gh(s, i, GHOST.EVENTS_READ) > gh(s, i, GHOST.COMPLETIONS)) return `iocb${i}'s event delivered to user space ${gh(s, i, GHOST.EVENTS_READ)} times, completed ${gh(s, i, GHOST.COMPLETIONS)}`;
        }
        return null;
      },
    },
    {
      name: 'one-completion',
      kind: 'at-quiescence',
      check(s) {
        if (panic(s)) return null;
        for (let i = 0; i < n; i++) if (gh(s, i, GHOST.SUBMITTED) && gh(s, i, GHOST.COMPLETIONS) !== 1) return `iocb${i} submitted but completed ${gh(s, i, GHOST.COMPLETIONS)} times`;
        return null;
      },
    },
    {
      name: 'progress',
      kind: 'at-quiescence',
      check(s) {
        if (panic(s)) return null;
        for (const { t, i } of userThreads) if (status(s, i) !== T_DONE) return `stuck: the ${t.name} thread is ${whereIs(s, i)}, and nothing is left to wake it`;
        for (let i = 0; i < n; i++) if (gh(s, i, GHOST.SUBMITTED) && !gh(s, i, GHOST.COMPLETIONS)) return `iocb${i} stranded: submitted, never completed, nothing left to run it`;
        return null;
      },
    },
    {
      name: 'run-list-integrity',
      kind: 'always',
      // "completed" is judged once aio_complete has posted the event (GHOST.POSTED), not at its entry:
      // between the two, aio_complete may still take the iocb off the run list itself (completeDelRunList)
      reads: [runList, runList + 1, ...A.kiocbs.flatMap((a) => [a - 1, a + KIOCB.off.ki_run_list, a + KIOCB.off.ki_run_list + 1]), ...ghosts(GHOST.POSTED)],
      check(s) {
        const head = runList;
        if (s[head] === head && s[head + 1] === head) return null; // empty and well-formed: the common case
        const rl = listEntries(s, head);
        if (!rl) return 'ctx->run_list is corrupt (broken links or a cycle)';
        for (const p of rl) {
          const a = p - KIOCB.off.ki_run_list;
          const i = A.kiocbs.indexOf(a);
          if (i < 0) return 'ctx->run_list holds something that is not a kiocb';
          if (s[a - 1] === H_FREED) return `freed kiocb${i} on the run list`;
          if (gh(s, i, GHOST.POSTED)) return `kiocb${i} on the run list after its completion was posted`;
        }
        return null;
      },
    },
    {
      name: 'read-result',
      kind: 'always',
      // judged on the event aio_complete posted (GHOST.RES is what it carries, from the moment it is in the ring)
      reads: [...ghosts(GHOST.POSTED, GHOST.RES), ...w.iocbs.flatMap((io, i) => range(A.userBufs[i], io.nbytes)), A.globals + GLOBAL.SYNC_DONE, A.globals + GLOBAL.SYNC_RESULT],
      check(s) {
        for (let i = 0; i < n; i++) {
          const e = expected[i];
          if (e === null || !gh(s, i, GHOST.POSTED)) continue;
          const res = gh(s, i, GHOST.RES);
          if (res !== e) return `iocb${i} completed with ${errnoName(res)}, expected ${errnoName(e)}`;
          const io = w.iocbs[i];
          if (io.op !== 'pread') continue;
          for (let j = 0; j < Math.max(0, res); j++) {
            const got = s[A.userBufs[i] + j];
            if (got !== fileByte(io.offset + j)) return `iocb${i}: user buffer byte ${j} is ${got}, file has ${fileByte(io.offset + j)}`;
          }
        }
        const sr = w.syncReader;
        if (sr && s[A.globals + GLOBAL.SYNC_DONE]) {
          const e = expectedRead(w, sr.offset, sr.nbytes);
          const got = s[A.globals + GLOBAL.SYNC_RESULT];
          if (got !== e) return `sync read returned ${errnoName(got)}, expected ${errnoName(e)}`;
        }
        return null;
      },
    },
    {
      // io_getevents' own result: the number of events it copied out (one caller; with two the ghost word is shared),
      // and with no timeout and no signal at least min_nr of them
      name: 'read-result',
      kind: 'at-quiescence',
      check(s) {
        const g = w.getevents;
        if (panic(s) || !g || g.callers === 2) return null;
        if (!usersDone(s)) return null;
        const ret = s[A.globals + GLOBAL.GETEVENTS_RET];
        if (ret < 0) return null;
        let delivered = 0;
        for (let i = 0; i < n; i++) delivered += gh(s, i, GHOST.EVENTS_READ);
        if (ret !== delivered) return `io_getevents returned ${ret} but delivered ${delivered} event${delivered === 1 ? '' : 's'}`;
        if (g.timeout === 'none' && !g.signal && ret < g.min_nr) return `io_getevents with no timeout returned ${ret} events, fewer than min_nr ${g.min_nr}`;
        if (ret > g.nr) return `io_getevents returned ${ret} events, more than nr ${g.nr}`;
        return null;
      },
    },
    {
      // what io_submit_one copied into the kiocb (the patches' ki_opcode/ki_buf/ki_left/ki_nbytes;
      // 2.5.62 dispatches on the user's iocb and has nothing to change) against the user's iocb
      name: 'operation-unchanged',
      kind: 'always',
      reads: [...A.kiocbs.flatMap((a) => [a - 1, a + KIOCB.off.ki_opcode, a + KIOCB.off.ki_buf, a + KIOCB.off.ki_left, a + KIOCB.off.ki_nbytes]), ...ghosts(GHOST.FILLED)],
      check(s) {
        for (let i = 0; i < n; i++) {
          const a = A.kiocbs[i];
          if (!gh(s, i, GHOST.FILLED) || s[a - 1] !== H_LIVE) continue;
          const u = A.userIocbs[i];
          const op = s[a + KIOCB.off.ki_opcode];
          if (op !== s[u + USER_IOCB.off.aio_lio_opcode]) return `iocb${i} was submitted as ${opName(s[u + USER_IOCB.off.aio_lio_opcode])} and now runs as ${opName(op)}`;
          const nbytes = s[a + KIOCB.off.ki_nbytes];
          if (nbytes !== s[u + USER_IOCB.off.aio_nbytes]) return `iocb${i}: ki_nbytes is ${nbytes}, io_submit was given ${s[u + USER_IOCB.off.aio_nbytes]}`;
          const left = s[a + KIOCB.off.ki_left];
          const moved = s[a + KIOCB.off.ki_buf] - s[u + USER_IOCB.off.aio_buf];
          if (left < 0 || left > nbytes || moved !== nbytes - left) return `iocb${i}: ki_buf has moved ${moved} and ki_left is ${left} of ${nbytes}`;
        }
        return null;
      },
    },
    {
      name: 'memory-safety',
      kind: 'always',
      reads: panicWords,
      check(s) {
        const p = panic(s);
        if (p === PANIC_OOPS_NULL || p === PANIC_UAF || p === PANIC_DEAD_FRAME) return `${PANIC_NAMES[p]} in ${panicIn(s)}`;
        return null;
      },
    },
    {
      name: 'lock-discipline',
      kind: 'always',
      reads: panicWords,
      check(s) {
        if (panic(s) === PANIC_LOCK) return `lock discipline broken in ${panicIn(s)}`;
        return null;
      },
    },
    {
      name: 'lock-discipline',
      kind: 'at-quiescence',
      check(s) {
        if (panic(s)) return null;
        for (let i = 0; i < k.threads.length; i++) if (status(s, i) === T_SPIN) return `deadlock: ${k.threads[i].name} spins forever`;
        for (let p = 0; p < A.pages.length; p++) if (s[A.pages[p] + PAGE.off.flags] & (1 << PG_locked)) return `page${p} left locked`;
        return null;
      },
    },
    {
      name: 'task-running',
      kind: 'always',
      reads: [A.globals + GLOBAL.RET_NOT_RUNNING],
      check(s) {
        const r = returnedNotRunning(s[A.globals + GLOBAL.RET_NOT_RUNNING]);
        return r ? `${r.fn} returned with its task ${TASK_STATE_NAMES[r.state] ?? `in state ${r.state}`}` : null;
      },
    },
    {
      name: 'no-bug',
      kind: 'always',
      reads: panicWords,
      check(s) {
        if (panic(s) === PANIC_BUG) return `BUG in ${panicIn(s)}`;
        return null;
      },
    },
    {
      name: 'aio-never-blocks',
      kind: 'always',
      reads: [A.globals + GLOBAL.AIO_BLOCKED],
      check(s) {
        const b = s[A.globals + GLOBAL.AIO_BLOCKED];
        if (!b) return null;
        return `slept synchronously in aio context at ${BLOCKING_POINTS.filter((_, i) => b & (1 << i)).join(', ')}`;
      },
    },
    {
      name: 'engine-sanity',
      kind: 'always',
      reads: panicWords,
      check(s) {
        if (panic(s) === PANIC_ENGINE) return `engine error in ${panicIn(s)}`;
        return null;
      },
    },
  ];
  return props;
}
