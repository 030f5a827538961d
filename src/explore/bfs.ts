/**
 * Explicit-state breadth-first explorer over the `Model` interface (model.ts).
 *
 *  - One exploration checks every property: 'always' properties on every new state,
 *    'at-quiescence' properties on every terminal state (a state none of whose
 *    actions yields a successor). The first violation of each property is recorded;
 *    BFS order makes its path a shortest one.
 *  - Visited set by hash compaction (SPIN -DHC style): per state only a 64-bit
 *    fingerprint in an open-addressing table, a parent index and the discovering
 *    action (about 16-21 bytes per state, see `bytesPerState`). Two distinct states
 *    with the same fingerprint are merged (one is never explored); the probability
 *    that this happened at all is reported as `omissionProbability`. Full states are
 *    kept only for the frontier (the rest of the current level and the next level).
 *  - Counterexamples: parent/action chains give the action path; `replayPath` re-runs
 *    it through `model.next` to recover states, action descriptions and labels.
 *  - Labels (`model.lastLabels`): the first transition that emits each label is
 *    recorded, giving a shortest path to every reachable label.
 *  - Limits (`maxStates`, `maxSeconds`, `maxDepth`, `maxBytes`): a result with
 *    `complete: false` says only "no violation within N states (depth D)".
 *  - Optional non-progress cycle detection (`storeEdges`), see scc.ts: cycles of
 *    non-progress states (model.isProgress), without any fairness assumption.
 *  - Models with the incremental fast path (model.ts: `fingerprint`, `step`,
 *    `packStep`) are explored through it: the frontier carries each state's
 *    fingerprint, `step` gives a successor's fingerprint without packing it, and only
 *    new successors are packed. The result is the same as through `next`.
 *
 * Related modules: hash.ts (fingerprints; XXH64 in WebAssembly for states of 16+
 * words), visited.ts (fingerprint table, parent/action arrays), frontier.ts (packed
 * BFS queue), alloc.ts (`cloneState`/`allocState`: fast fresh states for a model's
 * `next`); test/models/ holds the toy, benchmark and reference models the tests use.
 */
import { totalmem } from 'node:os';
import { isDirectPack, isIncremental, type IncrementalModel, type Model, type Property, type PropertyKind, type State } from './model.ts';
import { fingerprint as fingerprintImport, omissionProbability } from './hash.ts';
import { FingerprintTable, ROOT, StateInfo } from './visited.ts';
import { StateQueue } from './frontier.ts';
import { nonProgressSccs } from './scc.ts';

/**
 * A module-local binding of the hot fingerprint function: some TS-to-JS loaders turn
 * imported bindings into getter calls, which showed up in profiles of the hot loop.
 */
const fingerprint = fingerprintImport;

// ---------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------

/** thrown for out-of-range or ill-typed options */
export class ExploreInputError extends Error {
  /** the offending option */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'ExploreInputError';
    this.field = field;
  }
}

/** thrown when the model breaks its contract (bad state, action out of range, non-determinism on replay) */
export class ExploreModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExploreModelError';
  }
}

export type StopPolicy =
  /** explore everything (default) */
  | 'never'
  /** stop as soon as any property is violated */
  | 'first-violation'
  /** stop once every property has a violation */
  | 'all-violated';

export type LimitName = 'maxStates' | 'maxSeconds' | 'maxDepth' | 'maxBytes' | 'stopOn';

export interface ProgressStats {
  states: number;
  transitions: number;
  /** depth of the level being expanded */
  depth: number;
  /** full states held in the frontier */
  frontier: number;
  seconds: number;
  statesPerSecond: number;
  /** estimated bytes of the explorer's own structures */
  bytes: number;
  violations: number;
  /** true on the last call, after the exploration ended */
  done: boolean;
}

