/**
 * npm run bench [-- --quick] [--json]
 *
 * Speed and memory, side by side in one run, printed as ratios against the targets:
 *  1. our explorer on the engine (mar14, and mar05 for comparison), with every
 *     invariant (runCheck) and with no properties: distinct states/s, transitions/s,
 *     bytes per state; where the time goes (engine vs explorer vs invariants);
 *  2. @xstate/graph getAdjacencyMap on the same model, against our explorer up to the
 *     same number of states;
 *  3. the wall time of `npm run check` (all claims; --quick: two of them);
 *  4. a scaling table on mar14: 1..3 async iocbs x 1..2 pages, bounded runs;
 *  5. memory: peak RSS and bytes per state.
 * Explorer figures are the fastest of 3 runs (the machine may be shared); xstate's too,
 * except its runs of 100k states and more (20 s to 80 s each), which run once.
 * Never run from tests. --quick: small caps, one run each (a smoke run of well under a minute).
 */
import { EngineModel } from '../engine/model.ts';
import { VARIANTS } from '../engine/variants.ts';
import { WORKLOADS } from '../engine/workloads.ts';
import type { Workload } from '../engine/workload.ts';
import { explore, type ExploreResult } from '../explore/bfs.ts';
import { checkModel, checkModelSpec, checkPool, runCheck, runCheckAsync } from '../check/run.ts';
import { exploreParallel, type ExplorerPool } from '../explore/parallel.ts';
import { availableParallelism } from 'node:os';
import { parseArgs, runCli, UsageError } from './args.ts';
import { BENCH_WORKLOADS, scalingWorkload } from '../bench/workloads.ts';
import { forcedGc, xstateExplore, type XstateKey, type XstateRun } from '../bench/xstate.ts';
import { loadClaims } from '../check/claims.ts';
import { DEFAULT_CLAIMS_PATH, PROJECT_ROOT } from '../check/paths.ts';
import { timeCheck, type CheckTiming } from '../bench/check.ts';
import { cpuSecondsSince, machineInfo, maxRss, mib, ratio, RssSampler, secs, si, table, type MachineInfo } from '../bench/measure.ts';
import { collectExpanded, engineCost, type EngineCost } from '../bench/split.ts';
import { reductionTable, type ReductionTable } from '../bench/reductions.ts';
import { AGAINST_CLAIMS, benchAgainst, resolveCommit, type AgainstSide } from '../bench/against.ts';

/** the issue's targets */
const TARGET_STATES_PER_SECOND = 200_000;
const SPIN_STATES_PER_SECOND = 2_000_000;
const TARGET_BYTES_PER_STATE = 64;
const TARGET_XSTATE_RATIO = 50;
const TARGET_CHECK_SECONDS = 120;

const HELP = `usage: npm run bench [-- --quick] [--json]

Measures the explorer on the engine (states/s, transitions/s, bytes/state, with and
without invariants), @xstate/graph on the same model, the wall time of npm run check,
a scaling table (1..3 iocbs x 1..2 pages on mar14) and peak memory, and prints them
against the targets. A full run takes 5-7 minutes on 2 cores; --quick 10-20 seconds.
  --quick       small caps, for a smoke run
  --reductions  only section 6: every claim with each reduction on and off (about 3 minutes)
  --against REV only this: the engine of this tree and of commit REV side by side (the same
                claims, every invariant, alternately 3 times; about 1 minute), e.g. before
                and after a refactor
  --json        one JSON object on stdout instead of the text report
`;

interface Caps {
  warmupSeconds: number;
  /** each explorer measurement is the fastest of this many runs (xstate: see `xstate`) */
  reps: number;
  /** states sampled for the engine/explorer split */
  splitSample: number;
  explorer: { maxStates: number; maxSeconds: number };
  /**
   * @xstate/graph runs: each workload with getAdjacencyMap's own key (JSON of the
   * snapshot) and with a hand-written one (the state's bytes); maxStates 'claims' is the
   * bound the check's claim for it explores to (proofs/claims.json); xstate runs `reps`
   * times (at most Caps.reps), ours Caps.reps times
   */
  xstate: { workload: string; maxStates: number | 'claims'; maxSeconds: number; reps: number }[];
  checkArgs: string[];
  scaling: { maxStates: number; maxSeconds: number; iocbs: number[]; pages: number[] };
}

const FULL: Caps = {
  warmupSeconds: 2,
  reps: 3,
  splitSample: 50_000,
  explorer: { maxStates: 1_000_000, maxSeconds: 20 },
  xstate: [
    // whole state spaces (36k and 101k states), then the largest, up to the claim's bound
    { workload: 'uncached-read', maxStates: 100_000, maxSeconds: 60, reps: 3 },
    { workload: 'getevents-timeout', maxStates: 200_000, maxSeconds: 60, reps: 1 },
    { workload: 'two-iocbs-shared-bucket', maxStates: 'claims', maxSeconds: 240, reps: 1 },
  ],
  checkArgs: [],
  scaling: { maxStates: 3_000_000, maxSeconds: 45, iocbs: [1, 2, 3], pages: [1, 2] },
};

