/**
 * npm run check [-- --variant V] [--invariant I] [--claim C] [--claims FILE] [--json] [--no-reduce] [--workers N]
 * Runs every claim of proofs/claims.json (one exploration per claim, all invariants at
 * once) and prints the verdict table. Exit 0 when every verdict matches its claim,
 * 1 when one differs, 2 on bad input.
 */
import { catalogText } from './catalog.ts';
import type { ResolvedClaim } from '../check/claims.ts';
import { claimsArg, WORKLOAD_VALUES, workloadArg, workloadsArg } from './inputs.ts';
import type { Workload } from '../engine/workload.ts';
import { INVARIANTS, isInvariant } from '../check/invariants.ts';
import { checkPool, runCheckAsync, type CheckRun } from '../check/run.ts';
import { intOpt, parseArgs, runCli, UsageError, noReduceOpt, shellQuote } from './args.ts';
import { checkOutputDir, checkOutputFile, writeOutputDir, writeOutputFile } from './output.ts';
import { renderCheckHtml } from '../check/html.ts';
import { buildTrace } from '../trace/trace.ts';
import { checkLockstep } from '../check/lockstep.ts';
import { formatJSON } from '../trace/format.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { ClaimPool, defaultClaimWorkers } from '../check/pool.ts';
import { useColour, boundedLines, byVariantLines, fmtTime, legendLines, matrixLines, plural, tableLines, violationGroups, violationLines, type ClaimOutcome } from '../check/report.ts';

