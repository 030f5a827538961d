/**
 * The machine: kernel memory + threads + a scheduler that owns every interleaving.
 *
 * A `Machine` is a cursor over one state (an Int32Array): `load(state)` points it at
 * a copy, `act(a)` runs one scheduler action (a thread's transition, or an interrupt
 * delivered on a CPU), and the state is the whole truth: thread stacks (function,
 * program point, locals) included. The same actions always give the same run.
 */
import { CUR, FNS, FR_FN, FR_PC, FR_PREV, FR_RV, FR_LOCALS, bodyTable, fnById, type FnRef, type HelperHook, type KFn } from './fn.ts';
import { allocState } from '../explore/alloc.ts';
import { WordHash } from './fingerprint.ts';
import { type FieldSpec, type StructDef, H_LIVE, LayoutBuilder, checkAddr, view, type MemCtx, type View } from './mem.ts';
import {
  CPU,
  CWQ,
  FILE,
  IO_EVENT,
  IRQ_SRC,
  KIOCB,
  KIOCTX,
  PAGE,
  TASK,
  THREAD,
  T_DONE,
  T_IDLE,
  T_RUN,
  T_SLEEP,
  T_SPIN,
  TASK_RUNNING,
  USER_IOCB,
  WAITQ,
  WQ_HEAD,
  WORK,
} from './structs.ts';
import type { Variant } from './variants.ts';
import type { Workload } from './workload.ts';
import type { ModelEvent } from '../../models/events.ts';


// hot-path offsets, read once (imported bindings are getters under the TS loader)
const TH_STATUS = THREAD.off.status;
const TH_FP = THREAD.off.fp;
const TH_SP = THREAD.off.sp;
const TH_PREEMPT = THREAD.off.preempt;
const TH_SPIN_ON = THREAD.off.spin_on;
const TH_DEPTH = THREAD.off.depth;
const CPU_IRQ_THREAD = CPU.off.irq_thread;
const CPU_IRQS_OFF = CPU.off.irqs_off;
const IRQ_KIND = IRQ_SRC.off.kind;
const TASK_STATE = TASK.off.state;
const STRUCT_IDS = [KIOCB, KIOCTX, TASK, PAGE, FILE, WAITQ, WORK, USER_IOCB, IO_EVENT] as unknown as StructDef<FieldSpec>[];

/** dead-variable reduction on by default (every kernel function is compiled; --no-reduce=dead turns it off) */
const DEAD_DEFAULT = true;

type KFnLike = { name: string; atomicAt?: (string | undefined)[] };

/** the labels of an action that emitted none (shared: most actions emit none) */
const NO_LABELS: readonly string[] = Object.freeze([]);

/** stack words per thread (frames are 4 words + parameters + locals) */
export const STACK_WORDS = 160;

/** interrupt sources: kind -> handler, registered by the modules that raise them */
export const IRQ = {
  DISK_READ: 1, // a page read finishes: end_page_read(page, ok)
  DIO_DONE: 2, // the last bio of an async O_DIRECT read: dio_bio_end_aio(iocb, result)
  TIMER: 3, // read_events' timeout: timeout_func(task)
  SIGNAL: 4, // a signal is delivered to a sleeping task
  EVENT_DONE: 5, // a generic blocking point's event happens (metadata read, request freed, congestion over, user page in)
} as const;
export const IRQ_HANDLERS: (FnRef | undefined)[] = [];
export function registerIrq(kind: number, fn: FnRef): void {
  IRQ_HANDLERS[kind] = fn;
}

/** Why the run stopped with a violation (stored in the state, word PANIC) */
export const PANIC_NONE = 0;
export const PANIC_BUG = 1; // BUG_ON / BUG()
export const PANIC_OOPS_NULL = 2; // NULL pointer dereference
export const PANIC_UAF = 3; // access to a freed kiocb / kioctx
export const PANIC_DEAD_FRAME = 4; // access to a stack object after its frame returned
export const PANIC_LOCK = 5; // lock discipline: sleeping while atomic, unlock by non-holder, ...
export const PANIC_ENGINE = 6; // the engine itself failed (a JavaScript exception): a bug of ours
export const PANIC_NAMES = ['', 'BUG', 'oops: NULL pointer dereference', 'use after free', 'access to a dead stack frame', 'lock discipline', 'engine error'];

/** thrown to end a step after a panic was recorded (not an Error: no stack trace to capture) */
export class KernelStop {
  constructor(readonly message: string) {}
}

/** thread roles; the role decides the main function and the CPU */
export type ThreadRole = 'submitter' | 'sync-reader' | 'getevents' | 'aio-worker' | 'keventd' | 'irq';

export interface ThreadInfo {
  role: ThreadRole;
  name: string; // e.g. "io_submit", "aio/1", "events/0", "irq/0"
  cpu: number;
  task: number; // task_struct address (0 for irq slots)
  addr: number; // thread record address
  stack: number; // stack region address (after the heap)
}

/** Static addresses of everything in a machine built for a workload. */
export interface Addrs {
  globals: number;
  ctx: number;
  kiocbs: number[]; // slab slots, in allocation order
  syncKiocbs: number[]; // per task: a kiocb in generic_file_read's stack frame (0 if none)
  userIocbs: number[];
  userBufs: number[]; // one word per model byte
  userBufPresent: number[]; // per iocb: one word per user page (1 = present)
  ringEvents: number[];
  pages: number[];
  buckets: number[];
  files: number[];
  tasks: number[];
  stackWaits: number[][]; // per task: wait_queue_t entries of its stack frames, by slot
  threads: number[];
  cpus: number[];
  cwq: { aio: number[]; keventd: number[] };
  fputWork: number;
  irqSrcs: number[];
  ghost: number; // per-iocb ghost words
  reqWait: number; // request-queue wait (get_request_wait)
  congestionWait: number;
  iSem: number; // inode->i_sem: owner thread+1
  iSemWait: number;
  syncBuf: number; // the sync reader's user buffer
}

