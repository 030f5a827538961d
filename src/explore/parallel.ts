/**
 * Parallel breadth-first exploration over worker threads, with exactly the result of
 * the sequential `explore()` (bfs.ts): same states, transitions, depth, terminal
 * states, violations and labels with the same paths, same cycle check, also under
 * maxStates, maxDepth and stopOn (maxSeconds and maxBytes stop at a merge boundary,
 * so where they stop depends on timing, as it does sequentially).
 *
 * Design (no level barriers):
 *  - The main thread owns the visited table, parent/action arrays, edge list and the
 *    FIFO frontier. The frontier is cut, in state-index order, into chunks of up to
 *    `chunkStates` states, dispatched to the workers as soon as their states are
 *    known, up to `inFlight` chunks per worker.
 *  - A worker (parallel-worker.ts, parallel-expand.ts) expands a chunk: per state the
 *    enabled actions, each successor's fingerprint (the model's fast path when it has
 *    one), the labels, and for successors it has not seen before the packed state,
 *    its 'always' property results and isProgress; for a state without successors
 *    its 'at-quiescence' results.
 *  - Chunks and results travel as one Int32Array each (transferred; buffers are
 *    recycled, because fresh pages are expensive here). A result becomes the chunk of
 *    the states it found new (the chunk points at their records in it), so states are
 *    rarely copied; few or many new states are copied into chunks of `chunkStates`
 *    (fewer when a chunk's output would not fit a buffer). Workers read the main
 *    thread's visited table (a shared, growable SharedArrayBuffer, visited.ts) to skip
 *    successors already known, so few states are sent for nothing.
 *  - The main thread merges chunk results strictly in dispatch order, with the
 *    sequential loop's logic record by record, so indices, parents and therefore all
 *    paths are the ones `explore()` finds. A successor a worker did not send must
 *    already be in the visited table (see the dedup rule in parallel-expand.ts); this
 *    is asserted.
 *  - While the workers start, the main thread expands chunks itself (same code, merged
 *    at once), so starting them costs little wall time.
 *
 * Workers load the model from `spec` (a module URL and the name of a factory
 * function); the main thread builds one instance too (initial states, in-process
 * expansion). Worker code is bundled with esbuild (a dev dependency; tsx uses it too) into one
 * plain-JS module, so a worker starts in ~0.1 s; without esbuild, parallel-boot.mjs
 * registers tsx's loader in each worker (~0.5 s per worker). A fresh worker runs
 * cold (unoptimised) code for its first ~0.3 s of work, which dominates short
 * explorations: an ExplorerPool keeps workers (and their JIT state) from one
 * exploration to the next; exploreParallel without one starts workers and terminates
 * them at the end.
 */
import { availableParallelism } from 'node:os';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IncrementalModel, Model, Property, State } from './model.ts';
import { fingerprint as hashFingerprint } from './hash.ts';
import { SharedFingerprintTable, ROOT, SharedTableReader, StateInfo } from './visited.ts';
import {
  assembleResult,
  EdgeStore,
  ExploreInputError,
  ExploreModelError,
  hasFastPath,
  validateOptions,
  type ExploreOptions,
  type ExploreResult,
  type LimitName,
  type ProgressStats,
  type Violation,
} from './bfs.ts';
import { BUFFER_WORDS, Expander, FAILS, GLOBAL, LABELS, PROGRESS, RECORD_HEADER, S_QFAILS, SENT, type ExpandOutput } from './parallel-expand.ts';
import type { StartMsg, WorkerData } from './parallel-worker.ts';

/** where the workers (and the main thread) get the model from */
export interface ModelSpec {
  /** file URL of an ES module (TypeScript is fine) */
  module: string;
  /** name of an exported factory function `(arg) => Model` */
  export: string;
  /** the factory's argument (structured-cloneable) */
  arg: unknown;
}

export interface ParallelOptions extends ExploreOptions {
  /** worker threads (default: min(2, os.availableParallelism()); 0: all in the main thread) */
  workers?: number;
  /** states per chunk (default 128) */
  chunkStates?: number;
  /** chunks dispatched to a worker and not yet returned, at most (default 3) */
  inFlight?: number;
  /**
   * run on these workers (an ExplorerPool of `spec.module`, left open at the end)
   * instead of starting `workers` new ones and terminating them at the end
   */
  pool?: ExplorerPool;
  /** the main thread expands chunks too when it has nothing to merge (default false) */
  mainExpands?: boolean;
  /**
   * the main thread expands chunks while no worker is ready (default true; false makes
   * the workers do all expansions, for tests)
   */
  expandWhileStarting?: boolean;
}

const DEFAULT_CHUNK_STATES = 128;
const DEFAULT_IN_FLIGHT = 3;
/** chunks are cut this small when the frontier is narrow */
const MIN_CHUNK_STATES = 16;

interface Chunk {
  id: number;
  /** state records, see parallel-expand.ts */
  buf: Int32Array;
  /** where in `buf` their offsets are (-1: consecutive from 0) */
  offsAt: number;
  /** words used (when offs is null) */
  len: number;
  n: number;
  /** index of its first state */
  first: number;
  /** null: expanded by the main thread */
  slot: WorkerSlot | null;
}

interface Result extends ExpandOutput {
  /** unused (a worker gives spare buffers back with its results) */
  input: Int32Array | null;
}

