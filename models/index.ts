/**
 * The xstate spec models of the retry-based AIO protocol, with the helpers the rest of the
 * project uses on them: the full reachable graph (enumerate), which of its transitions a set
 * of runs exercised (coverage), spec invariants over the graph (checkInvariants), end-of-run
 * checks (checkQuiescence), trace replay (conforms / observe), and a mermaid picture.
 *
 * A model state is keyed by models/keys.ts `stateKey` (state value in definition order +
 * context). A transition is (from key, event label, to key); the event label is the event
 * type, except for the page model where another thread's lock / add is `type@other`.
 */
import { getAdjacencyMap } from '@xstate/graph';
import type { AnyMachineSnapshot, AnyStateMachine, EventFromLogic, StateNode, StateValue } from 'xstate';
import { conforms as conformsRaw, replay, type ConformanceResult, type ReplayStep, type TraceEvent } from './conformance.ts';
import { allStateNodes, guardName, stateKey } from './keys.ts';
import { KICK_ALPHABET, kickInvariants, kickProtocolMachine, kickQuiescence } from './kickProtocol.ts';
import { KIOCB_ALPHABET, kiocbInvariants, kiocbMachine, kiocbQuiescence } from './kiocb.ts';
import { PAGE_ALPHABET, PAGE_CANONICAL_EVENTS, pageEventKey, pageInvariants, pageQuiescence, pageWaitMachine } from './pageWait.ts';
import type { Invariant } from './types.ts';

export { kiocbMachine, kiocbView, kiocbInvariants, kiocbQuiescence, KIOCB_ALPHABET, KIOCB_USERS_CAP, CTX_EVENTS } from './kiocb.ts';
export type { KiocbMachineEvent, KiocbSnapshot, KiocbView, RetryState } from './kiocb.ts';
export { kickProtocolMachine, kickView, kickInvariants, kickQuiescence, KICK_ALPHABET } from './kickProtocol.ts';
export type { KickMachineEvent, KickSnapshot, KickView, KickIocbState } from './kickProtocol.ts';
export {
  pageWaitMachine,
  pageView,
  pageInvariants,
  pageQuiescence,
  projectPageEvents,
  pageEventKey,
  PAGE_ALPHABET,
  PAGE_CANONICAL_EVENTS,
  WAITER,
  OTHER,
  PAGE_SIDE,
} from './pageWait.ts';
export type { PageMachineEvent, PageWaitSnapshot, PageView, PageState, WaiterState, WaitEntry } from './pageWait.ts';
export { replay, enabledIn, defaultCandidates } from './conformance.ts';
export type { ConformanceResult, ConformsOptions, ReplayResult, ReplayStep, TraceEvent } from './conformance.ts';
export { stateKey, formatValue, formatContext } from './keys.ts';
export type { Invariant } from './types.ts';

/** a spec machine with what the helpers need to explore and report on it */
export interface ModelSpec {
  /** short stable name: `kiocb`, `kickProtocol`, `pageWait` */
  name: string;
  /** one paragraph: what the machine follows and what it allows */
  description: string;
  machine: AnyStateMachine;
  /** the event types this machine consumes; the rest of a trace is projected away */
  alphabet: readonly string[];
  /** the concrete events tried in every state when exploring */
  events: readonly TraceEvent[];
  /** the label of an event in graphs and reports */
  eventKey(e: TraceEvent): string;
  /** must hold in every reachable state */
  invariants: readonly Invariant<AnyMachineSnapshot>[];
  /** should hold where a complete run ends */
  quiescence: readonly Invariant<AnyMachineSnapshot>[];
}

const typeKey = (e: TraceEvent): string => e.type;

export const kiocbModel: ModelSpec = {
  name: 'kiocb',
  description:
    'The lifecycle of one async kiocb under the retry-based AIO protocol as the Mar 2003 patches intend it: ' +
    'allocated by aio_get_req, submitted by io_submit_one, then four regions side by side - the retry method ' +
    '(first attempt in io_submit_one; later attempts only after a runner took the kiocb off ctx->run_list and ' +
    'cleared KIF_KICKED, holding its own reference), ki_wait on a page wait queue, KIF_KICKED, and membership ' +
    'of ctx->run_list - until exactly one aio_complete (never while ki_wait is queued, never while a retry runs) ' +
    'and really_put_req from ki_users == 1. A kick during a retry only leaves KIF_KICKED set and the kiocb is ' +
    're-queued after the retry; nothing queues, kicks or runs it after completion.',
  machine: kiocbMachine,
  alphabet: KIOCB_ALPHABET,
  events: KIOCB_ALPHABET.map((type) => ({ type })),
  eventKey: typeKey,
  invariants: kiocbInvariants as readonly Invariant<AnyMachineSnapshot>[],
  quiescence: kiocbQuiescence as readonly Invariant<AnyMachineSnapshot>[],
};