/** global words */
export const GLOBAL = {
  PANIC: 0,
  PANIC_ARG: 1,
  PANIC_FN: 2,
  PANIC_PC: 3,
  AIO_BLOCKED: 4, // bitmask of blocking points that slept synchronously in aio context
  BLOCKED_REACHED: 5, // bitmask of blocking points reached at all
  DISK_BUSY: 6, // number of disk requests in flight
  SYNC_RESULT: 7, // generic_file_read's return value (sync reader)
  SYNC_DONE: 8,
  SUBMIT_RET: 9, // (ghost, src/engine/observe.ts) what sys_io_submit returned
  GETEVENTS_RET: 10, // (ghost, src/engine/observe.ts) what sys_io_getevents returned, on any path
  FS_FLAGS: 11, // the fs/mm model's once-only blocking points and pending events (src/engine/mm/blocking.ts)
  RET_NOT_RUNNING: 12, // (ghost, src/engine/observe.ts) the first system call or work function that returned with its task not TASK_RUNNING: (fn id + 1) * 8 + the task's state
  IOCTX_LIST: 13, // mm->ioctx_list: the kioctx while it is on the process's list (io_setup puts it there, io_destroy takes it off), else 0
  SIZE: 14,
} as const;

/** ghost words per iocb (not kernel state: what the invariants observe) */
export const GHOST = {
  SUBMITTED: 0,
  RUNNING: 1, // contexts currently inside the retry method
  RETRIES: 2, // times the retry method has been entered
  COMPLETIONS: 3, // aio_complete calls
  RES: 4, // the result the first event aio_complete posted for it carries
  FREED: 5, // times the kiocb was freed
  EVENTS_READ: 6, // events delivered to user space by io_getevents
  MAX_RUNNING: 7,
  LATE_RETRY: 8, // the retry method was entered after aio_complete
  COMPLETE_WHILE_WAITING: 9, // aio_complete ran while ki_wait was on a wait queue
  POSTED: 10, // aio_complete has put the iocb's event in the ring (under ctx_lock, after its own run-list removal)
  FILLED: 11, // io_submit_one has copied the operation into the kiocb (ki_opcode, ki_buf, ki_nbytes: the patches' fields)
  SIZE: 12,
} as const;

/** Blocking points (Andrew Morton's list in the thread, plus the read path's own) */
export const BLOCKING_POINTS = [
  'lock_page', // __lock_page: synchronous page lock wait
  'wait_on_page_locked', // wait_on_page_bit(PG_locked)
  'wait_on_buffer', // read of an indirect / metadata block
  'get_request_wait', // request allocation
  'blk_congestion_wait', // page allocator under congestion
  'copy_to_user_fault', // the actor's user copy faults and sleeps
  'i_sem', // write() -> down(&inode->i_sem)
  'balance_dirty_pages', // dirty throttling
  'wait_on_sync_kiocb', // a sync kiocb waiting for its completion
] as const;
export type BlockingPoint = (typeof BLOCKING_POINTS)[number];

export interface TraceStep {
  thread: number;
  fn: string;
  pc: number;
  text?: string;
}

export interface MachineOptions {
  /** record a step-by-step trace (simulate, traces): slower */
  trace?: boolean;
  /** record model events for the xstate lockstep */
  modelEvents?: boolean;
  /** merge steps that cannot interleave observably (default true; see Machine.pp) */
  reduce?: boolean;
  /** dead-variable reduction: reset the frame words dead at each program point (default true; src/engine/reductions.ts) */
  dead?: boolean;
  /** EngineModel: `next` returns a view of a reused buffer (for explorers that copy what they keep) */
  transient?: boolean;
}

export class Machine implements MemCtx {
  m: Int32Array;
  readonly owner: Int32Array;
  readonly size: number;
  readonly addr: Addrs;
  readonly threads: ThreadInfo[];
  readonly names: { addr: number; size: number; name: string; def?: StructDef<FieldSpec> }[];
  /** words before the first stack region */
  readonly heapEnd: number;
  visible = false;
  /** diagnostics (printk, WARN_ON, BUG_ON text) emitted by the last action */
  labels: readonly string[] = NO_LABELS;
  trace: TraceStep[] | null;
  modelEvents: ModelEvent[] | null;
  /** thread currently executing (index into threads) */
  cur = -1;
  private stepCount = 0;

