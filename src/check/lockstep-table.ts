/**
 * The xstate spec machines (models/) compiled into dense transition tables, so that
 * running a model in lockstep with the engine costs one array lookup per event instead
 * of an xstate interpretation.
 *
 * A machine's full reachable graph (models/index.ts `enumerate`) is finite: its states
 * get indexes (graph order, the initial state first), its canonical events (the spec's
 * `events`) get columns, and `table[state * nEvents + column]` is the next state's index
 * or -1 (no enabled transition: the spec refuses the event there). Every concrete event
 * a trace can contain maps to one column (or to none: projected away), see `kiocbColumn`
 * and `pageColumn`; test/lockstep.test.ts checks on random sequences that replaying
 * through the table agrees with replaying through xstate (`conforms`).
 */
import { KIOCB_EVENTS, PAGE_EVENTS } from '../../models/events.ts';
import { MODELS, PAGE_SIDE, WAITER, enumerate, projectPageEvents, type ModelName, type ModelSpec, type PageMachineEvent } from '../../models/index.ts';

export interface CompiledModel {
  name: ModelName;
  spec: ModelSpec;
  /** state keys (models/keys.ts), by index */
  states: readonly string[];
  /** event labels (spec.eventKey of the canonical events), by column */
  labels: readonly string[];
  nStates: number;
  nEvents: number;
  /** index of the initial state */
  initial: number;
  /** nStates * nEvents: next state index or -1 */
  table: Int32Array;
  /** per state: bit i set when spec.quiescence[i] fails there */
  quiescenceFail: Int32Array;
  /** number of transitions of the graph (table entries >= 0) */
  transitionCount: number;
}

const cache = new Map<ModelName, CompiledModel>();

/** the compiled table of a registered model (built once, then cached) */
export function compileModel(name: ModelName): CompiledModel {
  const hit = cache.get(name);
  if (hit) return hit;
  const spec = MODELS[name] as ModelSpec;
  const g = enumerate(spec);
  const states = g.states.map((s) => s.key);
  // the initial state first, so that index 0 is "nothing happened yet"
  const init = states.indexOf(g.initial);
  if (init < 0) throw new Error(`${name}: initial state missing from its graph`);
  if (init !== 0) {
    states.splice(init, 1);
    states.unshift(g.initial);
  }
  const index = new Map(states.map((k, i) => [k, i]));
  const labels = spec.events.map((e) => spec.eventKey(e));
  const column = new Map(labels.map((l, i) => [l, i]));
  if (column.size !== labels.length) throw new Error(`${name}: two canonical events share a label`);
  const nStates = states.length;
  const nEvents = labels.length;
  const table = new Int32Array(nStates * nEvents).fill(-1);
  for (const t of g.transitions) {
    const from = index.get(t.from);
    const to = index.get(t.to);
    const col = column.get(t.event);
    if (from === undefined || to === undefined || col === undefined) throw new Error(`${name}: transition ${t.from} -${t.event}-> ${t.to} outside the graph`);
    const cell = from * nEvents + col;
    if (table[cell] >= 0 && table[cell] !== to) throw new Error(`${name}: non-deterministic transition from ${t.from} on ${t.event}`);
    table[cell] = to;
  }
  const quiescenceFail = new Int32Array(nStates);
  if (spec.quiescence.length > 31) throw new Error(`${name}: more than 31 quiescence checks`);
  states.forEach((key, i) => {
    const snap = g.snapshots.get(key)!;
    spec.quiescence.forEach((q, b) => {
      if (!q.holds(snap)) quiescenceFail[i] |= 1 << b;
    });
  });
  const cm: CompiledModel = {
    name,
    spec,
    states,
    labels,
    nStates,
    nEvents,
    initial: 0,
    table,
    quiescenceFail,
    transitionCount: g.transitionCount,
  };
  cache.set(name, cm);
  return cm;
}

/** the next state index, or -1 when the spec refuses the event */
export function step(cm: CompiledModel, state: number, column: number): number {
  return cm.table[state * cm.nEvents + column];
}

// ------------------------------------------------------------------ concrete events -> columns

/** index of each KIOCB_EVENTS type */
export const KIOCB_TYPE_INDEX: ReadonlyMap<string, number> = new Map(KIOCB_EVENTS.map((t, i) => [t, i]));
/** index of each PAGE_EVENTS type */
export const PAGE_TYPE_INDEX: ReadonlyMap<string, number> = new Map(PAGE_EVENTS.map((t, i) => [t, i]));