export interface ExploreOptions {
  /** stop after this many distinct states (positive integer) */
  maxStates?: number;
  /** stop after this many seconds (positive number) */
  maxSeconds?: number;
  /**
   * explore states up to this depth (non-negative integer; 0 = initial states only).
   * States at the depth bound are still expanded far enough to tell whether they are
   * terminal and whether a deeper new state exists (if none does, the result is complete).
   */
  maxDepth?: number;
  /**
   * memory guard: stop when the estimated size of the visited table, per-state arrays,
   * frontier and edge lists would exceed this many bytes. Default: half the machine's RAM.
   */
  maxBytes?: number;
  /** default 'never' */
  stopOn?: StopPolicy;
  /** called about every `progressIntervalMs` (default 1000) and once at the end with `done: true` */
  onProgress?: (p: ProgressStats) => void;
  progressIntervalMs?: number;
  /**
   * keep the edge list (up to `maxEdges`, default 2,000,000) and look for non-progress
   * cycles after the BFS. Needs `isProgress` (option or `model.isProgress`).
   */
  storeEdges?: boolean;
  maxEdges?: number;
  /** how many non-progress cycles to report (default 10) */
  maxCycles?: number;
  /** overrides `model.isProgress` */
  isProgress?: (s: State) => boolean;
  /**
   * initial visited-table capacity in slots (default 1024: 8 KiB, 12 KiB with the edge
   * index; small claims report honest bytes per state, large ones rehash a few more times)
   */
  initialCapacity?: number;
  /**
   * called for every new (distinct) state, in index (discovery) order, with its index
   * (initial states first). `s` may be a view of a reused buffer: copy what you keep.
   */
  onNewState?: (s: State, index: number) => void;
}

export interface Violation {
  property: string;
  kind: PropertyKind;
  /** the property's one-line reason */
  reason: string;
  /** actions from initial state `initIndex` to the violating state */
  path: number[];
  /** position of the initial state in `model.init()` */
  initIndex: number;
  /** = path.length */
  depth: number;
}

export interface LabelHit {
  /** actions from initial state `initIndex`; the last one emitted the label */
  path: number[];
  initIndex: number;
  depth: number;
}

export interface NonProgressCycle {
  /** actions from initial state `initIndex` to the cycle's first state */
  prefix: number[];
  initIndex: number;
  /** actions of the cycle, from and back to the state `prefix` reaches */
  cycle: number[];
  /** states in the strongly connected component (of non-progress states) containing it */
  sccSize: number;
}

export type CycleCheck =
  | { checked: false; reason: string }
  | {
      checked: true;
      /** the graph was only partly explored (a limit was hit): cycles found are real, absence proves nothing */
      partial: boolean;
      edges: number;
      /** non-trivial SCCs of the non-progress subgraph */
      nonProgressSccs: number;
      cycles: NonProgressCycle[];
    };

export interface ExploreResultJSON {
  complete: boolean;
  limitHit?: LimitName;
  states: number;
  initialStates: number;
  transitions: number;
  depth: number;
  terminalStates: number;
  seconds: number;
  statesPerSecond: number;
  bytesPerState: number;
  visitedBytes: number;
  peakBytes: number;
  omissionProbability: number;
  violations: Record<string, Violation>;
  labels: Record<string, LabelHit>;
  cycles?: CycleCheck;
}

export interface ExploreResult extends Omit<ExploreResultJSON, 'violations' | 'labels'> {
  /** property name -> first (shortest) violation */
  violations: Map<string, Violation>;
  /** label -> shortest path to a transition emitting it */
  labels: Map<string, LabelHit>;
  /** plain-object form (also used by JSON.stringify) */
  toJSON(): ExploreResultJSON;
}

// ---------------------------------------------------------------------------------
// Option validation
// ---------------------------------------------------------------------------------

interface Limits {
  maxStates: number;
  maxSeconds: number;
  maxDepth: number;
  maxBytes: number;
  stopOn: StopPolicy;
  progressIntervalMs: number;
  maxEdges: number;
  maxCycles: number;
  initialCapacity: number;
}

const MAX_STATE_INDEX = 0x7fffffff - 1;
/** default visited-table capacity in slots */
export const DEFAULT_INITIAL_CAPACITY = 1 << 10;