  constructor(
    readonly workload: Workload,
    readonly variant: Variant,
    readonly main: Partial<Record<ThreadRole, FnRef>>,
    opts: MachineOptions = {},
  ) {
    const w = workload;
    const v = variant;
    this.trace = opts.trace ? [] : null;
    this.modelEvents = opts.modelEvents ? [] : null;
    const L = new LayoutBuilder();
    const nIocbs = w.iocbs.length;
    const globals = L.alloc(GLOBAL.SIZE, 'globals');
    const ctx = L.allocStruct(KIOCTX, 'ctx', true);
    const kiocbs = w.iocbs.map((_, i) => L.allocStruct(KIOCB, `kiocb${i}`, true));
    const userIocbs = w.iocbs.map((_, i) => L.allocStruct(USER_IOCB, `iocb${i}`));
    const userBufs = w.iocbs.map((io, i) => L.alloc(Math.max(1, io.nbytes), `buf${i}`));
    const userPages = (n: number) => Math.max(1, Math.ceil(n / w.pageSize));
    const userBufPresent = w.iocbs.map((io, i) => L.alloc(userPages(io.nbytes), `buf${i}.present`));
    const ringNr = nIocbs + 2;
    const ringEvents = Array.from({ length: ringNr }, (_, i) => L.allocStruct(IO_EVENT, `ring[${i}]`));
    const nPages = Math.max(1, Math.ceil(w.fileSize / w.pageSize));
    const pages = Array.from({ length: nPages }, (_, i) => L.allocStruct(PAGE, `page${i}`));
    const nBuckets = Math.max(1, ...w.buckets.map((b) => b + 1));
    const buckets = Array.from({ length: nBuckets }, (_, i) => L.allocStruct(WQ_HEAD, `zone->wait_table[${i}]`));
    const files = [L.allocStruct(FILE, 'file')];
    // threads and their tasks
    const roles: { role: ThreadRole; name: string; cpu: number }[] = [];
    roles.push({ role: 'submitter', name: 'io_submit', cpu: 0 });
    if (w.syncReader) roles.push({ role: 'sync-reader', name: 'read', cpu: w.syncReader.cpu ?? 1 % w.cpus });
    if (w.getevents?.thread || w.getevents?.callers === 2) roles.push({ role: 'getevents', name: 'io_getevents', cpu: w.getevents.cpu ?? 1 % w.cpus });
    const workerCpus = w.workerCpus ?? Array.from({ length: w.cpus }, (_, c) => c);
    for (const c of workerCpus) roles.push({ role: 'aio-worker', name: `aio/${c}`, cpu: c });
    if (v.keventd) for (const c of workerCpus) roles.push({ role: 'keventd', name: `events/${c}`, cpu: c });
    const tasks: number[] = [];
    const syncKiocbs: number[] = [];
    const stackWaits: number[][] = [];
    const threads: ThreadInfo[] = [];
    roles.forEach((r, i) => {
      const task = L.allocStruct(TASK, `task:${r.name}`);
      tasks.push(task);
      syncKiocbs.push(r.role === 'sync-reader' ? L.allocStruct(KIOCB, `${r.name}:kiocb(stack)`, true) : 0);
      stackWaits.push(Array.from({ length: 3 }, (_, s) => L.allocStruct(WAITQ, `${r.name}:wait${s}(stack)`, true)));
      const addr = L.alloc(THREAD.size, `thread:${r.name}`);
      threads.push({ role: r.role, name: r.name, cpu: r.cpu, task, addr, stack: 0 });
      void i;
    });
    const cpus: number[] = [];
    for (let c = 0; c < w.cpus; c++) {
      cpus.push(L.allocStruct(CPU, `cpu${c}`));
      const addr = L.alloc(THREAD.size, `thread:irq/${c}`);
      threads.push({ role: 'irq', name: `irq/${c}`, cpu: c, task: 0, addr, stack: 0 });
    }
    const cwq = {
      aio: Array.from({ length: w.cpus }, (_, c) => L.allocStruct(CWQ, `aio_wq/${c}`)),
      keventd: Array.from({ length: w.cpus }, (_, c) => L.allocStruct(CWQ, `keventd_wq/${c}`)),
    };
    const fputWork = L.allocStruct(WORK, 'fput_work');
    // disk reads in flight, one per page, plus one per retry of each iocb (a retried O_DIRECT read resubmits), timers, signals
    const nIrq = w.irqSources ?? nPages + nIocbs * (w.retryCap + 2) + 3;
    const irqSrcs = Array.from({ length: nIrq }, (_, i) => L.allocStruct(IRQ_SRC, `irqsrc${i}`));
    const ghost = L.alloc(GHOST.SIZE * Math.max(1, nIocbs), 'ghost');
    const reqWait = L.allocStruct(WQ_HEAD, 'q->wait_for_request');
    const congestionWait = L.allocStruct(WQ_HEAD, 'congestion_wqh');
    const iSem = L.alloc(1, 'inode->i_sem');
    const iSemWait = L.allocStruct(WQ_HEAD, 'i_sem.wait');
    const syncBuf = L.alloc(Math.max(1, w.syncReader?.nbytes ?? 1), 'syncbuf');
    // the stacks come last: a state is packed as the heap plus each stack's words in use
    this.heapEnd = L.size;
    for (const t of threads) t.stack = L.alloc(STACK_WORDS, `stack:${t.name}`);
    this.addr = {
      globals, ctx, kiocbs, syncKiocbs, userIocbs, userBufs, userBufPresent, ringEvents, pages, buckets, files, tasks, stackWaits,
      threads: threads.map((t) => t.addr), cpus, cwq, fputWork, irqSrcs, ghost, reqWait, congestionWait, iSem, iSemWait, syncBuf,
    };
    this.threads = threads;
    this.size = L.size;
    this.owner = L.ownerTable();
    this.names = L.names;
    this.m = new Int32Array(this.size);
    this.workMem = this.m;
    this.cpuPeers = Array.from({ length: w.cpus }, (_, c) => threads.map((t, i) => (t.cpu === c && t.role !== 'irq' ? i : -1)).filter((i) => i >= 0));
    this.views = STRUCT_IDS.map(() => new Array<unknown>(this.size).fill(undefined));
    this.dirty = new Uint8Array(this.size);
    this.logAddr = new Int32Array(this.size);
    this.logOld = new Int32Array(this.size);
    this.hash = new WordHash(this.size);
    this.oldSp = new Int32Array(threads.length);
    // what ctx_lock protects: the run list, active_reqs and every async kiocb's
    // ki_run_list, ki_list and ki_users (fs/aio.c touches them only under ctx->ctx_lock)
    this.prot = new Int32Array(this.size);
    const cl = ctx + KIOCTX.off.ctx_lock;
    const protect = (a: number, n: number) => this.prot.fill(cl, a, a + n);
    protect(ctx + KIOCTX.off.run_list, 2);
    protect(ctx + KIOCTX.off.active_reqs, 2);
    for (const a of kiocbs) {
      protect(a + KIOCB.off.ki_run_list, 2);
      protect(a + KIOCB.off.ki_list, 2);
      protect(a + KIOCB.off.ki_users, 1);
    }
    // lockdep's part of the machine: a wait queue's list is linked and unlinked only under
    // the queue's own lock (kernel/fork.c and kernel/sched.c take q->lock around every change)
    this.listLock = new Int32Array(this.size);
    for (const q of [...buckets, ctx + KIOCTX.off.wait, reqWait, congestionWait, iSemWait, ...[...cwq.aio, ...cwq.keventd].map((c) => c + CWQ.off.more_work)])
      this.listLock[q + WQ_HEAD.off.task_list] = q + WQ_HEAD.off.lock;
    if (opts.reduce === false) this.reduce = false;
    this.deadReset = opts.dead ?? DEAD_DEFAULT;
  }

