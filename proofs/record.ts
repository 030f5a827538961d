/**
 * Records proofs/claims.json from what the exploration truly finds: one claim per
 * variant x workload, the verdict of every invariant, and for every violation the
 * sentence (from its trace) that says why. Run it after a change of the engine:
 *   npx tsx proofs/record.ts
 * A violation with no sentence below stops the recording: read its trace
 * (npm run trace -- --variant V --workload W --invariant I) and write one.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { runCheck } from '../src/check/run.ts';
import type { Claim } from '../src/check/claims.ts';
import { DEFAULT_CLAIMS_PATH } from '../src/check/paths.ts';
import { WHY } from './why.ts';

const BOUNDS = { maxStates: 250_000, maxSeconds: 90 };
const claims: Claim[] = [];
const missing: string[] = [];
const t0 = Date.now();
for (const v of Object.values(VARIANTS)) {
  for (const w of Object.values(WORKLOADS)) {
    const run = runCheck(v, w, BOUNDS);
    const claim: Claim = { id: `${v.name}.${w.name}`.toLowerCase(), variant: v.name, workload: w.name, bounds: BOUNDS, expect: {}, why: {} };
    for (const i of run.invariants) {
      claim.expect[i.invariant] = i.verdict;
      if (i.verdict !== 'violated') continue;
      const why = WHY(v, w, i.invariant, i.reason ?? '');
      if (why) claim.why![i.invariant] = why;
      else missing.push(`${v.name} ${w.name} ${i.invariant}: ${i.reason}`);
    }
    if (!Object.keys(claim.why!).length) delete claim.why;
    claims.push(claim);
    process.stderr.write(`${claim.id}: ${run.result.states} states ${run.result.complete ? 'complete' : 'bounded'} ${run.result.seconds.toFixed(1)}s\n`);
  }
}
if (missing.length) {
  process.stderr.write(`no sentence for:\n  ${missing.join('\n  ')}\n`);
  process.exit(1);
}
const tmp = `${DEFAULT_CLAIMS_PATH}.tmp`;
writeFileSync(tmp, JSON.stringify({ claims }, null, 1) + '\n');
renameSync(tmp, DEFAULT_CLAIMS_PATH);
process.stderr.write(`${claims.length} claims recorded in ${((Date.now() - t0) / 1000).toFixed(0)}s\n`);
