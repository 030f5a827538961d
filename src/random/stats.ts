/**
 * "Runs to find": for a violation the exhaustive search finds, how many random runs
 * each strategy needs before one violates the same invariant (median over seeds),
 * next to the number of distinct states breadth-first search explores before it
 * reaches that violation (findCounterexample stops at the first one).
 *
 * Both sides check only the one invariant, so they are looking for the same thing.
 */
import type { ResolvedClaim } from '../check/claims.ts';
import type { InvariantName } from '../check/invariants.ts';
import type { Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import { findCounterexample } from '../trace/find.ts';
import { engineModel, estimateRunLength, median, randomSearch } from './run.ts';
import type { StrategyName, StrategyOptions } from './strategies.ts';

export interface Target {
  v: Variant;
  w: Workload;
  invariant: InvariantName;
}

/** the (variant, workload, invariant) a claim file says are violated ('bounded' ones excluded) */
export function violatedTargets(claims: readonly ResolvedClaim[]): Target[] {
  const out: Target[] = [];
  for (const c of claims)
    for (const [inv, verdict] of Object.entries(c.expect))
      if (verdict === 'violated') out.push({ v: c.v, w: c.w, invariant: inv as InvariantName });
  return out;
}

export interface StrategyStat {
  strategy: StrategyName;
  /** runs to find per seed (Infinity: not within the budget) */
  perSeed: number[];
  /** median over the seeds (Infinity when more than half did not find it) */
  median: number;
  /** median length (actions) of the violating runs that were found */
  medianSteps: number;
  seconds: number;
}

export interface TargetStat {
  target: Target;
  /** BFS: distinct states explored up to the violation, its depth (shortest counterexample) */
  bfsStates: number;
  bfsDepth: number;
  bfsSeconds: number;
  /** PCT's run length estimate k */
  k: number;
  strategies: StrategyStat[];
}

export interface StatsOptions {
  strategies: readonly StrategyName[];
  /** seeds per strategy (the median is over these) */
  seeds: number;
  /** at most this many runs per seed */
  budget: number;
  /** the first seed; seed i of a target is base + 1000003 * i */
  baseSeed?: number;
  strategyOpts?: StrategyOptions;
  maxSteps?: number;
}

/** BFS to the first violation of the target's invariant (null: not reached within the bounds) */
export function bfsToViolation(t: Target, bounds: { maxStates: number; maxSeconds: number }): { states: number; depth: number; seconds: number } | null {
  const t0 = performance.now();
  const f = findCounterexample(t.v, t.w, t.invariant, bounds);
  if (!f.path) return null;
  return { states: f.states, depth: f.path.length, seconds: (performance.now() - t0) / 1000 };
}

/** the random side of one target's row (the BFS side given) */
export function runsToFind(t: Target, bfs: { states: number; depth: number; seconds: number }, opts: StatsOptions): TargetStat {
  const { model, threadOf } = engineModel(t.v, t.w);
  const k = estimateRunLength(model, 8, opts.maxSteps, threadOf);
  const base = opts.baseSeed ?? 1;
  const strategies: StrategyStat[] = [];
  const majority = Math.floor(opts.seeds / 2) + 1;
  for (const strategy of opts.strategies) {
    const t0 = performance.now();
    const perSeed: number[] = [];
    const steps: number[] = [];
    let misses = 0;
    for (let i = 0; i < opts.seeds; i++) {
      // once most seeds missed, the median is "not within the budget" whatever the rest do
      if (misses >= majority) {
        perSeed.push(Infinity);
        continue;
      }
      const r = randomSearch(model, {
        strategy,
        strategyOpts: { threadOf, steps: k, ...opts.strategyOpts },
        seed: (base + 1000003 * i) >>> 0,
        runs: opts.budget,
        maxSteps: opts.maxSteps,
        invariants: [t.invariant],
      });
      if (r.run) {
        perSeed.push(r.runs);
        steps.push(r.run.actions.length);
      } else {
        perSeed.push(Infinity);
        misses++;
      }
    }
    strategies.push({ strategy, perSeed, median: median(perSeed), medianSteps: steps.length ? median(steps) : NaN, seconds: (performance.now() - t0) / 1000 });
  }
  return { target: t, bfsStates: bfs.states, bfsDepth: bfs.depth, bfsSeconds: bfs.seconds, k, strategies };
}

function fmtRuns(s: StrategyStat, budget: number): string {
  if (!Number.isFinite(s.median)) return `>${budget}`;
  return Number.isInteger(s.median) ? String(s.median) : s.median.toFixed(1);
}

/** the table as markdown */
export function formatStats(rows: readonly TargetStat[], opts: Pick<StatsOptions, 'strategies' | 'seeds' | 'budget'>): string {
  const head = ['variant', 'workload', 'invariant', 'BFS states', 'BFS depth', ...opts.strategies.map((s) => `${s} runs`), ...opts.strategies.map((s) => `${s} steps`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const cells = [
      r.target.v.name,
      r.target.w.name,
      r.target.invariant,
      String(r.bfsStates),
      String(r.bfsDepth),
      ...r.strategies.map((s) => fmtRuns(s, opts.budget)),
      ...r.strategies.map((s) => (Number.isNaN(s.medianSteps) ? '-' : String(Math.round(s.medianSteps)))),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    `runs: median over ${opts.seeds} seeds of the number of random runs until the first one violating the invariant (">${opts.budget}": more than half the seeds did not find it within ${opts.budget} runs); ` +
      'steps: median length of the violating run found; BFS states: distinct states breadth-first search explored up to the violation; BFS depth: the shortest counterexample.',
  );
  return lines.join('\n') + '\n';
}