  // ---------------------------------------------------------------- memory
  fault(kind: 'null' | 'freed' | 'dead-frame' | 'unused', addr: number, what: string): never {
    const code = kind === 'null' ? PANIC_OOPS_NULL : kind === 'dead-frame' ? PANIC_DEAD_FRAME : PANIC_UAF;
    const obj = LayoutBuilder.describe(this.names, addr);
    return this.panic(code, `${kind === 'null' ? 'Unable to handle kernel NULL pointer dereference at' : kind === 'unused' ? 'access to unallocated memory at' : 'at'} ${what} (${obj})`, addr);
  }

  /** the name of the object at addr, for messages */
  describe(addr: number): string {
    return LayoutBuilder.describe(this.names, addr);
  }

  /** records a violation in the state and ends the run (no action is enabled after it) */
  panic(code: number, text: string, arg = 0): never {
    const g = this.addr.globals;
    if (this.m[g + GLOBAL.PANIC] === PANIC_NONE) {
      this.store(g + GLOBAL.PANIC, code);
      this.store(g + GLOBAL.PANIC_ARG, arg);
      const t = this.cur >= 0 ? this.threads[this.cur] : null;
      if (t) {
        const fr = this.m[t.addr + TH_FP];
        if (fr) {
          this.store(g + GLOBAL.PANIC_FN, this.m[fr + FR_FN]);
          this.store(g + GLOBAL.PANIC_PC, this.m[fr + FR_PC]);
        }
      }
    }
    this.label(`${PANIC_NAMES[code]}: ${text}`);
    throw new KernelStop(text);
  }

  BUG_ON(cond: boolean | number, what: string): void {
    if (cond) this.panic(PANIC_BUG, `kernel BUG: BUG_ON(${what})`);
  }

  WARN_ON(cond: boolean | number, what: string): void {
    if (cond) this.label(`WARN_ON(${what})`);
  }

  printk(text: string): void {
    this.label(`printk: ${text}`);
  }

  label(text: string): void {
    if (this.labels === NO_LABELS) this.labels = [text];
    else (this.labels as string[]).push(text);
    if (this.trace) this.note(text);
  }

  /** a free-text note on the current step (traces only) */
  note(text: string): void {
    if (!this.trace) return;
    const last = this.trace[this.trace.length - 1];
    if (last && last.thread === this.cur) last.text = last.text ? `${last.text}; ${text}` : text;
  }

  emit(e: ModelEvent): void {
    this.modelEvents?.push(e);
  }

  /** offset of ki_wait inside a kiocb */
  readonly kiWaitOff = KIOCB.off.ki_wait;

  /**
   * Marks the current step as a visible (preemption-point) operation on `addrs`.
   *
   * Reduction (Lipton's movers; on unless `reduce: false`): an operation whose every
   * address is protected by a spinlock the thread holds (`prot`) commutes with every
   * other thread's operation (a both-mover); a lock acquire is a right mover and a
   * release a left mover. A transition may therefore run on through acquires and
   * protected operations and end after the first unprotected operation or release:
   * (R|B)* (N|L)?. Verdicts and reachable states are unchanged; traces get shorter.
   * The protection table is an assumption, checked on every protected access: an
   * access without the lock ends the run as an engine error.
   */
  sharedAccess(...addrs: number[]): void {
    this.visible = true;
    if (addrs.length === 0) {
      this.opN = true;
      this.stepOps++;
      return;
    }
    if (!this.reduce) {
      this.opN = true;
      // still count what would be unprotected with the reduction on
      for (const a of addrs) if (this.prot[a] === 0) { this.stepOps++; break; }
      return;
    }
    let all = true;
    for (const a of addrs) {
      const l = this.prot[a];
      if (l === 0) {
        all = false;
        continue;
      }
      if (this.m[l] !== this.cur + 1) this.panic(PANIC_ENGINE, `reduction assumption broken: ${this.describe(a)} accessed without ${this.describe(l)}`);
    }
    if (!all) {
      this.opN = true;
      this.stepOps++;
    }
  }
  /** list head -> the lock that must be held while a list linked through it changes (0: none) */
  readonly listLock: Int32Array;
  /**
   * A list is linked or unlinked at `entry` (a list head or a neighbour of a removed
   * entry): if it is a wait queue's list, the queue's lock must be held (else the run ends
   * in a lock-discipline violation, as the ctx_lock table's check ends it in an engine error).
   */
  listChange(entry: number): void {
    const l = this.listLock[entry];
    if (l !== 0 && this.m[l] !== this.cur + 1) this.panic(PANIC_LOCK, `${this.describe(entry)} changed without ${this.describe(l)} held`);
  }
  /** a lock acquire (right mover) */
  ppAcquire(): void {
    this.visible = true;
  }
  /** a lock release (left mover) */
  ppRelease(): void {
    this.visible = true;
    this.opN = true;
  }
  /** operations of the running step on unprotected shared data: one per step unless declared atomic */
  stepOps = 0;
  /** (test hook) called after a step that did more than one such operation */
  onMultiOp: ((fn: string, pc: number, n: number) => void) | null = null;
  /** the current transition must end after this step (an N or L operation happened) */
  private opN = false;
  /** addr -> the lock protecting every access to it (0: unprotected) */
  readonly prot: Int32Array;
  reduce = true;

  /** checked read/write of a raw word (lists, flags) */
  rd(addr: number, what: string): number {
    checkAddr(this, addr, what);
    return this.m[addr];
  }
  wr(addr: number, v: number, what: string): void {
    checkAddr(this, addr, what);
    this.store(addr, v);
  }

  g(word: number): number {
    return this.m[this.addr.globals + word];
  }
  setG(word: number, v: number): void {
    this.store(this.addr.globals + word, v);
  }