function isNum(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

function posInt(o: Record<string, unknown>, field: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[field];
  if (v === undefined) return dflt;
  if (!isNum(v) || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ExploreInputError(field, `${field} must be an integer in [1, ${max}], got ${String(v)}`);
  }
  return v;
}

function posNum(o: Record<string, unknown>, field: string, dflt: number): number {
  const v = o[field];
  if (v === undefined) return dflt;
  if (!isNum(v) || !(v > 0) || !Number.isFinite(v)) {
    throw new ExploreInputError(field, `${field} must be a finite positive number, got ${String(v)}`);
  }
  return v;
}

/** validates options; throws ExploreInputError */
export function validateOptions(options: ExploreOptions): Limits {
  if (options === null || typeof options !== 'object') throw new ExploreInputError('options', 'options must be an object');
  const o = options as Record<string, unknown>;
  let maxDepth = Infinity;
  if (o.maxDepth !== undefined) {
    const v = o.maxDepth;
    if (!isNum(v) || !Number.isInteger(v) || v < 0 || v > MAX_STATE_INDEX) {
      throw new ExploreInputError('maxDepth', `maxDepth must be a non-negative integer, got ${String(v)}`);
    }
    maxDepth = v;
  }
  const stopOn = (o.stopOn ?? 'never') as StopPolicy;
  if (stopOn !== 'never' && stopOn !== 'first-violation' && stopOn !== 'all-violated') {
    throw new ExploreInputError('stopOn', `stopOn must be 'never', 'first-violation' or 'all-violated', got ${String(stopOn)}`);
  }
  for (const f of ['onProgress', 'isProgress', 'onNewState'] as const) {
    if (o[f] !== undefined && typeof o[f] !== 'function') throw new ExploreInputError(f, `${f} must be a function`);
  }
  if (o.storeEdges !== undefined && typeof o.storeEdges !== 'boolean') {
    throw new ExploreInputError('storeEdges', 'storeEdges must be a boolean');
  }
  const maxCycles = o.maxCycles === undefined ? 10 : posInt(o, 'maxCycles', 10);
  return {
    maxStates: posInt(o, 'maxStates', MAX_STATE_INDEX, MAX_STATE_INDEX),
    maxSeconds: posNum(o, 'maxSeconds', Infinity),
    maxDepth,
    maxBytes: posNum(o, 'maxBytes', Math.floor(totalmem() / 2)),
    stopOn,
    progressIntervalMs: posNum(o, 'progressIntervalMs', 1000),
    maxEdges: posInt(o, 'maxEdges', 2_000_000, 0x7fffffff - 1),
    maxCycles,
    initialCapacity: posInt(o, 'initialCapacity', DEFAULT_INITIAL_CAPACITY, 0x40000000),
  };
}

// ---------------------------------------------------------------------------------
// Edge storage (CSR, built in expansion order)
// ---------------------------------------------------------------------------------

/** the edge list of the explored graph, for the cycle check (also used by parallel.ts) */
export class EdgeStore {
  off = new Int32Array(1024);
  dst = new Int32Array(4096);
  act = new Uint16Array(4096);
  count = 0;
  expanded = 0;

  get bytes(): number {
    return this.off.byteLength + this.dst.byteLength + this.act.byteLength;
  }

  /** state `src` (== expanded) starts being expanded */
  begin(src: number): void {
    if (src + 2 > this.off.length) {
      const o = new Int32Array(Math.ceil(this.off.length * 1.5) + 2);
      o.set(this.off);
      this.off = o;
    }
    this.off[src] = this.count;
    this.expanded = src + 1;
    this.off[src + 1] = this.count;
  }

  add(dst: number, action: number): void {
    if (this.count === this.dst.length) {
      const n = Math.ceil(this.dst.length * 1.5);
      const d = new Int32Array(n);
      d.set(this.dst);
      this.dst = d;
      const a = new Uint16Array(n);
      a.set(this.act);
      this.act = a;
    }
    this.dst[this.count] = dst;
    this.act[this.count] = action;
    this.count++;
    this.off[this.expanded] = this.count;
  }
}

// ---------------------------------------------------------------------------------
// The explorer
// ---------------------------------------------------------------------------------

export function checkAction(a: number): void {
  if (!(a >= 0 && a <= 0xffff && Number.isInteger(a))) {
    throw new ExploreModelError(`action ${a} out of range: actions must be integers in [0, 65535]`);
  }
}

/** whether `model` implements the incremental fast path (fingerprint, step, packStep) */
export function hasFastPath(model: Model): model is IncrementalModel {
  return isIncremental(model);
}

/** explores `model` breadth-first; see the module comment */
export function explore(model: Model, options: ExploreOptions = {}): ExploreResult {
  const lim = validateOptions(options);
  const t0 = performance.now();

  const props = model.properties;
  let activeAlways: Property[] = [];
  let activeQuiescent: Property[] = [];
  for (const p of props) {
    if (p.kind === 'always') activeAlways.push(p);
    else if (p.kind === 'at-quiescence') activeQuiescent.push(p);
    else throw new ExploreModelError(`property ${p.name}: unknown kind ${String(p.kind)}`);
  }
  const violations = new Map<string, Violation>();
  const labelFirst = new Map<string, { parent: number; action: number }>();
  const hasLabels = typeof model.lastLabels === 'function';

  const isProgress: ((s: State) => boolean) | undefined =
    options.isProgress ?? (typeof model.isProgress === 'function' ? (s: State) => model.isProgress!(s) : undefined);
  let cycleSkip: string | undefined;
  if (options.storeEdges && isProgress === undefined) cycleSkip = 'no isProgress predicate (model.isProgress or options.isProgress)';
  let edges: EdgeStore | null = options.storeEdges && isProgress !== undefined ? new EdgeStore() : null;
  let progressBits: Uint8Array | null = edges ? new Uint8Array(1024) : null;

  const table = new FingerprintTable(lim.initialCapacity, edges !== null);
  const info = new StateInfo(Math.ceil(lim.initialCapacity * 0.8));
  const queue = new StateQueue();
  const fp = new Int32Array(2);
  /** fingerprint of the state being expanded (fast path) */
  const sfp = new Int32Array(2);
  const acts: number[] = [];
  const inc = hasFastPath(model) ? model : null;
  const fast = inc !== null;
  const onNewState = options.onNewState;

  let count = 0;
  let transitions = 0;
  let terminal = 0;
  let depth = 0; // depth of the level being expanded
  let maxDepthSeen = 0;
  let limitHit: LimitName | undefined;
  let depthCut = false;
  let peakBytes = 0;

  const estimateBytes = (): number =>
    table.bytes + info.bytes + queue.bytes + (edges ? edges.bytes : 0) + (progressBits ? progressBits.byteLength : 0);

  const violationStops = (): boolean =>
    (lim.stopOn === 'first-violation' && violations.size > 0) || (lim.stopOn === 'all-violated' && violations.size === props.length);

  /** records violations of active 'always' properties in state `idx`; true when the stop policy says stop */
  const checkAlways = (s: State, idx: number): boolean => {
    let hit = false;
    for (let k = 0; k < activeAlways.length; k++) {
      const p = activeAlways[k];
      const r = p.check(s);
      if (r !== null) {
        const { path, initIndex } = info.pathTo(idx);
        violations.set(p.name, { property: p.name, kind: p.kind, reason: r, path, initIndex, depth: path.length });
        hit = true;
      }
    }
    if (hit) activeAlways = activeAlways.filter((p) => !violations.has(p.name));
    return hit && violationStops();
  };

  const checkQuiescent = (s: State, idx: number): boolean => {
    let hit = false;
    for (let k = 0; k < activeQuiescent.length; k++) {
      const p = activeQuiescent[k];
      const r = p.check(s);
      if (r !== null) {
        const { path, initIndex } = info.pathTo(idx);
        violations.set(p.name, { property: p.name, kind: p.kind, reason: r, path, initIndex, depth: path.length });
        hit = true;
      }
    }
    if (hit) activeQuiescent = activeQuiescent.filter((p) => !violations.has(p.name));
    return hit && violationStops();
  };

  /** makes room for one more table entry and one more state; false when over the memory budget */
  const reserve = (): boolean => {
    if (table.size >= table.growAt) {
      const extra = table.bytesAfterGrowth();
      if (estimateBytes() + extra > lim.maxBytes) return false;
      try {
        if (!table.grow()) return false;
      } catch (e) {
        if (e instanceof RangeError) return false;
        throw e;
      }
    }
    if (count >= info.capacity) {
      if (estimateBytes() + info.bytesAfterGrowth() > lim.maxBytes) return false;
      try {
        info.grow();
      } catch (e) {
        if (e instanceof RangeError) return false;
        throw e;
      }
    }
    if (progressBits !== null && count >= progressBits.length) {
      const b = new Uint8Array(Math.ceil(progressBits.length * 1.5));
      b.set(progressBits);
      progressBits = b;
    }
    reserveAt = Math.min(table.growAt, info.capacity, progressBits !== null ? progressBits.length : Infinity);
    return true;
  };
  /** `reserve()` is needed before the state count (== table.size) reaches this */
  let reserveAt = 0;

  const progressStats = (now: number, done: boolean): ProgressStats => {
    const seconds = (now - t0) / 1000;
    return {
      states: count,
      transitions,
      depth,
      frontier: queue.count,
      seconds,
      statesPerSecond: seconds > 0 ? count / seconds : 0,
      bytes: estimateBytes(),
      violations: violations.size,
      done,
    };
  };

  // --- initial states ---------------------------------------------------------------
  const inits = model.init();
  if (!Array.isArray(inits)) throw new ExploreModelError('model.init() must return an array of Int32Array states');
  if (inits.length > 0x10000) throw new ExploreModelError(`model.init() returned ${inits.length} states; at most 65536 are supported`);
  let stop = false;
  for (let i = 0; i < inits.length && !stop; i++) {
    const s = inits[i];
    if (!(s instanceof Int32Array)) throw new ExploreModelError(`model.init()[${i}] is not an Int32Array`);
    if (inc) inc.fingerprint(s, fp);
    else fingerprint(s, fp);
    if (count >= lim.maxStates) {
      if (table.find(fp[0], fp[1]) < 0) {
        limitHit = 'maxStates';
        break;
      }
      continue;
    }
    if (!reserve()) {
      limitHit = 'maxBytes';
      break;
    }
    if (table.insert(fp[0], fp[1], count) !== -1) continue;
    const idx = count++;
    info.parent[idx] = ROOT;
    info.action[idx] = i;
    if (progressBits !== null) progressBits[idx] = isProgress!(s) ? 1 : 0;
    if (fast) queue.pushFp(s, fp[0], fp[1]);
    else queue.push(s);
    if (onNewState !== undefined) onNewState(s, idx);
    if (activeAlways.length > 0 && checkAlways(s, idx)) {
      limitHit = 'stopOn';
      stop = true;
    }
  }
  const initialStates = count;

  // --- BFS ----------------------------------------------------------------------------
  let levelLeft = queue.count;
  let nextLevel = 0;
  let expanded = 0; // == index of the state being expanded (queue order is index order)
  let checkEvery = 1; // adapted so that checks happen every ~2-10 ms
  let tick = checkEvery;
  let lastCheck = t0;
  let lastProgress = t0;
  const onProgress = options.onProgress;
  const maxStates = lim.maxStates;
  const maxDepth = lim.maxDepth;

  const transient = model.transientStates === true;
  // the model may pack new states straight into the frontier; the state is then a view
  // of the queue's memory, which only a transient-states model may be handed
  const dp = transient && isDirectPack(model) ? model : null;
  const direct = dp !== null;
  outer: while (limitHit === undefined && queue.count > 0) {
    if (levelLeft === 0) {
      depth++;
      levelLeft = nextLevel;
      nextLevel = 0;
    }
    const atLimit = depth >= maxDepth;
    const s = fast ? (transient ? queue.shiftViewFp(sfp) : queue.shiftFp(sfp)) : transient ? queue.shiftView() : queue.shift();
    const slo = sfp[0];
    const shi = sfp[1];
    levelLeft--;
    const src = expanded++;
    if (edges !== null) edges.begin(src);
    acts.length = 0;
    model.actions(s, acts);
    let succ = 0;
    for (let k = 0; k < acts.length; k++) {
      const a = acts[k];
      let t: State | null = null;
      if (fast) {
        // the successor is packed only when it turns out to be new
        if (!inc!.step(s, slo, shi, a, fp)) continue;
      } else {
        t = model.next(s, a);
        if (t === null) continue;
        fingerprint(t, fp);
      }
      succ++;
      transitions++;
      if (hasLabels) {
        const ls = model.lastLabels!();
        for (let j = 0; j < ls.length; j++) {
          if (!labelFirst.has(ls[j])) {
            checkAction(a);
            labelFirst.set(ls[j], { parent: src, action: a });
          }
        }
      }
      let target: number;
      if (atLimit) {
        // the successor is beyond the depth bound: only find out whether it is new
        target = table.find(fp[0], fp[1]);
        if (target < 0) {
          depthCut = true;
          continue;
        }
      } else if (count >= maxStates) {
        target = table.find(fp[0], fp[1]);
        if (target < 0) {
          limitHit = 'maxStates';
          break outer;
        }
      } else {
        if (count >= reserveAt) {
          if (!reserve()) {
            limitHit = 'maxBytes';
            break outer;
          }
        }
        target = table.insert(fp[0], fp[1], count);
        if (target === -1) {
          if ((a & 0xffff) !== a) checkAction(a);
          const idx = count++;
          target = idx;
          info.parent[idx] = src;
          info.action[idx] = a;
          maxDepthSeen = depth + 1;
          if (direct) {
            // packed straight into the frontier (one copy of the state fewer)
            t = dp!.packStepInto(queue.allocFp(dp!.packedLength(), fp[0], fp[1]));
          } else if (fast) {
            t = inc!.packStep();
            queue.pushFp(t, fp[0], fp[1]);
          } else queue.push(t!);
          nextLevel++;
          if (onNewState !== undefined) onNewState(t!, idx);
          if (progressBits !== null) progressBits[idx] = isProgress!(t!) ? 1 : 0;
          if (activeAlways.length > 0 && checkAlways(t!, idx)) {
            if (edges !== null) edges.add(target, a);
            limitHit = 'stopOn';
            break outer;
          }
        }
      }
      if (edges !== null) {
        if (edges.count >= lim.maxEdges) {
          edges = null;
          progressBits = null;
          table.dropIndex();
          cycleSkip = `more than maxEdges = ${lim.maxEdges} edges; cycle detection not done`;
        } else {
          checkAction(a);
          edges.add(target, a);
        }
      }
    }
    if (succ === 0) {
      terminal++;
      if (activeQuiescent.length > 0 && checkQuiescent(s, src)) {
        limitHit = 'stopOn';
        break;
      }
    }
    if (--tick === 0) {
      const now = performance.now();
      const dt = now - lastCheck;
      lastCheck = now;
      if (dt < 2 && checkEvery < 65536) checkEvery *= 2;
      else if (dt > 10 && checkEvery > 1) checkEvery >>= 1;
      tick = checkEvery;
      const bytes = estimateBytes();
      if (bytes > peakBytes) peakBytes = bytes;
      if ((now - t0) / 1000 >= lim.maxSeconds) {
        limitHit = 'maxSeconds';
        break;
      }
      if (bytes > lim.maxBytes) {
        limitHit = 'maxBytes';
        break;
      }
      if (onProgress !== undefined && now - lastProgress >= lim.progressIntervalMs) {
        lastProgress = now;
        onProgress(progressStats(now, false));
      }
    }
  }
  if (limitHit === undefined && depthCut) limitHit = 'maxDepth';

  const tEnd = performance.now();
  const finalBytes = estimateBytes();
  if (finalBytes > peakBytes) peakBytes = finalBytes;
  const seconds = (tEnd - t0) / 1000;
  const visitedBytes = table.bytes + info.bytes;

  queue.clear();
  if (onProgress !== undefined) onProgress(progressStats(tEnd, true));

  return assembleResult({
    limitHit,
    states: count,
    initialStates,
    transitions,
    depth: maxDepthSeen,
    terminalStates: terminal,
    seconds,
    visitedBytes,
    peakBytes,
    violations,
    labelFirst,
    info,
    storeEdges: options.storeEdges === true,
    edges,
    progressBits,
    cycleSkip,
    maxCycles: lim.maxCycles,
  });
}

/** what `assembleResult` needs: the explorer's final state */
export interface ExplorationEnd
  extends Pick<ExploreResult, 'states' | 'initialStates' | 'transitions' | 'depth' | 'terminalStates' | 'seconds' | 'visitedBytes' | 'peakBytes' | 'violations'> {
  limitHit: LimitName | undefined;
  /** label -> the transition (parent state, action) that first emitted it */
  labelFirst: Map<string, { parent: number; action: number }>;
  info: StateInfo;
  storeEdges: boolean;
  edges: EdgeStore | null;
  progressBits: Uint8Array | null;
  cycleSkip: string | undefined;
  maxCycles: number;
}

/** the result of an exploration (label paths, cycle check, statistics); shared with parallel.ts */
export function assembleResult(e: ExplorationEnd): ExploreResult {
  const { info, edges, progressBits, limitHit } = e;
  const complete = limitHit === undefined;
  const count = e.states;

  // --- labels -------------------------------------------------------------------------
  const labels = new Map<string, LabelHit>();
  for (const [label, { parent, action }] of e.labelFirst) {
    const { path, initIndex } = info.pathTo(parent);
    path.push(action);
    labels.set(label, { path, initIndex, depth: path.length });
  }

  // --- non-progress cycles ------------------------------------------------------------
  let cycles: CycleCheck | undefined;
  if (e.storeEdges) {
    if (edges === null || progressBits === null) {
      cycles = { checked: false, reason: e.cycleSkip ?? 'edges not stored' };
    } else {
      const scc = nonProgressSccs(
        { n: count, expanded: edges.expanded, off: edges.off, dst: edges.dst, act: edges.act },
        progressBits,
        e.maxCycles,
      );
      cycles = {
        checked: true,
        partial: !complete,
        edges: edges.count,
        nonProgressSccs: scc.count,
        cycles: scc.cycles.map((c) => {
          const { path, initIndex } = info.pathTo(c.entry);
          return { prefix: path, initIndex, cycle: c.cycle, sccSize: c.size };
        }),
      };
    }
  }

  const seconds = e.seconds;
  const result: ExploreResult = {
    complete,
    ...(limitHit !== undefined ? { limitHit } : {}),
    states: count,
    initialStates: e.initialStates,
    transitions: e.transitions,
    depth: e.depth,
    terminalStates: e.terminalStates,
    seconds,
    statesPerSecond: seconds > 0 ? count / seconds : 0,
    bytesPerState: count > 0 ? e.visitedBytes / count : 0,
    visitedBytes: e.visitedBytes,
    peakBytes: e.peakBytes,
    omissionProbability: omissionProbability(count),
    violations: e.violations,
    labels,
    ...(cycles !== undefined ? { cycles } : {}),
    toJSON: () => resultToJSON(result),
  };
  Object.defineProperty(result, 'toJSON', { enumerable: false });
  return result;
}

/** the plain-object (JSON) form of a result */
export function resultToJSON(r: ExploreResult): ExploreResultJSON {
  const out: ExploreResultJSON = {
    complete: r.complete,
    ...(r.limitHit !== undefined ? { limitHit: r.limitHit } : {}),
    states: r.states,
    initialStates: r.initialStates,
    transitions: r.transitions,
    depth: r.depth,
    terminalStates: r.terminalStates,
    seconds: r.seconds,
    statesPerSecond: r.statesPerSecond,
    bytesPerState: r.bytesPerState,
    visitedBytes: r.visitedBytes,
    peakBytes: r.peakBytes,
    omissionProbability: r.omissionProbability,
    violations: Object.fromEntries(r.violations),
    labels: Object.fromEntries(r.labels),
    ...(r.cycles !== undefined ? { cycles: r.cycles } : {}),
  };
  return out;
}

/**
 * One line on the outcome, careful with what an incomplete exploration means:
 * "no violation within N states (depth D)", never "holds".
 */
export function summarizeResult(r: ExploreResult): string {
  const n = r.states.toLocaleString('en-US');
  if (r.violations.size === 0) {
    return r.complete
      ? `all properties hold: ${n} states, depth ${r.depth}, exploration complete`
      : `no violation within ${n} states (depth ${r.depth}); stopped by ${r.limitHit}, so nothing is proved`;
  }
  const names = [...r.violations.values()].map((v) => `${v.property} (depth ${v.depth})`).join(', ');
  const k = r.violations.size;
  return (
    `${k} propert${k === 1 ? 'y' : 'ies'} violated: ${names}; ${n} states explored, depth ${r.depth}` +
    (r.complete ? ', exploration complete' : `, stopped by ${r.limitHit}`)
  );
}

// ---------------------------------------------------------------------------------
// Counterexample replay
// ---------------------------------------------------------------------------------

export interface Trace {
  initIndex: number;
  /** states[0] is the initial state, states[i + 1] the state after actions[i] */
  states: State[];
  actions: number[];
  /** describeAction(states[i], actions[i]) (or `action N`) */
  descriptions: string[];
  /** lastLabels() after each action ([] when the model has no labels) */
  labels: (readonly string[])[];
}

/**
 * Replays `actions` from `model.init()[initIndex]` through `model.next`. Throws
 * ExploreModelError when an action is not enabled (a non-deterministic model).
 */
export function replayPath(model: Model, initIndex: number, actions: readonly number[]): Trace {
  const inits = model.init();
  if (!Number.isInteger(initIndex) || initIndex < 0 || initIndex >= inits.length) {
    throw new ExploreModelError(`initial state ${initIndex} does not exist (model has ${inits.length})`);
  }
  let s = inits[initIndex];
  const states: State[] = [s];
  const descriptions: string[] = [];
  const labels: (readonly string[])[] = [];
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i];
    descriptions.push(model.describeAction ? model.describeAction(s, a) : `action ${a}`);
    const t = model.next(s, a);
    if (t === null) {
      throw new ExploreModelError(`replay: action ${a} (step ${i + 1}) is not enabled; is the model deterministic?`);
    }
    labels.push(model.lastLabels ? [...model.lastLabels()] : []);
    states.push(t);
    s = t;
  }
  return { initIndex, states, actions: [...actions], descriptions, labels };
}

