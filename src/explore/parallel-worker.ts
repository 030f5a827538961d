/**
 * The worker-thread side of the parallel explorer (parallel.ts). `runWorker(M)` is
 * called by the worker's entry (a bundle built by parallel.ts, or parallel-boot.mjs)
 * with the model module's namespace; `workerData` is a WorkerData.
 *
 * A worker serves one exploration (session) at a time, and any number of them in
 * turn (ExplorerPool). Messages in:
 *  - `{ t: 'start', session, export, arg, maxDepth, wantProgress, table }`: builds the
 *    model for a new session; answers `{ t: 'ready', session, fast, props }`;
 *  - `{ t: 'chunk', session, id, buf, offsAt, n, violated, recycle }`: expands the `n`
 *    state records in `buf` (see parallel-expand.ts); `violated`: property
 *    indices no longer needed; `recycle`: buffers to write output into; `want`: the
 *    main thread would like a spare buffer (sent back as `input`). Answers, in
 *    order, `{ t: 'result', session, id, buf, len, input, fails, labels, bytes }`
 *    (`buf` the output, transferred; the chunk's buffer is kept as a future output
 *    buffer; `bytes`: the worker's own memory: the buffers it holds, its local set).
 * Chunks of a session that is no longer the pool's current one (`control[0]`) are
 * dropped unexpanded. A model exception answers `{ t: 'error', session, name, message }`
 * and ends the session in this worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BUFFER_WORDS, Expander } from './parallel-expand.ts';
import { SharedTableReader, type SharedTableHandle } from './visited.ts';
import type { Model } from './model.ts';

export interface WorkerData {
  /** [current session] of the pool, written by the main thread */
  control: SharedArrayBuffer;
}

export interface StartMsg {
  t: 'start';
  session: number;
  export: string;
  arg: unknown;
  maxDepth: number;
  wantProgress: boolean;
  /** the main thread's visited table, when shared */
  table: SharedTableHandle | null;
}

interface ChunkMsg {
  t: 'chunk';
  session: number;
  id: number;
  buf: Int32Array;
  offsAt: number;
  n: number;
  /** the main thread is short of buffers */
  want: boolean;
  violated: number[];
  recycle: Int32Array[];
}

/** buffers a worker keeps from one session to the next */
const KEEP_BUFFERS = 8;

export function runWorker(M: Record<string, unknown>): void {
  const port = parentPort!;
  const control = new Int32Array((workerData as WorkerData).control);
  const pool: Int32Array[] = [];
  /** bytes of the buffers this worker holds (it drops none) */
  let allocated = 0;
  let session = 0;
  let ex: Expander | null = null;
  const fail = (s: number, e: unknown): void => {
    ex = null;
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ t: 'error', session: s, name: err.name, message: err.message, stack: err.stack });
  };
  port.on('message', (m: StartMsg | ChunkMsg) => {
    if (m.t === 'start') {
      session = m.session;
      ex = null;
      // buffers pile up here during a session (chunks are kept as outputs): keep a few
      pool.sort((a, b) => b.length - a.length);
      while (pool.length > KEEP_BUFFERS) allocated -= pool.pop()!.byteLength;
      try {
        const factory = M[m.export];
        if (typeof factory !== 'function') throw new Error(`the model module has no factory function ${m.export}`);
        const model = factory(m.arg) as Model;
        ex = new Expander(model, { maxDepth: m.maxDepth, wantProgress: m.wantProgress }, m.table ? new SharedTableReader(m.table) : null);
        port.postMessage({ t: 'ready', session, fast: ex.fast, props: model.properties.map((p) => `${p.kind}:${p.name}`) });
      } catch (e) {
        fail(session, e);
      }
      return;
    }
    if (m.t !== 'chunk') return;
    for (const b of m.recycle) {
      pool.push(b);
      allocated += b.byteLength;
    }
    if (m.session !== session || ex === null || Atomics.load(control, 0) !== session) {
      pool.push(m.buf);
      allocated += m.buf.byteLength;
      return;
    }
    try {
      ex.markViolated(m.violated);
      let out = pool.pop();
      if (out === undefined) {
        out = new Int32Array(BUFFER_WORDS);
        allocated += out.byteLength;
      }
      const r = ex.expand(m.buf, m.offsAt, m.n, out);
      for (const b of r.spare) pool.push(b);
      if (r.out !== out) allocated += r.out.byteLength;
      // the chunk's buffer is kept here for a later output (transfers cost the receiving
      // thread external-memory pressure, hence garbage collections, and fresh buffers
      // cost page faults)
      pool.push(m.buf);
      allocated += m.buf.byteLength;
      allocated -= r.out.byteLength; // (before the transfer detaches it)
      // a buffer for the main thread, when it asks and there are enough here
      const back = m.want && pool.length > 2 ? pool.shift()! : null;
      if (back !== null) allocated -= back.byteLength;
      port.postMessage(
        { t: 'result', session, id: m.id, buf: r.out, len: r.len, input: back, fails: r.fails, labels: r.labels, bytes: ex.bytes + allocated, pooled: pool.length },
        back !== null ? [r.out.buffer as ArrayBuffer, back.buffer as ArrayBuffer] : [r.out.buffer as ArrayBuffer],
      );
    } catch (e) {
      fail(session, e);
    }
  });
  port.postMessage({ t: 'loaded' });
}