  // ---------------------------------------------------------------- views
  /**
   * struct views are plain accessors over `this.m` (they hold no state of their own), so
   * one view per (struct, address) serves every step: no allocation per field access.
   * views[i][addr]: the view of struct STRUCT_IDS[i] at addr.
   */
  private readonly views: unknown[][];
  private cachedView<F extends FieldSpec>(def: StructDef<F>, id: number, addr: number): View<F> {
    const byAddr = this.views[id];
    let v = byAddr[addr] as View<F> | undefined;
    if (v === undefined) {
      v = view(def, this, addr);
      byAddr[addr] = v;
    }
    return v;
  }

  kiocb(addr: number): View<typeof KIOCB.fields> {
    return this.cachedView(KIOCB, 0, addr);
  }
  ctx(addr = this.addr.ctx): View<typeof KIOCTX.fields> {
    return this.cachedView(KIOCTX, 1, addr);
  }
  task(addr: number): View<typeof TASK.fields> {
    return this.cachedView(TASK, 2, addr);
  }
  page(addr: number): View<typeof PAGE.fields> {
    return this.cachedView(PAGE, 3, addr);
  }
  file(addr: number): View<typeof FILE.fields> {
    return this.cachedView(FILE, 4, addr);
  }
  waitq(addr: number): View<typeof WAITQ.fields> {
    return this.cachedView(WAITQ, 5, addr);
  }
  work(addr: number): View<typeof WORK.fields> {
    return this.cachedView(WORK, 6, addr);
  }
  uiocb(addr: number): View<typeof USER_IOCB.fields> {
    return this.cachedView(USER_IOCB, 7, addr);
  }
  event(addr: number): View<typeof IO_EVENT.fields> {
    return this.cachedView(IO_EVENT, 8, addr);
  }

  /** index of a kiocb among the workload's slab slots (-1 for a sync kiocb) */
  iocbIndex(addr: number): number {
    return this.addr.kiocbs.indexOf(addr);
  }
  ghost(i: number, word: number): number {
    return this.m[this.addr.ghost + i * GHOST.SIZE + word];
  }
  setGhost(i: number, word: number, v: number): void {
    this.store(this.addr.ghost + i * GHOST.SIZE + word, v);
  }

  // ---------------------------------------------------------------- threads
  t(i = this.cur): ThreadInfo {
    return this.threads[i];
  }
  threadWord(field: keyof typeof THREAD.fields, i = this.cur): number {
    return this.m[this.threads[i].addr + THREAD.off[field]];
  }
  setThreadWord(field: keyof typeof THREAD.fields, v: number, i = this.cur): void {
    this.store(this.threads[i].addr + THREAD.off[field], v);
  }
  /** the task_struct of the running context (`current`); 0 in interrupt context */
  get current(): number {
    return this.threads[this.cur].task;
  }
  get inInterrupt(): boolean {
    return this.threads[this.cur].role === 'irq';
  }
  get cpuId(): number {
    return this.threads[this.cur].cpu;
  }
  cpuWord(c: number, field: keyof typeof CPU.fields): number {
    return this.m[this.addr.cpus[c] + CPU.off[field]];
  }
  setCpuWord(c: number, field: keyof typeof CPU.fields, v: number): void {
    this.store(this.addr.cpus[c] + CPU.off[field], v);
  }

  /** the call stack of thread i, outermost first: "fn@pc" names */
  stack(i: number): { fn: string; pc: number }[] {
    const out: { fn: string; pc: number }[] = [];
    for (let fr = this.threadWord('fp', i); fr; fr = this.m[fr + FR_PREV]) out.unshift({ fn: FNS[this.m[fr + FR_FN]]?.name ?? '?', pc: this.m[fr + FR_PC] });
    return out;
  }

  /** the function thread i is in (its innermost frame), or 'exit' */
  topFn(i: number): string {
    const s = this.stack(i);
    return s.length ? s[s.length - 1].fn : 'exit';
  }

  /** the handler that would run for interrupt source slot s */
  irqName(s: number): string {
    const kind = this.m[this.addr.irqSrcs[s] + IRQ_KIND];
    return IRQ_HANDLERS[kind]?.name ?? `irq kind ${kind}`;
  }

  /** decodes an action: thread index, or interrupt source and CPU */
  decode(a: number): { thread: number } | { src: number; cpu: number } {
    const n = this.threads.length;
    if (a < n) return { thread: a };
    return { src: Math.floor((a - n) / this.workload.cpus), cpu: (a - n) % this.workload.cpus };
  }

  /** pushes a frame for `fn(args)` on thread i (not a step: used by setup and irq delivery) */
  pushFrame(i: number, fn: FnRef, args: number[]): void {
    const f = FNS[this.bodies[fn.id]];
    const size = f.frameSize;
    const m = this.m;
    const ta = this.threads[i].addr;
    const sp = m[ta + TH_SP];
    if (sp + size > STACK_WORDS) this.panic(PANIC_ENGINE, `stack overflow calling ${fn.name}`);
    const fr = this.threads[i].stack + sp;
    this.store(fr + FR_FN, f.id);
    this.store(fr + FR_PC, 0);
    this.store(fr + FR_RV, 0);
    this.store(fr + FR_PREV, m[ta + TH_FP]);
    for (let j = 0; j < args.length; j++) this.store(fr + FR_LOCALS + j, args[j]);
    this.store(ta + TH_FP, fr);
    this.store(ta + TH_SP, sp + size);
    this.store(ta + TH_DEPTH, m[ta + TH_DEPTH] + 1);
  }

  /** per function id, the body a call runs (fn.ts bodyTable; identity until useBodies) */
  private bodies: Int32Array = bodyTable([]);
  /** calls run the bodies of `table` (the variant's patch bodies, chosen when the machine is built) */
  useBodies(table: Int32Array): void {
    this.bodies = table;
  }
  /** the body a call to fn runs on this machine */
  bodyOf(fn: FnRef): KFn {
    return FNS[this.bodies[fn.id]];
  }

  /** `return k.call(retPc, fn, ...args)`: calls fn; the caller resumes at retPc with `f.returned` */
  call(retPc: number, fn: FnRef, ...args: number[]): void {
    if (this.callWatch[fn.id]) this.onWatchedCall?.(fn.id, this.currentFnId(), args);
    this.store(this.m[this.threads[this.cur].addr + TH_FP] + FR_PC, retPc);
    this.pushFrame(this.cur, fn, args);
  }

