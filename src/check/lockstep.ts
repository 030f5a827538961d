/**
 * The engine and the xstate spec machines (models/) in lockstep.
 *
 * `LockstepModel` is a `Model` (src/explore/model.ts) wrapping an `EngineModel` built with
 * `modelEvents: true`. Its states are the engine's packed state followed by a few words
 * of model state:
 *
 *   for each kiocb slot i of the workload:     kiocb machine state, kickProtocol state
 *   for each (page p, waiter thread j) pair:   pageWait state (the page as waiter j sees it)
 *   failure words:                              code (0 = none, else 1 + machine), iocb or
 *                                               page, waiter thread (or -1), state index,
 *                                               event column of the first refused event
 *
 * A model state word is an index into the machine's compiled table (lockstep-table.ts);
 * a negative word -(i + 1) means "refused an event in state i": the machine instance is
 * dead from then on and ignores further events. `next` runs the engine action and feeds
 * the model events it emitted, in order:
 *   - kiocb events of slot i to the kiocb and kickProtocol machines of slot i (each takes
 *     the types of its alphabet, the rest are projected away); iocb -1 events (the
 *     ctx-wide queue_work / work_run / ctx_wait_wake) to every slot's machines;
 *   - page events of page p to every pair (p, j), projected as projectPageEvents(events,
 *     p, j) does: page-side types (readpage, io_done_*, unlock_page) are the page's, j's
 *     own steps are W's, another thread's (or the page side's) lock / add is OTHER's, and
 *     another thread's waiting steps are dropped. Events of page -1 or of no kiocb slot
 *     are ignored.
 * An event the spec refuses is a conformance failure, reported by the 'always' property
 * `model-conformance` with the BFS's shortest path to it.
 *
 * Both directions count: while exploring, every (state, event) cell of a table that an
 * engine step exercised is recorded, and `checkLockstep` reports, per machine, the
 * transitions exercised out of the graph's total, the ones never reached and the states
 * never visited (and the (state, event) pairs the engine produced and the spec refused).
 * The initial announcement of cached pages counts as exercised too.
 *
 * Cost: the model words refine the engine's states only where the models remember more
 * than the engine (e.g. which runner was notified); on conforming runs the state count
 * barely grows. After a refusal, though, the frozen model words and the failure record
 * split every later engine state by "which failure happened first", which can triple the
 * state count (mar05 x uncached-read: 80k engine states, 228k lockstep states). Use
 * `stopOn: 'first-violation'` when only the first failure matters.
 */
