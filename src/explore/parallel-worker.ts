/**
 * The worker-thread side of the parallel explorer (parallel.ts). `runWorker(M)` is
 * called by the worker's entry (a bundle built by parallel.ts, or parallel-boot.mjs)
 * with the model's module namespace; `workerData` holds the rest (WorkerConfig).
 *
 * Messages in: `{ t: 'chunk', id, buf, n, violated, recycle }`: expand the `n` state
 * records in `buf` (see parallel-expand.ts); `violated`: property indices no longer
 * needed; `recycle`: output buffers given back. Out: `{ t: 'ready', fast, props }`
 * once the model is built, then per chunk (in order)
 * `{ t: 'result', id, buf, len, input, fails, labels, bytes }` (`buf` the output,
 * `input` the chunk's buffer given back; both transferred), or
 * `{ t: 'error', name, message }` when the model throws.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Expander } from './parallel-expand.ts';
import { SharedTableReader, type SharedTableHandle } from './visited.ts';
import type { Model } from './model.ts';

export interface WorkerConfig {
  export: string;
  arg: unknown;
  maxDepth: number;
  wantProgress: boolean;
  /** the main thread's visited table, when shared */
  table: SharedTableHandle | null;
}

interface ChunkMsg {
  t: 'chunk';
  id: number;
  buf: Int32Array;
  n: number;
  violated: number[];
  recycle: Int32Array[];
}

export function runWorker(M: Record<string, unknown>): void {
  const port = parentPort!;
  const cfg = workerData as WorkerConfig;
  const fail = (e: unknown): void => {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ t: 'error', name: err.name, message: err.message, stack: err.stack });
  };
  let ex: Expander;
  try {
    const factory = M[cfg.export];
    if (typeof factory !== 'function') throw new Error(`the model module has no factory function ${cfg.export}`);
    const model = factory(cfg.arg) as Model;
    ex = new Expander(model, { maxDepth: cfg.maxDepth, wantProgress: cfg.wantProgress }, cfg.table ? new SharedTableReader(cfg.table) : null);
    port.postMessage({ t: 'ready', fast: ex.fast, props: model.properties.map((p) => `${p.kind}:${p.name}`) });
  } catch (e) {
    fail(e);
    return;
  }
  const pool: Int32Array[] = [];
  let failed = false;
  port.on('message', (m: ChunkMsg) => {
    if (failed || m.t !== 'chunk') return;
    try {
      for (const b of m.recycle) pool.push(b);
      ex.markViolated(m.violated);
      let out = pool.pop();
      if (out === undefined) out = new Int32Array(Math.max(1 << 16, m.buf.length * 2));
      const r = ex.expand(m.buf, m.n, out);
      let bytes = ex.bytes;
      for (const b of pool) bytes += b.byteLength;
      port.postMessage(
        { t: 'result', id: m.id, buf: r.out, len: r.len, input: m.buf, fails: r.fails, labels: r.labels, bytes },
        [r.out.buffer as ArrayBuffer, m.buf.buffer as ArrayBuffer],
      );
    } catch (e) {
      failed = true;
      fail(e);
    }
  });
}