const QUICK: Caps = {
  warmupSeconds: 0.5,
  reps: 1,
  splitSample: 5_000,
  explorer: { maxStates: 20_000, maxSeconds: 2 },
  xstate: [{ workload: 'uncached-read', maxStates: 3_000, maxSeconds: 5, reps: 1 }],
  checkArgs: ['--claim', 'mar14.uncached-read', '--claim', 'mar14.getevents-timeout'],
  scaling: { maxStates: 20_000, maxSeconds: 2, iocbs: [1, 2, 3], pages: [1, 2] },
};

interface ExplorerRow {
  variant: string;
  workload: string;
  properties: 'invariants' | 'none';
  /** worker threads (1: the sequential explorer in this thread) */
  workers: number;
  wordsPerState: number;
  states: number;
  transitions: number;
  complete: boolean;
  limitHit?: string;
  seconds: number;
  cpuSeconds: number;
  statesPerSecond: number;
  transitionsPerSecond: number;
  statesPerCpuSecond: number;
  /** the explorer's visited storage (fingerprint table + parent + action) per state */
  bytesPerState: number;
  /**
   * runCheck also keeps the edge list for its non-progress cycle check: 4 bytes of
   * target + 2 of action per transition, 4 of offset + 1 progress bit byte per state
   * (without the arrays' growth slack); 0 when no edges were kept
   */
  edgeBytesPerState: number;
  /** the explorer's peak estimated bytes (visited storage + frontier of full states) */
  peakBytes: number;
  peakRss: number;
}

interface Breakdown {
  variant: string;
  workload: string;
  /** the exploration (all invariants, no edge list), fastest of reps */
  states: number;
  transitions: number;
  seconds: number;
  /** engine cost measured in a bare loop over a sample of its states (split.ts); invariants: the time over the same exploration without them */
  cost: EngineCost;
  engineSeconds: number;
  propertySeconds: number;
  /** the rest: fingerprints, visited table, frontier, bookkeeping, GC */
  explorerSeconds: number;
  usPerTransition: { total: number; engine: number; properties: number; explorer: number };
}

interface XstateRow {
  variant: string;
  workload: string;
  /** the state key xstate ran with: 'default' (getAdjacencyMap's own, JSON) or 'latin1' (ours, the state's bytes) */
  key: XstateKey;
  xstate: XstateRun;
  ours: { states: number; transitions: number; seconds: number; statesPerSecond: number; transitionsPerSecond: number; complete: boolean };
  /** ours over worker threads (exploreParallel), the same states; absent on a 1-CPU machine */
  oursParallel?: { workers: number; seconds: number; statesPerSecond: number; statesRatio: number };
  /** microseconds per transition: xstate's, ours, and the engine's alone (split.ts, on mar14 getevents-timeout states) */
  split: { xstateUs: number; oursUs: number; engineUs: number };
  statesRatio: number;
  transitionsRatio: number;
}

interface ScalingRow {
  iocbs: number;
  pages: number;
  wordsPerState: number;
  states: number;
  transitions: number;
  depth: number;
  seconds: number;
  statesPerSecond: number;
  complete: boolean;
  limitHit?: string;
  violated: string[];
  peakBytes: number;
  /** one line: "complete" or "no violation of the other invariants within N states" */
  outcome: string;
}

/**
 * The engine as our explorer uses it: checkModel, as runCheck has it (transient states:
 * the explorer copies only what it keeps), with every invariant or with none. xstate
 * keeps every snapshot, so it gets the plain model (a fresh array per transition).
 */
function ourModel(v: string, w: Workload, props: 'invariants' | 'none' = 'none'): EngineModel {
  return checkModel({ variant: v, workload: w, noProperties: props === 'none' });
}

function words(v: string, w: Workload): number {
  return new EngineModel(VARIANTS[v], w).init()[0].length;
}

function row(v: string, w: Workload, props: 'invariants' | 'none', workers: number, r: ExploreResult, cpu: number, rss: RssSampler): ExplorerRow {
  return {
    variant: v,
    workload: w.name,
    properties: props,
    workers,
    wordsPerState: words(v, w),
    states: r.states,
    transitions: r.transitions,
    complete: r.complete,
    ...(r.limitHit !== undefined ? { limitHit: r.limitHit } : {}),
    seconds: r.seconds,
    cpuSeconds: cpu,
    statesPerSecond: r.statesPerSecond,
    transitionsPerSecond: r.seconds > 0 ? r.transitions / r.seconds : 0,
    statesPerCpuSecond: cpu > 0 ? r.states / cpu : 0,
    bytesPerState: r.bytesPerState,
    edgeBytesPerState: r.cycles?.checked && r.states > 0 ? (6 * r.cycles.edges + 5 * r.states) / r.states : 0,
    peakBytes: r.peakBytes,
    peakRss: rss.peak,
  };
}

