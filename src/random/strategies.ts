/**
 * Randomized schedulers for the engine, as `Chooser`s (src/sim/run.ts): each picks
 * one of the actions enabled in the current state. All are seeded and deterministic:
 * the same seed and the same sequence of enabled sets give the same choices.
 *
 * - uniform: every enabled action equally likely. Rarely finds deep interleavings.
 * - pct: Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi,
 *   Nagarakatte, ASPLOS 2010). Every "thread" gets a random priority the first time
 *   it is enabled; the highest-priority enabled thread always runs; at d-1 random
 *   change points among the first k steps the running thread's priority drops
 *   below every initial priority. A bug of depth d is found with probability at
 *   least 1/(n k^(d-1)) per run.
 * - pb: preemption-bounded random walk: keep running the last thread while it is
 *   enabled; preempt it (switch to another enabled thread) with probability p, at
 *   most c times per run. Switching away from a blocked or finished thread is free.
 * - first: always the first enabled action (the lowest thread index); deterministic
 *   fallback for schedules given as explicit choice lists.
 *
 * What a "thread" is: an engine action is either "run thread i" (a process, a
 * worker, or an interrupt handler already running on a CPU's irq slot) or "deliver
 * interrupt source s on CPU c". Each thread is its own PCT thread; each interrupt
 * source is one more (whichever CPU it is delivered on, the CPU picked at random).
 */
import { rng, type Chooser } from '../sim/run.ts';

export const STRATEGIES = ['uniform', 'pct', 'pb', 'first'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export function isStrategy(s: string): s is StrategyName {
  return (STRATEGIES as readonly string[]).includes(s);
}

/** maps an action to the "thread" it belongs to (see the module comment) */
export type ThreadOf = (a: number) => number;

/** the engine's thread map: action a < nThreads runs thread a; larger ones deliver source (a - n) / cpus */
export function engineThreadOf(nThreads: number, cpus: number): ThreadOf {
  return (a) => (a < nThreads ? a : nThreads + Math.floor((a - nThreads) / cpus));
}

export interface StrategyOptions {
  /** action -> thread (default: every action is its own thread) */
  threadOf?: ThreadOf;
  /** PCT: the bug depth d (d-1 priority change points); default 3 */
  depth?: number;
  /** PCT: the estimated run length k over which change points are drawn; default 100 */
  steps?: number;
  /** pb: probability of a preemption at a step where the last thread is still enabled; default 0.1 */
  switchProb?: number;
  /** pb: at most this many preemptions per run; default 2 */
  maxPreemptions?: number;
}

const identity: ThreadOf = (a) => a;

/** groups the enabled actions by thread: thread -> indices into `enabled`, in order of first appearance */
function byThread(enabled: readonly number[], threadOf: ThreadOf): Map<number, number[]> {
  const g = new Map<number, number[]>();
  for (let i = 0; i < enabled.length; i++) {
    const t = threadOf(enabled[i]);
    const l = g.get(t);
    if (l) l.push(i);
    else g.set(t, [i]);
  }
  return g;
}

export function uniformStrategy(seed: number): Chooser {
  const r = rng(seed);
  return (en) => Math.floor(r() * en.length);
}

export function firstStrategy(): Chooser {
  return () => 0;
}

/** PCT with depth d over an estimated k steps (see the module comment) */
export function pctStrategy(seed: number, opts: StrategyOptions = {}): Chooser {
  const r = rng(seed);
  const threadOf = opts.threadOf ?? identity;
  const d = Math.max(1, opts.depth ?? 3);
  const k = Math.max(1, opts.steps ?? 100);
  // d-1 change points in [0, k): step -> new (low) priority i, 1 <= i <= d-1
  const change = new Map<number, number>();
  for (let i = 1; i < d; i++) {
    let step = Math.floor(r() * k);
    for (let tries = 0; change.has(step) && tries < 8; tries++) step = Math.floor(r() * k);
    if (!change.has(step)) change.set(step, i);
  }
  // initial priorities: d + a random real in [0, 1e6): a random order, all above the change priorities
  const prio = new Map<number, number>();
  const prioOf = (t: number) => {
    let p = prio.get(t);
    if (p === undefined) {
      p = d + r() * 1e6;
      prio.set(t, p);
    }
    return p;
  };
  const highest = (g: Map<number, number[]>) => {
    let best = -1;
    let bp = -Infinity;
    for (const t of g.keys()) {
      const p = prioOf(t);
      if (p > bp) {
        bp = p;
        best = t;
      }
    }
    return best;
  };
  return (en, step) => {
    const g = byThread(en, threadOf);
    let t = highest(g);
    const c = change.get(step);
    if (c !== undefined) {
      prio.set(t, c);
      t = highest(g);
    }
    const idx = g.get(t)!;
    return idx.length === 1 ? idx[0] : idx[Math.floor(r() * idx.length)];
  };
}

/** preemption-bounded random walk (see the module comment) */
export function pbStrategy(seed: number, opts: StrategyOptions = {}): Chooser {
  const r = rng(seed);
  const threadOf = opts.threadOf ?? identity;
  const p = opts.switchProb ?? 0.1;
  const c = opts.maxPreemptions ?? 2;
  let last = -1;
  let preemptions = 0;
  return (en) => {
    const g = byThread(en, threadOf);
    let t: number;
    if (g.has(last)) {
      if (g.size > 1 && preemptions < c && r() < p) {
        const others = [...g.keys()].filter((x) => x !== last);
        t = others[Math.floor(r() * others.length)];
        preemptions++;
      } else t = last;
    } else {
      const ts = [...g.keys()];
      t = ts[Math.floor(r() * ts.length)];
    }
    last = t;
    const idx = g.get(t)!;
    return idx.length === 1 ? idx[0] : idx[Math.floor(r() * idx.length)];
  };
}

/** a fresh chooser of the named strategy (choosers keep per-run state: one per run) */
export function makeStrategy(name: StrategyName, seed: number, opts: StrategyOptions = {}): Chooser {
  switch (name) {
    case 'uniform':
      return uniformStrategy(seed);
    case 'pct':
      return pctStrategy(seed, opts);
    case 'pb':
      return pbStrategy(seed, opts);
    case 'first':
      return firstStrategy();
  }
}