import type { ModelEvent } from '../../models/events.ts';
import { coverage as modelCoverage, type CoverageReport, type ModelName } from '../../models/index.ts';
import { explore, type ExploreOptions, type ExploreResult } from '../explore/bfs.ts';
import { allocState } from '../explore/alloc.ts';
import type { Model, Property, State } from '../explore/model.ts';
import { GLOBAL, PANIC_NONE, type Machine, type MachineOptions } from '../engine/machine.ts';
import { THREAD } from '../engine/structs.ts';
import { EngineModel } from '../engine/model.ts';
import { initialPageEvents } from '../engine/mm/page.ts';
import type { Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import {
  KIOCB_TYPE_INDEX,
  PAGE_TYPE_INDEX,
  WHO_OTHER,
  WHO_PAGE,
  WHO_WAITER,
  columnsOf,
  compileModel,
  type CompiledModel,
} from './lockstep-table.ts';

/** the machines run in lockstep, in failure-code order (code = index + 1) */
export const LOCKSTEP_MACHINES = ['kiocb', 'kickProtocol', 'pageWait'] as const satisfies readonly ModelName[];
const KIOCB = 0;
const KICK = 1;
const PAGE = 2;
const FAIL_WORDS = 5;
const TH_SP = THREAD.off.sp;

export interface LockstepOptions {
  /** the engine properties to check as well (e.g. src/check/invariants.ts `invariants`) */
  props?: (k: Machine) => Property[];
  /**
   * which end-of-run checks (ModelSpec.quiescence) become 'at-quiescence' properties
   * `model-quiescence:<machine>`: per machine true (all its checks), false, or the check
   * names. Default DEFAULT_QUIESCENCE; 'all' for every check; false for none.
   */
  quiescence?: QuiescenceSelection | 'all' | false;
  /**
   * when the engine's setup emitted no page event for a page the workload starts with in
   * the cache, announce it with src/engine/mm/page.ts `initialPageEvents` (as
   * models/events.ts says: page_cache_add, readpage, and for an uptodate page io_done_ok,
   * unlock_page, all by the page side). Default true.
   */
  announceInitialPages?: boolean;
  /** the machines to run (default: all three); the others stay in their initial state and are not reported */
  machines?: readonly ModelName[];
  /** passed to the engine (MachineOptions.reduce) */
  reduce?: boolean;
}

export type QuiescenceSelection = Partial<Record<ModelName, boolean | readonly string[]>>;

/**
 * The end-of-run checks that mean something with the engine as it is: all of the kiocb
 * and kickProtocol ones; of pageWait's, waiter-returned and page-unlocked but not
 * no-lost-wakeup, because the engine emits the page 'woken' event only for synchronous
 * waiters back from io_schedule: an aio waiter's wake (aio_wake_function, which does
 * not know the page) shows up as the kiocb's ki_wait_dequeued only, so its pageWait
 * instance would keep entry=wakeOwed and report a lost wake-up that did not happen.
 */
export const DEFAULT_QUIESCENCE: QuiescenceSelection = {
  kiocb: true,
  kickProtocol: true,
  pageWait: ['waiter-returned', 'page-unlocked'],
};

/** where a failure or a model state lives */
export interface InstanceRef {
  machine: ModelName;
  /** kiocb slot (kiocb, kickProtocol) */
  iocb?: number;
  /** page index and waiter thread (pageWait) */
  page?: number;
  waiter?: number;
}

/** the first refused event recorded in a lockstep state */
export interface RecordedFailure extends InstanceRef {
  /** state key where the event was refused */
  state: string;
  /** the refused event's label */
  event: string;
  /** "kiocb machine: event X not allowed in state KEY (iocb 0)" */
  reason: string;
}

/** the model-side view of a lockstep state */
export interface ModelStateView extends InstanceRef {
  state: string;
  /** the instance refused an event and stopped */
  failed: boolean;
}

export class LockstepModel implements Model {
  readonly engine: EngineModel;
  readonly k: Machine;
  readonly properties: Property[];
  readonly models: readonly CompiledModel[];
  /** kiocb slots of the workload */
  readonly nIocbs: number;
  readonly nPages: number;
  /** thread indexes followed as page waiters (every non-interrupt thread) */
  readonly waiters: readonly number[];
  /** number of words after the engine's state */
  readonly extra: number;
  /** per machine: states x events cells exercised (1) by some engine step */
  readonly hit: readonly Uint8Array[];
  /** per machine: states x events cells the engine produced and the spec refused */
  readonly refused: readonly Uint8Array[];
  /** page-model column of (type index * 3 + who) */
  private readonly pageCols: Int32Array;
  private readonly kiocbCols: Int32Array;
  private readonly kickCols: Int32Array;
  /** per machine (LOCKSTEP_MACHINES order): is it run */
  readonly enabled: readonly boolean[];
  private readonly init0: State;
  private readonly events: ModelEvent[];

  constructor(
    readonly variant: Variant,
    readonly workload: Workload,
    opts: LockstepOptions = {},
  ) {
    const mopts: MachineOptions = { modelEvents: true };
    if (opts.reduce !== undefined) mopts.reduce = opts.reduce;
    // the engine's own properties are wrapped below (they see the engine words only)
    let engineProps: Property[] = [];
    this.engine = new EngineModel(variant, workload, (k) => (engineProps = opts.props ? opts.props(k) : []), mopts);
    this.k = this.engine.k;
    if (!this.k.modelEvents) throw new Error('LockstepModel: the engine records no model events');
    this.events = this.k.modelEvents;
    this.models = LOCKSTEP_MACHINES.map((n) => compileModel(n));
    const on = opts.machines ?? LOCKSTEP_MACHINES;
    this.enabled = LOCKSTEP_MACHINES.map((n) => on.includes(n));
    this.hit = this.models.map((m) => new Uint8Array(m.nStates * m.nEvents));
    this.refused = this.models.map((m) => new Uint8Array(m.nStates * m.nEvents));
    // a disabled machine gets no column for any event
    const cols = (m: number) => (this.enabled[m] ? columnsOf(this.models[m]!) : columnsOf(this.models[m]!).map(() => -1));
    this.kiocbCols = cols(KIOCB);
    this.kickCols = cols(KICK);
    this.pageCols = cols(PAGE);
    this.nIocbs = this.k.addr.kiocbs.length;
    this.nPages = this.k.addr.pages.length;
    this.waiters = this.k.threads.map((t, i) => (t.role === 'irq' ? -1 : i)).filter((i) => i >= 0);
    this.extra = 2 * this.nIocbs + this.nPages * this.waiters.length + FAIL_WORDS;

    // the initial state: the engine's, the models' initial states, then whatever the
    // engine's setup emitted (or the announcement of the pages cached at the start)
    const e0 = this.engine.initial();
    const s0 = allocState(e0.length + this.extra);
    s0.set(e0);
    const setupEvents = this.events.slice();
    this.events.length = 0;
    if (opts.announceInitialPages ?? true) {
      const announced = new Set(setupEvents.flatMap((e) => (e.machine === 'page' ? [e.page] : [])));
      for (const e of initialPageEvents(workload)) if (!announced.has(e.page)) setupEvents.push({ machine: 'page', ...e });
    }
    this.feed(s0, e0.length, setupEvents);
    this.init0 = s0;

    const q = opts.quiescence ?? DEFAULT_QUIESCENCE;
    const sel: QuiescenceSelection = q === 'all' ? { kiocb: true, kickProtocol: true, pageWait: true } : q === false ? {} : q;
    const quiescent: Property[] = [];
    LOCKSTEP_MACHINES.forEach((n, m) => {
      const want = sel[n];
      if (!this.enabled[m] || want === undefined || want === false) return;
      const names = this.models[m]!.spec.quiescence.map((c) => c.name);
      const chosen = want === true ? names : [...want];
      for (const c of chosen) if (!names.includes(c)) throw new Error(`${n} has no quiescence check ${c} (it has ${names.join(', ')})`);
      if (chosen.length) quiescent.push(this.quiescenceProperty(m, chosen));
    });
    this.properties = [...engineProps, this.conformanceProperty(), ...quiescent];
  }

  // ---------------------------------------------------------------- layout

  /** offset (from the start of the extra words) of slot i's kiocb / kick word */
  private kiocbWord(i: number, machine: 0 | 1): number {
    return 2 * i + machine;
  }
  private pageWord(p: number, j: number): number {
    return 2 * this.nIocbs + p * this.waiters.length + j;
  }
  private get failBase(): number {
    return this.extra - FAIL_WORDS;
  }
  /** index of the first extra word of `s` */
  base(s: State): number {
    return s.length - this.extra;
  }

  // ---------------------------------------------------------------- Model

  init(): State[] {
    return [this.init0.slice()];
  }

  /** the state the machine's working memory holds unmodified, if any (as EngineModel keeps it) */
  private loaded: State | null = null;
  private labels: readonly string[] = [];

  actions(s: State, out: number[]): void {
    const k = this.k;
    if (this.loaded !== s) {
      k.load(s);
      this.loaded = s;
    }
    k.actions(out);
  }

  /**
   * EngineModel.next, packing the engine's memory straight into a state with room for
   * the model words (Machine.pack's layout: the heap, then each thread's stack words in
   * use; Machine.load ignores the words after them). The test suite checks that the
   * engine part equals EngineModel.next's state.
   */
  next(s: State, a: number): State | null {
    const k = this.k;
    const ev = this.events;
    ev.length = 0;
    if (this.loaded !== s) k.load(s);
    this.loaded = null;
    k.act(a);
    this.labels = k.labels;
    const m = k.m;
    const he = k.heapEnd;
    const ts = k.threads;
    let n = he;
    for (let i = 0; i < ts.length; i++) n += m[ts[i]!.addr + TH_SP]!;
    const x = this.extra;
    const out = allocState(n + x);
    out.set(m.subarray(0, he));
    let o = he;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      const sp = m[t.addr + TH_SP]!;
      if (sp) out.set(m.subarray(t.stack, t.stack + sp), o);
      o += sp;
    }
    const sb = s.length - x;
    for (let i = 0; i < x; i++) out[n + i] = s[sb + i]!;
    if (ev.length > 0) this.feed(out, n, ev);
    return out;
  }

  lastLabels(): readonly string[] {
    return this.labels;
  }

  describeAction(s: State, a: number): string {
    const d = this.engine.describeAction(s, a);
    this.loaded = s; // EngineModel.describeAction loaded it
    return d;
  }

  /** the model events the last `next` fed (the engine's array: copy it to keep it) */
  lastEvents(): readonly ModelEvent[] {
    return this.events;
  }

  // ---------------------------------------------------------------- feeding events

  /**
   * a copy of lockstep state `s` with `events` fed to its model words, exactly as `next`
   * feeds an engine step's events (for tests and tools; the engine words are not touched)
   */
  feedEvents(s: State, events: readonly ModelEvent[]): State {
    const out = s.slice();
    this.feed(out, out.length - this.extra, events);
    return out;
  }

  /** feeds `events` to the model words of `s` (extra words from `base`) */
  private feed(s: State, base: number, events: readonly ModelEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.machine === 'kiocb') {
        const ti = KIOCB_TYPE_INDEX.get(e.type);
        if (ti === undefined) continue;
        const c0 = this.kiocbCols[ti]!;
        const c1 = this.kickCols[ti]!;
        if (e.iocb >= 0) {
          if (e.iocb >= this.nIocbs) continue;
          if (c0 >= 0) this.apply(s, base, KIOCB, base + this.kiocbWord(e.iocb, 0), c0, e.iocb, -1);
          if (c1 >= 0) this.apply(s, base, KICK, base + this.kiocbWord(e.iocb, 1), c1, e.iocb, -1);
        } else if (e.iocb === -1) {
          for (let j = 0; j < this.nIocbs; j++) {
            if (c0 >= 0) this.apply(s, base, KIOCB, base + this.kiocbWord(j, 0), c0, j, -1);
            if (c1 >= 0) this.apply(s, base, KICK, base + this.kiocbWord(j, 1), c1, j, -1);
          }
        }
      } else if (e.machine === 'page') {
        const p = e.page;
        if (!(p >= 0 && p < this.nPages)) continue;
        const ti = PAGE_TYPE_INDEX.get(e.type);
        if (ti === undefined) continue;
        const w = e.waiter;
        const cw = this.pageCols[ti * 3 + WHO_WAITER]!;
        // projectPageEvents(events, p, waiters[j]): j's own step is W's; a step of the page
        // side (-1) or of another thread is the page's / OTHER's (or dropped)
        const cx = this.pageCols[ti * 3 + (w === -1 ? WHO_PAGE : WHO_OTHER)]!;
        for (let j = 0; j < this.waiters.length; j++) {
          const c = this.waiters[j] === w ? cw : cx;
          if (c >= 0) this.apply(s, base, PAGE, base + this.pageWord(p, j), c, p, this.waiters[j]!);
        }
      }
    }
  }

  /** one event on one machine instance */
  private apply(s: State, base: number, m: number, w: number, col: number, inst: number, waiter: number): void {
    const cur = s[w]!;
    if (cur < 0) return; // refused an event earlier: stopped
    const cm = this.models[m]!;
    const cell = cur * cm.nEvents + col;
    const nxt = cm.table[cell]!;
    if (nxt >= 0) {
      this.hit[m]![cell] = 1;
      s[w] = nxt;
      return;
    }
    this.refused[m]![cell] = 1;
    s[w] = -(cur + 1);
    const f = base + this.failBase;
    if (s[f] === 0) {
      s[f] = m + 1;
      s[f + 1] = inst;
      s[f + 2] = waiter;
      s[f + 3] = cur;
      s[f + 4] = col;
    }
  }

  // ---------------------------------------------------------------- reading states

  /** the first refused event recorded in `s`, or null */
  failure(s: State): RecordedFailure | null {
    const f = this.base(s) + this.failBase;
    const code = s[f]!;
    if (code === 0) return null;
    const m = code - 1;
    const cm = this.models[m]!;
    const machine = LOCKSTEP_MACHINES[m]!;
    const state = cm.states[s[f + 3]!] ?? `#${s[f + 3]}`;
    const event = cm.labels[s[f + 4]!] ?? `#${s[f + 4]}`;
    const where: InstanceRef =
      m === PAGE ? { machine, page: s[f + 1]!, waiter: s[f + 2]! } : { machine, iocb: s[f + 1]! };
    const at =
      m === PAGE ? `page ${where.page}, waiter ${this.k.threads[where.waiter!]?.name ?? where.waiter}` : `iocb ${where.iocb}`;
    return { ...where, state, event, reason: `${machine} machine: event ${event} not allowed in state ${state} (${at})` };
  }

  /** every model instance's state in `s` */
  modelStates(s: State): ModelStateView[] {
    const b = this.base(s);
    const out: ModelStateView[] = [];
    const view = (m: number, w: number, ref: InstanceRef): ModelStateView => {
      const v = s[b + w]!;
      const i = v < 0 ? -v - 1 : v;
      return { ...ref, state: this.models[m]!.states[i]!, failed: v < 0 };
    };
    for (let i = 0; i < this.nIocbs; i++) {
      out.push(view(KIOCB, this.kiocbWord(i, 0), { machine: 'kiocb', iocb: i }));
      out.push(view(KICK, this.kiocbWord(i, 1), { machine: 'kickProtocol', iocb: i }));
    }
    for (let p = 0; p < this.nPages; p++) {
      this.waiters.forEach((t, j) => out.push(view(PAGE, this.pageWord(p, j), { machine: 'pageWait', page: p, waiter: t })));
    }
    return out;
  }

  /** the engine part of a lockstep state (a view) */
  engineState(s: State): State {
    return s.subarray(0, this.base(s));
  }

  // ---------------------------------------------------------------- properties

  private conformanceProperty(): Property {
    return {
      name: 'model-conformance',
      kind: 'always',
      check: (s) => {
        if (s[s.length - FAIL_WORDS] === 0) return null;
        return this.failure(s)!.reason;
      },
    };
  }

  private quiescenceProperty(m: number, checks: readonly string[]): Property {
    const name = LOCKSTEP_MACHINES[m]!;
    const cm = this.models[m]!;
    const qs = cm.spec.quiescence;
    let mask = 0;
    qs.forEach((c, i) => {
      if (checks.includes(c.name)) mask |= 1 << i;
    });
    const panicWord = this.k.addr.globals + GLOBAL.PANIC;
    const words: { w: number; at: string }[] = [];
    if (m === PAGE) {
      for (let p = 0; p < this.nPages; p++) {
        this.waiters.forEach((t, j) => words.push({ w: this.pageWord(p, j), at: `page ${p}, waiter ${this.k.threads[t]!.name}` }));
      }
    } else {
      for (let i = 0; i < this.nIocbs; i++) words.push({ w: this.kiocbWord(i, m === KICK ? 1 : 0), at: `iocb ${i}` });
    }
    return {
      name: `model-quiescence:${name}`,
      kind: 'at-quiescence',
      check: (s) => {
        // a run the engine stopped with a panic is not a complete run: its own properties report it
        if (s[panicWord] !== PANIC_NONE) return null;
        const b = this.base(s);
        for (const { w, at } of words) {
          const v = s[b + w]!;
          if (v < 0) continue; // refused an event: reported by model-conformance
          const bad = cm.quiescenceFail[v]! & mask;
          if (bad === 0) continue;
          const names = qs.filter((_, i) => bad & (1 << i)).map((q) => q.name);
          return `${name} machine (${at}): ${names.join(', ')} fails at the end of the run, in state ${cm.states[v]}`;
        }
        return null;
      },
    };
  }

  // ---------------------------------------------------------------- coverage

  /** per machine: what the exploration so far exercised (see module comment) */
  coverage(): LockstepCoverage[] {
    return this.models.flatMap((cm, m) => {
      if (!this.enabled[m]) return [];
      const observed: { from: string; event: string }[] = [];
      const refused: { from: string; event: string }[] = [];
      const hit = this.hit[m]!;
      const ref = this.refused[m]!;
      for (let s = 0; s < cm.nStates; s++) {
        for (let c = 0; c < cm.nEvents; c++) {
          const cell = s * cm.nEvents + c;
          if (hit[cell]) observed.push({ from: cm.states[s]!, event: cm.labels[c]! });
          if (ref[cell]) refused.push({ from: cm.states[s]!, event: cm.labels[c]! });
        }
      }
      const r = modelCoverage(cm.spec, observed);
      return [{ ...r, machine: cm.name, stateCount: cm.nStates, visitedStates: cm.nStates - r.unvisitedStates.length, refused }];
    });
  }

  /** forgets the coverage recorded so far */
  resetCoverage(): void {
    for (const h of this.hit) h.fill(0);
    for (const r of this.refused) r.fill(0);
  }
}