/**
 * For a kiocb-side model (kiocb, kickProtocol): column of each KIOCB_EVENTS type
 * (by index), or -1 for a type outside the model's alphabet (projected away).
 */
export function kiocbColumns(cm: CompiledModel): Int32Array {
  const out = new Int32Array(KIOCB_EVENTS.length).fill(-1);
  KIOCB_EVENTS.forEach((type, i) => {
    if (!cm.spec.alphabet.includes(type)) return;
    const col = cm.labels.indexOf(cm.spec.eventKey({ type }));
    if (col < 0) throw new Error(`${cm.name}: no canonical event for ${type}`);
    out[i] = col;
  });
  return out;
}

/** who did a page event, relative to the waiter a page machine follows */
export const WHO_WAITER = 0;
export const WHO_OTHER = 1;
export const WHO_PAGE = 2;

/**
 * For the page model: column of (PAGE_EVENTS type index, who) at `typeIndex * 3 + who`,
 * or -1 when projectPageEvents drops the event (another thread's waiting step). The
 * event is projected exactly as projectPageEvents does (page-side types are the page's
 * whoever runs them; another thread's, or the page side's (-1), lock / add is OTHER),
 * then mapped to the canonical event with the same type and the same actor, or, when
 * there is none (a lock / add by the page side), the same type by a non-W actor: the
 * machine's guards only ask whether the actor is W.
 */
export function pageColumns(cm: CompiledModel): Int32Array {
  const out = new Int32Array(PAGE_EVENTS.length * 3).fill(-1);
  const events = cm.spec.events as readonly PageMachineEvent[];
  PAGE_EVENTS.forEach((type, ti) => {
    for (const who of [WHO_WAITER, WHO_OTHER, WHO_PAGE]) {
      const waiter = who === WHO_WAITER ? 0 : who === WHO_OTHER ? 1 : -1;
      const p = projectPageEvents([{ type, page: 0, waiter }], 0, 0)[0];
      if (!p) continue;
      const e = p.event;
      let c = events.findIndex((x) => x.type === e.type && x.waiter === e.waiter);
      if (c < 0) c = events.findIndex((x) => x.type === e.type && (x.waiter === WAITER) === (e.waiter === WAITER));
      if (c < 0) throw new Error(`${cm.name}: no canonical event for ${type} by ${waiter}`);
      out[ti * 3 + who] = c;
    }
  });
  return out;
}

const columnCache = new WeakMap<CompiledModel, Int32Array>();
/** kiocbColumns or pageColumns, once per model */
export function columnsOf(cm: CompiledModel): Int32Array {
  let c = columnCache.get(cm);
  if (!c) {
    c = cm.name === 'pageWait' ? pageColumns(cm) : kiocbColumns(cm);
    columnCache.set(cm, c);
  }
  return c;
}

/** the column of a machine event (as the machines take them: `{ type, waiter }` for pages), or -1 if projected away */
export function columnOf(cm: CompiledModel, e: { type: string; waiter?: number }): number {
  if (cm.name === 'pageWait') {
    const ti = PAGE_TYPE_INDEX.get(e.type);
    if (ti === undefined) return -1;
    const w = e.waiter ?? WAITER;
    const who = w === WAITER ? WHO_WAITER : w === PAGE_SIDE ? WHO_PAGE : WHO_OTHER;
    return columnsOf(cm)[ti * 3 + who];
  }
  const ti = KIOCB_TYPE_INDEX.get(e.type);
  if (ti === undefined) return -1;
  return columnsOf(cm)[ti];
}

export type TableReplay =
  | { ok: true; state: string; steps: number }
  | { ok: false; index: number; state: string; event: string };

/**
 * Replays machine events through the table (the counterpart of models' `conforms`):
 * events with no column are skipped; the first refused one stops the replay.
 */
export function replayTable(cm: CompiledModel, events: readonly { type: string; waiter?: number }[]): TableReplay {
  let s = cm.initial;
  let steps = 0;
  for (let i = 0; i < events.length; i++) {
    const c = columnOf(cm, events[i]!);
    if (c < 0) continue;
    const t = step(cm, s, c);
    // labelled as conforms labels it (a page-side lock / add keeps its bare type there)
    if (t < 0) return { ok: false, index: i, state: cm.states[s]!, event: cm.spec.eventKey(events[i]!) };
    s = t;
    steps++;
  }
  return { ok: true, state: cm.states[s]!, steps };
}
