/**
 * Randomized runs of the real engine with the invariants checked on the way: every
 * state against the 'always' properties, the final state against the
 * 'at-quiescence' ones when no action is enabled there. A run stops at its first
 * violation and returns it with the actions that led to it, so the run replays with
 * `replayActions` and turns into a trace with `buildTrace`.
 *
 * A schedule can also be data: a list of actions to take in turn (one that is not
 * enabled when its turn comes is skipped), then a fallback strategy once the list
 * runs out. fast-check generates and shrinks such schedules (`scheduleArb`,
 * `fcSearch`). A run is its own schedule (`explicitSchedule`); dropping a choice
 * while shrinking leaves the later ones naming the same threads and interrupt
 * deliveries, so shrinking removes steps instead of scrambling the rest of the run.
 */
import fc from 'fast-check';
import type { Model, Property, PropertyKind, State } from '../explore/model.ts';
import { EngineModel } from '../engine/model.ts';
import type { Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import { invariants } from '../check/invariants.ts';
import type { Chooser } from '../sim/run.ts';
import { engineThreadOf, makeStrategy, type StrategyName, type StrategyOptions, type ThreadOf } from './strategies.ts';

export interface Violation {
  invariant: string;
  kind: PropertyKind;
  reason: string;
  /** the number of actions taken when the violating state was reached (0: the initial state) */
  step: number;
}

export type RunOutcome = 'violation' | 'terminated' | 'step-limit';

export interface CheckedRun {
  /** the actions taken, up to the violating state when there is one */
  actions: number[];
  violation: Violation | null;
  outcome: RunOutcome;
}

export const DEFAULT_MAX_STEPS = 2000;

/** the first violated property of `props` in `s`, 'always' ones, and 'at-quiescence' ones when terminal */
function firstViolation(props: readonly Property[], s: State, terminal: boolean, step: number): Violation | null {
  for (const p of props) {
    if (p.kind === 'at-quiescence' && !terminal) continue;
    const reason = p.check(s);
    if (reason !== null) return { invariant: p.name, kind: p.kind, reason, step };
  }
  return null;
}

/**
 * Runs one schedule on `model` from its first initial state, checking `props`
 * (default: all the model's properties) on every state. Stops at the first
 * violation, when no action is enabled, or after maxSteps actions.
 */
export function runChecked(model: Model, choose: Chooser, opts: { maxSteps?: number; props?: readonly Property[] } = {}): CheckedRun {
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  const props = opts.props ?? model.properties;
  let s = model.init()[0];
  const actions: number[] = [];
  const en: number[] = [];
  for (let step = 0; ; step++) {
    en.length = 0;
    model.actions(s, en);
    const terminal = en.length === 0;
    const v = firstViolation(props, s, terminal, step);
    if (v) return { actions, violation: v, outcome: 'violation' };
    if (terminal) return { actions, violation: null, outcome: 'terminated' };
    if (step >= maxSteps) return { actions, violation: null, outcome: 'step-limit' };
    const i = choose(en, step);
    if (!(i >= 0 && i < en.length)) throw new Error(`chooser returned index ${i} of ${en.length} enabled actions`);
    const a = en[i];
    const t = model.next(s, a);
    if (!t) throw new Error(`action ${a} enabled but not applicable`);
    actions.push(a);
    s = t;
  }
}

/** the model's properties restricted to the named invariants (all when `names` is empty or absent) */
export function selectProps(model: Model, names?: readonly string[]): Property[] {
  if (!names || names.length === 0) return model.properties;
  const set = new Set(names);
  return model.properties.filter((p) => set.has(p.name));
}

/** an engine model with every invariant, and its thread map for the strategies */
export function engineModel(v: Variant, w: Workload): { model: EngineModel; threadOf: ThreadOf } {
  const model = new EngineModel(v, w, invariants);
  return { model, threadOf: engineThreadOf(model.k.nThreads, w.cpus) };
}

/**
 * PCT's estimate k of the run length: the longest of a few uniform runs and a few
 * priority runs without change points (each thread runs until it blocks: the
 * longest schedules), so that change points can fall anywhere in a run.
 */
export function estimateRunLength(model: Model, runs = 8, maxSteps = DEFAULT_MAX_STEPS, threadOf?: ThreadOf): number {
  let k = 1;
  for (let i = 0; i < runs; i++) {
    for (const c of [makeStrategy('uniform', 0x5eed + i), makeStrategy('pct', 0x5eed + i, { depth: 1, threadOf })]) {
      const r = runChecked(model, c, { maxSteps, props: [] });
      k = Math.max(k, r.actions.length);
    }
  }
  return k;
}

// ------------------------------------------------------------------ seeded search

export interface SearchOptions {
  strategy: StrategyName;
  /** strategy options; threadOf and (for pct) steps are filled in for engine models */
  strategyOpts?: StrategyOptions;
  /** the seed of run i is seed + i */
  seed?: number;
  runs: number;
  maxSteps?: number;
  /** only these invariants (default: all) */
  invariants?: readonly string[];
}

export interface SearchResult {
  /** runs done (the 1-based index of the failing run when one failed) */
  runs: number;
  /** the seed of the failing run: `makeStrategy(strategy, failingSeed, opts)` replays it */
  failingSeed: number | null;
  run: CheckedRun | null;
  outcomes: Record<RunOutcome, number>;
}

/** runs up to `runs` schedules of one strategy (seeds seed, seed+1, ...) until one violates an invariant */
export function randomSearch(model: Model, opts: SearchOptions): SearchResult {
  const seed = opts.seed ?? 1;
  const props = selectProps(model, opts.invariants);
  const outcomes: Record<RunOutcome, number> = { violation: 0, terminated: 0, 'step-limit': 0 };
  for (let i = 0; i < opts.runs; i++) {
    const s = (seed + i) >>> 0;
    const r = runChecked(model, makeStrategy(opts.strategy, s, opts.strategyOpts), { maxSteps: opts.maxSteps, props });
    outcomes[r.outcome]++;
    if (r.violation) return { runs: i + 1, failingSeed: s, run: r, outcomes };
  }
  return { runs: opts.runs, failingSeed: null, run: null, outcomes };
}

// ------------------------------------------------------------------ schedules as data

/** actions to take in turn (skipped when not enabled), then a seeded fallback strategy */
export interface Schedule {
  choices: number[];
  fallback: StrategyName;
  seed: number;
}

/**
 * The chooser that follows schedule `s`: at each step it takes the next choice
 * that names an enabled action, skipping those that do not; once the list is used
 * up, the fallback strategy chooses.
 */
export function scheduleChooser(s: Schedule, opts: StrategyOptions = {}): Chooser {
  const fb = makeStrategy(s.fallback, s.seed, opts);
  let next = 0;
  return (en, step) => {
    while (next < s.choices.length) {
      const i = en.indexOf(s.choices[next++]);
      if (i >= 0) return i;
    }
    return fb(en, step);
  };
}

/** the schedule that takes exactly `actions` (checked to be enabled in turn), then the first enabled action */
export function explicitSchedule(model: Model, actions: readonly number[]): Schedule {
  let s = model.init()[0];
  const en: number[] = [];
  for (let i = 0; i < actions.length; i++) {
    en.length = 0;
    model.actions(s, en);
    if (!en.includes(actions[i])) throw new Error(`action ${actions[i]} is not enabled at step ${i}`);
    s = model.next(s, actions[i])!;
  }
  return { choices: [...actions], fallback: 'first', seed: 0 };
}

/**
 * Schedules for fast-check: a list of choices (shrinks towards fewer and smaller
 * choices), a fallback strategy (shrinks towards the first in `fallbacks`) and its seed.
 */
export function scheduleArb(opts: { maxChoices?: number; maxChoice?: number; fallbacks?: readonly StrategyName[] } = {}): fc.Arbitrary<Schedule> {
  const fallbacks = opts.fallbacks ?? ['pct', 'pb', 'uniform'];
  return fc.record({
    choices: fc.array(fc.nat({ max: opts.maxChoice ?? 63 }), { maxLength: opts.maxChoices ?? 200 }),
    fallback: fc.constantFrom(...fallbacks),
    seed: fc.nat(),
  });
}

export interface FcFailure {
  /** fast-check's seed and counterexample path: `fc.assert(prop, { seed, path })` replays the shrunk failure */
  seed: number;
  path: string;
  /** the 1-based index of the first failing run, and how many shrinks fast-check made */
  numRuns: number;
  numShrinks: number;
  /** the shrunk schedule */
  schedule: Schedule;
  /** the concrete actions of the shrunk schedule up to the violation */
  actions: number[];
  violation: Violation;
}

export interface FcSearchOptions {
  numRuns: number;
  /** fast-check's seed (default: fast-check picks one; it is reported either way) */
  seed?: number;
  /** replay only this fast-check path (with the same seed) */
  path?: string;
  maxSteps?: number;
  /** only these invariants (default: all) */
  invariants?: readonly string[];
  fallbacks?: readonly StrategyName[];
  maxChoices?: number;
  /** the largest choice value generated (default 63) */
  maxChoice?: number;
  strategyOpts?: StrategyOptions;
  /** schedules tried first (and shrunk when they fail) */
  examples?: Schedule[];
  /** report the first failure as found, without shrinking it */
  noShrink?: boolean;
  /** count a violation as a failure only when reached within this many steps (keeps shrinks from growing longer) */
  maxViolationStep?: number;
}

/** the property "this schedule violates none of the invariants" on model, checked and shrunk by fast-check */
export function fcSearch(model: Model, opts: FcSearchOptions): { failure: FcFailure | null; runs: number; seed: number } {
  const props = selectProps(model, opts.invariants);
  const run = (s: Schedule) => runChecked(model, scheduleChooser(s, opts.strategyOpts), { maxSteps: opts.maxSteps, props });
  const arb = scheduleArb({ maxChoices: opts.maxChoices, maxChoice: opts.maxChoice, fallbacks: opts.fallbacks });
  const bound = opts.maxViolationStep ?? Infinity;
  const fails = (r: CheckedRun) => r.violation !== null && r.violation.step <= bound;
  const prop = fc.property(arb, (s) => !fails(run(s)));
  const det = fc.check(prop, {
    numRuns: opts.numRuns,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.path !== undefined ? { path: opts.path } : {}),
    ...(opts.examples ? { examples: opts.examples.map((e) => [e] as [Schedule]) } : {}),
    ...(opts.noShrink ? { endOnFailure: true } : {}),
  });
  if (!det.failed || !det.counterexample) return { failure: null, runs: det.numRuns, seed: det.seed };
  const schedule = det.counterexample[0];
  // rerunning the counterexample rethrows if the property failed by throwing (an engine bug, not a kernel one)
  const r = run(schedule);
  if (!fails(r) || !r.violation) throw new Error('fast-check counterexample does not reproduce (the run is not deterministic)');
  return {
    failure: { seed: det.seed, path: det.counterexamplePath ?? '', numRuns: det.numRuns, numShrinks: det.numShrinks, schedule, actions: r.actions, violation: r.violation },
    runs: det.numRuns,
    seed: det.seed,
  };
}

