/**
 * The bench's reductions table: every default claim explored with each reduction on and
 * off (`--no-reduce=dead`, `--no-reduce=movers`), in one run: states, transitions, time,
 * CPU time, and whether every verdict is the same.
 */
import { loadClaims } from '../check/claims.ts';
import { DEFAULT_CLAIMS_PATH } from '../check/paths.ts';
import { runCheck, type CheckRun } from '../check/run.ts';
import type { Reduction } from '../engine/reductions.ts';
import { cpuSecondsSince } from './measure.ts';

export interface ReductionRow {
  claim: string;
  with: { states: number; transitions: number; seconds: number; complete: boolean };
  without: { states: number; transitions: number; seconds: number; complete: boolean };
  /** no invariant holds with one and is violated with the other (a bounded run contradicts neither) */
  sameVerdicts: boolean;
}

export interface ReductionTable {
  reduction: Reduction;
  rows: ReductionRow[];
  cpuSeconds: { with: number; without: number };
}

const sum = (r: CheckRun) => ({ states: r.result.states, transitions: r.result.transitions, seconds: r.result.seconds, complete: r.result.complete });

export function reductionTable(reduction: Reduction, filter: (id: string) => boolean = () => true): ReductionTable {
  const rows: ReductionRow[] = [];
  let cpuWith = 0;
  let cpuWithout = 0;
  for (const c of loadClaims(DEFAULT_CLAIMS_PATH).filter((x) => filter(x.id))) {
    const bounds = { maxStates: c.bounds.maxStates, maxSeconds: c.bounds.maxSeconds };
    let t = process.cpuUsage();
    const a = runCheck(c.v, c.w, bounds);
    cpuWith += cpuSecondsSince(t);
    t = process.cpuUsage();
    const b = runCheck(c.v, c.w, { ...bounds, noReduce: [reduction] });
    cpuWithout += cpuSecondsSince(t);
    const contradicts = a.invariants.some((i, j) => {
      const o = b.invariants[j].verdict;
      return (i.verdict === 'holds' && o === 'violated') || (i.verdict === 'violated' && o === 'holds');
    });
    rows.push({ claim: c.id, with: sum(a), without: sum(b), sameVerdicts: !contradicts });
  }
  return { reduction, rows, cpuSeconds: { with: cpuWith, without: cpuWithout } };
}
