/**
 * npm run random -- --variant V --workload W [--strategy uniform|pct|pb] [--runs N] [--seed S]
 *                   [--invariant I]... [--depth D] [--switch-prob P] [--preemptions C] [--max-steps M]
 *                   [--format text|mermaid|itf|json] [--out FILE] [--no-fold] [--no-shrink]
 *                   [--fc] [--fc-seed X] [--fc-path P]
 *   Runs N random schedules of the engine (seeds S, S+1, ...), checking every invariant
 *   on every state. On the first violation it prints (on stderr) the failing seed, the
 *   fast-check shrink of the run (fast-check's seed and path, the schedule as choice
 *   indices, the concrete actions) and the violation, and the trace of the shrunk run
 *   (on stdout, or in --out). Exit 1 when a run violates an invariant, 0 when none does.
 *   --fc: let fast-check generate the schedules (choice lists, then --strategy as the
 *   fallback) and shrink the failure; --fc-seed / --fc-path replay one.
 *   The workload may also be one of the larger configurations of src/random/larger.ts.
 * npm run random -- --stats [--seeds 11] [--budget 3000] [--strategy S]... [--max-states 20000]
 *                   [--variant V]... [--workload W]... [--invariant I]... [--claims FILE] [--json]
 *   The "runs to find" table: for every violation of the claim file that breadth-first
 *   search reaches within --max-states states, the median over the seeds of the number
 *   of random runs until one violates that invariant, per strategy, next to the states
 *   the exhaustive search explored up to it.
 * npm run random -- --list            the larger workloads
 * npm run random -- --replay FILE     replays a json trace (larger workloads included)
 */
import { claimsArg, traceFileArg, workloadArg } from './inputs.ts';
import { checkOutputFile, writeOutputFile } from './output.ts';
import { INVARIANTS, isInvariant } from '../check/invariants.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { buildTrace } from '../trace/trace.ts';
import { formatITF, formatJSON, formatMermaid, formatText } from '../trace/format.ts';
import { replayTraceFile } from '../trace/replay.ts';
import type { EngineModel } from '../engine/model.ts';
import { anyWorkloadByName, LARGER } from '../random/larger.ts';
import { engineModel, estimateRunLength, fcSearch, fcShrink, randomSearch, type FcFailure, type Violation } from '../random/run.ts';
import { isStrategy, type StrategyName, type StrategyOptions } from '../random/strategies.ts';
import { bfsToViolation, formatStats, runsToFind, violatedTargets, type TargetStat } from '../random/stats.ts';
import { intOpt, parseArgs, runCli, UsageError, type Parsed } from './args.ts';

const FORMATS = ['text', 'mermaid', 'itf', 'json'] as const;
const USAGE =
  'usage: npm run random -- --variant V --workload W [--strategy uniform|pct|pb] [--runs N] [--seed S] [--invariant I] [--format text|mermaid|itf|json] [--out FILE] [--fc [--fc-seed X] [--fc-path P]]\n' +
  '       npm run random -- --stats [--seeds 11] [--budget 3000] [--strategy S]... [--max-states 20000] [--variant V]... [--workload W]... [--json]\n' +
  '       npm run random -- --list | --replay FILE\n';