interface WorkerSlot {
  w: Worker;
  /** its model is built for this session */
  ready: boolean;
  inFlight: number;
  /** property indices violated since its last chunk */
  violated: number[];
  /** buffers it keeps for its output (as last reported) */
  pooled: number;
  /** its last reported memory (buffers it holds, local fingerprint set) */
  bytes: number;
}

function intOption(o: Record<string, unknown>, field: string, dflt: number, max: number): number {
  const v = o[field];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ExploreInputError(field, `${field} must be an integer in [1, ${max}], got ${String(v)}`);
  }
  return v;
}

// ---------------------------------------------------------------------------------
// Worker scripts
// ---------------------------------------------------------------------------------

const WORKER_MODULE = new URL('./parallel-worker.ts', import.meta.url);
/** the worker entry without a bundle (workerData: module, workerModule) */
export const BOOT_MODULE = new URL('./parallel-boot.mjs', import.meta.url);

interface Bundle {
  url: URL;
  inputs: [string, number][];
}
const bundles = new Map<string, Bundle>();

function fresh(b: Bundle): boolean {
  try {
    return b.inputs.every(([f, m]) => statSync(f).mtimeMs === m);
  } catch {
    return false;
  }
}

/**
 * A data: URL of one plain-JS ES module running a worker (`workerModule`'s `runWorker`)
 * with the module `moduleUrl` (esbuild bundle, cached per process while its inputs are
 * unchanged), or null when esbuild is unavailable or fails. The parallel explorer's
 * workers get the model module; src/check/pool.ts's claim workers get theirs.
 */
