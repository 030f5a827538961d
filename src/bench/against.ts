/**
 * npm run bench -- --against REV: this tree's engine and the engine of another commit,
 * side by side in one run. The other commit is checked out in a temporary git worktree
 * (removed afterwards); each side explores the same claims in a child process of its
 * own tree, alternately, `reps` times, and the fastest CPU time of each is compared
 * (states per CPU-second as well: the machine may be shared). The claims are explored
 * with every invariant, at the claim bounds of today's check, so a difference in states
 * shows a change of the state space, not only of speed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** the claims both sides explore (variant, workload): the bench's usual mar14 ones, proposed and a mar05 one */
export const AGAINST_CLAIMS: readonly (readonly [string, string])[] = [
  ['mar14', 'uncached-read'],
  ['mar14', 'partly-cached-read'],
  ['mar14', 'getevents-timeout'],
  ['mar14', 'metadata-miss'],
  ['proposed', 'uncached-read'],
  ['mar05', 'two-iocbs-shared-bucket'],
];

export interface AgainstSide {
  tree: string;
  rev: string;
  states: number;
  /** fastest of the runs */
  cpuSeconds: number;
  allCpuSeconds: number[];
  statesPerCpuSecond: number;
}

/** the measuring script, run by tsx inside each tree (it only uses runCheck, resolveVariant and WORKLOADS, which every commit of the engine has) */
const SCRIPT = `
const root = process.argv[2];
const claims = JSON.parse(process.argv[3]);
const { runCheck } = await import(root + '/src/check/run.ts');
const { resolveVariant } = await import(root + '/src/check/variantSpec.ts');
const { WORKLOADS } = await import(root + '/src/engine/workloads.ts');
runCheck(resolveVariant('mar14'), WORKLOADS['getevents-timeout'], { maxSeconds: 1 }); // warm-up
let states = 0;
const t0 = process.cpuUsage();
for (const [v, w] of claims) states += runCheck(resolveVariant(v), WORKLOADS[w], { maxStates: 250000, maxSeconds: 300 }).result.states;
const u = process.cpuUsage(t0);
process.stdout.write(JSON.stringify({ states, cpuSeconds: (u.user + u.system) / 1e6 }) + '\\n');
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** the commit `rev` names in `root`'s repository; throws Error with one line if none */
export function resolveCommit(root: string, rev: string): string {
  try {
    return git(root, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`);
  } catch {
    throw new Error(`--against: no commit "${rev}" in ${root}`);
  }
}

/** measures this tree (`root`) against commit `rev`; throws Error with one line on a bad revision or a failed measurement */
export function benchAgainst(root: string, rev: string, reps: number, claims = AGAINST_CLAIMS, status: (s: string) => void = () => {}): { here: AgainstSide; there: AgainstSide } {
  const sha = resolveCommit(root, rev);
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-against-'));
  const tree = join(dir, 'tree');
  const script = join(dir, 'measure.mts'); // an ES module wherever it lies (top-level await)
  writeFileSync(script, SCRIPT);
  try {
    git(root, 'worktree', 'add', '--detach', '-q', tree, sha);
    symlinkSync(resolve(root, 'node_modules'), join(tree, 'node_modules'));
    const tsx = resolve(root, 'node_modules', '.bin', 'tsx');
    const run = (t: string) => {
      const r = spawnSync(tsx, [script, t, JSON.stringify(claims)], { cwd: t, encoding: 'utf8' });
      if (r.status !== 0) {
        const lines = (r.stderr || r.stdout).trim().split('\n');
        throw new Error(`--against: the measurement failed in ${t === root ? 'this tree' : `commit ${sha.slice(0, 7)}`}: ${lines.find((l) => /Error/.test(l)) ?? lines.at(-1)}`);
      }
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { states: number; cpuSeconds: number };
    };
    const runs: Record<'here' | 'there', { states: number; cpuSeconds: number }[]> = { here: [], there: [] };
    for (let i = 0; i < reps; i++) {
      status(`--against ${sha.slice(0, 7)}: run ${i + 1} of ${reps} (that commit)...`);
      runs.there.push(run(tree));
      status(`--against ${sha.slice(0, 7)}: run ${i + 1} of ${reps} (this tree)...`);
      runs.here.push(run(root));
    }
    const side = (t: string, r: string, xs: { states: number; cpuSeconds: number }[]): AgainstSide => {
      const best = Math.min(...xs.map((x) => x.cpuSeconds));
      return { tree: t, rev: r, states: xs[0].states, cpuSeconds: best, allCpuSeconds: xs.map((x) => x.cpuSeconds), statesPerCpuSecond: xs[0].states / best };
    };
    let head = 'working tree';
    try {
      head = git(root, 'rev-parse', '--short', 'HEAD') + (git(root, 'status', '--porcelain', '--untracked-files=no') ? ' + changes' : '');
    } catch {
      /* not a git checkout */
    }
    return { here: side(root, head, runs.here), there: side(tree, sha.slice(0, 7), runs.there) };
  } finally {
    try {
      if (existsSync(tree)) git(root, 'worktree', 'remove', '--force', tree);
    } catch {
      /* removed below */
    }
    rmSync(dir, { recursive: true, force: true });
    try {
      git(root, 'worktree', 'prune');
    } catch {
      /* nothing to prune */
    }
  }
}