/** the fastest of `reps` runs (the machine may be shared: the minimum is the least disturbed) */
async function exploreRow(v: string, wname: string, props: 'invariants' | 'none', caps: { maxStates: number; maxSeconds: number }, reps: number, pool?: ExplorerPool): Promise<ExplorerRow> {
  const workers = pool?.size ?? 1;
  const w = WORKLOADS[wname];
  if (!w) throw new Error(`workload ${wname} is missing`);
  let best: ExplorerRow | undefined;
  for (let i = 0; i < reps; i++) {
    const rss = new RssSampler();
    const opts = { ...caps, onProgress: () => rss.sample(), progressIntervalMs: 200 };
    const cpu0 = process.cpuUsage();
    const r =
      props === 'invariants'
        ? (await runCheckAsync(VARIANTS[v], w, { ...opts, pool })).result
        : pool
          ? await exploreParallel(checkModelSpec({ variant: v, workload: w, noProperties: true }), { ...opts, workers, pool })
          : explore(ourModel(v, w), opts);
    const cpu = cpuSecondsSince(cpu0);
    rss.sample();
    const x = row(v, w, props, workers, r, cpu, rss);
    if (best === undefined || x.statesPerSecond > best.statesPerSecond) best = x;
  }
  return best!;
}

/** aggregate rate over rows: total states / total seconds */
function aggregate(rows: ExplorerRow[]): { states: number; transitions: number; seconds: number; statesPerSecond: number; transitionsPerSecond: number } {
  const states = rows.reduce((a, r) => a + r.states, 0);
  const transitions = rows.reduce((a, r) => a + r.transitions, 0);
  const seconds = rows.reduce((a, r) => a + r.seconds, 0);
  return { states, transitions, seconds, statesPerSecond: states / seconds, transitionsPerSecond: transitions / seconds };
}

function breakdown(v: string, wname: string, caps: { maxStates: number; maxSeconds: number }, reps: number, sample: number): Breakdown {
  const w = WORKLOADS[wname];
  const make = () => ourModel(v, w, 'invariants');
  let r: ExploreResult | undefined;
  for (let i = 0; i < reps; i++) {
    const x = explore(make(), caps);
    if (r === undefined || x.seconds < r.seconds) r = x;
  }
  // the invariants' share: the same exploration without them (most checks are skipped
  // when a step changed none of the words they read, so a bare loop of full checks over
  // sampled states would overstate it)
  let bare: ExploreResult | undefined;
  for (let i = 0; i < reps; i++) {
    const x = explore(ourModel(v, w), caps);
    if (bare === undefined || x.seconds < bare.seconds) bare = x;
  }
  const m = make();
  const states = collectExpanded(m, sample, (spy) => explore(spy, { maxStates: sample * 4 }));
  const cost = engineCost(m, states, reps);
  const engine = (cost.engineUsPerTransition * r!.transitions) / 1e6;
  const props = Math.max(0, r!.seconds - bare!.seconds);
  const rest = Math.max(0, r!.seconds - engine - props);
  const per = (s: number) => (r!.transitions > 0 ? (s / r!.transitions) * 1e6 : 0);
  return {
    variant: v,
    workload: wname,
    states: r!.states,
    transitions: r!.transitions,
    seconds: r!.seconds,
    cost,
    engineSeconds: engine,
    propertySeconds: props,
    explorerSeconds: rest,
    usPerTransition: { total: per(r!.seconds), engine: per(engine), properties: per(props), explorer: per(rest) },
  };
}

async function xstateRow(v: string, wname: string, key: XstateKey, maxStates: number, maxSeconds: number, xstateReps: number, reps: number, engineUs: number, pool?: ExplorerPool): Promise<XstateRow> {
  const workers = pool?.size ?? 1;
  const w = WORKLOADS[wname];
  // xstate first (the fastest of `xstateReps` runs), then ours up to the same number of
  // distinct states (the whole space when xstate finished it; the fastest of `reps` runs)
  let xs: XstateRun | undefined;
  for (let i = 0; i < xstateReps; i++) {
    const x = xstateExplore(new EngineModel(VARIANTS[v], w), maxStates, maxSeconds, key);
    if (xs === undefined || x.statesPerSecond > xs.statesPerSecond) xs = x;
  }
  const limit = xs!.complete ? {} : { maxStates: xs!.states };
  // xstate's adjacency map is garbage now: collect it before our runs, as xstate's own
  // run started from a collected heap
  forcedGc()?.();
  let r: ExploreResult | undefined;
  for (let i = 0; i < reps; i++) {
    const x = explore(ourModel(v, w), limit);
    if (r === undefined || x.seconds < r.seconds) r = x;
  }
  const ours = {
    states: r!.states,
    transitions: r!.transitions,
    seconds: r!.seconds,
    statesPerSecond: r!.statesPerSecond,
    transitionsPerSecond: r!.transitions / r!.seconds,
    complete: r!.complete,
  };
  let par: ExploreResult | undefined;
  for (let i = 0; i < reps && pool; i++) {
    const x = await exploreParallel(checkModelSpec({ variant: v, workload: w, noProperties: true }), { ...limit, workers, pool });
    if (par === undefined || x.seconds < par.seconds) par = x;
  }
  const per = (s: number, n: number) => (n > 0 ? (s / n) * 1e6 : 0);
  return {
    variant: v,
    workload: wname,
    key,
    xstate: xs!,
    ours,
    ...(par ? { oursParallel: { workers, seconds: par.seconds, statesPerSecond: par.statesPerSecond, statesRatio: par.statesPerSecond / xs!.statesPerSecond } } : {}),
    statesRatio: ours.statesPerSecond / xs!.statesPerSecond,
    transitionsRatio: ours.transitionsPerSecond / xs!.transitionsPerSecond,
    split: { xstateUs: per(xs!.seconds, xs!.transitions), oursUs: per(r!.seconds, r!.transitions), engineUs },
  };
}