export interface LockstepCoverage extends CoverageReport {
  machine: ModelName;
  /** states of the machine's graph */
  stateCount: number;
  /** stateCount - unvisitedStates.length */
  visitedStates: number;
  /** (state, event) pairs the engine produced that the spec refuses (conformance failures anywhere) */
  refused: { from: string; event: string }[];
}

/** the first conformance failure of an exploration, with how to get there */
export interface ConformanceFailure extends RecordedFailure {
  /** actions from the initial state (BFS: a shortest path) */
  path: number[];
  initIndex: number;
  depth: number;
  /** the path replayed: each step's description and the model events it emitted */
  trace: { action: number; description: string; events: string[] }[];
}

export interface LockstepReport {
  model: LockstepModel;
  result: ExploreResult;
  /** the first (shortest) conformance failure, or null */
  conformance: ConformanceFailure | null;
  coverage: LockstepCoverage[];
}

/** "retry_enter#0", "unlock_page@p0/-1" */
export function formatEvent(e: ModelEvent): string {
  return e.machine === 'kiocb' ? `${e.type}#${e.iocb}` : `${e.type}@p${e.page}/${e.waiter}`;
}

/** replays a path of a lockstep model, collecting each step's model events */
export function traceEvents(model: LockstepModel, initIndex: number, path: readonly number[]): ConformanceFailure['trace'] {
  const out: ConformanceFailure['trace'] = [];
  let s = model.init()[initIndex]!;
  for (const a of path) {
    const description = model.describeAction(s, a);
    const t = model.next(s, a);
    if (t === null) throw new Error(`lockstep replay: action ${a} not enabled`);
    out.push({ action: a, description, events: model.lastEvents().map(formatEvent) });
    s = t;
  }
  return out;
}