/**
 * A trace as text, one numbered line per step (`  3. P1 write  [printk: ...]`), after
 * a line naming the initial state; `showState` adds a rendering of each state.
 */
export function formatTrace(trace: Trace, showState?: (s: State) => string): string {
  const lines = [`initial state #${trace.initIndex}${showState ? `: ${showState(trace.states[0])}` : ''}`];
  const w = String(trace.actions.length).length;
  for (let i = 0; i < trace.actions.length; i++) {
    const labels = trace.labels[i].length > 0 ? `  [${trace.labels[i].join('; ')}]` : '';
    const st = showState ? `  -> ${showState(trace.states[i + 1])}` : '';
    lines.push(`  ${String(i + 1).padStart(w)}. ${trace.descriptions[i]}${labels}${st}`);
  }
  return lines.join('\n');
}

/**
 * Replays a violation's path and re-checks the property on the last state (and, for
 * 'at-quiescence', that the state is terminal). Throws ExploreModelError if it does
 * not reproduce.
 */
export function replayViolation(model: Model, v: Violation): Trace & { reason: string } {
  const trace = replayPath(model, v.initIndex, v.path);
  const last = trace.states[trace.states.length - 1];
  const p = model.properties.find((q) => q.name === v.property);
  if (!p) throw new ExploreModelError(`no property named ${v.property}`);
  const reason = p.check(last);
  if (reason === null) throw new ExploreModelError(`replay: ${v.property} holds at the end of its counterexample`);
  if (p.kind === 'at-quiescence') {
    const acts: number[] = [];
    model.actions(last, acts);
    if (acts.some((a) => model.next(last, a) !== null)) {
      throw new ExploreModelError(`replay: the end of the ${v.property} counterexample is not terminal`);
    }
  }
  return { ...trace, reason };
}