runCli(async () => {
  const p = parseArgs(process.argv.slice(2), { values: ['variant', 'invariant', 'claim', 'claims', 'save', 'html', 'max-states', 'max-seconds', 'max-memory', 'workers', 'jobs', ...WORKLOAD_VALUES], flags: ['json', 'models', 'help', 'table'], optional: ['no-reduce'] });
  if (p.flags.has('help')) {
    process.stdout.write('usage: npm run check -- [--variant V] [--workload W|FILE.json] [--iocbs N --pages N [--cpus N]] [--invariant I] [--claim C] [--claims FILE] [--json] [--no-reduce[=movers,dead]] [--save DIR] [--html FILE] [--models]\n                         [--max-states N] [--max-seconds S] [--max-memory MB]   (override the bounds of every claim)\n                         [--jobs N]      (explore N claims at a time, one per worker thread; default: one per core)\n                         [--workers N]   (explore each claim over N worker threads: same verdicts, traces and counts)\n                         [--table]       (the long table: one row per claim and invariant)\n\n' + catalogText());
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
  // workloads named on the command line: a built-in one the claims use filters the claims;
  // any other (a FILE.json, the --iocbs/--pages/--cpus family, a built-in no claim uses) is
  // explored on the variants asked for (default: every variant of the claims), without expectations
  const wArgs = workloadsArg(p);
  const wFilter = wArgs.filter((w) => claims.some((c) => c.w === w)).map((w) => w.name);
  const wOwn = wArgs.filter((w) => !claims.some((c) => c.w === w));
  /** how the command line gave each workload, for the trace command printed with a violation */
  const wSpelled = new Map<string, string>();
  for (const spec of p.values.get('workload') ?? []) wSpelled.set(workloadArg(spec).name, `--workload ${spec}`);
  for (const w of wOwn) if (!wSpelled.has(w.name)) wSpelled.set(w.name, ['iocbs', 'pages', 'cpus'].filter((f) => p.values.has(f)).map((f) => `--${f} ${p.values.get(f)!.at(-1)}`).join(' '));
  const selected = wOwn.length && !wFilter.length ? [] : claims.filter((c) => (!vf.length || vf.includes(c.variant)) && (!cf.length || cf.includes(c.id)) && (!wFilter.length || wFilter.includes(c.workload)));
  const maxStatesB = Math.max(...claims.map((c) => c.bounds.maxStates));
  const maxSecondsB = Math.max(...claims.map((c) => c.bounds.maxSeconds));
  const unclaimed = (v: string, w: Workload) => ({ id: `${v}.${w.name}`, variant: v, workload: w.name, bounds: { maxStates: maxStatesB, maxSeconds: maxSecondsB }, expect: {}, v: resolveVariant(v)!, w, unclaimed: true }) as ResolvedClaim & { unclaimed: true };
  // a variant with no claims of its own (any variant expression, e.g. mar14+runListNullCheck+kickQueueWork):
  // explored on every workload the claims name (or those given), with the largest of the claims' bounds, and no expectations
  const claimsFile = p.values.get('claims')?.at(-1);
  for (const v of vf) {
    if (claims.some((c) => c.variant === v) || cf.length) continue;
    const wls = wArgs.length ? wArgs : [...new Map(claims.map((c) => [c.workload, c.w])).values()];
    for (const w of wls) selected.push(unclaimed(v, w));
  }
  // the workloads of one's own on the claimed variants asked for
  for (const v of vf.length ? vf.filter((x) => claims.some((c) => c.variant === x)) : [...new Set(claims.map((c) => c.variant))]) for (const w of wOwn) if (!cf.length) selected.push(unclaimed(v, w));
  if (!selected.length) throw new UsageError('nothing to check: no claim matches the filters given');
  // output targets are checked before anything is explored (a long run must not be lost at its end)
  const saveDir = p.values.get('save')?.at(-1);
  if (saveDir) checkOutputDir(saveDir, '--save directory');
  const htmlFile = p.values.get('html')?.at(-1);
  if (htmlFile) checkOutputFile(htmlFile, '--html page');
  const traceCmd = (c: ResolvedClaim, inv: string) =>
    (c as { unclaimed?: boolean }).unclaimed
      ? `npm run trace -- --variant ${c.variant} ${wSpelled.get(c.workload) ?? `--workload ${c.workload}`} --invariant ${inv}`
      : `npm run trace -- --claim ${c.id} --invariant ${inv}${claimsFile ? ` --claims ${claimsFile}` : ''}`;
  const invs = INVARIANTS.filter((i) => !inf.length || inf.includes(i));
  const json = p.flags.has('json');
  const table = p.flags.has('table');
  const tty = !json && !!process.stderr.isTTY;
  // the claims of one variant together, so that its matrix prints as soon as they are done
  const order = [...new Set(selected.map((c) => c.variant))];
  selected.sort((a, b) => order.indexOf(a.variant) - order.indexOf(b.variant));

  let mismatches = 0;
  /** violations for which no claim says anything: they make the exit code 1 too */
  let unclaimedViolations = 0;
  let verdicts = 0;
  const runs: ClaimOutcome[] = [];
  const lines: string[] = [];
  const notes: string[] = [];
  const noReduce = noReduceOpt(p);
  // claims N at a time over worker threads (src/check/pool.ts), reported in their order;
  // --workers (one exploration over several threads) explores them one at a time instead
  const jobs = p.values.has('jobs') ? intOpt(p, 'jobs', 1, 1, 64) : workers > 1 ? 1 : defaultClaimWorkers();
  if (jobs > 1 && workers > 1) throw new UsageError('--jobs and --workers exclude each other (claims at a time, or threads per claim)');
  const claimPool = jobs > 1 && selected.length > 1 ? await ClaimPool.start(Math.min(jobs, selected.length)) : undefined;
  const boundOf = (c: ResolvedClaim) => ({ maxStates: maxStates ?? c.bounds.maxStates, maxSeconds: maxSeconds ?? c.bounds.maxSeconds });
  // progress on a terminal: which claims run (n of N) and how far each is into its bound
  let finished = 0;
  const running = new Map<string, number>();
  const showProgress = () => {
    if (!tty) return;
    const now = [...running].map(([id, f]) => `${id} ${Math.min(99, Math.floor(f * 100))}%`).join(', ');
    process.stderr.write(`\r\x1b[Kchecking: ${finished} of ${selected.length} claims done${now ? `; ${now} of its bound` : ''}`.slice(0, (process.stderr.columns ?? 100) - 1));
  };
  const progressOf = (c: ResolvedClaim) => (pr: { states: number; seconds: number }) => {
    const b = boundOf(c);
    running.set(c.id, Math.max(pr.states / b.maxStates, pr.seconds / b.maxSeconds));
    showProgress();
  };
  const pending = claimPool
    ? selected.map((claim) => {
        const r = claimPool.run({ variant: claim.v, workload: claim.w, ...boundOf(claim), maxBytes, noReduce }, tty ? progressOf(claim) : undefined);
        r.then(
          () => {
            finished++;
            running.delete(claim.id);
            showProgress();
          },
          () => undefined,
        );
        return r;
      })
    : [];
  const emit = (ls: string[]) => {
    if (tty) process.stderr.write('\r\x1b[K');
    process.stdout.write(ls.join('\n') + '\n');
    showProgress();
  };
  if (!json && !table) emit(['verdicts, one matrix per variant:', ...legendLines(invs), '']);
  for (const [ci, claim] of selected.entries()) {
    let run: CheckRun;
    if (claimPool) run = await pending[ci];
    else {
      const onProg = progressOf(claim);
      run = await runCheckAsync(claim.v, claim.w, { workers, pool, ...boundOf(claim), maxBytes, noReduce, ...(tty ? { onProgress: (pr: { states: number; seconds: number; done: boolean }) => !pr.done && onProg(pr) } : {}) });
      finished++;
      running.delete(claim.id);
    }
    runs.push({ claim, run });
    const r = run.result;
    if (!process.stderr.isTTY) process.stderr.write(`checked ${runs.length}/${selected.length} ${claim.id}: ${r.states} states${r.complete ? '' : ` (${r.limitHit} reached)`}, ${fmtTime(r.seconds)}\n`);
    for (const ir of run.invariants) {
      if (!invs.includes(ir.invariant)) continue;
      verdicts++;
      const exp = claim.expect[ir.invariant];
      if (exp !== undefined && exp !== ir.verdict) mismatches++;
      if (exp === undefined && ir.verdict === 'violated') unclaimedViolations++;
    }
    // the variant's matrix, as soon as its last claim is done
    const next = selected[ci + 1];
    if (!json && !table && (!next || next.variant !== claim.variant)) {
      const mine = runs.filter((o) => o.claim.variant === claim.variant);
      emit([...matrixLines(claim.variant, claim.v.description, mine, invs, useColour()), '']);
    }
  }
  await pool?.close();
  await claimPool?.close();
  if (tty) process.stderr.write('\r\x1b[K');
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
  if (saveDir) {
    // every counterexample as a replayable trace file (each written whole, then renamed: nothing half-written)
    const files: { name: string; text: string }[] = [];
    for (const { claim, run } of runs)
      for (const ir of run.invariants) {
        if (ir.verdict !== 'violated' || !invs.includes(ir.invariant) || !ir.path) continue;
        files.push({ name: `${claim.id.replace(/[^A-Za-z0-9.+-]/g, '_')}.${ir.invariant}.json`, text: JSON.stringify(formatJSON(buildTrace(claim.v, claim.w, ir.path, ir.invariant, noReduce)), null, 1) + '\n' });
      }
    writeOutputDir(saveDir, files, '--save directory');
    notes.push(`  ${files.length} counterexamples saved in ${saveDir} (replay one with: npm run replay -- FILE)`);
  }
  const summary = `${plural(selected.length, 'claim')}, ${plural(verdicts, 'verdict')}, ${mismatches} differing from their claim` + (unclaimedViolations ? `, ${plural(unclaimedViolations, 'violation')} no claim expects` : '');
  if (htmlFile) {
    writeOutputFile(htmlFile, renderCheckHtml(runs, invs, { noReduce, summary }), '--html page');
    process.stderr.write(`wrote ${htmlFile}\n`);
  }
  if (json) {
    process.stdout.write(
      JSON.stringify(
        runs.map(({ claim, run }) => ({
          claim: claim.id,
          variant: run.variant,
          workload: run.workload,
          stats: { complete: run.result.complete, limitHit: run.result.limitHit, states: run.result.states, transitions: run.result.transitions, depth: run.result.depth, seconds: run.result.seconds, statesPerSecond: run.result.statesPerSecond, bytesPerState: run.result.bytesPerState, quiescent: run.quiescent },
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
  if (table) lines.push(...tableLines(runs, invs));
  const groups = violationGroups(runs, invs);
  if (groups.length) {
    lines.push('', `${plural(groups.length, 'distinct violation')}, grouped by mechanism (each command prints its shortest trace):`);
    lines.push(...violationLines(groups, traceCmd));
  }
  const bounded = boundedLines(runs, invs);
  if (bounded.length) lines.push('', 'bounded: explored only up to a limit, so "no violation within N states", not "holds":', ...bounded);
  if (notes.length) lines.push('', ...notes);
  const diag = new Map<string, { claims: ResolvedClaim[]; shortest: { claim: ResolvedClaim; depth: number } }>();
  for (const { claim, run } of runs)
    for (const d of run.diagnostics) {
      const e = diag.get(d.label) ?? { claims: [], shortest: { claim, depth: d.depth } };
      e.claims.push(claim);
      if (d.depth < e.shortest.depth) e.shortest = { claim, depth: d.depth };
      diag.set(d.label, e);
    }
  if (diag.size) {
    lines.push('', 'reachable diagnostics (printk / WARN_ON / BUG / oops), each with the command that prints its shortest path:');
    for (const [l, e] of diag) lines.push(`  ${l}`, ...byVariantLines(e.claims, '     in '), `     npm run trace -- --claim ${e.shortest.claim.id} --label ${shellQuote(l)}`);
  }
  const bl = new Map<string, { claims: ResolvedClaim[]; aio: ResolvedClaim[] }>();
  for (const { claim, run } of runs)
    for (const b of run.blocking)
      if (b.reached) {
        const e = bl.get(b.point) ?? { claims: [], aio: [] };
        e.claims.push(claim);
        if (b.sleptInAio) e.aio.push(claim);
        bl.set(b.point, e);
      }
  if (bl.size) {
    lines.push('', 'blocking points reached, and where they still sleep synchronously in aio context:');
    for (const [pnt, e] of bl) lines.push(`  ${pnt}: reached in ${plural(e.claims.length, 'claim')}; ${e.aio.length ? 'sleeps in aio context' : 'never sleeps in aio context'}`, ...byVariantLines(e.aio, '     in '));
  }
  lines.push('');
  lines.push(summary);
  process.stdout.write(lines.join('\n') + '\n');
  return mismatches || unclaimedViolations ? 1 : 0;
});