export const kickProtocolModel: ModelSpec = {
  name: 'kickProtocol',
  description:
    'The kick / queue / run / complete protocol of one kiocb seen from the kioctx: kick_iocb test-and-sets ' +
    'KIF_KICKED, queue_kicked_iocb puts the kiocb on ctx->run_list (only when kicked, not running, not on it) ' +
    'and notifies a runner - wake_up(&ctx->wait) for an io_getevents sleeper, else queue_work(aio_wq, &ctx->wq), ' +
    'whose pending bit is a region of its own - and aio_run_iocbs takes it off, clears KIF_KICKED and runs the ' +
    'retry; a retry kicked while running is re-queued by its runner; completion happens once and takes the kiocb ' +
    'off the run list if it is there. Ends are checked for stranded (queued, nobody notified) and lost kicks.',
  machine: kickProtocolMachine,
  alphabet: KICK_ALPHABET,
  events: KICK_ALPHABET.map((type) => ({ type })),
  eventKey: typeKey,
  invariants: kickInvariants as readonly Invariant<AnyMachineSnapshot>[],
  quiescence: kickQuiescence as readonly Invariant<AnyMachineSnapshot>[],
};

export const pageWaitModel: ModelSpec = {
  name: 'pageWait',
  description:
    "One page and one waiter: the page's life (not cached, added locked, readpage, disk completion ok or " +
    'error, unlock_page waking its whole hashed bucket, other threads taking the lock) side by side with one ' +
    'waiter running aio_lock_page/__aio_lock_page or aio_wait_on_page_locked/aio_wait_on_page_bit - as an aio ' +
    'waiter (aio_schedule returns -EIOCBQUEUED and leaves ki_wait queued) or a synchronous one (io_schedule ' +
    'sleeps until its autoremove entry is woken) - and where its wait entry is (off, queued, or queued when the ' +
    'page was unlocked and so owed a wake). Spurious wakes from other pages of the bucket are allowed.',
  machine: pageWaitMachine,
  alphabet: PAGE_ALPHABET,
  events: PAGE_CANONICAL_EVENTS,
  eventKey: pageEventKey,
  invariants: pageInvariants as readonly Invariant<AnyMachineSnapshot>[],
  quiescence: pageQuiescence as readonly Invariant<AnyMachineSnapshot>[],
};

/** every model, by name */
export const MODELS = {
  kiocb: kiocbModel,
  kickProtocol: kickProtocolModel,
  pageWait: pageWaitModel,
} as const satisfies Record<string, ModelSpec>;
export type ModelName = keyof typeof MODELS;

/** the spec of a registered machine (or a default spec for any other machine) */
export function specOf(m: AnyStateMachine | ModelSpec): ModelSpec {
  if ('machine' in m && 'alphabet' in m) return m;
  const machine = m as AnyStateMachine;
  for (const s of Object.values(MODELS)) if (s.machine === machine) return s;
  const types = [...new Set(machine.events.filter((t) => typeof t === 'string' && !t.includes('*') && !t.startsWith('xstate.')))];
  return {
    name: machine.id,
    description: '',
    machine,
    alphabet: types,
    events: types.map((type) => ({ type })),
    eventKey: typeKey,
    invariants: [],
    quiescence: [],
  };
}

// ------------------------------------------------------------------ trace replay

/**
 * `conforms` of conformance.ts with the model's own alphabet (projection), labels and
 * candidate events. Accepts a machine or a spec.
 */
export function conforms(m: AnyStateMachine | ModelSpec, events: readonly TraceEvent[]): ConformanceResult {
  const spec = specOf(m);
  return conformsRaw(spec.machine, events, { alphabet: spec.alphabet, eventKey: spec.eventKey, candidates: spec.events });
}

/** the transitions a trace exercised, in order (up to its first non-conforming event) */
export function observe(m: AnyStateMachine | ModelSpec, events: readonly TraceEvent[]): { steps: ReplayStep[]; result: ConformanceResult } {
  const spec = specOf(m);
  const r = replay(spec.machine, events, { alphabet: spec.alphabet, eventKey: spec.eventKey, candidates: spec.events });
  return { steps: r.steps, result: r.result };
}

// ------------------------------------------------------------------ the reachable graph

export interface GraphState {
  key: string;
  value: StateValue;
  context: unknown;
  /** BFS depth from the initial state */
  depth: number;
  /** a shortest event path (labels) from the initial state */
  path: string[];
  /** no event is enabled here */
  terminal: boolean;
}

export interface GraphTransition {
  from: string;
  event: string;
  to: string;
}