// ---------------------------------------------------------------------------------
// Progress and benchmark helpers
// ---------------------------------------------------------------------------------

function si(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return String(Math.round(n));
}

/**
 * A progress callback writing one updating line to `stream` (default stderr), and
 * nothing at all when the stream is not a TTY. The line is cleared at the end.
 */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): (p: ProgressStats) => void {
  if (!stream.isTTY) return () => {};
  return (p) => {
    if (p.done) {
      stream.write('\r\x1b[K');
      return;
    }
    const mib = (p.bytes / 2 ** 20).toFixed(0);
    stream.write(
      `\r\x1b[K${si(p.states)} states  ${si(p.statesPerSecond)}/s  depth ${p.depth}  frontier ${si(p.frontier)}  ` +
        `${mib} MiB  ${p.seconds.toFixed(0)}s${p.violations > 0 ? `  ${p.violations} violated` : ''}`,
    );
  };
}

/**
 * Explores `model` for at most `maxSeconds` (default 2) / `maxStates` and returns the
 * exploration rate in states per second.
 */
export function benchExplore(model: Model, opts: { maxSeconds?: number; maxStates?: number } = {}): number {
  const r = explore(model, { maxSeconds: opts.maxSeconds ?? 2, ...(opts.maxStates !== undefined ? { maxStates: opts.maxStates } : {}) });
  return r.statesPerSecond;
}