function scalingRow(iocbs: number, pages: number, caps: { maxStates: number; maxSeconds: number }): ScalingRow {
  const w = scalingWorkload(iocbs, pages);
  const run = runCheck(VARIANTS.mar14, w, caps);
  const r = run.result;
  const violated = run.invariants.filter((i) => i.verdict === 'violated').map((i) => i.invariant);
  const n = r.states.toLocaleString('en-US');
  const outcome = r.complete
    ? `complete: every interleaving explored`
    : `bounded (${r.limitHit}): no violation of the other invariants within ${n} states (depth ${r.depth})`;
  return {
    iocbs,
    pages,
    wordsPerState: words('mar14', w),
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    seconds: r.seconds,
    statesPerSecond: r.statesPerSecond,
    complete: r.complete,
    ...(r.limitHit !== undefined ? { limitHit: r.limitHit } : {}),
    violated,
    peakBytes: r.peakBytes,
    outcome,
  };
}

/** section 6: each reduction on and off on every default claim (or two with --quick) */
function reductionsSection(out: (s: string) => void, quick: boolean): ReductionTable[] {
  const tables: ReductionTable[] = [];
  const filter = quick ? (id: string) => id === 'mar14.uncached-read' || id === 'proposed.getevents-timeout' : undefined;
  out(`6. Reductions: ${quick ? 'two claims' : 'every default claim'} with each reduction and without it (all invariants; the claims' bounds)`);
  out('');
  for (const red of ['dead', 'movers'] as const) {
    const t = reductionTable(red, filter);
    tables.push(t);
    const tot = (k: 'with' | 'without') => t.rows.reduce((a, r) => a + r[k].states, 0);
    const diff = t.rows.filter((r) => !r.sameVerdicts).map((r) => r.claim);
    out(`   ${red}: ${si(tot('with'))} states with it, ${si(tot('without'))} without (${ratio(tot('without') / Math.max(1, tot('with')))}); CPU ${secs(t.cpuSeconds.with)} with, ${secs(t.cpuSeconds.without)} without; verdicts ${diff.length ? `CONTRADICT on ${diff.join(', ')}` : 'agree on every claim (a bounded run contradicts neither)'}`);
    out(
      table(
        ['claim', 'states with', 'states without', 'ratio', 'time with', 'time without', 'complete with / without'],
        t.rows.map((r) => [r.claim, si(r.with.states), si(r.without.states), ratio(r.without.states / Math.max(1, r.with.states)), secs(r.with.seconds), secs(r.without.seconds), `${r.with.complete ? 'yes' : 'no'} / ${r.without.complete ? 'yes' : 'no'}`]),
      ),
    );
    out('');
  }
  return tables;
}

function verdict(met: boolean): string {
  return met ? 'met' : 'NOT met';
}

