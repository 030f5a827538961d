/**
 * The benchmark's workloads: the named ones it times, and the scaling family
 * (1..3 async iocbs x 1..2 pages) built from `uncached-read`.
 */
import type { Workload } from '../engine/workload.ts';
import { familyWorkload } from '../check/workloadFile.ts';

/** the mar14 (and mar05) workloads the explorer section times */
export const BENCH_WORKLOADS = ['uncached-read', 'partly-cached-read', 'getevents-timeout', 'metadata-miss'] as const;

/** the scaling family (1..3 iocbs x 1..3 pages): src/check/workloadFile.ts's familyWorkload, as check --iocbs/--pages builds it */
export function scalingWorkload(iocbs: number, pages: number): Workload {
  return familyWorkload(iocbs, pages);
}
