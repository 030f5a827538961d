/**
 * npm run mutate [-- --mutant NAME ...] [--list] [--max-states N] [--jobs N] [--json] [--markdown]
 * Runs the mutation suite (src/mutate/mutants.ts) against the claims: each mutant on a
 * copy of the tree, killed when a claim's verdict changes. Exit 0 when every
 * non-equivalent mutant is killed and no equivalent one is, 1 otherwise, 2 on bad input.
 */
import { availableParallelism } from 'node:os';
import { intOpt, parseArgs, runCli, UsageError } from './args.ts';
import { MUTANTS } from '../mutate/mutants.ts';
import { markdownTable, runMutants, score, validateMutants, type MutantOutcome } from '../mutate/run.ts';

/** the default cap on each claim's states: every claim's violations are found well within it, and a survivor costs minutes, not hours */
const DEFAULT_MAX_STATES = 400_000;

runCli(async () => {
  const p = parseArgs(process.argv.slice(2), { values: ['mutant', 'max-states', 'jobs'], flags: ['list', 'json', 'markdown', 'help'] });
  if (p.flags.has('help')) {
    process.stdout.write(
      `usage: npm run mutate -- [--mutant NAME ...] [--list] [--max-states N] [--jobs N] [--json] [--markdown]\n` +
        `  runs each mutant of src/mutate/mutants.ts on a copy of the tree against proofs/claims.json\n` +
        `  (smallest claims first, each capped at --max-states, default ${DEFAULT_MAX_STATES}) until a verdict changes\n` +
        `  --list      the mutants and what each does, without running them\n` +
        `  --markdown  the table the README shows\n`,
    );
    return 0;
  }
  const errs = validateMutants();
  if (errs.length) throw new UsageError(`the mutation suite does not apply to this tree: ${errs[0]}${errs.length > 1 ? ` (and ${errs.length - 1} more)` : ''}`);
  const names = p.values.get('mutant') ?? [];
  for (const n of names) if (!MUTANTS.some((m) => m.name === n)) throw new UsageError(`unknown mutant "${n}" (npm run mutate -- --list names them)`);
  const ms = names.length ? MUTANTS.filter((m) => names.includes(m.name)) : MUTANTS;
  if (p.flags.has('list')) {
    for (const m of ms) process.stdout.write(`${m.name.padEnd(34)} ${m.what}${m.equivalent ? ` [equivalent: ${m.equivalent}]` : ''}\n`);
    return 0;
  }
  const maxStates = intOpt(p, 'max-states', DEFAULT_MAX_STATES, 1, 100_000_000);
  const jobs = intOpt(p, 'jobs', Math.max(1, Math.min(8, availableParallelism())), 1, 64);
  const json = p.flags.has('json');
  const line = (o: MutantOutcome) => {
    const by = o.kill ? `by ${o.kill.claim}: ${o.kill.invariant} ${o.kill.expected} -> ${o.kill.got}` : o.note ? `(${o.note})` : `after ${o.claimsRun} claims, ${o.states.toLocaleString('en-US')} states`;
    return `${o.status.padEnd(17)} ${o.name.padEnd(34)} ${by} [${o.seconds.toFixed(1)} s]`;
  };
  let done = 0;
  const t0 = Date.now();
  const outcomes = await runMutants(ms, {
    jobs,
    maxStates,
    onDone: (o) => {
      done++;
      if (!json && !p.flags.has('markdown')) process.stdout.write(`${line(o)}\n`);
      else process.stderr.write(`mutant ${done}/${ms.length}: ${o.name} ${o.status}\n`);
    },
  });
  const s = score(outcomes);
  const summary = `${s.killed} of ${s.nonEquivalent} non-equivalent mutants killed${s.nonEquivalent ? ` (${((100 * s.killed) / s.nonEquivalent).toFixed(1)}%)` : ''}, ${s.survived} survived, ${s.equivalent} equivalent${s.killedEquivalent ? `, ${s.killedEquivalent} said to be equivalent but killed` : ''}${s.invalid ? `, ${s.invalid} invalid` : ''}; each claim capped at ${maxStates.toLocaleString('en-US')} states; ${((Date.now() - t0) / 1000).toFixed(0)} s`;
  if (json) process.stdout.write(JSON.stringify({ maxStates, score: s, mutants: outcomes }, null, 1) + '\n');
  else if (p.flags.has('markdown')) process.stdout.write(`${markdownTable(outcomes)}\n\n${summary}\n`);
  else process.stdout.write(`\n${summary}\n`);
  return s.survived || s.killedEquivalent || s.invalid ? 1 : 0;
});