runCli(async () => {
  const p = parseArgs(process.argv.slice(2), { values: ['against'], flags: ['quick', 'json', 'help', 'reductions'] });
  if (p.flags.has('help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const quick = p.flags.has('quick');
  const json = p.flags.has('json');
  const against = p.values.get('against')?.at(-1);
  if (against !== undefined) {
    try {
      resolveCommit(PROJECT_ROOT, against);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const caps = quick ? QUICK : FULL;
  const t0 = performance.now();
  const info: MachineInfo = machineInfo();
  const out = (s: string) => {
    if (!json) process.stdout.write(s + '\n');
  };
  const status = (s: string) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${s}`);
  };
  const statusDone = () => {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  };

  out(`npm run bench${quick ? ' --quick' : ''}: ${info.date.slice(0, 10)}, ${info.cpus} CPUs (${info.cpuModel}), ${info.totalMemGiB} GiB, node ${info.node}, ${info.os}`);
  out(`load average at start: ${info.loadAvg.join(' ')} (rates are wall-clock; states per CPU-second are also shown, as other load on the machine slows the wall clock)`);
  out('');
  if (against !== undefined) {
    const reps = quick ? 1 : 3;
    let r: { here: AgainstSide; there: AgainstSide };
    try {
      r = benchAgainst(PROJECT_ROOT, against, reps, quick ? AGAINST_CLAIMS.slice(0, 2) : AGAINST_CLAIMS, status);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    statusDone();
    out(`the engine of this tree (${r.here.rev}) against commit ${r.there.rev}: ${(quick ? AGAINST_CLAIMS.slice(0, 2) : AGAINST_CLAIMS).map(([v, w]) => `${v} ${w}`).join(', ')}; every invariant; fastest CPU time of ${reps}, runs alternated`);
    const row = (x: AgainstSide) => [x.rev, x.states.toLocaleString('en-US'), secs(x.cpuSeconds), x.allCpuSeconds.map((c) => c.toFixed(2)).join(' / '), si(x.statesPerCpuSecond)];
    out(table(['engine', 'states', 'CPU', 'each run (CPU s)', 'states/CPU-s'], [row(r.there), row(r.here)]));
    out(`this tree / that commit: ${ratio(r.there.cpuSeconds / r.here.cpuSeconds)} the speed (states per CPU-second)${r.here.states === r.there.states ? ', the same states' : `; states differ: ${r.there.states.toLocaleString('en-US')} -> ${r.here.states.toLocaleString('en-US')}`}`);
    out(`bench took ${secs((performance.now() - t0) / 1000)}; load average at the end: ${machineInfo().loadAvg.join(' ')}`);
    if (json) process.stdout.write(JSON.stringify({ machine: info, quick, against: r }, null, 1) + '\n');
    return 0;
  }
  if (p.flags.has('reductions')) {
    const reductions = reductionsSection(out, quick);
    out(`bench took ${secs((performance.now() - t0) / 1000)}; load average at the end: ${machineInfo().loadAvg.join(' ')}`);
    if (json) process.stdout.write(JSON.stringify({ machine: info, quick, reductions }, null, 1) + '\n');
    return 0;
  }

  // --- warm-up: the engine's and the explorer's code JIT-compiled before anything is timed
  status('warming up...');
  explore(ourModel('mar14', WORKLOADS['getevents-timeout']), { maxSeconds: caps.warmupSeconds });
  runCheck(VARIANTS.mar05, WORKLOADS['getevents-timeout'], { maxSeconds: caps.warmupSeconds });

  // --- 1. explorer on the engine --------------------------------------------------------
  const explorerRows: ExplorerRow[] = [];
  for (const v of ['mar14', 'mar05']) {
    for (const wn of BENCH_WORKLOADS) {
      for (const props of ['invariants', 'none'] as const) {
        status(`explorer: ${v} ${wn} (${props})...`);
        explorerRows.push(await exploreRow(v, wn, props, caps.explorer, caps.reps));
      }
    }
  }
  // the same mar14 explorations over worker threads (exploreParallel: the same states, verdicts and paths)
  // (on a pool of warm workers, as `npm run check -- --workers N` has it: a fresh worker takes ~0.15 s to start and runs cold code)
  const parWorkers = Math.min(2, availableParallelism());
  const pool = parWorkers > 1 ? checkPool(parWorkers) : undefined;
  if (pool) {
    // warm the pool's workers up as the main thread was
    await exploreParallel(checkModelSpec({ variant: 'mar14', workload: WORKLOADS['getevents-timeout'] }), { maxSeconds: caps.warmupSeconds, pool, workers: parWorkers });
    for (const wn of BENCH_WORKLOADS) {
      for (const props of ['invariants', 'none'] as const) {
        status(`explorer: mar14 ${wn} (${props}, ${parWorkers} workers)...`);
        explorerRows.push(await exploreRow('mar14', wn, props, caps.explorer, caps.reps, pool));
      }
    }
  }
  statusDone();
  const agg = (v: string, props: 'invariants' | 'none', workers = 1) => aggregate(explorerRows.filter((r) => r.variant === v && r.properties === props && r.workers === workers));
  const m14inv = agg('mar14', 'invariants');
  const m14none = agg('mar14', 'none');
  const m05inv = agg('mar05', 'invariants');
  const m05none = agg('mar05', 'none');
  const m14parInv = agg('mar14', 'invariants', parWorkers);
  const m14parNone = agg('mar14', 'none', parWorkers);
  const maxBps = Math.max(...explorerRows.map((r) => r.bytesPerState));
  const maxBpsEdges = Math.max(...explorerRows.map((r) => r.bytesPerState + r.edgeBytesPerState));
  out(`1. Explorer on the engine (BFS, hash compaction; caps ${si(caps.explorer.maxStates)} states / ${caps.explorer.maxSeconds}s per run)`);
  out('');
  out(
    table(
      ['variant', 'workload', 'properties', 'workers', 'words', 'states', 'transitions', 'done', 'time', 'states/s', 'trans/s', 'states/cpu-s', 'bytes/state', '+edges', 'peak (with frontier)'],
      explorerRows.map((r) => [
        r.variant,
        r.workload,
        r.properties,
        String(r.workers),
        String(r.wordsPerState),
        si(r.states),
        si(r.transitions),
        r.complete ? 'yes' : (r.limitHit ?? 'no'),
        secs(r.seconds),
        si(r.statesPerSecond),
        si(r.transitionsPerSecond),
        si(r.statesPerCpuSecond),
        r.bytesPerState.toFixed(1),
        r.edgeBytesPerState > 0 ? `+${r.edgeBytesPerState.toFixed(1)}` : '-',
        mib(r.peakBytes),
      ]),
    ),
  );
  out('');
  out(`   mar14, all invariants: ${si(m14inv.statesPerSecond)} states/s, ${si(m14inv.transitionsPerSecond)} transitions/s; no properties: ${si(m14none.statesPerSecond)} states/s, ${si(m14none.transitionsPerSecond)} transitions/s`);
  out(`   mar05, all invariants: ${si(m05inv.statesPerSecond)} states/s, ${si(m05inv.transitionsPerSecond)} transitions/s; no properties: ${si(m05none.statesPerSecond)} states/s, ${si(m05none.transitionsPerSecond)} transitions/s`);
  if (parWorkers > 1)
    out(
      `   mar14 over ${parWorkers} worker threads, all invariants: ${si(m14parInv.statesPerSecond)} states/s (${ratio(m14parInv.statesPerSecond / m14inv.statesPerSecond)} of one thread); ` +
        `no properties: ${si(m14parNone.statesPerSecond)} states/s; target ${si(TARGET_STATES_PER_SECOND)}: ${verdict(m14parInv.statesPerSecond >= TARGET_STATES_PER_SECOND)} (${ratio(m14parInv.statesPerSecond / TARGET_STATES_PER_SECOND)})`,
    );
  out(
    `   target ${si(TARGET_STATES_PER_SECOND)} states/s on mar14, one thread: ${verdict(m14inv.statesPerSecond >= TARGET_STATES_PER_SECOND)} ` +
      `(with invariants at ${ratio(m14inv.statesPerSecond / TARGET_STATES_PER_SECOND)} of it, without at ${ratio(m14none.statesPerSecond / TARGET_STATES_PER_SECOND)}); ` +
      `SPIN's ~${si(SPIN_STATES_PER_SECOND)} states/s is ${ratio(SPIN_STATES_PER_SECOND / m14inv.statesPerSecond)} faster than us with invariants`,
  );
  out(
    `   state storage: at most ${maxBps.toFixed(1)} bytes/state, ${maxBpsEdges.toFixed(1)} with the check's edge list (target <= ${TARGET_BYTES_PER_STATE}: ${verdict(maxBpsEdges <= TARGET_BYTES_PER_STATE)}); ` +
      `the frontier of full states comes on top while it lasts (peak column)`,
  );
  out('');

  // --- where the time goes --------------------------------------------------------------
  status('time breakdown...');
  const bd = breakdown('mar14', 'getevents-timeout', caps.explorer, caps.reps, caps.splitSample);
  statusDone();
  const pct = (s: number) => `${((s / bd.seconds) * 100).toFixed(0)}%`;
  out(
    `   where the time goes (mar14 getevents-timeout, all invariants, no edge list, ${si(bd.states)} states, ${si(bd.transitions)} transitions, ${secs(bd.seconds)}; ` +
      `engine timed in a bare loop over ${si(bd.cost.states)} of its states, invariants as the difference from the same exploration without them):`,
  );
  out(
    `   engine (load or undo + one step + fingerprint update) ${pct(bd.engineSeconds)} = ${bd.usPerTransition.engine.toFixed(2)} us/transition, ` +
      `invariants ${pct(bd.propertySeconds)} = ${bd.usPerTransition.properties.toFixed(2)} us, ` +
      `explorer (visited table, packing new states, frontier copies, GC) ${pct(bd.explorerSeconds)} = ${bd.usPerTransition.explorer.toFixed(2)} us; total ${bd.usPerTransition.total.toFixed(2)} us/transition`,
  );
  out('');

  // --- 2. xstate ------------------------------------------------------------------------
  const xrows: XstateRow[] = [];
  const claimBound = (wname: string): number => {
    const c = loadClaims(DEFAULT_CLAIMS_PATH).find((c) => c.variant === 'mar14' && c.workload === wname);
    if (!c) throw new Error(`bench: no mar14 claim for ${wname} in ${DEFAULT_CLAIMS_PATH}`);
    return c.bounds.maxStates;
  };
  for (const x of caps.xstate) {
    const maxStates = x.maxStates === 'claims' ? claimBound(x.workload) : x.maxStates;
    for (const key of ['default', 'latin1'] as const) {
      status(`@xstate/graph (${key} key): mar14 ${x.workload} up to ${si(maxStates)} states...`);
      xrows.push(await xstateRow('mar14', x.workload, key, maxStates, x.maxSeconds, Math.min(x.reps, caps.reps), caps.reps, bd.cost.engineUsPerTransition, pool));
    }
  }
  statusDone();
  out('2. @xstate/graph getAdjacencyMap on the same model (EngineModel as an xstate v5 machine) vs our explorer (no properties on either side)');
  out('   xstate key: "default" = getAdjacencyMap\'s own (JSON of the snapshot), what a user of @xstate/graph gets; "latin1" = a hand-written key (the state\'s bytes), xstate at its cheapest');
  out('');
  out(
    table(
      ['variant', 'workload', 'xstate key', 'states', 'xstate time', 'xstate states/s', 'xstate trans/s', 'ours time', 'ours states/s', 'ours trans/s', 'ratio states/s', 'ratio trans/s', 'xstate heap/state (retained)'],
      xrows.map((r) => [
        r.variant,
        r.workload,
        r.key,
        si(r.xstate.states) + (r.xstate.complete ? ' (all)' : ''),
        secs(r.xstate.seconds),
        si(r.xstate.statesPerSecond),
        si(r.xstate.transitionsPerSecond),
        secs(r.ours.seconds),
        si(r.ours.statesPerSecond),
        si(r.ours.transitionsPerSecond),
        ratio(r.statesRatio),
        ratio(r.transitionsRatio),
        `${si(r.xstate.heapBytesPerState)} B${r.xstate.heapMeasuredAfterGc ? '' : ' (sampled)'}`,
      ]),
    ),
  );
  out('');
  // the target is judged on the largest run (xstate slows down as its heap of snapshots
  // grows, we do not), for each key; every row is printed above
  const largest = Math.max(...xrows.map((r) => r.xstate.states));
  const xstateVerdicts: Record<string, { ratios: string; atLargest: number; met: boolean }> = {};
  for (const key of ['default', 'latin1'] as const) {
    const rows = xrows.filter((r) => r.key === key);
    const big = rows.filter((r) => r.xstate.states === largest);
    const atLargest = big.length > 0 ? Math.min(...big.map((r) => r.statesRatio)) : 0;
    xstateVerdicts[key] = { ratios: rows.map((r) => `${ratio(r.statesRatio)} at ${si(r.xstate.states)}`).join(', '), atLargest, met: atLargest >= TARGET_XSTATE_RATIO };
    out(
      `   ours / xstate (${key} key): ${xstateVerdicts[key].ratios} states; at ${si(largest)} states ${ratio(atLargest)} ` +
        `(target >= ${TARGET_XSTATE_RATIO}x: ${verdict(xstateVerdicts[key].met)})`,
    );
  }
  out('   xstate slows down as the run grows (every snapshot stays reachable: GC over a growing heap); our rate does not, so the ratio grows with the state count');
  const parRows = xrows.filter((r) => r.oursParallel);
  if (parRows.length > 0) {
    out(
      `   ours over ${parRows[0].oursParallel!.workers} worker threads / xstate (one thread): ` +
        `${parRows.map((r) => `${r.workload} (${r.key}) ${si(r.oursParallel!.statesPerSecond)} states/s = ${ratio(r.oursParallel!.statesRatio)}`).join(', ')}`,
    );
  }
  const eus = xrows[0]?.split.engineUs ?? 0;
  out(
    `   per transition, the engine alone (actions + next in a bare loop, packing into a reused buffer as our explorer has it) costs ${eus.toFixed(2)} us; ` +
      `xstate runs the same step code (packing into a fresh array):`,
  );
  for (const r of xrows) {
    const q = r.split;
    const f = (x: number) => x.toFixed(2);
    out(
      `   ${r.workload} (${r.key} key, ${si(r.xstate.states)} states): xstate ${f(q.xstateUs)} us/transition (graph library ~${f(q.xstateUs - q.engineUs)}), ours ${f(q.oursUs)} (explorer ~${f(Math.max(0, q.oursUs - q.engineUs))}); ` +
        `an explorer costing nothing would be ${ratio(q.xstateUs / q.engineUs)} faster than xstate`,
    );
  }
  out('');

  await pool?.close();

  // --- 3. npm run check -------------------------------------------------------------------
  status(`npm run check ${caps.checkArgs.join(' ')}...`);
  const ck: CheckTiming = await timeCheck(caps.checkArgs);
  statusDone();
  out(`3. npm run check${caps.checkArgs.length ? ` -- ${caps.checkArgs.join(' ')}` : ''} (${quick ? 'two claims' : 'all default claims'}), as a child process`);
  out('');
  if (ck.error) out(`   FAILED: ${ck.error}`);
  else
    out(
      `   ${ck.claims} claims, ${si(ck.states)} states, ${si(ck.transitions)} transitions in ${secs(ck.seconds)} wall ` +
        `(${secs(ck.exploreSeconds)} exploring, ${si(ck.states / ck.exploreSeconds)} states/s); exit ${ck.exitCode}, ${ck.mismatches} verdicts differing from their claims` +
        (ck.peakRss !== undefined ? `; peak RSS ${mib(ck.peakRss)}` : ''),
    );
  out(`   target < ${TARGET_CHECK_SECONDS}s on a 2-core machine: ${quick ? 'not judged (--quick runs a subset)' : verdict(!ck.error && ck.seconds < TARGET_CHECK_SECONDS)}`);
  let ckPar: CheckTiming | undefined;
  if (parWorkers > 1) {
    status(`npm run check -- --workers ${parWorkers}...`);
    ckPar = await timeCheck([...caps.checkArgs, '--workers', String(parWorkers)]);
    statusDone();
    out(
      ckPar.error
        ? `   with --workers ${parWorkers}: FAILED: ${ckPar.error}`
        : `   with --workers ${parWorkers} (a pool of warm workers for all claims): ${secs(ckPar.seconds)} wall, ${ckPar.mismatches} verdicts differing (${ratio(ck.seconds / ckPar.seconds)} the speed of one thread)`,
    );
  }
  out('');

  // --- 4. scaling -------------------------------------------------------------------------
  const srows: ScalingRow[] = [];
  for (const n of caps.scaling.iocbs) {
    for (const pg of caps.scaling.pages) {
      status(`scaling: ${n} iocbs x ${pg} pages...`);
      srows.push(scalingRow(n, pg, caps.scaling));
    }
  }
  statusDone();
  out(`4. Scaling on mar14, all invariants (uncached file, every iocb reads the whole file; caps ${si(caps.scaling.maxStates)} states / ${caps.scaling.maxSeconds}s)`);
  out('');
  out(
    table(
      ['iocbs', 'pages', 'words', 'states', 'transitions', 'depth', 'time', 'states/s', 'peak', 'complete', 'violated'],
      srows.map((r) => [
        String(r.iocbs),
        String(r.pages),
        String(r.wordsPerState),
        si(r.states),
        si(r.transitions),
        String(r.depth),
        secs(r.seconds),
        si(r.statesPerSecond),
        mib(r.peakBytes),
        r.complete ? 'yes' : `no (${r.limitHit})`,
        r.violated.length ? r.violated.join(', ') : '-',
      ]),
    ),
  );
  out('');
  for (const r of srows) out(`   ${r.iocbs}x${r.pages}: ${r.outcome}`);
  out('');

  // --- 6. reductions (printed after memory, computed here) ----------------------------------
  const redLines: string[] = [];
  status('reductions: every claim with and without each reduction...');
  const reductions = reductionsSection((x) => redLines.push(x), quick);
  statusDone();

  // --- 5. memory --------------------------------------------------------------------------
  const allExplorer = [...explorerRows];
  const minBps = Math.min(...allExplorer.map((r) => r.bytesPerState));
  const peakPerState = Math.max(...srows.filter((r) => r.states > 0).map((r) => r.peakBytes / r.states));
  const totalSeconds = (performance.now() - t0) / 1000;
  const peakRss = maxRss();
  out('5. Memory');
  out('');
  const xstatePeak = Math.max(...xrows.map((r) => r.xstate.peakRss));
  out(
    `   peak RSS of this process: ${mib(peakRss)}; during the xstate runs it peaked at ${mib(xstatePeak)} ` +
      `(${si(largest)} states kept as snapshots), the largest scaling run explored ${si(Math.max(...srows.map((r) => r.states)))} states`,
  );
  out(
    `   explorer storage per state (fingerprint table + parent + action): ${minBps.toFixed(1)}-${maxBps.toFixed(1)} bytes, ` +
      `up to ${maxBpsEdges.toFixed(1)} with the check's edge list (target <= ${TARGET_BYTES_PER_STATE}: ${verdict(maxBpsEdges <= TARGET_BYTES_PER_STATE)})`,
  );
  out(`   with the frontier of full states at its peak: up to ${peakPerState.toFixed(0)} bytes/state in the scaling runs`);
  out(`   xstate: ${xrows.map((r) => `${si(r.xstate.heapBytesPerState)} heap bytes/state retained (${r.workload}, ${r.key} key)`).join(', ')}, i.e. ${xrows.map((r) => ratio(r.xstate.heapBytesPerState / maxBps)).join(', ')} our storage`);
  if (ck.peakRss !== undefined) out(`   npm run check child: peak RSS ${mib(ck.peakRss)}`);
  out('');
  for (const l of redLines) out(l);
  out(`bench took ${secs(totalSeconds)}; load average at the end: ${machineInfo().loadAvg.join(' ')}`);

  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          machine: info,
          quick,
          caps,
          targets: {
            statesPerSecond: TARGET_STATES_PER_SECOND,
            spinStatesPerSecond: SPIN_STATES_PER_SECOND,
            bytesPerState: TARGET_BYTES_PER_STATE,
            xstateRatio: TARGET_XSTATE_RATIO,
            checkSeconds: TARGET_CHECK_SECONDS,
          },
          explorer: { rows: explorerRows, mar14: { invariants: m14inv, none: m14none, workers: parWorkers, parallel: { invariants: m14parInv, none: m14parNone } }, mar05: { invariants: m05inv, none: m05none }, breakdown: bd },
          xstate: { rows: xrows, verdicts: xstateVerdicts },
          check: ck,
          checkWorkers: ckPar,
          scaling: srows,
          reductions,
          memory: { peakRss, bytesPerState: { min: minBps, max: maxBps, maxWithEdges: maxBpsEdges }, peakBytesPerStateScaling: peakPerState },
          seconds: totalSeconds,
          loadAvgEnd: machineInfo().loadAvg,
        },
        null,
        1,
      ) + '\n',
    );
  }
  return 0;
});
