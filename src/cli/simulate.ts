/**
 * npm run simulate -- --variant V (--workload W|FILE.json | --iocbs N --pages N [--cpus N]) [--seed N] [--max-steps N] [--json]
 * Runs one seeded random schedule of the engine and prints the run: each thread's
 * steps with the kernel functions, the printk/WARN/BUG events, completions with
 * their results, and the final state (refcounts, lists, flags).
 */
import { catalogText } from './catalog.ts';
import { WORKLOAD_VALUES, workloadsArg } from './inputs.ts';
import { EngineModel } from '../engine/model.ts';
import { invariants } from '../check/invariants.ts';
import { summarize } from '../engine/inspect.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { intOpt, parseArgs, runCli, UsageError } from './args.ts';
import { runSchedule, uniformChooser } from '../sim/run.ts';
import { GLOBAL, PANIC_NAMES } from '../engine/machine.ts';

const HELP = `usage: npm run simulate -- --variant V (--workload W|FILE.json | --iocbs N --pages N [--cpus N]) [--seed N] [--max-steps N] [--json]

${catalogText()}`;

runCli(() => {
  const p = parseArgs(process.argv.slice(2), { values: ['variant', 'seed', 'max-steps', ...WORKLOAD_VALUES], flags: ['json', 'help'] });
  if (p.flags.has('help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const vn = p.values.get('variant')?.at(-1);
  if (!vn) throw new UsageError('--variant is required (see --help)');
  const ws = workloadsArg(p);
  if (ws.length !== 1) throw new UsageError('give one workload: --workload W|FILE.json, or --iocbs N --pages N [--cpus N] (see --help)');
  const v = resolveVariant(vn);
  if (!v) throw new UsageError(`unknown variant "${vn}" (see --help for the variants and the changes)`);
  const w = ws[0];
  const seed = intOpt(p, 'seed', 1, 0, 2 ** 32 - 1);
  const maxSteps = intOpt(p, 'max-steps', 20000, 1, 10_000_000);

  const model = new EngineModel(v, w, invariants, { trace: true });
  const k = model.k;
  const run = runSchedule(model, uniformChooser(seed), maxSteps, true);
  // every invariant along the run: the 'always' ones after each step, the others at its end if it is quiescent
  const violations: { invariant: string; step: number; reason: string }[] = [];
  const seen = new Set<string>();
  const note = (name: string, step: number, reason: string | null) => {
    if (reason === null || seen.has(name)) return;
    seen.add(name);
    violations.push({ invariant: name, step, reason });
  };
  run.states.forEach((s, i) => {
    for (const pr of model.properties) if (pr.kind === 'always') note(pr.name, i, pr.check(s));
  });
  if (run.outcome === 'terminated') for (const pr of model.properties) if (pr.kind === 'at-quiescence') note(pr.name, run.actions.length, pr.check(run.final));
  k.load(run.final);
  const sum = summarize(k);
  const panic = k.g(GLOBAL.PANIC);
  const userDone = k.threads.every((t, i) => t.role === 'irq' || t.role === 'aio-worker' || t.role === 'keventd' || k.threadWord('status', i) === 4);
  const end = panic ? `panic: ${PANIC_NAMES[panic]}` : run.outcome === 'step-limit' ? `step limit (${maxSteps}) reached` : userDone ? 'quiescent: every user thread finished' : 'stuck: no thread can run but a user thread has not finished';
  const steps = (k.trace ?? []).map((t) => ({ thread: k.threads[t.thread].name, fn: t.fn, pc: t.pc, text: t.text }));
  if (p.flags.has('json')) {
    process.stdout.write(JSON.stringify({ variant: v.name, workload: w.name, seed, actions: run.actions, end, violations, steps, labels: run.labels.flat(), final: sum }, null, 1) + '\n');
    return 0;
  }
  const out: string[] = [];
  out.push(`simulate ${v.name} / ${w.name}, seed ${seed}: ${run.actions.length} scheduler steps`);
  out.push('');
  let last = '';
  for (const s of steps) {
    const head = s.thread === last ? ''.padEnd(14) : s.thread.padEnd(14);
    last = s.thread;
    out.push(`${head}${s.fn}${s.pc >= 0 ? `@${s.pc}` : ''}${s.text ? `   ${s.text}` : ''}`);
  }
  out.push('');
  out.push(`end: ${end}`);
  const quiescentToo = run.outcome === 'terminated' ? 'every invariant' : "the 'always' invariants (the run did not end, so nothing is judged at quiescence)";
  if (violations.length === 0) out.push(`invariants: ${quiescentToo} held along this run (one run, not a proof)`);
  for (const x of violations) out.push(`invariant ${x.invariant} VIOLATED after step ${x.step}: ${x.reason}`);
  for (const io of sum.iocbs) out.push(`iocb${io.slot}: submitted=${io.submitted} completions=${io.completions} res=${io.res} events read=${io.eventsRead} buffer=[${io.buffer.join(',')}]`);
  if (sum.sync) out.push(`sync read: ${sum.sync.done ? `returned ${sum.sync.result}` : 'did not return'}`);
  out.push(`ctx: users=${sum.ctx.users} reqs_active=${sum.ctx.reqs_active} run_list=[${sum.ctx.run_list.join(',')}] ring head=${sum.ctx.ring.head} tail=${sum.ctx.ring.tail}`);
  for (const kc of sum.kiocbs) out.push(`kiocb${kc.slot}: ${kc.state} ki_users=${kc.ki_users} ki_flags=${kc.ki_flags} on_run_list=${kc.on_run_list} ki_wait_queued=${kc.ki_wait_queued} ki_retried=${kc.ki_retried}`);
  for (const pg of sum.pages) out.push(`page${pg.index}: ${pg.flags}${pg.in_cache ? '' : ' (not in cache)'}`);
  for (const b of sum.buckets) if (b.waiters.length) out.push(`bucket${b.bucket}: ${b.waiters.join(', ')}`);
  for (const t of sum.threads) out.push(`${t.name}: ${t.status}${t.taskState ? ` (${t.taskState})` : ''}${t.stack.length ? ` in ${t.stack.join(' > ')}` : ''}`);
  const bl = sum.blocking.filter((b) => b.reached);
  if (bl.length) out.push(`blocking points reached: ${bl.map((b) => `${b.point}${b.sleptInAio ? ' (slept in aio context)' : ''}`).join(', ')}`);
  const diag = run.labels.flat();
  if (diag.length) out.push(`diagnostics: ${[...new Set(diag)].join(' | ')}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
});
