/**
 * Claims over a pool of worker threads: `npm run check` explores its claims N at a
 * time, one claim per worker (each exploration itself single-threaded, as runCheck
 * does it in the main thread), and reports them in the claims' order, so that the
 * output is the same whatever N is (times apart).
 *
 * A claim's exploration shares nothing with another one, so this parallelism is the
 * one that pays on few cores: no shared visited table, no contention, one message per
 * claim each way. (One large exploration over several workers is exploreParallel's job.)
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { BOOT_MODULE, workerBundle } from '../explore/parallel.ts';
import { resultToJSON, type ExploreResult } from '../explore/bfs.ts';
import type { CheckRun } from './run.ts';
import type { Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import type { NoReduce } from '../engine/reductions.ts';

/** one claim's exploration, as plain data (a message to a worker) */
export interface ClaimJob {
  variant: Variant;
  workload: Workload;
  maxStates: number;
  maxSeconds: number;
  maxBytes?: number;
  noReduce?: NoReduce;
  /** post { t: 'progress', states, seconds } about every second while exploring */
  progress?: boolean;
}

/** how far a claim's exploration is, as a worker reports it */
export interface ClaimProgress {
  states: number;
  seconds: number;
}

const WORKER = new URL('./claim-worker.ts', import.meta.url);
const RUN_MODULE = new URL('./run.ts', import.meta.url).href;

/** the number of claim workers `check` uses by default: one per core, at most 8 */
export function defaultClaimWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** a CheckRun that came through structured clone gets its result's toJSON back */
function revive(run: CheckRun): CheckRun {
  const r = run.result as ExploreResult;
  Object.defineProperty(r, 'toJSON', { value: () => resultToJSON(r), enumerable: false });
  return run;
}

export class ClaimPool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private waiting: (() => void)[] = [];
  private closed = false;

  private constructor(readonly size: number) {}

  static async start(size: number): Promise<ClaimPool> {
    const pool = new ClaimPool(size);
    const bundle = await workerBundle(RUN_MODULE, WORKER);
    for (let i = 0; i < size; i++) {
      const w = new Worker(bundle ?? BOOT_MODULE, {
        workerData: { module: RUN_MODULE, workerModule: WORKER.href },
        ...(bundle !== null ? { execArgv: [] } : {}),
      });
      pool.workers.push(w);
      pool.idle.push(w);
    }
    return pool;
  }

  private async take(): Promise<Worker> {
    for (;;) {
      const w = this.idle.pop();
      if (w) return w;
      await new Promise<void>((res) => this.waiting.push(res));
    }
  }

  private give(w: Worker): void {
    this.idle.push(w);
    this.waiting.shift()?.();
  }

  /** explores one claim on the next free worker */
  async run(job: ClaimJob, onProgress?: (p: ClaimProgress) => void): Promise<CheckRun> {
    if (this.closed) throw new Error('the claim pool is closed');
    const w = await this.take();
    try {
      return await new Promise<CheckRun>((resolve, reject) => {
        const onMsg = (m: { t: 'done'; run: CheckRun } | { t: 'error'; message: string } | ({ t: 'progress' } & ClaimProgress)) => {
          if (m.t === 'progress') {
            onProgress?.(m);
            return;
          }
          off();
          if (m.t === 'done') resolve(revive(m.run));
          else reject(new Error(m.message));
        };
        const onErr = (e: unknown) => {
          off();
          reject(e instanceof Error ? e : new Error(String(e)));
        };
        const onExit = (code: number) => {
          off();
          reject(new Error(`claim worker exited (code ${code})`));
        };
        const off = () => {
          w.off('message', onMsg);
          w.off('error', onErr);
          w.off('exit', onExit);
        };
        w.on('message', onMsg);
        w.on('error', onErr);
        w.on('exit', onExit);
        w.postMessage(onProgress ? { ...job, progress: true } : job);
      });
    } finally {
      this.give(w);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
