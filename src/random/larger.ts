/**
 * Configurations larger than the claims' workloads (too large for exhaustive
 * search): more iocbs, bigger reads over more pages, shared wait-queue buckets, a
 * synchronous reader next to the async ones, a larger retry cap. Each is built by
 * spreading a named workload of src/engine/workloads.ts and changing what grows.
 */
import { WORKLOADS, workloadByName } from '../engine/workloads.ts';
import type { Workload } from '../engine/workload.ts';

const P = WORKLOADS['cached-read'].pageSize;

const list: Workload[] = [
  {
    ...WORKLOADS['two-iocbs-shared-bucket'],
    name: 'three-iocbs-four-pages',
    description: 'three async reads over four pages (cached, absent, under I/O, absent), pages 0-1 and 2-3 sharing a bucket, retry cap 16',
    fileSize: 4 * P,
    cache: ['uptodate', 'absent', 'locked-io', 'absent'],
    buckets: [0, 0, 1, 1],
    retryCap: 16,
    iocbs: [
      { op: 'pread', offset: 0, nbytes: 2 * P },
      { op: 'pread', offset: P, nbytes: 2 * P },
      { op: 'pread', offset: 3 * P, nbytes: P },
    ],
    getevents: { min_nr: 3, nr: 3, timeout: 'none' },
  },
  {
    ...WORKLOADS['two-iocbs-shared-bucket'],
    name: 'three-iocbs-one-bucket',
    description: 'three async reads of three pages under I/O whose wait queues all hash to one bucket',
    fileSize: 3 * P,
    cache: ['locked-io', 'locked-io', 'locked-io'],
    buckets: [0, 0, 0],
    retryCap: 16,
    iocbs: [
      { op: 'pread', offset: 0, nbytes: P },
      { op: 'pread', offset: P, nbytes: P },
      { op: 'pread', offset: 2 * P, nbytes: P },
    ],
    getevents: { min_nr: 3, nr: 3, timeout: 'none' },
  },
  {
    ...WORKLOADS['sync-and-async'],
    name: 'two-iocbs-and-sync-reader',
    description: 'two async reads and a synchronous read(2) over three pages (absent, under I/O, absent) sharing one bucket',
    fileSize: 3 * P,
    cache: ['absent', 'locked-io', 'absent'],
    buckets: [0, 0, 0],
    retryCap: 16,
    iocbs: [
      { op: 'pread', offset: 0, nbytes: 2 * P },
      { op: 'pread', offset: 2 * P, nbytes: P },
    ],
    syncReader: { offset: P, nbytes: 2 * P, cpu: 1 },
    getevents: { min_nr: 2, nr: 2, timeout: 'none' },
  },
  {
    ...WORKLOADS['uncached-read'],
    name: 'big-uncached-read',
    description: 'one async read of four uncached pages in two buckets, retry cap 16',
    fileSize: 4 * P,
    cache: ['absent', 'absent', 'absent', 'absent'],
    buckets: [0, 1, 0, 1],
    retryCap: 16,
    iocbs: [{ op: 'pread', offset: 0, nbytes: 4 * P }],
  },
  {
    ...WORKLOADS['getevents-timeout'],
    name: 'two-iocbs-timeout',
    description: 'two uncached async reads sharing a bucket, io_getevents with a timer that may fire first',
    fileSize: 2 * P,
    cache: ['absent', 'absent'],
    buckets: [0, 0],
    retryCap: 16,
    iocbs: [
      { op: 'pread', offset: 0, nbytes: P },
      { op: 'pread', offset: P, nbytes: P },
    ],
    getevents: { min_nr: 2, nr: 2, timeout: 'timer', signal: false },
  },
  {
    ...WORKLOADS['read-io-error'],
    name: 'three-cpus-io-error',
    description: 'three CPUs: two reads of pages in one bucket, the second disk read failing',
    cpus: 3,
    fileSize: 2 * P,
    cache: ['absent', 'absent'],
    buckets: [0, 0],
    ioError: [1],
    retryCap: 16,
    iocbs: [
      { op: 'pread', offset: 0, nbytes: P },
      { op: 'pread', offset: P, nbytes: P },
    ],
    getevents: { min_nr: 2, nr: 2, timeout: 'none' },
  },
];

export const LARGER: Record<string, Workload> = Object.fromEntries(list.map((w) => [w.name, w]));

/** a larger workload by name, else a named workload of src/engine/workloads.ts */
export function anyWorkloadByName(name: string): Workload | undefined {
  return Object.prototype.hasOwnProperty.call(LARGER, name) ? LARGER[name] : workloadByName(name);
}
