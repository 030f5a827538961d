/**
 * Observation hooks: what the invariants see that is not kernel state, taken from the
 * machine's calls and returns rather than written into the kernel code.
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
import { FNS } from './fn.ts';
import { GLOBAL, type Machine } from './machine.ts';
import { TASK_RUNNING } from './structs.ts';

/** the system calls (and the process-exit path) the user programs enter, and the work functions the workers run */
export const RETURN_TASK_RUNNING = ['sys_io_submit', 'sys_io_getevents', 'io_destroy', 'exit_aio', 'generic_file_read', 'aio_kick_handler'] as const;

/** installs the hooks on machine k */
export function observe(k: Machine): void {
  const watch = new Uint8Array(FNS.length);
  /** fn id -> the ghost word its return value goes to */
  const result = new Map<number, number>();
  for (const f of FNS) {
    if (!f) continue;
    if ((RETURN_TASK_RUNNING as readonly string[]).includes(f.name)) watch[f.id] = 1;
    const word = RETURN_VALUE[f.name];
    if (word !== undefined) result.set(f.id, word);
  }
  k.returnWatch = watch;
  k.onWatchedReturn = (fnId, v) => {
    const state = k.task(k.current).state;
    if (state !== TASK_RUNNING && k.g(GLOBAL.RET_NOT_RUNNING) === 0) k.setG(GLOBAL.RET_NOT_RUNNING, (fnId + 1) * 8 + state);
    const word = result.get(fnId);
    if (word !== undefined) k.setG(word, v);
  };
}

/** the system calls whose return value an invariant reads, and the ghost word it goes to (each is also in RETURN_TASK_RUNNING) */
const RETURN_VALUE: Record<string, number> = { sys_io_submit: GLOBAL.SUBMIT_RET, sys_io_getevents: GLOBAL.GETEVENTS_RET };

/** the function and task state a RET_NOT_RUNNING word records */
export function returnedNotRunning(word: number): { fn: string; state: number } | null {
  if (!word) return null;
  return { fn: FNS[(word >> 3) - 1]?.name ?? '?', state: word & 7 };
}