/**
 * Shrinks a known failing action list with fast-check: it becomes an explicit
 * schedule (fallback: first enabled action), given to fast-check as its only
 * example, which shrinks it; a shrink counts as failing only if it reaches a
 * violation within as many steps as the original, so it never gets longer.
 * The result's seed and path replay it with the same action list:
 * `fcShrink(model, actions, { seed, path })`.
 */
export function fcShrink(model: Model, actions: readonly number[], opts: Omit<FcSearchOptions, 'numRuns' | 'examples' | 'maxViolationStep'> = {}): FcFailure | null {
  const ex = explicitSchedule(model, actions);
  const maxChoices = Math.max(opts.maxChoices ?? 200, ex.choices.length);
  const maxChoice = Math.max(opts.maxChoice ?? 63, ...ex.choices);
  return fcSearch(model, { ...opts, numRuns: 1, examples: [ex], fallbacks: ['first'], maxChoices, maxChoice, maxViolationStep: actions.length }).failure;
}

/** replays actions on model and returns the first violation of `props` on the way (null: none) */
export function checkActions(model: Model, actions: readonly number[], props: readonly Property[] = model.properties): { violation: Violation | null; divergedAt: number } {
  let s = model.init()[0];
  const en: number[] = [];
  for (let i = 0; ; i++) {
    en.length = 0;
    model.actions(s, en);
    const v = firstViolation(props, s, en.length === 0, i);
    if (v) return { violation: v, divergedAt: -1 };
    if (i === actions.length) return { violation: null, divergedAt: -1 };
    if (!en.includes(actions[i])) return { violation: null, divergedAt: i };
    s = model.next(s, actions[i])!;
  }
}

/** median of a list of numbers (Infinity counts as larger than all) */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
