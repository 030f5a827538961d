/**
 * Runs inside a (mutated) copy of the tree, spawned by src/mutate/run.ts: explores the
 * claims of proofs/claims.json, smallest bound first, each with its bound capped at
 * `--max-states`, and stops at the first verdict that differs from its claim in a way
 * only a change of behaviour explains. Prints one JSON object on stdout.
 *
 * A difference kills: an expected `holds` or `bounded` that is now violated, or an
 * expected `violated` that now holds in a complete exploration. A verdict that became
 * bounded (the cap, or a mutant that makes the space larger) kills nothing.
 */
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClaims } from '../check/claims.ts';
import { runCheck } from '../check/run.ts';

export interface ProbeKill {
  claim: string;
  invariant: string;
  expected: string;
  got: string;
  reason?: string;
}
export type ProbeResult =
  | { t: 'killed'; kill: ProbeKill; claimsRun: number; states: number }
  | { t: 'survived'; claimsRun: number; states: number; boundedClaims: number }
  | { t: 'error'; message: string; claimsRun: number };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function main(): ProbeResult {
  const at = process.argv.indexOf('--max-states');
  const cap = at > 0 ? Number(process.argv[at + 1]) : Infinity;
  const claims = parseClaims(readFileSync(join(ROOT, 'proofs', 'claims.json'), 'utf8'), 'proofs/claims.json');
  const order = claims.map((c, i) => ({ c, i })).sort((a, b) => a.c.bounds.maxStates - b.c.bounds.maxStates || a.i - b.i);
  let claimsRun = 0;
  let states = 0;
  let boundedClaims = 0;
  for (const { c } of order) {
    let run;
    try {
      run = runCheck(c.v, c.w, { maxStates: Math.min(cap, c.bounds.maxStates), maxSeconds: c.bounds.maxSeconds });
    } catch (e) {
      return { t: 'error', message: `${c.id}: ${(e as Error).message}`, claimsRun };
    }
    claimsRun++;
    states += run.result.states;
    if (!run.result.complete) boundedClaims++;
    for (const r of run.invariants) {
      const e = c.expect[r.invariant];
      if (!e) continue;
      const killed = (r.verdict === 'violated' && e !== 'violated') || (r.verdict === 'holds' && e === 'violated');
      if (killed) return { t: 'killed', kill: { claim: c.id, invariant: r.invariant, expected: e, got: r.verdict, ...(r.reason ? { reason: r.reason } : {}) }, claimsRun, states };
    }
  }
  return { t: 'survived', claimsRun, states, boundedClaims };
}

process.stdout.write(JSON.stringify(main()) + '\n');
