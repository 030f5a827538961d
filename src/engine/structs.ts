/**
 * The kernel structures the engine models, field for field where a field matters
 * (include/linux/aio.h, wait.h, list.h, mm.h, workqueue.h, sched.h of 2.5.62, plus the
 * fields the seed patches add). Sizes are in 32-bit words; a `list_head` is two words
 * (next, prev); embedded structures are laid out inline so that `&iocb->ki_wait` is an
 * address inside the kiocb, as in C (container_of works by subtraction).
 */
import { defineStruct } from './mem.ts';

/** struct list_head { next, prev } */
export const LIST_NEXT = 0;
export const LIST_PREV = 1;

/** wait_queue_head_t { spinlock_t lock; struct list_head task_list; } */
export const WQ_HEAD = defineStruct('wait_queue_head_t', { lock: 1, task_list: 2 });

/** wait_queue_t { flags; task; func; struct list_head task_list; } */
export const WAITQ = defineStruct('wait_queue_t', { flags: 1, task: 1, func: 1, task_list: 2 });
export const WQ_FLAG_EXCLUSIVE = 0x01;

/** struct kiocb (2.5.62 + the fields both seed patches add after ki_pos) */
export const KIOCB = defineStruct('kiocb', {
  ki_run_list: 2,
  ki_flags: 1,
  ki_users: 1,
  ki_key: 1,
  ki_filp: 1,
  ki_ctx: 1,
  ki_cancel: 1,
  ki_retry: 1,
  ki_list: 2,
  ki_user_obj: 1,
  ki_user_data: 1,
  ki_pos: 1,
  // [patch] State that we remember to be able to restart/retry
  ki_opcode: 1,
  ki_nbytes: 1,
  ki_buf: 1,
  ki_left: 1,
  ki_wait: WAITQ.size,
  ki_retried: 1,
});
export const KI_WAIT_TASK_LIST = KIOCB.off.ki_wait + WAITQ.off.task_list;

/** KIF_* bit numbers */
export const KIF_LOCKED = 0;
export const KIF_KICKED = 1;
export const KIF_CANCELLED = 2;
export const KIF_STARTED = 3; // [mar05 aioretry.patch]

/** struct work_struct { pending; entry; func; data; wq_data } */
export const WORK = defineStruct('work_struct', { pending: 1, entry: 2, func: 1, data: 1, wq_data: 1 });

/** struct cpu_workqueue_struct { lock; worklist; more_work } (one per CPU per workqueue) */
export const CWQ = defineStruct('cpu_workqueue_struct', { lock: 1, worklist: 2, more_work: WQ_HEAD.size });

/** struct kioctx, with its aio_ring_info and the user-visible ring header folded in */
export const KIOCTX = defineStruct('kioctx', {
  users: 1,
  dead: 1,
  mm: 1,
  wait: WQ_HEAD.size,
  ctx_lock: 1,
  reqs_active: 1,
  active_reqs: 2,
  run_list: 2,
  max_reqs: 1,
  wq: WORK.size,
  // struct aio_ring_info
  ring_lock: 1,
  info_nr: 1,
  info_tail: 1,
  // struct aio_ring (mapped to user space)
  ring_head: 1,
  ring_tail: 1,
});

/** struct io_event { data; obj; res; res2 } (one ring slot) */
export const IO_EVENT = defineStruct('io_event', { data: 1, obj: 1, res: 1, res2: 1 });

/** user-space struct iocb (the fields io_submit_one reads) */
export const USER_IOCB = defineStruct('iocb', {
  aio_data: 1,
  aio_key: 1,
  aio_lio_opcode: 1,
  aio_fildes: 1,
  aio_buf: 1,
  aio_nbytes: 1,
  aio_offset: 1,
  aio_reserved1: 1,
});

/** struct task_struct (the fields the engine needs) */
export const TASK = defineStruct('task_struct', {
  state: 1,
  iocb: 1, // [patch] struct kiocb *iocb: current aio handle
  sigpending: 1,
  pid: 1,
  mm: 1,
  active_mm: 1,
  g_aio: 1, // ghost: the kiocb whose operation this task is running (aio context), 0 if none
});
export const TASK_RUNNING = 0;
export const TASK_INTERRUPTIBLE = 1;
export const TASK_UNINTERRUPTIBLE = 2;

/** struct page (the fields the read path needs) */
export const PAGE = defineStruct('page', {
  flags: 1,
  mapping: 1,
  count: 1,
  index: 1,
  in_cache: 1, // present in the mapping's radix tree
});
export const PG_locked = 0;
export const PG_error = 1;
export const PG_uptodate = 3;

/** struct file */
export const FILE = defineStruct('file', { f_count: 1, f_mode: 1, f_flags: 1, f_op: 1, inode: 1 });
export const FMODE_READ = 1;
export const FMODE_WRITE = 2;
export const O_DIRECT = 0x4000;

/** a thread of execution (process context or an interrupt slot of a CPU) */
export const THREAD = defineStruct('thread', {
  status: 1,
  cpu: 1,
  task: 1,
  depth: 1,
  fp: 1, // the innermost frame's address (0: none)
  sp: 1, // stack words in use
  spin_on: 1, // address of the lock it spins on
  preempt: 1, // preempt_count: spinlocks held (and being acquired)
  spin_flags: 1, // irq state saved by a spin_lock_irqsave that is still spinning
});
export const T_IDLE = 0; // interrupt slot with no handler running
export const T_RUN = 1;
export const T_SPIN = 2;
export const T_SLEEP = 3;
export const T_DONE = 4;

/** per-CPU state */
export const CPU = defineStruct('cpu', { irqs_off: 1, irq_thread: 1 });

/** a pending interrupt source: disk completion, timer, ... */
export const IRQ_SRC = defineStruct('irq_source', { kind: 1, arg: 1, arg2: 1 });
