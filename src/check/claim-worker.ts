/**
 * The worker-thread side of src/check/pool.ts: `runWorker(M)` is called by the worker's
 * entry (a bundle, or src/explore/parallel-boot.mjs) with src/check/run.ts's namespace,
 * and answers each ClaimJob with `{ t: 'done', run }` (the CheckRun, structured-cloned)
 * or `{ t: 'error', message }`.
 */
import { parentPort } from 'node:worker_threads';
import type { ClaimJob } from './pool.ts';
import type * as Run from './run.ts';

export function runWorker(M: typeof Run): void {
  parentPort!.on('message', (job: ClaimJob) => {
    try {
      const run = M.runCheck(job.variant, job.workload, { maxStates: job.maxStates, maxSeconds: job.maxSeconds, maxBytes: job.maxBytes, noReduce: job.noReduce,
        ...(job.progress ? { onProgress: (p: { states: number; seconds: number; done: boolean }) => !p.done && parentPort!.postMessage({ t: 'progress', states: p.states, seconds: p.seconds }) } : {}),
      });
      parentPort!.postMessage({ t: 'done', run });
    } catch (e) {
      parentPort!.postMessage({ t: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
}
