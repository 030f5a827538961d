/**
 * @jumps-end-steps (ported under the rule that every jump ends a step; to be brought to the current rule)
 * Building a machine for (variant, workload): the initial kernel memory (io_setup's
 * context, the file and its page cache, the user iocbs and buffers, tasks and worker
 * threads) and each thread's main function, i.e. the user program it runs.
 * @c 'user: aio program'
 */
import { addressOf, bodyTable, call_ptr, fnByName, fnptr, fnref, type FnRef, type KGen } from '../engine/fn.ts';
import { GLOBAL, IRQ, Machine, type MachineOptions, type ThreadRole } from '../engine/machine.ts';
import { H_LIVE } from '../engine/mem.ts';
import { CWQ, FILE, FMODE_READ, FMODE_WRITE, O_DIRECT, PAGE, PG_locked, PG_uptodate, TASK_RUNNING, T_IDLE, T_RUN, USER_IOCB, WQ_HEAD } from '../engine/structs.ts';
import { INIT_LIST_HEAD } from '../engine/kernel/list.ts';
import { worker_thread } from './kernel/workqueue.ts';
import { declare_waitqueue } from './kernel/wait.ts';
import { IOCB_CMD_FDSYNC, IOCB_CMD_FSYNC, IOCB_CMD_PREAD, IOCB_CMD_PWRITE, exit_aio, io_destroy, ioctx_alloc, sys_io_getevents, sys_io_submit } from './aio/aio.ts';
import './aio/mar14.ts'; // the patch bodies (aio.ts loads aioretry.ts and mar05.ts itself)
import './aio/proposed.ts';
import { FOPS_CHARDEV, FOPS_GENERIC } from '../engine/fs/fops.ts';
import { bodyLabels, type Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import { observe } from '../engine/observe.ts';

const TIMEOUT_CODE = { none: 0, zero: 1, timer: 2 } as const;

/**
 * the submitting process: io_submit(ctx, nr, iocbs); [io_getevents(...)]; [io_destroy(ctx)]; [exit: exit_aio]
 */
export function* submitter_main(k: Machine): KGen {
  if (k.workload.iocbs.length !== 0) yield* sys_io_submit(k, k.addr.ctx, k.workload.iocbs.length);
  if (k.workload.getevents && !k.workload.getevents.thread) {
    const g = k.workload.getevents;
    if (g.signal) k.raiseIrq(IRQ.SIGNAL, k.current);
    yield* sys_io_getevents(k, k.addr.ctx, g.min_nr, g.nr, TIMEOUT_CODE[g.timeout]);
  }
  if (k.workload.destroy) yield* io_destroy(k, k.addr.ctx);
  // the process exits: mmput -> exit_aio(mm) for its contexts
  if (!(k.workload.exit && !k.workload.destroy)) return 0;
  yield* exit_aio(k, k.addr.ctx);
  return 0;
}

/** a separate io_getevents caller (instead of the submitter's, or with it: getevents.callers 2) */
export function* getevents_main(k: Machine): KGen {
  const g = k.workload.getevents!;
  if (g.signal) k.raiseIrq(IRQ.SIGNAL, k.current);
  yield* sys_io_getevents(k, k.addr.ctx, g.min_nr, g.nr, TIMEOUT_CODE[g.timeout]);
  return 0;
}

/** a process doing read(fd, buf, n) at an offset: generic_file_read on a sync kiocb @c 'user: read(2)' */
export function* sync_reader_main(k: Machine): KGen {
  const r = k.workload.syncReader!;
  const gfr = fnByName('generic_file_read');
  if (!gfr) throw new Error('generic_file_read is not defined');
  const ppos = r.offset;
  const rv = yield* call_ptr(k, fnptr(gfr), k.addr.files[0], k.addr.syncBuf, r.nbytes, addressOf(ppos));
  k.setG(GLOBAL.SYNC_RESULT, rv);
  k.setG(GLOBAL.SYNC_DONE, 1);
  return 0;
}

/** a workqueue worker: worker_thread(cwq) with its DECLARE_WAITQUEUE entry @c kernel/workqueue.c */
export function* worker_main(k: Machine, cwq: number): KGen {
  // DECLARE_WAITQUEUE(wait, current);
  const w = k.myWait(2);
  k.setStackObj(w, true);
  declare_waitqueue(k, w, k.current);
  yield* worker_thread(k, cwq, w);
  return 0;
}

const OPCODES = { pread: IOCB_CMD_PREAD, pwrite: IOCB_CMD_PWRITE, fsync: IOCB_CMD_FSYNC, fdsync: IOCB_CMD_FDSYNC } as const;

/** validates a workload against the machine's limits; returns an error line or null */
export function checkWorkload(w: Workload): string | null {
  if (!Number.isInteger(w.cpus) || w.cpus < 2 || w.cpus > 4) return `workload ${w.name}: cpus must be 2..4`;
  if (!Number.isInteger(w.pageSize) || w.pageSize < 1 || w.pageSize > 64) return `workload ${w.name}: pageSize must be 1..64`;
  const nPages = Math.max(1, Math.ceil(w.fileSize / w.pageSize));
  if (w.cache.length < nPages) return `workload ${w.name}: cache must give a state for each of the ${nPages} pages`;
  if (w.buckets.length < nPages) return `workload ${w.name}: buckets must give a bucket for each of the ${nPages} pages`;
  if (w.iocbs.length > 3) return `workload ${w.name}: at most 3 iocbs`;
  if (!Number.isInteger(w.retryCap) || w.retryCap < 0) return `workload ${w.name}: retryCap must be a non-negative integer`;
  for (const io of w.iocbs) if (io.nbytes < 0 || io.offset < 0) return `workload ${w.name}: negative offset or length`;
  if (w.getevents?.callers === 2 && w.getevents.thread) return `workload ${w.name}: getevents.callers 2 is the submitter and one more thread; leave getevents.thread out`;
  return null;
}

const MAIN: Partial<Record<ThreadRole, FnRef>> = {
  submitter: fnref(submitter_main),
  'sync-reader': fnref(sync_reader_main),
  getevents: fnref(getevents_main),
  'aio-worker': fnref(worker_main),
  keventd: fnref(worker_main),
};

/** a machine for (variant, workload) and its initial state */
export function buildMachine(v: Variant, w: Workload, opts: MachineOptions = {}): { k: Machine; init: Int32Array } {
  const err = checkWorkload(w);
  if (err) throw new Error(err);
  const k = new Machine(w, v, MAIN, opts);
  k.useBodies(bodyTable(bodyLabels(v)));
  observe(k);
  const init = k.initState((k) => {
    const A = k.addr;
    // io_setup(nr_events): ioctx_alloc
    ioctx_alloc(k, A.ctx, w.iocbs.length + 1);
    // ... and puts it on mm->ioctx_list
    k.setG(GLOBAL.IOCTX_LIST, A.ctx);
    // the open file
    const file = k.file(A.files[0]);
    file.f_count = 1;
    file.f_mode = (w.fd.mode === 'r' || w.fd.mode === 'rw' ? FMODE_READ : 0) | (w.fd.mode === 'w' || w.fd.mode === 'rw' ? FMODE_WRITE : 0);
    file.f_flags = w.fd.odirect ? O_DIRECT : 0;
    file.f_op = w.fd.aioRead ? FOPS_GENERIC : FOPS_CHARDEV;
    // the page cache
    A.pages.forEach((p, i) => {
      const pg = k.page(p);
      pg.index = i;
      pg.mapping = 1;
      pg.count = 0;
      const st = w.cache[i];
      if (st === 'uptodate') {
        pg.in_cache = 1;
        pg.flags = 1 << PG_uptodate;
        pg.count = 1;
      } else if (st === 'locked-io' || st === 'locked-io-error') {
        // someone else's readpage (readahead) is in flight: locked, not uptodate, the irq will come
        pg.in_cache = 1;
        pg.flags = 1 << PG_locked;
        pg.count = 1;
        k.raiseIrq(IRQ.DISK_READ, p, st === 'locked-io' && !(w.ioError ?? []).includes(i) ? 1 : 0);
        k.setG(GLOBAL.DISK_BUSY, k.g(GLOBAL.DISK_BUSY) + 1);
      } else pg.in_cache = 0;
    });
    for (const b of A.buckets) INIT_LIST_HEAD(k, b + WQ_HEAD.off.task_list);
    for (const q of [A.reqWait, A.congestionWait, A.iSemWait]) INIT_LIST_HEAD(k, q + WQ_HEAD.off.task_list);
    // user iocbs and buffers
    w.iocbs.forEach((io, i) => {
      const u = k.uiocb(A.userIocbs[i]);
      u.aio_data = 1000 + i;
      u.aio_lio_opcode = OPCODES[io.op];
      u.aio_fildes = 0;
      u.aio_buf = A.userBufs[i];
      u.aio_nbytes = io.nbytes;
      u.aio_offset = io.offset;
      const pages = Math.max(1, Math.ceil(io.nbytes / w.pageSize));
      for (let p = 0; p < pages; p++) k.m[A.userBufPresent[i] + p] = io.faultingBuffer ? 0 : 1;
    });
    // workqueues
    for (const c of [...A.cwq.aio, ...A.cwq.keventd]) {
      INIT_LIST_HEAD(k, c + CWQ.off.worklist);
      INIT_LIST_HEAD(k, c + CWQ.off.more_work + WQ_HEAD.off.task_list);
    }
    // tasks and threads
    k.threads.forEach((t, i) => {
      k.setThreadWord('cpu', t.cpu, i);
      if (t.role === 'irq') {
        k.setThreadWord('status', T_IDLE, i);
        return;
      }
      const task = k.task(t.task);
      task.state = TASK_RUNNING;
      task.pid = i + 1;
      task.mm = t.role === 'submitter' || t.role === 'sync-reader' || t.role === 'getevents' ? 1 : 0;
      k.setThreadWord('status', T_RUN, i);
      const main = MAIN[t.role]!;
      const args = t.role === 'aio-worker' ? [A.cwq.aio[t.cpu]] : t.role === 'keventd' ? [A.cwq.keventd[t.cpu]] : [];
      k.pushFrame(i, main, args);
    });
    // the kernel has booted: the worker threads run until they sleep in their idle loop
    k.threads.forEach((t, i) => {
      if (t.role !== 'aio-worker' && t.role !== 'keventd') return;
      for (let n = 0; n < 1000 && k.threadEnabled(i); n++) k.act(i);
    });
    void H_LIVE;
    void PAGE;
    void FILE;
    void USER_IOCB;
  });
  if (k.trace) k.trace.length = 0;
  return { k, init };
}
