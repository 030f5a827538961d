/**
 * The shape of a workload: what the machine is built for and what its threads do.
 * The named workloads themselves are data in src/engine/workloads.ts.
 */
export type PageState =
  | 'uptodate' // in the page cache and up to date
  | 'absent' // not in the page cache: the read adds it and calls readpage
  | 'locked-io' // in the page cache, locked, a disk read already in flight
  | 'locked-io-error'; // as locked-io, and that read will fail

export type IocbOp = 'pread' | 'pwrite' | 'fsync' | 'fdsync';

export interface IocbSpec {
  op: IocbOp;
  /** file offset, in model bytes */
  offset: number;
  /** length, in model bytes */
  nbytes: number;
  /** the user buffer's pages are not present: copy_to_user faults and sleeps on a disk read */
  faultingBuffer?: boolean;
}

export interface Workload {
  name: string;
  /** one sentence: what this workload exercises */
  description: string;
  /** CPUs (at least 2) */
  cpus: number;
  /** model bytes per page (PAGE_CACHE_SIZE scaled down; contents are one word per byte) */
  pageSize: number;
  /** i_size, in model bytes */
  fileSize: number;
  /** page-cache state of each page of the file */
  cache: PageState[];
  /** page index -> wait-queue bucket (page_waitqueue hash); equal numbers share a bucket */
  buckets: number[];
  /** pages whose disk read fails (-EIO) */
  ioError?: number[];
  /** the file descriptor: access mode, O_DIRECT, and whether f_op has aio_read (a regular file) */
  fd: { mode: 'r' | 'rw' | 'w'; odirect?: boolean; aioRead: boolean };
  /** the async iocbs, submitted in one io_submit call */
  iocbs: IocbSpec[];
  /** a concurrent synchronous read(2) through generic_file_read */
  syncReader?: { offset: number; nbytes: number; cpu?: number };
  /** the submitter's io_getevents after io_submit (absent: it does not wait) */
  getevents?: {
    min_nr: number;
    nr: number;
    /** 'none': NULL timeout (wait forever); 'zero': already expired; 'timer': a timer that may fire at any time */
    timeout: 'none' | 'zero' | 'timer';
    /** a signal may arrive while it sleeps */
    signal?: boolean;
    /** 2: a second thread calls io_getevents as well as the submitter (two consumers of the ring); default 1 */
    callers?: number;
    /** run io_getevents in a separate thread instead of the submitter */
    thread?: boolean;
    cpu?: number;
  };
  /** io_destroy after io_getevents */
  destroy?: boolean;
  /** the process exits after io_getevents (without io_destroy): exit_aio tears the context down */
  exit?: boolean;
  /** the retry cap (the kernel's is 1024*1024) */
  retryCap: number;
  /** Andrew Morton's other blocking points, reachable when set */
  blocking?: {
    metadata?: boolean; // the read needs an indirect block first: wait_on_buffer
    requestCongestion?: boolean; // readpage's bio needs a request: get_request_wait
    allocCongestion?: boolean; // page allocation under congestion: blk_congestion_wait
    dirtyThrottle?: boolean; // writes: balance_dirty_pages
  };
  /** CPUs with an aio_wq / keventd worker thread (default: every CPU) */
  workerCpus?: number[];
  /** number of interrupt source slots (default: pages + iocbs + 3) */
  irqSources?: number;
}