  /** calls through a function pointer (a function id stored in kernel memory) */
  callPtr(retPc: number, fnId: number, ...args: number[]): void {
    if (fnId === 0) this.fault('null', 0, 'call through a NULL function pointer');
    this.call(retPc, fnById(fnId), ...args);
  }

  // ---------------------------------------------------------------- observation hooks
  // What the invariants and the spec models see that is not kernel state (ghost words,
  // model events) is taken from calls, entries, returns, writes and list links here, by
  // the observers src/engine/observe.ts installs; the kernel code does not mention it.
  /** per function id: an observer wants to hear of its calls (in the caller's step, before the frame is pushed) */
  callWatch: Uint8Array = new Uint8Array(0);
  /** the observer of watched calls: the function called (as named), the caller's function, the arguments */
  onWatchedCall: ((fnId: number, callerId: number, args: readonly number[]) => void) | null = null;
  /** per function id: an observer wants to hear of its entry (before its first step, program point 0, runs) */
  entryWatch: Uint8Array = new Uint8Array(0);
  /** the observer of watched entries: the function (its body) and the frame's address (its arguments are the first locals) */
  onWatchedEntry: ((fnId: number, frame: number) => void) | null = null;
  /** per function id: an observer wants to hear of its returns */
  returnWatch: Uint8Array = new Uint8Array(0);
  /** the observer of watched returns, called with the function and the value it returns, before the frame is popped */
  onWatchedReturn: ((fnId: number, v: number) => void) | null = null;
  /** per word: an observer wants to hear of writes to it (null: none watched) */
  storeWatch: Uint8Array | null = null;
  /** the observer of watched writes: the word, its value before and the value written */
  onWatchedStore: ((addr: number, old: number, v: number) => void) | null = null;
  /** a list entry was linked into a list (list_add, list_add_tail) */
  onListLink: ((entry: number) => void) | null = null;
  /** a list entry that was on a list (not self-linked) was unlinked (list_del, list_del_init) */
  onListUnlink: ((entry: number) => void) | null = null;
  /** an observer is running (its writes are ghost state, not the kernel's) */
  observing = false;
  /** per observable helper id (fn.ts `observable`): its observer, if one is installed */
  helperHooks: (HelperHook | undefined)[] = [];
  /** the function of the running thread's innermost frame (0 if none) */
  currentFnId(): number {
    const fr = this.m[this.threads[this.cur].addr + TH_FP];
    return fr ? this.m[fr + FR_FN] : 0;
  }
  /** the function ids of the running thread's frames, innermost first */
  *frameFns(): Generator<number> {
    for (let fr = this.m[this.threads[this.cur].addr + TH_FP]; fr; fr = this.m[fr + FR_PREV]) yield this.m[fr + FR_FN];
  }

  /** `return k.ret(v)`: returns v to the caller (`f.returned`) */
  ret(v = 0): void {
    const m = this.m;
    const ta = this.threads[this.cur].addr;
    const fr = m[ta + TH_FP];
    if (this.returnWatch[m[fr + FR_FN]]) this.onWatchedReturn?.(m[fr + FR_FN], v);
    const size = FNS[m[fr + FR_FN]].frameSize;
    const prev = m[fr + FR_PREV];
    this.zero(fr, size);
    this.store(ta + TH_FP, prev);
    this.store(ta + TH_SP, m[ta + TH_SP] - size);
    this.store(ta + TH_DEPTH, m[ta + TH_DEPTH] - 1);
    if (prev) this.store(prev + FR_RV, v);
  }

  // ---------------------------------------------------------------- scheduling
  /** may process thread i run now, as far as its CPU is concerned? */
  private cpuAllows(i: number): boolean {
    const t = this.threads[i];
    if (t.role === 'irq') return true;
    const c = t.cpu;
    if (this.m[this.addr.cpus[c] + CPU_IRQ_THREAD] !== 0) return false;
    const peers = this.cpuPeers[c];
    for (let j = 0; j < peers.length; j++) {
      const u = peers[j];
      if (u !== i && this.m[this.threads[u].addr + TH_PREEMPT] > 0) return false;
    }
    return true;
  }
  /** per CPU: the process threads pinned to it */
  private readonly cpuPeers: number[][];

  threadEnabled(i: number): boolean {
    const t = this.threads[i];
    const st = this.m[t.addr + TH_STATUS];
    switch (st) {
      case T_RUN:
        return this.cpuAllows(i);
      case T_SPIN:
        return this.m[this.m[t.addr + TH_SPIN_ON]] === 0 && this.cpuAllows(i);
      case T_SLEEP:
        return this.m[t.task + TASK_STATE] === TASK_RUNNING && this.cpuAllows(i);
      default:
        return false;
    }
  }

  get nThreads(): number {
    return this.threads.length;
  }

  /** appends the enabled actions: thread indices, then irq deliveries */
  actions(out: number[]): void {
    if (this.m[this.addr.globals + GLOBAL.PANIC] !== PANIC_NONE) return;
    const n = this.threads.length;
    for (let i = 0; i < n; i++) if (this.threadEnabled(i)) out.push(i);
    const nc = this.workload.cpus;
    for (let s = 0; s < this.addr.irqSrcs.length; s++) {
      const src = this.addr.irqSrcs[s];
      if (this.m[src + IRQ_KIND] === 0) continue;
      for (let c = 0; c < nc; c++) {
        const ca = this.addr.cpus[c];
        if (this.m[ca + CPU_IRQS_OFF] || this.m[ca + CPU_IRQ_THREAD]) continue;
        out.push(n + s * nc + c);
      }
    }
  }

