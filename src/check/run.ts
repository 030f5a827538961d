/**
 * Running one claim: one exploration of (variant, workload) checking every invariant
 * at once, and the verdict of each invariant from what the exploration found.
 */
import { explore, type ExploreOptions, type ExploreResult, type NonProgressCycle } from '../explore/bfs.ts';
import { ExplorerPool, exploreParallel, type ModelSpec } from '../explore/parallel.ts';
import type { Property, State } from '../explore/model.ts';
import { EngineModel } from '../engine/model.ts';
import { BLOCKING_POINTS, GLOBAL, PANIC_NONE, type Machine } from '../engine/machine.ts';
import type { Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import { INVARIANTS, invariants, type InvariantName } from './invariants.ts';
import type { Verdict } from './claims.ts';
import { resolveVariant } from './variantSpec.ts';
import { machineReductions, type NoReduce } from '../engine/reductions.ts';

export interface InvariantResult {
  invariant: InvariantName;
  verdict: Verdict;
  /** for violations: the one-line reason and the shortest path's length */
  reason?: string;
  depth?: number;
  path?: number[];
  /**
   * holds only vacuously: the invariant is judged at quiescence and no quiescent state
   * without a panic is reachable (every run that gets that far oopses first)
   */
  vacuous?: true;
}

export interface CheckRun {
  variant: string;
  workload: string;
  result: ExploreResult;
  invariants: InvariantResult[];
  /** diagnostics (printk / WARN_ON / BUG) reachable, with the depth of the shortest path */
  diagnostics: { label: string; depth: number }[];
  /** a terminal state without a panic is reachable (the states the at-quiescence checks judge) */
  quiescent: boolean;
  /** blocking points reached in some state, and whether one slept in aio context */
  blocking: { point: string; reached: boolean; sleptInAio: boolean }[];
}

/** edges the check keeps for its livelock check (src/explore/bfs.ts EdgeStore: 6 bytes each) */
export const CHECK_MAX_EDGES = 60_000_000;

/**
 * The first reported non-progress cycle that is fair: weak fairness for interrupts and
 * worker threads means a cycle in which an interrupt source or a worker is enabled in
 * every state but never taken is not a real execution, and is dropped.
 */
export function fairCycle(model: EngineModel, r: ExploreResult): NonProgressCycle | null {
  const c = r.cycles;
  if (!c || !c.checked) return null;
  const k = model.k;
  for (const cyc of c.cycles) {
    let s = model.init()[cyc.initIndex];
    for (const a of cyc.prefix) s = model.next(s, a)!;
    const always = new Set<number>();
    const taken = new Set(cyc.cycle);
    let first = true;
    for (const a of cyc.cycle) {
      const en: number[] = [];
      model.actions(s, en);
      const fairOnes = en.filter((x) => {
        const d = k.decode(x);
        return !('thread' in d) || ['aio-worker', 'keventd'].includes(k.threads[d.thread].role);
      });
      if (first) fairOnes.forEach((x) => always.add(x));
      else for (const x of [...always]) if (!fairOnes.includes(x)) always.delete(x);
      first = false;
      s = model.next(s, a)!;
    }
    if ([...always].every((x) => taken.has(x))) return cyc;
  }
  return null;
}

export interface CheckOptions extends ExploreOptions {
  /** turn the engine's reductions off: true = all, or the ones named (src/engine/reductions.ts) */
  noReduce?: NoReduce;
  /**
   * worker threads for the exploration (runCheckAsync only; default 1: in this thread).
   * The result is the same with any number of workers (src/explore/parallel.ts).
   */
  workers?: number;
  /** with workers: run on this pool's warm workers (a check of many claims) instead of new ones */
  pool?: ExplorerPool;
}

/** what `checkModel` needs: plain data, so that a worker thread can build the same model */
export interface CheckModelArg {
  /** a Variant (plain data) or a spec resolveVariant accepts, e.g. 'mar14' or 'mar14-aioWq' */
  variant: Variant | string;
  workload: Workload;
  noReduce?: NoReduce;
  /** no properties at all: the bare exploration (the bench's comparison with xstate) */
  noProperties?: boolean;
  /** add the check's quiescence probe (QUIESCENT_PROBE) */
  quiescentProbe?: boolean;
}

/** worker threads that build check models, for runCheckAsync's `pool` */
export function checkPool(workers: number): ExplorerPool {
  return new ExplorerPool(import.meta.url, workers);
}

/** where a worker thread finds checkModel(arg) (src/explore/parallel.ts) */
export function checkModelSpec(arg: CheckModelArg): ModelSpec {
  return { module: import.meta.url, export: 'checkModel', arg };
}

/** the model a check explores: the engine for (variant, workload) with every invariant */
export function checkModel(arg: CheckModelArg): EngineModel {
  const v = typeof arg.variant === 'string' ? resolveVariant(arg.variant) : arg.variant;
  if (!v) throw new Error(`unknown variant ${String(arg.variant)}`);
  const props = (k: Machine) => (arg.noProperties ? [] : arg.quiescentProbe ? [...invariants(k), quiescentProbe(k)] : invariants(k));
  return new EngineModel(v, arg.workload, props, { ...machineReductions(arg.noReduce), transient: true });
}

/** the name of the check's quiescence probe (not an invariant) */
export const QUIESCENT_PROBE = 'quiescent-without-panic';

/**
 * Not an invariant: an at-quiescence "property" that fails on every terminal state without a
 * panic, so that the exploration (in this thread or over workers) reports whether one is
 * reachable at all. Without one, the at-quiescence verdicts hold only vacuously.
 */
function quiescentProbe(k: Machine): Property {
  const panic = k.addr.globals + GLOBAL.PANIC;
  return { name: QUIESCENT_PROBE, kind: 'at-quiescence', check: (s: State) => (s[panic] === PANIC_NONE ? 'a quiescent state without a panic' : null) };
}

/**
 * One claim's exploration, in this thread (runCheck) or over worker threads
 * (runCheckAsync): the same model, options and verdicts either way.
 */
class CheckSetup {
  reached = 0;
  slept = 0;
  readonly arg: CheckModelArg;
  readonly model: EngineModel;
  readonly options: ExploreOptions;

  constructor(
    readonly v: Variant,
    readonly w: Workload,
    opts: CheckOptions,
  ) {
    this.arg = { variant: v, workload: w, noReduce: opts.noReduce, quiescentProbe: true };
    this.model = checkModel(this.arg);
    const g = this.model.k.addr.globals;
    const { noReduce: _n, workers: _w, pool: _p, ...eo } = opts;
    this.options = {
      storeEdges: true,
      // every state counts as non-progress: the engine's counters (ki_retried, bytes, completions,
      // the retry cap) only grow, so any cycle at all is a run that can go on forever doing nothing
      isProgress: () => false,
      maxCycles: 20,
      // the livelock check needs every edge: room for the largest claims (6 bytes an edge)
      maxEdges: CHECK_MAX_EDGES,
      // the blocking points reached, and those that slept in aio context, over every state
      onNewState: (s: State) => {
        this.reached |= s[g + GLOBAL.BLOCKED_REACHED];
        this.slept |= s[g + GLOBAL.AIO_BLOCKED];
      },
      ...eo,
    };
  }

  /** the verdicts from the exploration's result */
  finish(result: ExploreResult): CheckRun {
    const livelock = fairCycle(this.model, result);
    // the invariants with a part judged at quiescence (in a complete run with no quiescent state, vacuous)
    const atQuiescence = new Set(this.model.properties.filter((p) => p.kind === 'at-quiescence' && p.name !== QUIESCENT_PROBE).map((p) => p.name));
    const quiescent = result.violations.has(QUIESCENT_PROBE);
    const vacuous = result.complete && !quiescent;
    const inv: InvariantResult[] = INVARIANTS.map((name) => {
      if (name === 'progress' && livelock && !result.violations.has(name))
        return { invariant: name, verdict: 'violated', reason: `non-progress cycle of ${livelock.cycle.length} steps (livelock under weak fairness)`, depth: livelock.prefix.length + livelock.cycle.length, path: [...livelock.prefix, ...livelock.cycle] };
      const viol = result.violations.get(name);
      if (viol) return { invariant: name, verdict: 'violated', reason: viol.reason, depth: viol.depth, path: viol.path };
      // progress is also "no livelock": without the cycle check a complete exploration proves only the quiescence half
      if (name === 'progress' && result.complete && result.cycles && !result.cycles.checked) return { invariant: name, verdict: 'bounded', reason: `livelock check not done: ${result.cycles.reason}` };
      if (!result.complete) return { invariant: name, verdict: 'bounded' };
      return vacuous && atQuiescence.has(name) ? { invariant: name, verdict: 'holds', vacuous: true } : { invariant: name, verdict: 'holds' };
    });
    const diagnostics = [...result.labels.entries()].map(([label, hit]) => ({ label, depth: hit.depth })).sort((a, b) => a.depth - b.depth);
    return {
      variant: this.v.name,
      workload: this.w.name,
      result,
      invariants: inv,
      diagnostics,
      quiescent,
      blocking: BLOCKING_POINTS.map((p, i) => ({ point: p, reached: !!(this.reached & (1 << i)), sleptInAio: !!(this.slept & (1 << i)) })),
    };
  }
}

/** checks every invariant of (variant, workload) in one exploration, in this thread */
export function runCheck(v: Variant, w: Workload, opts: CheckOptions = {}): CheckRun {
  const c = new CheckSetup(v, w, opts);
  return c.finish(explore(c.model, c.options));
}

/** as runCheck, over `opts.workers` worker threads when more than 1 */
export async function runCheckAsync(v: Variant, w: Workload, opts: CheckOptions = {}): Promise<CheckRun> {
  const workers = opts.pool?.size ?? opts.workers ?? 1;
  if (workers <= 1) return runCheck(v, w, opts);
  const c = new CheckSetup(v, w, opts);
  const spec = checkModelSpec(c.arg);
  return c.finish(await exploreParallel(spec, { ...c.options, workers, ...(opts.pool ? { pool: opts.pool } : {}) }));
}