export interface EnumeratedGraph {
  name: string;
  initial: string;
  states: GraphState[];
  transitions: GraphTransition[];
  stateCount: number;
  transitionCount: number;
  /** the snapshot of each state key (for invariant checks) */
  snapshots: Map<string, AnyMachineSnapshot>;
}

const graphCache = new WeakMap<AnyStateMachine, EnumeratedGraph>();

/**
 * The full reachable graph of a model, from @xstate/graph's getAdjacencyMap with the
 * model's state keys and, in every state, exactly the model's events that are enabled there
 * (so a guarded-out event is not an edge). Depths and shortest paths by BFS over it.
 */
export function enumerate(m: AnyStateMachine | ModelSpec): EnumeratedGraph {
  const spec = specOf(m);
  const cached = graphCache.get(spec.machine);
  if (cached) return cached;
  const adj = getAdjacencyMap(spec.machine, {
    serializeState: (s: AnyMachineSnapshot) => stateKey(s),
    serializeEvent: (e: EventFromLogic<AnyStateMachine>) => spec.eventKey(e),
    events: (s: AnyMachineSnapshot) => spec.events.filter((e) => s.can(e as EventFromLogic<AnyStateMachine>)) as EventFromLogic<AnyStateMachine>[],
  });

  const snapshots = new Map<string, AnyMachineSnapshot>();
  const transitions: GraphTransition[] = [];
  const out = new Map<string, GraphTransition[]>();
  for (const [from, v] of Object.entries(adj)) {
    snapshots.set(from, v.state);
    const list: GraphTransition[] = [];
    const trs = v.transitions as Record<string, { event: TraceEvent; state: AnyMachineSnapshot }>;
    for (const t of Object.values(trs)) {
      const tr = { from, event: spec.eventKey(t.event), to: stateKey(t.state) };
      list.push(tr);
      transitions.push(tr);
    }
    out.set(from, list);
  }
  const initial = Object.keys(adj)[0]!;

  // BFS for depth and one shortest path per state
  const depth = new Map<string, number>([[initial, 0]]);
  const path = new Map<string, string[]>([[initial, []]]);
  const queue = [initial];
  for (let i = 0; i < queue.length; i++) {
    const k = queue[i]!;
    for (const t of out.get(k) ?? []) {
      if (depth.has(t.to)) continue;
      depth.set(t.to, depth.get(k)! + 1);
      path.set(t.to, [...path.get(k)!, t.event]);
      queue.push(t.to);
    }
  }

  const states: GraphState[] = [...snapshots.entries()].map(([key, s]) => ({
    key,
    value: s.value as StateValue,
    context: s.context as unknown,
    depth: depth.get(key) ?? -1,
    path: path.get(key) ?? [],
    terminal: (out.get(key) ?? []).length === 0,
  }));
  const g: EnumeratedGraph = {
    name: spec.name,
    initial,
    states,
    transitions,
    stateCount: states.length,
    transitionCount: transitions.length,
    snapshots,
  };
  graphCache.set(spec.machine, g);
  return g;
}

// ------------------------------------------------------------------ invariants

export interface InvariantViolation {
  invariant: string;
  description: string;
  state: string;
  /** a shortest event path to the state */
  path: string[];
}

/** every (invariant, state) pair of the full graph where the invariant fails */
export function checkInvariants(m: AnyStateMachine | ModelSpec, invariants?: readonly Invariant<AnyMachineSnapshot>[]): InvariantViolation[] {
  const spec = specOf(m);
  const g = enumerate(spec);
  const bad: InvariantViolation[] = [];
  for (const st of g.states) {
    const s = g.snapshots.get(st.key)!;
    for (const inv of invariants ?? spec.invariants) {
      if (!inv.holds(s)) bad.push({ invariant: inv.name, description: inv.description, state: st.key, path: st.path });
    }
  }
  return bad;
}

/** the end-of-run checks that fail in the state a replayed trace ends in */
export function checkQuiescence(m: AnyStateMachine | ModelSpec, events: readonly TraceEvent[]): { name: string; description: string }[] {
  const spec = specOf(m);
  const r = replay(spec.machine, events, { alphabet: spec.alphabet, eventKey: spec.eventKey, candidates: spec.events });
  return spec.quiescence.filter((q) => !q.holds(r.snapshot)).map((q) => ({ name: q.name, description: q.description }));
}

// ------------------------------------------------------------------ coverage

/** an observed (fromStateKey, eventLabel) pair */
export type ObservedTransition = { from: string; event: string } | readonly [string, string];

export interface CoverageReport {
  name: string;
  /** transitions of the full graph */
  total: number;
  exercised: GraphTransition[];
  unreached: GraphTransition[];
  /** observed pairs that are no transition of the graph (non-conforming observations) */
  unknown: { from: string; event: string }[];
  /** exercised / total */
  ratio: number;
  /** states of the graph never seen as the source or target of an observed transition */
  unvisitedStates: string[];
}

