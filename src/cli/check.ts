/**
 * npm run check [-- --variant V] [--invariant I] [--claim C] [--claims FILE] [--json] [--no-reduce] [--workers N]
 * Runs every claim of proofs/claims.json (one exploration per claim, all invariants at
 * once) and prints the verdict table. Exit 0 when every verdict matches its claim,
 * 1 when one differs, 2 on bad input.
 */
import type { ResolvedClaim } from '../check/claims.ts';
import { claimsArg } from './inputs.ts';
import { INVARIANTS, isInvariant } from '../check/invariants.ts';
import { checkPool, runCheckAsync, type CheckRun } from '../check/run.ts';
import { ttyProgress } from '../explore/bfs.ts';
import { intOpt, parseArgs, runCli, UsageError, noReduceOpt } from './args.ts';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTrace } from '../trace/trace.ts';
import { checkLockstep } from '../check/lockstep.ts';
import { formatJSON } from '../trace/format.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { ClaimPool, defaultClaimWorkers } from '../check/pool.ts';


function fmtTime(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)}ms` : `${s.toFixed(1)}s`;
}

runCli(async () => {
  const p = parseArgs(process.argv.slice(2), { values: ['variant', 'invariant', 'claim', 'claims', 'save', 'max-states', 'max-seconds', 'max-memory', 'workers', 'jobs'], flags: ['json', 'models', 'help'], optional: ['no-reduce'] });
  if (p.flags.has('help')) {
    process.stdout.write('usage: npm run check -- [--variant V] [--invariant I] [--claim C] [--claims FILE] [--json] [--no-reduce[=movers,dead]] [--save DIR] [--models]\n                         [--max-states N] [--max-seconds S] [--max-memory MB]   (override the bounds of every claim)\n                         [--jobs N]      (explore N claims at a time, one per worker thread; default: one per core)\n                         [--workers N]   (explore each claim over N worker threads: same verdicts, traces and counts)\n');
    return 0;
  }
  const claims: ResolvedClaim[] = claimsArg(p.values.get('claims')?.at(-1));
  const vf = p.values.get('variant') ?? [];
  for (const v of vf) if (!resolveVariant(v)) throw new UsageError(`unknown variant "${v}"`);
  const inf = p.values.get('invariant') ?? [];
  for (const i of inf) if (!isInvariant(i)) throw new UsageError(`unknown invariant "${i}" (one of: ${INVARIANTS.join(', ')})`);
  const cf = p.values.get('claim') ?? [];
  for (const c of cf) if (!claims.some((x) => x.id === c)) throw new UsageError(`unknown claim "${c}"`);
  // limits that override the claims' bounds (a verdict then reads against these limits)
  const maxStates = p.values.has('max-states') ? intOpt(p, 'max-states', 0, 1, 100_000_000) : undefined;
  const maxSeconds = p.values.has('max-seconds') ? intOpt(p, 'max-seconds', 0, 1, 86_400) : undefined;
  const maxBytes = p.values.has('max-memory') ? intOpt(p, 'max-memory', 0, 16, 1_000_000) * 1024 * 1024 : undefined;
  const workers = intOpt(p, 'workers', 1, 1, 64);
  // one pool of warm workers for every claim (a fresh worker costs ~0.15 s and runs cold code)
  const pool = workers > 1 ? checkPool(workers) : undefined;
  const selected = claims.filter((c) => (!vf.length || vf.includes(c.variant)) && (!cf.length || cf.includes(c.id)));
  // a variant with no claims of its own (any variant expression, e.g. mar14+runListNullCheck+kickQueueWork):
  // explored on every workload the claims name, with the largest of the claims' bounds, and no expectations
  const claimsFile = p.values.get('claims')?.at(-1);
  for (const v of vf) {
    if (claims.some((c) => c.variant === v) || cf.length) continue;
    const variant = resolveVariant(v)!;
    const wls = [...new Map(claims.map((c) => [c.workload, c.w])).values()];
    const maxStatesB = Math.max(...claims.map((c) => c.bounds.maxStates));
    const maxSecondsB = Math.max(...claims.map((c) => c.bounds.maxSeconds));
    for (const w of wls) selected.push({ id: `${v}.${w.name}`, variant: v, workload: w.name, bounds: { maxStates: maxStatesB, maxSeconds: maxSecondsB }, expect: {}, v: variant, w, unclaimed: true } as ResolvedClaim & { unclaimed: true });
  }
  const traceCmd = (c: ResolvedClaim, inv: string) =>
    (c as { unclaimed?: boolean }).unclaimed
      ? `npm run trace -- --variant ${c.variant} --workload ${c.workload} --invariant ${inv}`
      : `npm run trace -- --claim ${c.id} --invariant ${inv}${claimsFile ? ` --claims ${claimsFile}` : ''}`;
  const invs = INVARIANTS.filter((i) => !inf.length || inf.includes(i));
  const json = p.flags.has('json');
  const progress = !json && process.stderr.isTTY ? ttyProgress() : undefined;

  let mismatches = 0;
  /** violations for which no claim says anything: they make the exit code 1 too */
  let unclaimedViolations = 0;
  const runs: { claim: ResolvedClaim; run: CheckRun }[] = [];
  const lines: string[] = [];
  const header = ['claim', 'variant', 'workload', 'invariant', 'verdict', 'states', 'transitions', 'depth', 'time'];
  const rows: string[][] = [];
  const notes: string[] = [];
  const noReduce = noReduceOpt(p);
  // claims N at a time over worker threads (src/check/pool.ts), reported in their order;
  // --workers (one exploration over several threads) explores them one at a time instead
  const jobs = p.values.has('jobs') ? intOpt(p, 'jobs', 1, 1, 64) : workers > 1 ? 1 : defaultClaimWorkers();
  if (jobs > 1 && workers > 1) throw new UsageError('--jobs and --workers exclude each other (claims at a time, or threads per claim)');
  const claimPool = jobs > 1 && selected.length > 1 ? await ClaimPool.start(Math.min(jobs, selected.length)) : undefined;
  let finished = 0;
  const pending = claimPool
    ? selected.map((claim) => {
        const r = claimPool.run({ variant: claim.v, workload: claim.w, maxStates: maxStates ?? claim.bounds.maxStates, maxSeconds: maxSeconds ?? claim.bounds.maxSeconds, maxBytes, noReduce });
        r.then(
          () => {
            finished++;
            if (!json && process.stderr.isTTY) process.stderr.write(`\r\x1b[Kchecking: ${finished} of ${selected.length} claims done (${jobs} at a time)`);
          },
          () => undefined,
        );
        return r;
      })
    : [];
  for (const [ci, claim] of selected.entries()) {
    const run = claimPool
      ? await pending[ci]
      : await runCheckAsync(claim.v, claim.w, {
          workers,
          pool,
          maxStates: maxStates ?? claim.bounds.maxStates,
          maxSeconds: maxSeconds ?? claim.bounds.maxSeconds,
          maxBytes,
          onProgress: progress,
          noReduce,
        });
    runs.push({ claim, run });
    const r = run.result;
    if (!process.stderr.isTTY) process.stderr.write(`checked ${runs.length}/${selected.length} ${claim.id}: ${r.states} states${r.complete ? '' : ` (${r.limitHit} reached)`}, ${fmtTime(r.seconds)}\n`);
    for (const ir of run.invariants) {
      if (!invs.includes(ir.invariant)) continue;
      const exp = claim.expect[ir.invariant];
      const ok = exp === undefined || exp === ir.verdict;
      if (!ok) mismatches++;
      if (exp === undefined && ir.verdict === 'violated') unclaimedViolations++;
      const shown = ir.verdict === 'violated' ? 'VIOLATED' : ir.verdict === 'bounded' ? `bounded` : 'holds';
      rows.push([claim.id, claim.variant, claim.workload, ir.invariant, `${shown}${exp === undefined ? ' (no claim)' : ok ? '' : ` (claim: ${exp})`}`, String(r.states), String(r.transitions), String(ir.depth ?? r.depth), fmtTime(r.seconds)]);
      if (ir.verdict === 'violated')
        notes.push(`  ${claim.id} ${ir.invariant}: ${ir.reason} (trace of ${ir.depth} steps: ${traceCmd(claim, ir.invariant)})`);
      if (ir.verdict === 'bounded') notes.push(`  ${claim.id} ${ir.invariant}: no violation within ${r.states} states (depth ${r.depth}; ${r.limitHit} reached)`);
    }
  }
  await pool?.close();
  await claimPool?.close();
  if (claimPool && !json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  // --models: the engine and the xstate spec machines in lockstep, per claim, and the
  // machines' transitions the explorations exercised (coverage) or never reached
  const conformance: { claim: string; states: number; complete: boolean; failure: string | null; depth?: number }[] = [];
  const covered = new Map<string, { total: number; exercised: Set<string>; all: Set<string>; refused: Set<string> }>();
  if (p.flags.has('models')) {
    for (const claim of selected) {
      const rep = checkLockstep(claim.v, claim.w, { maxStates: claim.bounds.maxStates, maxSeconds: claim.bounds.maxSeconds, stopOn: 'never' });
      const f = rep.conformance;
      conformance.push({
        claim: claim.id,
        states: rep.result.states,
        complete: rep.result.complete,
        failure: f ? `${f.reason ?? 'refused'} after ${f.depth} steps` : null,
        depth: f?.depth,
      });
      for (const c of rep.coverage) {
        const e = covered.get(c.machine) ?? { total: c.total, exercised: new Set<string>(), all: new Set<string>(), refused: new Set<string>() };
        for (const t of c.exercised) e.exercised.add(`${t.from} --${t.event}--> ${t.to}`);
        for (const t of [...c.exercised, ...c.unreached]) e.all.add(`${t.from} --${t.event}--> ${t.to}`);
        for (const r of c.refused) e.refused.add(`${r.event} in ${r.from}`);
        covered.set(c.machine, e);
      }
    }
    notes.push('', 'model conformance (engine and xstate machines in lockstep):');
    for (const c of conformance) notes.push(`  ${c.claim.padEnd(36)} ${c.failure ? `NOT CONFORMING: ${c.failure}` : c.complete ? 'conforms' : `conforms within ${c.states} states`}`);
    notes.push('', 'model coverage over all selected claims:');
    for (const [m, e] of covered) {
      notes.push(`  ${m}: ${e.exercised.size} of ${e.all.size} transitions exercised; ${e.refused.size} (state, event) pairs refused`);
      const never = [...e.all].filter((t) => !e.exercised.has(t));
      for (const t of never.slice(0, 12)) notes.push(`    never reached: ${t}`);
      if (never.length > 12) notes.push(`    ... and ${never.length - 12} more`);
    }
  }
  const saveDir = p.values.get('save')?.at(-1);
  if (saveDir) {
    // every counterexample as a replayable trace file (written whole, then renamed: nothing half-written)
    mkdirSync(saveDir, { recursive: true });
    let n = 0;
    for (const { claim, run } of runs)
      for (const ir of run.invariants) {
        if (ir.verdict !== 'violated' || !invs.includes(ir.invariant) || !ir.path) continue;
        const file = join(saveDir, `${claim.id}.${ir.invariant}.json`);
        const tmp = `${file}.tmp-${process.pid}`;
        writeFileSync(tmp, JSON.stringify(formatJSON(buildTrace(claim.v, claim.w, ir.path, ir.invariant, noReduce)), null, 1) + '\n');
        renameSync(tmp, file);
        n++;
      }
    notes.push(`  ${n} counterexamples saved in ${saveDir} (replay one with: npm run replay -- FILE)`);
  }
  if (json) {
    process.stdout.write(
      JSON.stringify(
        runs.map(({ claim, run }) => ({
          claim: claim.id,
          variant: run.variant,
          workload: run.workload,
          stats: { complete: run.result.complete, limitHit: run.result.limitHit, states: run.result.states, transitions: run.result.transitions, depth: run.result.depth, seconds: run.result.seconds, statesPerSecond: run.result.statesPerSecond, bytesPerState: run.result.bytesPerState },
          invariants: run.invariants.filter((i) => invs.includes(i.invariant)).map((i) => ({ ...i, expected: claim.expect[i.invariant] ?? null })),
          diagnostics: run.diagnostics,
          blocking: run.blocking.filter((b) => b.reached),
          conformance: conformance.find((c) => c.claim === claim.id) ?? null,
        })),
        null,
        1,
      ) + '\n',
    );
    return mismatches || unclaimedViolations ? 1 : 0;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  lines.push(fmt(header));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) lines.push(fmt(r));
  if (notes.length) {
    lines.push('');
    lines.push('violations, bounds and models:');
    lines.push(...notes);
  }
  const diag = new Map<string, string[]>();
  for (const { claim, run } of runs) for (const d of run.diagnostics) diag.set(d.label, [...(diag.get(d.label) ?? []), claim.id]);
  if (diag.size) {
    lines.push('');
    lines.push('reachable diagnostics (printk / WARN_ON / BUG / oops):');
    for (const [l, ids] of diag) lines.push(`  ${l}   [${ids.join(', ')}]`);
  }
  const bl = new Map<string, { ids: string[]; aio: string[] }>();
  for (const { claim, run } of runs)
    for (const b of run.blocking)
      if (b.reached) {
        const e = bl.get(b.point) ?? { ids: [], aio: [] };
        e.ids.push(claim.id);
        if (b.sleptInAio) e.aio.push(claim.id);
        bl.set(b.point, e);
      }
  if (bl.size) {
    lines.push('');
    lines.push('blocking points reached (and where they still sleep synchronously in aio context):');
    for (const [pnt, e] of bl) lines.push(`  ${pnt.padEnd(22)} reached in ${e.ids.length} claims; blocks in aio context in: ${e.aio.length ? e.aio.join(', ') : 'none'}`);
  }
  lines.push('');
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  lines.push(
    `${plural(selected.length, 'claim', 'claims')}, ${plural(rows.length, 'verdict', 'verdicts')}, ${mismatches} differing from their claim` +
      (unclaimedViolations ? `, ${plural(unclaimedViolations, 'violation', 'violations')} no claim expects` : ''),
  );
  process.stdout.write(lines.join('\n') + '\n');
  return mismatches || unclaimedViolations ? 1 : 0;
});
