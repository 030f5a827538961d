/**
 * Replaying an event sequence against a spec machine, and reporting the first event the
 * spec does not allow where it happens. Nothing is silently ignored: an event with no
 * enabled transition in the current state (no transition for it, or every guard false)
 * stops the replay. Events whose type is outside an `alphabet` (when one is given) are
 * projected away first: that is how a whole engine trace is checked against a machine that
 * follows only part of it.
 */
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventFromLogic } from 'xstate';
import { stateKey } from './keys.ts';

/** anything with a type: the machines' own events, or the engine's ModelEvent objects */
export interface TraceEvent {
  type: string;
}

export type ConformanceResult =
  | {
      ok: true;
      /** the key of the state reached */
      state: string;
      /** how many events were replayed (after projection) */
      steps: number;
    }
  | {
      ok: false;
      /** index of the refused event in the caller's array (not in the projection) */
      index: number;
      /** key of the state in which it was refused */
      state: string;
      /** the refused event's label (its type unless `eventKey` says otherwise) */
      event: string;
      /** labels of the candidate events that were enabled there instead */
      enabled: string[];
    };

export interface ConformsOptions {
  /** only events whose type is listed are replayed; the others are skipped (default: all are replayed) */
  alphabet?: readonly string[];
  /** how an event is named in reports and graph keys (default: its type) */
  eventKey?: (e: TraceEvent) => string;
  /**
   * events to try for the `enabled` list of a failure report (default: one `{ type }` per
   * event type the machine mentions)
   */
  candidates?: readonly TraceEvent[];
}

/** one replayed step: state key before, event label, state key after */
export interface ReplayStep {
  index: number;
  from: string;
  event: string;
  to: string;
}

export interface ReplayResult {
  result: ConformanceResult;
  /** the accepted steps, in order (up to the refused event, if any) */
  steps: ReplayStep[];
  /** the last accepted snapshot */
  snapshot: AnyMachineSnapshot;
}

const defaultKey = (e: TraceEvent): string => e.type;

/** one `{ type }` per event type the machine has a transition for */
export function defaultCandidates(machine: AnyStateMachine): TraceEvent[] {
  const types = new Set<string>();
  for (const t of machine.events) if (typeof t === 'string' && !t.includes('*') && !t.startsWith('xstate.')) types.add(t);
  return [...types].map((type) => ({ type }));
}

/** the candidate events enabled in `snapshot` (labels) */
export function enabledIn(snapshot: AnyMachineSnapshot, candidates: readonly TraceEvent[], eventKey: (e: TraceEvent) => string = defaultKey): string[] {
  return candidates.filter((e) => snapshot.can(e as EventFromLogic<AnyStateMachine>)).map(eventKey);
}

/** replays `events` from the machine's initial state; stops at the first refused event */
export function replay(machine: AnyStateMachine, events: readonly TraceEvent[], opts: ConformsOptions = {}): ReplayResult {
  const eventKey = opts.eventKey ?? defaultKey;
  const alphabet = opts.alphabet ? new Set(opts.alphabet) : null;
  let [snapshot]: [AnyMachineSnapshot, unknown] = initialTransition(machine);
  const steps: ReplayStep[] = [];
  for (let index = 0; index < events.length; index++) {
    const e = events[index]!;
    if (alphabet && !alphabet.has(e.type)) continue;
    const from = stateKey(snapshot);
    const ev = e as EventFromLogic<AnyStateMachine>;
    if (!snapshot.can(ev)) {
      const candidates = opts.candidates ?? defaultCandidates(machine);
      return {
        result: { ok: false, index, state: from, event: eventKey(e), enabled: enabledIn(snapshot, candidates, eventKey) },
        steps,
        snapshot,
      };
    }
    [snapshot] = transition(machine, snapshot, ev);
    steps.push({ index, from, event: eventKey(e), to: stateKey(snapshot) });
  }
  return { result: { ok: true, state: stateKey(snapshot), steps: steps.length }, steps, snapshot };
}

/**
 * Does the event sequence conform to the spec machine? `{ ok: true }` or the first event
 * that has no enabled transition: its index, the state key where it was refused, the event.
 */
export function conforms(machine: AnyStateMachine, events: readonly TraceEvent[], opts: ConformsOptions = {}): ConformanceResult {
  return replay(machine, events, opts).result;
}