export async function workerBundle(moduleUrl: string, workerModule: URL = WORKER_MODULE): Promise<URL | null> {
  const key = `${moduleUrl} ${workerModule.href}`;
  const cached = bundles.get(key);
  if (cached !== undefined && fresh(cached)) return cached.url;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return null;
  }
  try {
    const modulePath = fileURLToPath(moduleUrl);
    const entry =
      `import * as M from ${JSON.stringify(modulePath)};\n` +
      `import { runWorker } from ${JSON.stringify(fileURLToPath(workerModule))};\n` +
      `runWorker(M);\n`;
    const r = await esbuild.build({
      stdin: { contents: entry, resolveDir: dirname(modulePath), sourcefile: 'explore-worker-entry.mjs', loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      metafile: true,
      logLevel: 'silent',
      banner: { js: `import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(${JSON.stringify(moduleUrl)});` },
      plugins: [
        {
          // each module keeps its own import.meta.url (the bundle's would be a data: URL)
          name: 'import-meta',
          setup(b) {
            b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
              if (args.path.includes('/node_modules/')) return undefined;
              const text = readFileSync(args.path, 'utf8');
              if (!text.includes('import.meta')) return undefined;
              const url = pathToFileURL(args.path).href;
              const contents = text
                .replace(/\bimport\.meta\.url\b/g, JSON.stringify(url))
                .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
                .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
              return { contents, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js', resolveDir: dirname(args.path) };
            });
          },
        },
      ],
    });
    const code = r.outputFiles![0].text;
    const inputs: [string, number][] = [];
    for (const f of Object.keys(r.metafile!.inputs)) {
      const path = f.startsWith('/') ? f : `${process.cwd()}/${f}`;
      try {
        inputs.push([path, statSync(path).mtimeMs]);
      } catch {
        // virtual input (the entry)
      }
    }
    const b: Bundle = { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`), inputs };
    bundles.set(key, b);
    return b.url;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------
// Worker pools
// ---------------------------------------------------------------------------------

/** what a pool tells the exploration using it */
interface PoolClient {
  onWorkers(workers: readonly Worker[]): void;
  onMessage(worker: number, m: { t: string } & Record<string, unknown>): void;
  fail(e: unknown): void;
}

function defaultWorkers(): number {
  return Math.min(2, availableParallelism());
}

/**
 * Worker threads that load the model module `module` once and then serve any number of
 * explorations in turn (`exploreParallel(spec, { pool })`), so that later explorations
 * skip the start-up and run on code the JIT has already optimised. Idle workers do not
 * keep the process alive; `close()` terminates them.
 */
export class ExplorerPool {
  readonly size: number;
  private workers: Worker[] = [];
  /** [current session]: chunks of other sessions are dropped by the workers */
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private readonly started: Promise<void>;
  private client: PoolClient | null = null;
  private error: unknown = null;
  private closed = false;
  private session = 0;

  constructor(
    /** file URL of the model module (ModelSpec.module) */
    readonly module: string,
    workers: number = defaultWorkers(),
  ) {
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
      throw new ExploreInputError('workers', `workers must be an integer in [1, 256], got ${String(workers)}`);
    }
    this.size = workers;
    this.started = this.start();
    this.started.catch(() => undefined);
  }

  private async start(): Promise<void> {
    const bundle = await workerBundle(this.module);
    if (this.closed) return;
    const data: WorkerData & { module: string; workerModule: string } = {
      control: this.control.buffer as SharedArrayBuffer,
      module: this.module,
      workerModule: WORKER_MODULE.href,
    };
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(bundle ?? BOOT_MODULE, {
        workerData: data,
        // a bundle is plain JS: no need for the parent's options (its TypeScript loader
        // would boot in each worker; V8 options are process-wide and refused here)
        ...(bundle !== null ? { execArgv: [] } : {}),
        stdout: false,
        stderr: false,
      });
      w.on('message', (m: { t: string } & Record<string, unknown>) => this.client?.onMessage(i, m));
      w.on('error', (e) => this.broken(e));
      w.on('exit', (code) => {
        if (!this.closed) this.broken(new Error(`explorer worker exited (code ${code})`));
      });
      if (this.client === null) w.unref();
      this.workers.push(w);
    }
  }

  private broken(e: unknown): void {
    this.error ??= e;
    this.client?.fail(e);
  }

  /** starts a session for `client` (one at a time); returns its number */
  attach(client: PoolClient): number {
    if (this.closed) throw new Error('the explorer pool is closed');
    if (this.error !== null) throw this.error;
    if (this.client !== null) throw new Error('the explorer pool is busy with another exploration');
    this.client = client;
    const session = ++this.session;
    Atomics.store(this.control, 0, session);
    for (const w of this.workers) w.ref();
    this.started.then(
      () => {
        if (this.client !== client) return;
        for (const w of this.workers) w.ref();
        client.onWorkers(this.workers);
      },
      (e) => {
        if (this.client === client) client.fail(e);
      },
    );
    return session;
  }

  /** ends `client`'s session: its chunks still queued in the workers are dropped */
  detach(client: PoolClient): void {
    if (this.client !== client) return;
    Atomics.store(this.control, 0, 0);
    this.client = null;
    for (const w of this.workers) w.unref();
  }

  /** buffers the main thread kept from the last exploration (fresh pages are expensive) */
  private buffers: Int32Array[] = [];

  /** takes the kept buffers */
  takeBuffers(): Int32Array[] {
    const b = this.buffers;
    this.buffers = [];
    return b;
  }

  /** keeps buffers for the next exploration, up to 64 MiB */
  keepBuffers(bufs: readonly Int32Array[]): void {
    let bytes = 0;
    for (const b of this.buffers) bytes += b.byteLength;
    for (const b of bufs) {
      if (b.buffer.byteLength === 0 || bytes + b.byteLength > 64 << 20) continue;
      bytes += b.byteLength;
      this.buffers.push(b);
    }
  }

  /** terminates the workers */
  async close(): Promise<void> {
    this.buffers = [];
    this.closed = true;
    await this.started.catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => undefined)));
  }
}

// ---------------------------------------------------------------------------------
// The explorer
// ---------------------------------------------------------------------------------

/**
 * Explores the model `spec` describes with worker threads; the result is the one
 * `explore(factory(arg), options)` gives (see the module comment).
 */
export async function exploreParallel(spec: ModelSpec, options: ParallelOptions = {}): Promise<ExploreResult> {
  const lim = validateOptions(options);
  const o = options as Record<string, unknown>;
  // workers: 0 runs everything in the main thread (the same pipeline, for tests and measurements)
  const nWorkers = o.workers === 0 ? 0 : intOption(o, 'workers', defaultWorkers(), 256);
  if (o.pool !== undefined && !(o.pool instanceof ExplorerPool)) throw new ExploreInputError('pool', 'pool must be an ExplorerPool');
  for (const f of ['mainExpands', 'expandWhileStarting'] as const) {
    if (o[f] !== undefined && typeof o[f] !== 'boolean') throw new ExploreInputError(f, `${f} must be a boolean`);
  }
  const chunkStates = intOption(o, 'chunkStates', DEFAULT_CHUNK_STATES, 1 << 20);
  const inFlightMax = intOption(o, 'inFlight', DEFAULT_IN_FLIGHT, 1024);
  if (spec === null || typeof spec !== 'object' || typeof spec.module !== 'string' || typeof spec.export !== 'string') {
    throw new ExploreInputError('spec', 'spec must be { module: string (file URL), export: string, arg }');
  }
  const M = (await import(spec.module)) as Record<string, unknown>;
  const factory = M[spec.export];
  if (typeof factory !== 'function') throw new ExploreInputError('spec', `${spec.module} has no exported function ${spec.export}`);
  if (options.pool !== undefined && options.pool.module !== spec.module) {
    throw new ExploreInputError('pool', `the pool runs ${options.pool.module}, not ${spec.module}`);
  }
  const model = factory(spec.arg) as Model;
  const own = options.pool === undefined && nWorkers > 0 ? new ExplorerPool(spec.module, nWorkers) : null;
  const pool = options.pool ?? own;
  try {
    const expandWhileStarting = pool === null || (options.expandWhileStarting ?? true);
    return await new ParallelRun(spec, model, options, lim, pool, chunkStates, inFlightMax, options.mainExpands ?? false, expandWhileStarting).run();
  } finally {
    if (own !== null) await own.close();
  }
}

type Limits = ReturnType<typeof validateOptions>;

class ParallelRun implements PoolClient {
  private readonly t0 = performance.now();
  private readonly props: Property[];
  private activeAlways: Property[] = [];
  private activeQuiescent: Property[] = [];
  private readonly propIndex = new Map<Property, number>();
  private readonly violations = new Map<string, Violation>();
  private readonly labelFirst = new Map<string, { parent: number; action: number }>();
  private readonly isProgress: ((s: State) => boolean) | undefined;
  /** isProgress is computed in the main thread (options.isProgress), not by the workers */
  private readonly mainProgress: boolean;
  private cycleSkip: string | undefined;
  private edges: EdgeStore | null;
  private progressBits: Uint8Array | null;
  private readonly table: SharedFingerprintTable;
  private readonly info: StateInfo;
  private readonly fast: boolean;

  // the sequential explorer's counters
  private count = 0;
  private initialStates = 0;
  private transitions = 0;
  private terminal = 0;
  private depth = 0;
  private maxDepthSeen = 0;
  private limitHit: LimitName | undefined;
  private depthCut = false;
  private peakBytes = 0;
  private levelLeft = 0;
  private nextLevel = 0;
  private expanded = 0;
  private reserveAt = 0;

  // the frontier: chunks of state records in index order, the last one being filled
  private ready: Chunk[] = [];
  private cur: Chunk | null = null;
  /** states pushed to the frontier */
  private pushed = 0;
  /** unused buffers (kept, and kept by the ExplorerPool for its next exploration: fresh pages are expensive here) */
  private pool: Int32Array[];
  /** bytes of the buffers the main thread holds (pool, frontier, results; it drops none) */
  private allocated = 0;
  /** offsets of the new states found by the merge in progress */
  private newOffs = new Int32Array(1024);
  private nNew = 0;
  private nextId = 0;
  private nextMerge = 0;
  /** chunks dispatched (or expanded here), by id, until merged */
  private readonly dispatched = new Map<number, Chunk>();
  private readonly results = new Map<number, Result>();
  /** states per chunk: chunkStates, or fewer when a chunk's output would not fit a buffer */
  private maxChunk: number;
  /** output words per expanded state (running average) */
  private outPerState = 0;
  /** chunks expanded here, not yet merged */
  private localPending = 0;

  private slots: WorkerSlot[] = [];
  private session = 0;
  private readonly local: Expander;
  private finished = false;
  private resolve!: (r: ExploreResult) => void;
  private reject!: (e: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private lastProgress: number;
  private pumpScheduled = false;

  constructor(
    private readonly spec: ModelSpec,
    private readonly model: Model,
    private readonly options: ParallelOptions,
    private readonly lim: Limits,
    private readonly workerPool: ExplorerPool | null,
    private readonly chunkStates: number,
    private readonly inFlightMax: number,
    private readonly mainExpands: boolean,
    private readonly expandWhileStarting: boolean,
  ) {
    this.props = model.properties;
    this.props.forEach((p, i) => {
      this.propIndex.set(p, i);
      if (p.kind === 'always') this.activeAlways.push(p);
      else if (p.kind === 'at-quiescence') this.activeQuiescent.push(p);
      else throw new ExploreModelError(`property ${p.name}: unknown kind ${String(p.kind)}`);
    });
    this.isProgress = options.isProgress ?? (typeof model.isProgress === 'function' ? (s: State) => model.isProgress!(s) : undefined);
    this.mainProgress = options.isProgress !== undefined;
    if (options.storeEdges && this.isProgress === undefined) this.cycleSkip = 'no isProgress predicate (model.isProgress or options.isProgress)';
    this.edges = options.storeEdges && this.isProgress !== undefined ? new EdgeStore() : null;
    this.progressBits = this.edges ? new Uint8Array(1024) : null;
    this.table = new SharedFingerprintTable(lim.initialCapacity, this.edges !== null);
    this.info = new StateInfo(Math.ceil(lim.initialCapacity * 0.8));
    this.fast = hasFastPath(model);
    const h = this.table.handle();
    this.local = new Expander(model, this.expandConfig(), h !== null ? new SharedTableReader(h) : null);
    this.maxChunk = chunkStates;
    this.pool = workerPool !== null ? workerPool.takeBuffers() : [];
    for (const b of this.pool) this.allocated += b.byteLength;
    this.lastProgress = this.t0;
  }

  private expandConfig() {
    return { maxDepth: this.lim.maxDepth, wantProgress: this.progressBits !== null && !this.mainProgress };
  }

  run(): Promise<ExploreResult> {
    return new Promise<ExploreResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      try {
        this.init();
        if (this.limitHit !== undefined || this.frontierEmpty()) {
          this.finish();
          return;
        }
        if (this.lim.maxSeconds !== Infinity) {
          const ms = Math.max(0, this.lim.maxSeconds * 1000 - (performance.now() - this.t0));
          this.timer = setTimeout(() => {
            if (this.finished) return;
            this.limitHit = 'maxSeconds';
            this.finish();
          }, ms);
        }
        if (this.workerPool !== null) this.session = this.workerPool.attach(this);
        this.schedulePump();
      } catch (e) {
        this.fail(e);
      }
    });
  }

  // --- workers ----------------------------------------------------------------------

  /** the pool's workers exist: start this session in each */
  onWorkers(workers: readonly Worker[]): void {
    if (this.finished) return;
    const start: StartMsg = {
      t: 'start',
      session: this.session,
      export: this.spec.export,
      arg: this.spec.arg,
      maxDepth: this.lim.maxDepth,
      wantProgress: this.expandConfig().wantProgress,
      table: this.table.handle(),
    };
    this.slots = workers.map((w) => ({ w, ready: false, inFlight: 0, violated: [], pooled: 0, bytes: 0 }));
    for (const w of workers) w.postMessage(start);
  }

  onMessage(worker: number, m: { t: string } & Record<string, unknown>): void {
    if (this.finished || m.session !== this.session) return;
    const slot = this.slots[worker];
    try {
      if (m.t === 'result') {
        slot.inFlight--;
        slot.bytes = m.bytes as number;
        slot.pooled = m.pooled as number;
        this.allocated += (m.buf as Int32Array).byteLength;
        if (m.input !== null) {
          this.allocated += (m.input as Int32Array).byteLength;
          this.pool.push(m.input as Int32Array);
        }
        const r: Result = {
          out: m.buf as Int32Array,
          len: m.len as number,
          spare: [],
          fails: m.fails as ExpandOutput['fails'],
          labels: m.labels as string[][],
          input: null,
        };
        this.results.set(m.id as number, r);
      } else if (m.t === 'ready') {
        if (m.fast !== this.fast) throw new ExploreModelError('a worker built a model with a different fast path than the main thread');
        const names = this.props.map((p) => `${p.kind}:${p.name}`);
        const theirs = m.props as string[];
        if (theirs.length !== names.length || theirs.some((n, i) => n !== names[i])) {
          throw new ExploreModelError('a worker built a model with different properties than the main thread');
        }
        slot.ready = true;
        // properties violated before the worker was ready
        for (const name of this.violations.keys()) slot.violated.push(this.props.findIndex((p) => p.name === name));
      } else if (m.t === 'error') {
        const e = m.name === 'ExploreModelError' ? new ExploreModelError(m.message as string) : new Error(m.message as string);
        if (typeof m.stack === 'string') e.stack = m.stack;
        throw e;
      }
      this.pump();
    } catch (e) {
      this.fail(e);
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.finished) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      if (this.finished) return;
      try {
        this.pump();
      } catch (e) {
        this.fail(e);
      }
    });
  }

  /** merges what can be merged, checks limits, dispatches, expands here while no worker is ready */
  private pump(): void {
    if (this.finished) return;
    let merged = false;
    for (;;) {
      const r = this.results.get(this.nextMerge);
      if (r === undefined) break;
      this.results.delete(this.nextMerge);
      const c = this.dispatched.get(this.nextMerge)!;
      this.dispatched.delete(this.nextMerge);
      this.nextMerge++;
      const stop = this.merge(c, r);
      merged = true;
      if (stop) {
        this.finish();
        return;
      }
      this.forward(c, r);
    }
    if (merged && this.checkLimits()) {
      this.finish();
      return;
    }
    if (this.frontierEmpty() && this.dispatched.size === 0) {
      this.finish();
      return;
    }
    // dispatch to ready workers, least loaded first
    for (;;) {
      let best: WorkerSlot | null = null;
      for (const s of this.slots) if (s.ready && s.inFlight < this.inFlightMax && (best === null || s.inFlight < best.inFlight)) best = s;
      if (best === null) break;
      const c = this.takeChunk(best);
      if (c === null) break;
      best.inFlight++;
      const violated = best.violated;
      best.violated = [];
      // buffers for its output, when it is short of them
      const recycle: Int32Array[] = [];
      while (best.pooled + recycle.length < 2 && this.pool.length > 2) recycle.push(this.pool.pop()!);
      best.pooled += recycle.length;
      this.allocated -= c.buf.byteLength;
      for (const b of recycle) this.allocated -= b.byteLength;
      best.w.postMessage({ t: 'chunk', session: this.session, id: c.id, buf: c.buf, offsAt: c.offsAt, n: c.n, violated, recycle, want: this.pool.length < 2 }, [
        c.buf.buffer as ArrayBuffer,
        ...recycle.map((b) => b.buffer as ArrayBuffer),
      ]);
    }
    // expand here while no worker is ready, or (mainExpands) while there is nothing to merge
    const booting = !this.slots.some((s) => s.ready);
    if ((booting && this.expandWhileStarting && this.dispatched.size === 0) || (this.mainExpands && !this.results.has(this.nextMerge) && this.localPending < 2)) {
      const c = this.takeChunk(null);
      if (c !== null) {
        this.localPending++;
        const out = this.takeBuffer(1 << 16);
        const r = this.local.expand(c.buf, c.offsAt, c.n, out);
        for (const b of r.spare) this.pool.push(b);
        if (r.out !== out) this.allocated += r.out.byteLength;
        this.results.set(c.id, { ...r, input: null });
        this.schedulePump();
      }
    }
  }

  /** the next chunk of the frontier, numbered in dispatch (= merge) order */
  private takeChunk(slot: WorkerSlot | null): Chunk | null {
    let c: Chunk | null;
    if (this.ready.length > 0) c = this.ready.shift()!;
    else {
      c = this.cur;
      if (c === null || c.n === 0) return null;
      this.cur = null;
    }
    c.id = this.nextId++;
    c.slot = slot;
    this.dispatched.set(c.id, c);
    return c;
  }

  private frontierEmpty(): boolean {
    return this.ready.length === 0 && (this.cur === null || this.cur.n === 0);
  }

  /** a buffer of at least `minWords` words, from the pool when possible */
  private takeBuffer(minWords: number): Int32Array {
    const pool = this.pool;
    for (let i = pool.length - 1; i >= 0; i--) {
      if (pool[i].length >= minWords) {
        const b = pool[i];
        pool[i] = pool[pool.length - 1];
        pool.pop();
        return b;
      }
    }
    const b = new Int32Array(Math.max(minWords, BUFFER_WORDS));
    this.allocated += b.byteLength;
    return b;
  }

  /** room for a record of `words` words at the end of the frontier */
  private frontierRoom(words: number): Chunk {
    let c = this.cur;
    if (c !== null && c.len + words > c.buf.length) {
      this.ready.push(c);
      c = null;
    }
    if (c === null) {
      c = this.cur = { id: -1, buf: this.takeBuffer(words * this.maxChunk), offsAt: -1, len: 0, n: 0, first: this.pushed, slot: null };
    }
    return c;
  }

  /** a record was appended to `c` */
  private pushed1(c: Chunk, words: number): void {
    c.len += words;
    c.n++;
    this.pushed++;
    if (c.n >= this.chunkLimit()) {
      this.ready.push(c);
      this.cur = null;
    }
  }

  /**
   * states per chunk now: maxChunk, or fewer when the frontier is narrow, so that every
   * worker gets a few chunks (a narrow BFS level is otherwise expanded by one worker)
   */
  private chunkLimit(): number {
    const workers = Math.max(1, this.slots.length);
    const frontier = this.count - this.expanded;
    return Math.max(1, Math.min(this.maxChunk, Math.max(MIN_CHUNK_STATES, Math.floor(frontier / (2 * workers)))));
  }

  /** copies the state record at `p` in `src` to the end of the frontier */
  private copyToFrontier(src: Int32Array, p: number): void {
    const words = RECORD_HEADER + src[p + 3];
    const c = this.frontierRoom(words);
    c.buf.set(src.subarray(p, p + words), c.len);
    this.pushed1(c, words);
  }

  /**
   * After a merge: the new states it found join the frontier, the result's buffer
   * becoming their chunk (or copied into chunks when few or many); buffers to the pool.
   */
  private forward(c: Chunk, r: Result): void {
    // chunks small enough for their output to fit a buffer (most of the time)
    const per = r.len / c.n;
    this.outPerState = this.outPerState === 0 ? per : this.outPerState * 0.9 + per * 0.1;
    this.maxChunk = Math.max(1, Math.min(this.chunkStates, Math.floor((0.7 * BUFFER_WORDS) / this.outPerState)));
    const k = this.nNew;
    this.nNew = 0;
    if (c.slot === null) this.pool.push(c.buf);
    const out = r.out;
    const offs = this.newOffs;
    const max = this.chunkLimit();
    if (k === 0 || k < max >> 2) {
      for (let i = 0; i < k; i++) this.copyToFrontier(out, offs[i]);
      this.pool.push(out);
      return;
    }
    const cur = this.cur;
    if (cur !== null && cur.n > 0) {
      this.ready.push(cur);
      this.cur = null;
    }
    let m = Math.min(k, max);
    // the offsets go after the output (no allocation); when there is no room, fewer states
    m = Math.min(m, out.length - r.len);
    if (m <= 0) {
      for (let i = 0; i < k; i++) this.copyToFrontier(out, offs[i]);
      this.pool.push(out);
      return;
    }
    out.set(offs.subarray(0, m), r.len);
    this.ready.push({ id: -1, buf: out, offsAt: r.len, len: 0, n: m, first: this.pushed, slot: null });
    this.pushed += m;
    for (let i = m; i < k; i++) this.copyToFrontier(out, offs[i]);
  }

  fail(e: unknown): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.release();
    this.reject(e);
  }

  /** ends the session: the buffers here go back to the pool, for its next exploration */
  private release(): void {
    const p = this.workerPool;
    if (p === null) return;
    p.detach(this);
    const bufs = this.pool;
    for (const c of this.ready) bufs.push(c.buf);
    if (this.cur !== null) bufs.push(this.cur.buf);
    for (const c of this.dispatched.values()) if (c.slot === null) bufs.push(c.buf);
    for (const r of this.results.values()) {
      bufs.push(r.out);
      if (r.input !== null) bufs.push(r.input);
    }
    p.keepBuffers(bufs);
    this.pool = [];
  }

  // --- the sequential explorer's bookkeeping ----------------------------------------

  private estimateBytes(): number {
    let workers = 0;
    for (const s of this.slots) workers += s.bytes;
    return (
      this.table.bytes +
      this.info.bytes +
      (this.edges ? this.edges.bytes : 0) +
      (this.progressBits ? this.progressBits.byteLength : 0) +
      this.allocated +
      this.local.bytes +
      workers
    );
  }

  private violationStops(): boolean {
    const lim = this.lim;
    return (lim.stopOn === 'first-violation' && this.violations.size > 0) || (lim.stopOn === 'all-violated' && this.violations.size === this.props.length);
  }

  private recordViolation(p: Property, reason: string, idx: number): void {
    const { path, initIndex } = this.info.pathTo(idx);
    this.violations.set(p.name, { property: p.name, kind: p.kind, reason, path, initIndex, depth: path.length });
    const i = this.propIndex.get(p)!;
    for (const s of this.slots) s.violated.push(i);
    this.local.markViolated([i]);
  }

  /** the sequential checkAlways on an initial state (checked here) */
  private checkAlwaysHere(s: State, idx: number): boolean {
    let hit = false;
    for (const p of this.activeAlways) {
      const r = p.check(s);
      if (r !== null) {
        this.recordViolation(p, r, idx);
        hit = true;
      }
    }
    if (hit) this.activeAlways = this.activeAlways.filter((p) => !this.violations.has(p.name));
    return hit && this.violationStops();
  }

  /** applies an expander's property results `f` ([propIndex, reason, ...]) to state `idx` */
  private applyFails(f: (number | string)[], idx: number, kind: 'always' | 'at-quiescence'): boolean {
    let hit = false;
    for (let j = 0; j < f.length; j += 2) {
      const p = this.props[f[j] as number];
      if (p.kind !== kind || this.violations.has(p.name)) continue;
      this.recordViolation(p, f[j + 1] as string, idx);
      hit = true;
    }
    if (!hit) return false;
    if (kind === 'always') this.activeAlways = this.activeAlways.filter((p) => !this.violations.has(p.name));
    else this.activeQuiescent = this.activeQuiescent.filter((p) => !this.violations.has(p.name));
    return this.violationStops();
  }

  private reserve(): boolean {
    const { table, info, lim } = this;
    if (table.size >= table.growAt) {
      const extra = table.bytesAfterGrowth();
      if (this.estimateBytes() + extra > lim.maxBytes) return false;
      try {
        if (!table.grow()) return false;
      } catch (e) {
        if (e instanceof RangeError) return false;
        throw e;
      }
    }
    if (this.count >= info.capacity) {
      if (this.estimateBytes() + info.bytesAfterGrowth() > lim.maxBytes) return false;
      try {
        info.grow();
      } catch (e) {
        if (e instanceof RangeError) return false;
        throw e;
      }
    }
    const pb = this.progressBits;
    if (pb !== null && this.count >= pb.length) {
      const b = new Uint8Array(Math.ceil(pb.length * 1.5));
      b.set(pb);
      this.progressBits = b;
    }
    this.reserveAt = Math.min(table.growAt, info.capacity, this.progressBits !== null ? this.progressBits.length : Infinity);
    return true;
  }

  /** the initial states, as the sequential explorer does it; they go into the main thread's slabs */
  private init(): void {
    const model = this.model;
    const inits = model.init();
    if (!Array.isArray(inits)) throw new ExploreModelError('model.init() must return an array of Int32Array states');
    if (inits.length > 0x10000) throw new ExploreModelError(`model.init() returned ${inits.length} states; at most 65536 are supported`);
    const fp = new Int32Array(2);
    const onNewState = this.options.onNewState;
    for (let i = 0; i < inits.length; i++) {
      const s = inits[i];
      if (!(s instanceof Int32Array)) throw new ExploreModelError(`model.init()[${i}] is not an Int32Array`);
      if (this.fast) (model as IncrementalModel).fingerprint(s, fp);
      else hashFingerprint(s, fp);
      if (this.count >= this.lim.maxStates) {
        if (this.table.find(fp[0], fp[1]) < 0) {
          this.limitHit = 'maxStates';
          break;
        }
        continue;
      }
      if (!this.reserve()) {
        this.limitHit = 'maxBytes';
        break;
      }
      if (this.table.insert(fp[0], fp[1], this.count) !== -1) continue;
      const idx = this.count++;
      this.info.parent[idx] = ROOT;
      this.info.action[idx] = i;
      if (this.progressBits !== null) this.progressBits[idx] = this.isProgress!(s) ? 1 : 0;
      const words = RECORD_HEADER + s.length;
      const c = this.frontierRoom(words);
      const b = c.buf;
      const p = c.len;
      b[p] = fp[0];
      b[p + 1] = fp[1];
      b[p + 2] = 0;
      b[p + 3] = s.length;
      b.set(s, p + RECORD_HEADER);
      this.pushed1(c, words);
      if (onNewState !== undefined) onNewState(s, idx);
      if (this.activeAlways.length > 0 && this.checkAlwaysHere(s, idx)) {
        this.limitHit = 'stopOn';
        break;
      }
    }
    this.initialStates = this.count;
    this.levelLeft = this.count;
  }

  /** merges one chunk's expansion, as the sequential loop would; true when exploration stops */
  private merge(c: Chunk, r: Result): boolean {
    if (c.first !== this.expanded) throw new Error(`internal: chunk of state ${c.first} merged when ${this.expanded} is next`);
    const { table, info, lim } = this;
    const maxStates = lim.maxStates;
    const maxDepth = lim.maxDepth;
    const onNewState = this.options.onNewState;
    const mainIsProgress = this.mainProgress ? this.isProgress! : null;
    const buf = r.out;
    let p = 0;
    let fi = 0;
    let li = 0;
    for (let i = 0; i < c.n; i++) {
      if (this.levelLeft === 0) {
        this.depth++;
        this.levelLeft = this.nextLevel;
        this.nextLevel = 0;
      }
      const depth = this.depth;
      const atLimit = depth >= maxDepth;
      this.levelLeft--;
      const src = this.expanded++;
      let edges = this.edges;
      if (edges !== null) edges.begin(src);
      const nsucc = buf[p];
      const sflags = buf[p + 1];
      p += 2;
      for (let k = 0; k < nsucc; k++) {
        const a = buf[p];
        const fl = buf[p + 1];
        const lo = buf[p + 2];
        const hi = buf[p + 3];
        let sp = -1;
        if ((fl & SENT) !== 0) {
          sp = p + 2;
          p = sp + RECORD_HEADER + buf[sp + 3];
        } else {
          p += 4;
        }
        const fails = (fl & FAILS) !== 0 ? r.fails[fi++] : null;
        this.transitions++;
        if ((fl & LABELS) !== 0) {
          const ls = r.labels[li++];
          for (let j = 0; j < ls.length; j++) {
            if (!this.labelFirst.has(ls[j])) this.labelFirst.set(ls[j], { parent: src, action: a });
          }
        }
        let target: number;
        if ((fl & GLOBAL) !== 0) {
          // already in the table when the expander looked (and entries are never removed)
          target = lo;
        } else if (atLimit) {
          target = table.find(lo, hi);
          if (target < 0) {
            this.depthCut = true;
            continue;
          }
        } else if (this.count >= maxStates) {
          target = table.find(lo, hi);
          if (target < 0) {
            this.limitHit = 'maxStates';
            return true;
          }
        } else if (sp < 0) {
          target = table.find(lo, hi);
          if (target < 0) {
            throw new Error(`internal: state ${src}, action ${a}: a successor its expander did not send is not in the visited table`);
          }
        } else {
          if (this.count >= this.reserveAt && !this.reserve()) {
            this.limitHit = 'maxBytes';
            return true;
          }
          target = table.insert(lo, hi, this.count);
          if (target === -1) {
            const idx = this.count++;
            target = idx;
            info.parent[idx] = src;
            info.action[idx] = a;
            this.maxDepthSeen = depth + 1;
            if (this.nNew === this.newOffs.length) {
              const b = new Int32Array(this.newOffs.length * 2);
              b.set(this.newOffs);
              this.newOffs = b;
            }
            this.newOffs[this.nNew++] = sp;
            this.nextLevel++;
            if (onNewState !== undefined || mainIsProgress !== null) {
              const t = buf.subarray(sp + RECORD_HEADER, sp + RECORD_HEADER + buf[sp + 3]);
              if (onNewState !== undefined) onNewState(t, idx);
              if (mainIsProgress !== null && this.progressBits !== null) this.progressBits[idx] = mainIsProgress(t) ? 1 : 0;
            }
            if (mainIsProgress === null && this.progressBits !== null) this.progressBits[idx] = (fl & PROGRESS) !== 0 ? 1 : 0;
            if (this.activeAlways.length > 0 && fails !== null && this.applyFails(fails, idx, 'always')) {
              if (this.edges !== null) this.edges.add(target, a);
              this.limitHit = 'stopOn';
              return true;
            }
          }
        }
        edges = this.edges;
        if (edges !== null) {
          if (edges.count >= lim.maxEdges) {
            this.edges = null;
            this.progressBits = null;
            table.dropIndex();
            this.cycleSkip = `more than maxEdges = ${lim.maxEdges} edges; cycle detection not done`;
          } else {
            edges.add(target, a);
          }
        }
      }
      if (nsucc === 0) {
        this.terminal++;
        const f = (sflags & S_QFAILS) !== 0 ? r.fails[fi++] : null;
        if (this.activeQuiescent.length > 0 && f !== null && this.applyFails(f, src, 'at-quiescence')) {
          this.limitHit = 'stopOn';
          return true;
        }
      }
    }
    if (p !== r.len || fi !== r.fails.length || li !== r.labels.length) {
      throw new Error('internal: chunk result not consumed exactly');
    }
    return false;
  }

  /** maxSeconds / maxBytes between merges, and progress reports; true to stop */
  private checkLimits(): boolean {
    const now = performance.now();
    const bytes = this.estimateBytes();
    if (bytes > this.peakBytes) this.peakBytes = bytes;
    if ((now - this.t0) / 1000 >= this.lim.maxSeconds) {
      this.limitHit = 'maxSeconds';
      return true;
    }
    if (bytes > this.lim.maxBytes) {
      this.limitHit = 'maxBytes';
      return true;
    }
    const onProgress = this.options.onProgress;
    if (onProgress !== undefined && now - this.lastProgress >= this.lim.progressIntervalMs) {
      this.lastProgress = now;
      onProgress(this.progressStats(now, false));
    }
    return false;
  }

  private progressStats(now: number, done: boolean): ProgressStats {
    const seconds = (now - this.t0) / 1000;
    return {
      states: this.count,
      transitions: this.transitions,
      depth: this.depth,
      frontier: this.count - this.expanded,
      seconds,
      statesPerSecond: seconds > 0 ? this.count / seconds : 0,
      bytes: this.estimateBytes(),
      violations: this.violations.size,
      done,
    };
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const tEnd = performance.now();
    try {
      if (this.limitHit === undefined && this.depthCut) this.limitHit = 'maxDepth';
      const finalBytes = this.estimateBytes();
      if (finalBytes > this.peakBytes) this.peakBytes = finalBytes;
      const seconds = (tEnd - this.t0) / 1000;
      const onProgress = this.options.onProgress;
      if (onProgress !== undefined) onProgress(this.progressStats(tEnd, true));
      const result = assembleResult({
        limitHit: this.limitHit,
        states: this.count,
        initialStates: this.initialStates,
        transitions: this.transitions,
        depth: this.maxDepthSeen,
        terminalStates: this.terminal,
        seconds,
        visitedBytes: this.table.bytes + this.info.bytes,
        peakBytes: this.peakBytes,
        violations: this.violations,
        labelFirst: this.labelFirst,
        info: this.info,
        storeEdges: this.options.storeEdges === true,
        edges: this.edges,
        progressBits: this.progressBits,
        cycleSkip: this.cycleSkip,
        maxCycles: this.lim.maxCycles,
      });
      this.release();
      this.ready = [];
      this.cur = null;
      this.results.clear();
      this.dispatched.clear();
      this.resolve(result);
    } catch (e) {
      this.release();
      this.reject(e);
    }
  }
}