function floatOpt(p: Parsed, name: string, min: number, max: number): number | undefined {
  const v = p.values.get(name)?.at(-1);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function strategyOptions(p: Parsed): StrategyOptions {
  const o: StrategyOptions = {};
  if (p.values.has('depth')) o.depth = intOpt(p, 'depth', 3, 1, 20);
  const sp = floatOpt(p, 'switch-prob', 0, 1);
  if (sp !== undefined) o.switchProb = sp;
  if (p.values.has('preemptions')) o.maxPreemptions = intOpt(p, 'preemptions', 3, 0, 1000);
  return o;
}

function strategiesOpt(p: Parsed, def: readonly StrategyName[]): StrategyName[] {
  const ss = p.values.get('strategy') ?? [];
  for (const s of ss) if (!isStrategy(s) || s === 'first') throw new UsageError(`unknown strategy "${s}" (one of: uniform, pct, pb)`);
  return ss.length ? (ss as StrategyName[]) : [...def];
}

function invariantsOpt(p: Parsed): string[] {
  const invs = p.values.get('invariant') ?? [];
  for (const i of invs) if (!isInvariant(i)) throw new UsageError(`unknown invariant "${i}" (one of: ${INVARIANTS.join(', ')})`);
  return invs;
}

function write(out: string | undefined, text: string): void {
  if (!out) {
    process.stdout.write(text);
    return;
  }
  writeOutputFile(out, text, '--out file');
}

const say = (s: string) => process.stderr.write(s + '\n');

function describeViolation(v: Violation): string {
  return `${v.invariant} violated at step ${v.step}${v.kind === 'at-quiescence' ? ' (at quiescence)' : ''}: ${v.reason}`;
}

/** the run as who-ran-how-long: "io_submit x19, irq src0 on cpu1, irq/1 x6, ..." */
function segments(model: EngineModel, actions: readonly number[]): string {
  const k = model.k;
  const name = (a: number) => {
    const d = k.decode(a);
    return 'thread' in d ? k.threads[d.thread].name : `irq src${d.src} on cpu${d.cpu}`;
  };
  const out: string[] = [];
  for (let i = 0; i < actions.length; ) {
    let j = i;
    while (j < actions.length && actions[j] === actions[i]) j++;
    out.push(j - i > 1 ? `${name(actions[i])} x${j - i}` : name(actions[i]));
    i = j;
  }
  return out.join(', ');
}

function shell(args: string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_./:=+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

runCli(() => {
  const p = parseArgs(process.argv.slice(2), {
    values: ['variant', 'workload', 'strategy', 'runs', 'seed', 'invariant', 'depth', 'switch-prob', 'preemptions', 'max-steps', 'format', 'out', 'fc-seed', 'fc-path', 'seeds', 'budget', 'max-states', 'claims', 'replay'],
    flags: ['stats', 'fc', 'no-shrink', 'no-fold', 'list', 'json', 'help'],
  });
  if (p.flags.has('help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (p.flags.has('list')) {
    for (const w of Object.values(LARGER)) process.stdout.write(`${w.name.padEnd(28)} ${w.description}\n`);
    return 0;
  }
  const replay = p.values.get('replay')?.at(-1);
  if (replay !== undefined) return replayFile(replay);
  if (p.flags.has('stats')) return stats(p);
  return search(p);
});

function replayFile(file: string): number {
  const tf = traceFileArg(file);
  const r = replayTraceFile(tf);
  process.stdout.write(r.message + '\n');
  return r.reproduced ? 0 : 1;
}

function search(p: Parsed): number {
  const vn = p.values.get('variant')?.at(-1);
  const wn = p.values.get('workload')?.at(-1);
  if (!vn || !wn) throw new UsageError('give --variant V --workload W (or --stats, --list, --replay FILE)');
  const v = resolveVariant(vn);
  if (!v) throw new UsageError(`unknown variant "${vn}"`);
  const w = workloadArg(wn);
  const outFile = p.values.get('out')?.at(-1);
  if (outFile) checkOutputFile(outFile, '--out file');
  const format = p.values.get('format')?.at(-1) ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format "${format}" (one of: ${FORMATS.join(', ')})`);
  const [strategy] = strategiesOpt(p, ['pct']);
  if ((p.values.get('strategy') ?? []).length > 1) throw new UsageError('give one --strategy (several only with --stats)');
  const runs = intOpt(p, 'runs', 1000, 1, 100_000_000);
  const seed = intOpt(p, 'seed', 1, 0, 0xffffffff);
  const maxSteps = intOpt(p, 'max-steps', 2000, 1, 10_000_000);
  const invs = invariantsOpt(p);
  const fcSeedArg = p.values.get('fc-seed')?.at(-1);
  if (fcSeedArg !== undefined && !/^-?\d+$/.test(fcSeedArg)) throw new UsageError(`--fc-seed must be a whole number (fast-check seeds may be negative), got "${fcSeedArg}"`);
  const fcSeed = fcSeedArg === undefined ? undefined : Number(fcSeedArg);
  if (fcSeed !== undefined && (fcSeed < -0x80000000 || fcSeed > 0xffffffff)) throw new UsageError(`--fc-seed must be a 32-bit integer, got ${fcSeed}`);
  const fcPath = p.values.get('fc-path')?.at(-1);
  if (fcPath !== undefined && !/^\d+(:\d+)*$/.test(fcPath)) throw new UsageError(`--fc-path must look like 12:0:3, got "${fcPath}"`);
  if (fcPath !== undefined && p.flags.has('fc') && fcSeed === undefined) throw new UsageError('--fc-path needs the --fc-seed it came from');

  const { model, threadOf } = engineModel(v, w);
  const k = estimateRunLength(model, 8, maxSteps, threadOf);
  const sopts: StrategyOptions = { threadOf, steps: k, ...strategyOptions(p) };
  const base = ['npm', 'run', 'random', '--', '--variant', v.name, '--workload', wn, ...invs.flatMap((i) => ['--invariant', i])];
  const extra = (['depth', 'switch-prob', 'preemptions', 'max-steps'] as const).flatMap((n) => (p.values.has(n) ? [`--${n}`, p.values.get(n)!.at(-1)!] : []));

  let shrunk: FcFailure | null;
  let original: { actions: number[]; violation: Violation } | null = null;
  if (p.flags.has('fc')) {
    const r = fcSearch(model, { numRuns: runs, seed: fcSeed, path: fcPath, maxSteps, invariants: invs, fallbacks: [strategy], strategyOpts: sopts, noShrink: p.flags.has('no-shrink') });
    if (!r.failure) {
      say(`${v.name} / ${w.name}: no violation in ${r.runs} fast-check schedules (fc seed ${r.seed}, fallback ${strategy})`);
      return 0;
    }
    shrunk = r.failure;
    say(`${v.name} / ${w.name}: fast-check schedule ${shrunk.numRuns} of ${runs} violates an invariant (fc seed ${shrunk.seed}, fallback ${strategy})`);
    say(`replay: ${shell([...base, '--strategy', strategy, ...extra, '--fc', '--fc-seed', String(shrunk.seed), '--fc-path', shrunk.path])}`);
  } else {
    const r = randomSearch(model, { strategy, strategyOpts: sopts, seed, runs, maxSteps, invariants: invs });
    if (!r.run || !r.run.violation) {
      say(`${v.name} / ${w.name}: no violation in ${r.runs} ${strategy} runs (seeds ${seed}..${seed + r.runs - 1}; ${r.outcomes.terminated} terminated, ${r.outcomes['step-limit']} hit the step limit of ${maxSteps})`);
      return 0;
    }
    original = { actions: r.run.actions, violation: r.run.violation };
    say(`${v.name} / ${w.name}: run ${r.runs} of ${runs} (${strategy}, seed ${r.failingSeed}) ${describeViolation(r.run.violation)}`);
    say(`replay the run: ${shell([...base, '--strategy', strategy, ...extra, '--seed', String(r.failingSeed), '--runs', '1', '--no-shrink'])}`);
    say(`actions (${r.run.actions.length}): ${r.run.actions.join(',')}`);
    if (p.flags.has('no-shrink')) shrunk = null;
    else {
      // shrink with the violated invariant only, so the shrink keeps violating that one
      shrunk = fcShrink(model, r.run.actions, { seed: fcSeed ?? 0, path: fcPath, maxSteps, invariants: [r.run.violation.invariant], strategyOpts: sopts });
      if (shrunk) {
        say(`fast-check shrink: ${r.run.actions.length} -> ${shrunk.actions.length} steps (${shrunk.numShrinks} shrinks; fc seed ${shrunk.seed}, path ${shrunk.path})`);
        say(`replay the shrink: ${shell([...base, '--strategy', strategy, ...extra, '--seed', String(r.failingSeed), '--runs', '1', '--fc-seed', String(shrunk.seed), '--fc-path', shrunk.path])}`);
      }
    }
  }
  const final = shrunk ? { actions: shrunk.actions, violation: shrunk.violation } : original!;
  if (shrunk) {
    say(`schedule: choices [${shrunk.schedule.choices.join(',')}] then ${shrunk.schedule.fallback}${shrunk.schedule.fallback === 'first' ? '' : ` (seed ${shrunk.schedule.seed})`}`);
    say(`actions (${shrunk.actions.length}): ${shrunk.actions.join(',')}`);
  }
  say(`segments: ${segments(model, final.actions)}`);
  say(describeViolation(final.violation));
  const t = buildTrace(v, w, final.actions, final.violation.invariant);
  const text =
    format === 'text' ? formatText(t, { fold: !p.flags.has('no-fold') }) : format === 'mermaid' ? formatMermaid(t) : JSON.stringify(format === 'itf' ? formatITF(t) : formatJSON(t), null, 1) + '\n';
  write(p.values.get('out')?.at(-1), text);
  if (format === 'json' && LARGER[w.name]) say(`(${w.name} is a larger workload: replay the json with npm run random -- --replay FILE)`);
  return 1;
}

function stats(p: Parsed): number {
  const claims = claimsArg(p.values.get('claims')?.at(-1));
  const strategies = strategiesOpt(p, ['uniform', 'pct', 'pb']);
  const seeds = intOpt(p, 'seeds', 11, 1, 1001);
  const budget = intOpt(p, 'budget', 3000, 1, 100_000_000);
  const maxStates = intOpt(p, 'max-states', 20_000, 1, 100_000_000);
  const maxSteps = intOpt(p, 'max-steps', 2000, 1, 10_000_000);
  const seed = intOpt(p, 'seed', 1, 0, 0xffffffff);
  const vf = p.values.get('variant') ?? [];
  for (const v of vf) if (!resolveVariant(v)) throw new UsageError(`unknown variant "${v}"`);
  const wf = p.values.get('workload') ?? [];
  for (const w of wf) if (!anyWorkloadByName(w)) throw new UsageError(`unknown workload "${w}"`);
  const invs = invariantsOpt(p);
  const targets = violatedTargets(claims).filter((t) => (!vf.length || vf.includes(t.v.name)) && (!wf.length || wf.includes(t.w.name)) && (!invs.length || invs.includes(t.invariant)));
  const sopts = strategyOptions(p);
  const rows: TargetStat[] = [];
  let skipped = 0;
  for (const t of targets) {
    const bfs = bfsToViolation(t, { maxStates, maxSeconds: 60 });
    if (!bfs) {
      skipped++;
      say(`skip ${t.v.name} / ${t.w.name} / ${t.invariant}: BFS needs more than ${maxStates} states`);
      continue;
    }
    const row = runsToFind(t, bfs, { strategies, seeds, budget, baseSeed: seed, strategyOpts: sopts, maxSteps });
    rows.push(row);
    say(`${t.v.name} / ${t.w.name} / ${t.invariant}: BFS ${bfs.states} states; ${row.strategies.map((s) => `${s.strategy} ${Number.isFinite(s.median) ? s.median : `>${budget}`} (${s.seconds.toFixed(1)}s)`).join(', ')}`);
  }
  if (p.flags.has('json')) {
    const enc = (x: number) => (Number.isFinite(x) ? x : null);
    process.stdout.write(
      JSON.stringify(
        {
          seeds,
          budget,
          maxStates,
          skipped,
          rows: rows.map((r) => ({
            variant: r.target.v.name,
            workload: r.target.w.name,
            invariant: r.target.invariant,
            bfsStates: r.bfsStates,
            bfsDepth: r.bfsDepth,
            k: r.k,
            strategies: Object.fromEntries(r.strategies.map((s) => [s.strategy, { median: enc(s.median), perSeed: s.perSeed.map(enc), medianSteps: enc(s.medianSteps) }])),
          })),
        },
        null,
        1,
      ) + '\n',
    );
  } else {
    process.stdout.write(formatStats(rows, { strategies, seeds, budget }));
    if (skipped) process.stdout.write(`${skipped} violations skipped: BFS needs more than ${maxStates} states to reach them.\n`);
  }
  return 0;
}