/**
 * Explores (variant, workload) with the models in lockstep: the exploration result,
 * the first conformance failure with its path, and per-machine coverage.
 */
export function checkLockstep(variant: Variant, workload: Workload, exploreOpts: ExploreOptions = {}, opts: LockstepOptions = {}): LockstepReport {
  const model = new LockstepModel(variant, workload, opts);
  const result = explore(model, exploreOpts);
  const coverage = model.coverage();
  let conformance: ConformanceFailure | null = null;
  const v = result.violations.get('model-conformance');
  if (v) {
    const trace = traceEvents(model, v.initIndex, v.path);
    let s = model.init()[v.initIndex]!;
    for (const a of v.path) s = model.next(s, a)!;
    const f = model.failure(s);
    if (!f) throw new Error('lockstep: the model-conformance counterexample does not reproduce');
    conformance = { ...f, path: v.path, initIndex: v.initIndex, depth: v.depth, trace };
  }
  return { model, result, conformance, coverage };
}

// ------------------------------------------------------------------ report

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');

/**
 * A readable coverage table: per machine transitions exercised / total, states visited /
 * total and refused pairs; then, per machine, up to `list` never-reached transitions,
 * unvisited states and refused pairs (default 10 each; Infinity for all).
 */
export function formatCoverage(report: readonly LockstepCoverage[] | LockstepReport, opts: { list?: number } = {}): string {
  const rows = 'coverage' in report ? report.coverage : report;
  const list = opts.list ?? 10;
  const head = ['machine', 'transitions', '', 'states', '', 'refused'];
  const body = rows.map((r) => [
    r.machine,
    `${r.exercised.length}/${r.total}`,
    pct(r.exercised.length, r.total),
    `${r.visitedStates}/${r.stateCount}`,
    pct(r.visitedStates, r.stateCount),
    String(r.refused.length),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  const more = (n: number) => (n > list ? [`    ... ${n - list} more`] : []);
  for (const r of rows) {
    if (r.refused.length) {
      out.push('', `${r.machine}: refused (engine step the spec does not allow):`);
      for (const t of r.refused.slice(0, list)) out.push(`    ${t.from}  --${t.event}-->  (refused)`);
      out.push(...more(r.refused.length));
    }
    if (r.unreached.length) {
      out.push('', `${r.machine}: never reached (${r.unreached.length}):`);
      for (const t of r.unreached.slice(0, list)) out.push(`    ${t.from}  --${t.event}-->  ${t.to}`);
      out.push(...more(r.unreached.length));
    }
    if (r.unvisitedStates.length) {
      out.push('', `${r.machine}: unvisited states (${r.unvisitedStates.length}):`);
      for (const k of r.unvisitedStates.slice(0, list)) out.push(`    ${k}`);
      out.push(...more(r.unvisitedStates.length));
    }
  }
  return out.join('\n') + '\n';
}

