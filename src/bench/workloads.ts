/**
 * The benchmark's workloads: the named ones it times, and the scaling family
 * (1..3 async iocbs x 1..2 pages) built from `uncached-read`.
 */
import type { Workload } from '../engine/workload.ts';
import { WORKLOADS } from '../engine/workloads.ts';

/** the mar14 (and mar05) workloads the explorer section times */
export const BENCH_WORKLOADS = ['uncached-read', 'partly-cached-read', 'getevents-timeout', 'metadata-miss'] as const;

/**
 * `iocbs` async reads of a file of `pages` pages, none of them cached (each page in its
 * own wait-queue bucket); every iocb reads the whole file, all submitted in one
 * io_submit, and io_getevents waits for all of them (min_nr = nr = iocbs, no timeout).
 * The rest (CPUs, page size, retry cap, fd) is `uncached-read`'s.
 */
export function scalingWorkload(iocbs: number, pages: number): Workload {
  const base = WORKLOADS['uncached-read'];
  if (!base) throw new Error('workload uncached-read is missing');
  const size = pages * base.pageSize;
  return {
    ...base,
    name: `scale-${iocbs}iocb-${pages}page`,
    description: `${iocbs} async read${iocbs > 1 ? 's' : ''} of a whole ${pages}-page uncached file, io_getevents(min_nr = nr = ${iocbs})`,
    fileSize: size,
    cache: Array.from({ length: pages }, () => 'absent' as const),
    buckets: Array.from({ length: pages }, (_, i) => i),
    iocbs: Array.from({ length: iocbs }, () => ({ op: 'pread' as const, offset: 0, nbytes: size })),
    getevents: { min_nr: iocbs, nr: iocbs, timeout: 'none' },
  };
}