  /** raises an interrupt source (it becomes deliverable on any CPU with irqs on) */
  raiseIrq(kind: number, arg: number, arg2 = 0): void {
    for (const src of this.addr.irqSrcs) {
      if (this.m[src + IRQ_KIND] === 0) {
        this.store(src + IRQ_KIND, kind);
        this.store(src + IRQ_SRC.off.arg, arg);
        this.store(src + IRQ_SRC.off.arg2, arg2);
        this.sharedAccess();
        return;
      }
    }
    this.panic(PANIC_ENGINE, 'out of interrupt source slots (raise Workload.irqSources)');
  }

  /** cancels a pending interrupt source (del_timer) */
  cancelIrq(kind: number, arg: number): void {
    for (const src of this.addr.irqSrcs) {
      if (this.m[src + IRQ_KIND] === kind && this.m[src + IRQ_SRC.off.arg] === arg) {
        this.zero(src, IRQ_SRC.size);
        this.sharedAccess();
      }
    }
  }

  /** the current task's stack wait entry `slot` (0: page waits, 1: read_events, 2: workers / others) */
  myWait(slot: number): number {
    const ti = this.addr.tasks.indexOf(this.current);
    if (ti < 0) this.panic(PANIC_ENGINE, 'myWait outside process context');
    return this.addr.stackWaits[ti][slot];
  }

  /** runs action a on the loaded state (which it modifies) */
  act(a: number): void {
    this.labels = NO_LABELS;
    const n = this.threads.length;
    if (a < n) {
      this.runThread(a);
      return;
    }
    const nc = this.workload.cpus;
    const s = Math.floor((a - n) / nc);
    const c = (a - n) % nc;
    const src = this.addr.irqSrcs[s];
    const kind = this.m[src + IRQ_KIND];
    const arg = this.m[src + IRQ_SRC.off.arg];
    const arg2 = this.m[src + IRQ_SRC.off.arg2];
    this.zero(src, IRQ_SRC.size);
    const ti = n - nc + c; // irq slots are the last threads, one per CPU
    const h = IRQ_HANDLERS[kind];
    if (!h) throw new Error(`no irq handler for kind ${kind}`);
    this.setThreadWord('status', T_RUN, ti);
    this.setCpuWord(c, 'irq_thread', ti + 1);
    this.pushFrame(ti, h, [arg, arg2]);
    if (this.trace) this.trace.push({ thread: ti, fn: h.name, pc: -1, text: `interrupt on cpu${c}` });
    this.runThread(ti);
  }

  /**
   * A step did more than one operation on unprotected shared data: an error unless the
   * source declares the step atomic (`atomic('why')`, recorded by the compiler in the
   * program point), since two such operations are two preemption points the C has.
   */
  private multiOp(fn: KFnLike, pc: number): void {
    if (this.onMultiOp) this.onMultiOp(fn.name, pc, this.stepOps);
    const pt = fn.atomicAt;
    if (pt && pt[pc] === undefined) this.panic(PANIC_ENGINE, `${fn.name}@${pc}: ${this.stepOps} unprotected shared operations in one step, not declared atomic`);
  }

  /** runs thread i until it has done one visible operation, blocked or finished */
  runThread(i: number): void {
    this.cur = i;
    this.visible = false;
    this.opN = false;
    const t = this.threads[i];
    const st = this.m[t.addr + TH_STATUS];
    if (st === T_SPIN || st === T_SLEEP) this.store(t.addr + TH_STATUS, T_RUN);
    let guard = 0;
    CUR.m = this.m;
    CUR.k = this;
    try {
      for (;;) {
        const fr = this.m[t.addr + TH_FP];
        if (fr === 0) {
          if (t.role === 'irq') {
            this.store(t.addr + TH_STATUS, T_IDLE);
            this.setCpuWord(t.cpu, 'irq_thread', 0);
          } else this.store(t.addr + TH_STATUS, T_DONE);
          break;
        }
        const fn = FNS[this.m[fr]];
        const pc = this.m[fr + FR_PC];
        if (this.trace) this.trace.push({ thread: i, fn: fn.name, pc });
        CUR.base = fr;
        this.stepOps = 0;
        if (pc === 0 && this.entryWatch[fn.id]) this.onWatchedEntry?.(fn.id, fr);
        fn.step(this, fn.frame);
        this.stepCount++;
        if (this.stepOps > 1) this.multiOp(fn, pc);
        if (this.m[t.addr + TH_FP] === 0) {
          // the thread's outermost function returned: it exits (an interrupt slot goes idle) now
          if (t.role === 'irq') {
            this.store(t.addr + TH_STATUS, T_IDLE);
            this.setCpuWord(t.cpu, 'irq_thread', 0);
          } else this.store(t.addr + TH_STATUS, T_DONE);
          break;
        }
        const now = this.m[t.addr + TH_STATUS];
        if (now !== T_RUN) break; // spinning or sleeping: the step will be retried / resumed
        if (this.visible && (this.opN || !this.reduce)) break;
        if (++guard > 100000) this.panic(PANIC_ENGINE, `thread ${t.name} loops without a visible step in ${fn.name}`);
      }
    } catch (e) {
      if (!(e instanceof KernelStop)) {
        const msg = e instanceof Error ? e.message : String(e);
        try {
          this.panic(PANIC_ENGINE, `engine exception: ${msg}`);
        } catch {
          /* recorded */
        }
        (this as { lastError?: unknown }).lastError = e;
      }
    }
    this.cur = -1;
  }

  /** sets up the initial state (memory contents, threads at their main functions); returns it packed */
  initState(setup: (k: Machine) => void): Int32Array {
    this.m = this.workMem;
    this.m.fill(0);
    setup(this);
    this.clearLog();
    return this.pack();
  }

  // ---------------------------------------------------------------- packed states
  /**
   * A packed state is the heap followed by each thread's stack words in use: the
   * explorer copies, hashes and stores only what is live. `load` unpacks it into the
   * machine's working memory (zeroing stack words a previous state used); `pack`
   * packs the working memory. Heap addresses are the same in both forms.
   */
  pack(): Int32Array {
    const m = this.m;
    const he = this.heapEnd;
    let n = he;
    for (const t of this.threads) n += m[t.addr + TH_SP];
    const out = allocState(n);
    out.set(m.subarray(0, he));
    let o = he;
    for (const t of this.threads) {
      const sp = m[t.addr + TH_SP];
      if (sp) out.set(m.subarray(t.stack, t.stack + sp), o);
      o += sp;
    }
    return out;
  }