/** which transitions of the full graph a set of observed (from, event) pairs exercised */
export function coverage(m: AnyStateMachine | ModelSpec, observed: Iterable<ObservedTransition>): CoverageReport {
  const spec = specOf(m);
  const g = enumerate(spec);
  const byPair = new Map<string, GraphTransition>();
  for (const t of g.transitions) byPair.set(`${t.from}\u0000${t.event}`, t);
  const hit = new Set<string>();
  const unknown: { from: string; event: string }[] = [];
  const unknownSeen = new Set<string>();
  for (const o of observed) {
    const [from, event] = Array.isArray(o) ? (o as readonly [string, string]) : [(o as { from: string }).from, (o as { event: string }).event];
    const k = `${from}\u0000${event}`;
    if (byPair.has(k)) hit.add(k);
    else if (!unknownSeen.has(k)) {
      unknownSeen.add(k);
      unknown.push({ from, event });
    }
  }
  const exercised: GraphTransition[] = [];
  const unreached: GraphTransition[] = [];
  const visited = new Set<string>([g.initial]);
  for (const t of g.transitions) {
    if (hit.has(`${t.from}\u0000${t.event}`)) {
      exercised.push(t);
      visited.add(t.from);
      visited.add(t.to);
    } else unreached.push(t);
  }
  return {
    name: spec.name,
    total: g.transitionCount,
    exercised,
    unreached,
    unknown,
    ratio: g.transitionCount ? exercised.length / g.transitionCount : 1,
    unvisitedStates: g.states.map((s) => s.key).filter((k) => !visited.has(k)),
  };
}

// ------------------------------------------------------------------ mermaid

/** the mermaid id of a state node: its path joined with `_` */
export function mermaidId(node: StateNode): string {
  return node.path.length ? node.path.join('_') : node.machine.id;
}

/**
 * A mermaid `stateDiagram-v2` picture of the machine's state nodes (not of the reachable
 * graph): composite states for compound nodes, `--`-separated regions for parallel ones,
 * one arrow per transition labelled `event [guard]`; an action-only transition is a self
 * loop.
 */
export function toMermaid(m: AnyStateMachine | ModelSpec): string {
  const spec = specOf(m);
  const machine = spec.machine;
  const lines: string[] = ['stateDiagram-v2', `  %% ${spec.name}: generated from the xstate machine by models/index.ts toMermaid`];

  const arrows = (node: StateNode, pad: string): void => {
    for (const [event, defs] of node.transitions) {
      for (const t of defs) {
        const g = guardName(t.guard);
        const label = g ? `${event} [${g}]` : event;
        const targets = t.target && t.target.length ? t.target : [node];
        for (const target of targets) lines.push(`${pad}${mermaidId(node)} --> ${mermaidId(target)} : ${label}`);
      }
    }
  };

  const block = (node: StateNode, pad: string): void => {
    const children = Object.values(node.states);
    if (node.type === 'parallel') {
      children.forEach((region, i) => {
        if (i > 0) lines.push(`${pad}--`);
        lines.push(`${pad}state "${region.key}" as ${mermaidId(region)} {`);
        block(region, pad + '  ');
        lines.push(`${pad}}`);
      });
      for (const c of children) arrows(c, pad);
      return;
    }
    const init = node.initial?.target?.[0];
    if (init) lines.push(`${pad}[*] --> ${mermaidId(init)}`);
    for (const c of children) {
      if (c.type === 'compound' || c.type === 'parallel') {
        lines.push(`${pad}state "${c.key}" as ${mermaidId(c)} {`);
        block(c, pad + '  ');
        lines.push(`${pad}}`);
      } else {
        lines.push(`${pad}state "${c.key}" as ${mermaidId(c)}`);
        if (c.type === 'final') lines.push(`${pad}${mermaidId(c)} --> [*]`);
      }
    }
    for (const c of children) arrows(c, pad);
  };

  const root = machine.root;
  if (root.type === 'parallel') {
    lines.push(`  [*] --> ${mermaidId(root)}`);
    lines.push(`  state "${machine.id}" as ${mermaidId(root)} {`);
    block(root, '    ');
    lines.push('  }');
    arrows(root, '  ');
  } else {
    block(root, '  ');
    arrows(root, '  ');
  }
  return lines.join('\n') + '\n';
}

/** every state node of the machine with its mermaid id (for pictures and tests) */
export function stateNodeIds(m: AnyStateMachine | ModelSpec): { key: string; id: string; path: string[] }[] {
  return allStateNodes(specOf(m).machine).map((n) => ({ key: n.key, id: mermaidId(n), path: n.path }));
}
