/**
 * Running the engine under a seeded random scheduler: one schedule per seed, the
 * same seed always giving the same run (Loom/Shuttle style). The run is recorded as
 * its list of actions, so it can be replayed, saved and turned into a trace.
 */
import type { Model, State } from '../explore/model.ts';

/** mulberry32: a small, fast, seedable PRNG */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Outcome = 'terminated' | 'step-limit';

export interface RunResult {
  actions: number[];
  states: State[];
  labels: string[][];
  outcome: Outcome;
  final: State;
}

/** picks among enabled actions; `choose(enabled, step)` returns an index into `enabled` */
export type Chooser = (enabled: readonly number[], step: number) => number;

export function uniformChooser(seed: number): Chooser {
  const r = rng(seed);
  return (en) => Math.floor(r() * en.length);
}

/** runs the model from its first initial state until no action is enabled or maxSteps */
export function runSchedule(model: Model, choose: Chooser, maxSteps = 10000, keepStates = false): RunResult {
  let s = model.init()[0];
  const actions: number[] = [];
  const states: State[] = keepStates ? [s] : [];
  const labels: string[][] = [];
  const en: number[] = [];
  for (let step = 0; step < maxSteps; step++) {
    en.length = 0;
    model.actions(s, en);
    if (en.length === 0) return { actions, states, labels, outcome: 'terminated', final: s };
    const a = en[choose(en, step)];
    const t = model.next(s, a);
    if (!t) throw new Error(`action ${a} enabled but not applicable`);
    actions.push(a);
    labels.push([...(model.lastLabels?.() ?? [])]);
    s = t;
    if (keepStates) states.push(s);
  }
  return { actions, states, labels, outcome: 'step-limit', final: s };
}

/** replays a list of actions; returns the index of the first action not enabled, or -1 */
export function replayActions(model: Model, actions: readonly number[]): { states: State[]; labels: string[][]; divergedAt: number } {
  let s = model.init()[0];
  const states: State[] = [s];
  const labels: string[][] = [];
  const en: number[] = [];
  for (let i = 0; i < actions.length; i++) {
    en.length = 0;
    model.actions(s, en);
    if (!en.includes(actions[i])) return { states, labels, divergedAt: i };
    s = model.next(s, actions[i])!;
    states.push(s);
    labels.push([...(model.lastLabels?.() ?? [])]);
  }
  return { states, labels, divergedAt: -1 };
}