  /** packs the working memory into `buf` (at least `size` words); returns the view of the packed state */
  /** the length of the packed state (heap + every thread's live stack words) */
  packedLength(): number {
    const m = this.m;
    const ts = this.threads;
    let n = this.heapEnd;
    for (let i = 0; i < ts.length; i++) n += m[ts[i].addr + TH_SP];
    return n;
  }

  packInto(buf: Int32Array): Int32Array {
    const m = this.m;
    const he = this.heapEnd;
    buf.set(he === m.length ? m : m.subarray(0, he));
    let o = he;
    const ts = this.threads;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      const sp = m[t.addr + TH_SP];
      // stack segments are short: a plain loop, no view object per segment
      for (let j = 0, a = t.stack; j < sp; j++) buf[o + j] = m[a + j];
      o += sp;
    }
    return o === buf.length ? buf : buf.subarray(0, o);
  }

  // ---------------------------------------------------------------- the write log
  /**
   * Every write of an action goes through `store`, which logs each word the first time
   * it is written since the log was last cleared, with its value before. That gives:
   *  - `undo()`: the state before the action, by putting back a dozen words instead of
   *    copying the whole memory (EngineModel runs every action of a state from it);
   *  - `fingerprintInto`: the successor's fingerprint from its parent's (fingerprint.ts).
   * Bulk writes that set up a whole state (`load`, `initState`) bypass the log and clear it.
   */
  store(addr: number, v: number): void {
    const m = this.m;
    if (this.dirty[addr] === 0) {
      this.dirty[addr] = 1;
      this.logAddr[this.nLog] = addr;
      this.logOld[this.nLog++] = m[addr];
    }
    if (this.storeWatch !== null && this.storeWatch[addr] !== 0) this.onWatchedStore?.(addr, m[addr], v);
    m[addr] = v;
  }
  /** words written since the log was cleared, each once */
  private nLog = 0;
  private readonly dirty: Uint8Array;
  private readonly logAddr: Int32Array;
  private readonly logOld: Int32Array;
  private readonly hash: WordHash;

  /** zeroes n words from addr (through the log) */
  zero(addr: number, n: number): void {
    const m = this.m;
    for (let a = addr; a < addr + n; a++) if (m[a] !== 0) this.store(a, 0);
  }

  /** puts back every logged word: the memory is the state it was when the log was cleared */
  undo(): void {
    const m = this.m;
    const d = this.dirty;
    const la = this.logAddr;
    const lo = this.logOld;
    for (let i = 0; i < this.nLog; i++) {
      const a = la[i];
      m[a] = lo[i];
      d[a] = 0;
    }
    this.nLog = 0;
  }

  /**
   * The union of `masks[addr]` over the logged words whose value changed: with one bit
   * per property in `masks[addr]` (the properties that read addr), the properties this
   * step may have changed the verdict of.
   */
  logChanged(masks: Int32Array): number {
    const m = this.m;
    const la = this.logAddr;
    const lo = this.logOld;
    let bits = 0;
    for (let i = 0; i < this.nLog; i++) {
      const a = la[i];
      if (lo[i] !== m[a]) bits |= masks[a];
    }
    return bits;
  }

  /** keeps the memory as it is and starts an empty log */
  clearLog(): void {
    const d = this.dirty;
    const la = this.logAddr;
    for (let i = 0; i < this.nLog; i++) d[la[i]] = 0;
    this.nLog = 0;
  }

  /** the fingerprint of the state in memory (fingerprint.ts), computed from all of it */
  fingerprintFull(out: Int32Array): void {
    this.hash.full(this.m, out);
  }

  /** the fingerprint of the state in memory, given (lo, hi), the fingerprint of the state when the log was cleared */
  fingerprintInto(lo: number, hi: number, out: Int32Array): void {
    this.hash.delta(this.m, this.logAddr, this.logOld, this.nLog, lo, hi, out);
  }

  /** how many times `load` ran (lets a cursor tell whether the memory is still its state) */
  loads = 0;

  /** where word `addr` of thread i's stack lies in the packed state `s` (the stacks follow the heap, each as long as it is in use) */
  packedStackAddr(s: Int32Array, i: number, addr: number): number {
    let o = this.heapEnd;
    for (let j = 0; j < i; j++) o += s[this.threads[j].addr + TH_SP];
    return addr - this.threads[i].stack + o;
  }
  /** unpacks `state` into the working memory */
  load(state: Int32Array): void {
    const m = this.workMem;
    const he = this.heapEnd;
    const ts = this.threads;
    const old = this.oldSp;
    for (let i = 0; i < ts.length; i++) old[i] = m[ts[i].addr + TH_SP];
    m.set(state.subarray(0, he));
    let o = he;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      const sp = m[t.addr + TH_SP];
      const a = t.stack;
      for (let j = 0; j < sp; j++) m[a + j] = state[o + j];
      for (let j = sp; j < old[i]; j++) m[a + j] = 0;
      o += sp;
    }
    this.m = m;
    this.clearLog();
    this.loads++;
  }
  private readonly workMem: Int32Array;
  private readonly oldSp: Int32Array;

  /**
   * Dead-variable reduction (SPIN's): the compiled code calls this at every jump and call
   * with the frame words that are dead at the target; they are reset to 0, so that two
   * states that differ only in dead locals are one. `MachineOptions.dead: false` turns it off.
   */
  dead(base: number, offs: readonly number[]): void {
    if (!this.deadReset) return;
    const m = this.m;
    for (let i = 0; i < offs.length; i++) {
      const a = base + offs[i];
      if (m[a] !== 0) this.store(a, 0);
    }
  }
  deadReset = false;

  /** marks a stack object live (frame entered) or dead (frame returned) */
  setStackObj(addr: number, live: boolean): void {
    this.store(addr - 1, live ? H_LIVE : 3);
  }
}
