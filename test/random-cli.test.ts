/**
 * npm run random: a failure prints the seed, the fast-check shrink (seed and path),
 * the schedule and the trace; the printed replay commands reproduce it; json traces
 * replay; --stats prints the runs-to-find table; bad input is one line and exit 2.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
function run(script: string, args: string[]) {
  const r = spawnSync(tsx, [join('src/cli', script), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function runAsync(script: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(tsx, [join('src/cli', script), ...args]);
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

/** the arguments of a printed `npm run random -- ...` line */
function replayArgs(err: string, prefix: string): string[] {
  const line = err.split('\n').find((l) => l.startsWith(prefix));
  expect(line).toBeDefined();
  return line!.slice(line!.indexOf('-- ') + 3).split(' ');
}

describe('npm run random', () => {
  it('finds, shrinks and prints a violation with the commands that replay it', () => {
    const r = run('random.ts', ['--variant', 'mar05', '--workload', 'getevents-timeout', '--strategy', 'pct', '--runs', '50', '--invariant', 'ki-users-accounting']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/run \d+ of 50 \(pct, seed \d+\) ki-users-accounting violated at step \d+/);
    expect(r.err).toMatch(/fast-check shrink: \d+ -> \d+ steps \(\d+ shrinks; fc seed -?\d+, path [\d:]+\)/);
    expect(r.err).toMatch(/^schedule: choices \[[\d,]*\] then first$/m);
    expect(r.out).toContain('ki-users-accounting VIOLATED');
    const shrunkActions = r.err.split('\n').filter((l) => l.startsWith('actions ')).at(-1);
    // the printed replay of the shrink gives the same actions
    const again = run('random.ts', replayArgs(r.err, 'replay the shrink:'));
    expect(again.code).toBe(1);
    expect(again.err.split('\n').filter((l) => l.startsWith('actions ')).at(-1)).toBe(shrunkActions);
  }, 60_000);

  it('--fc: fast-check generates the schedules; its seed and path replay the failure', () => {
    const r = run('random.ts', ['--variant', 'mar14', '--workload', 'fsync', '--fc', '--runs', '20', '--format', 'mermaid']);
    expect(r.code).toBe(1);
    expect(r.out.startsWith('sequenceDiagram')).toBe(true);
    const actions = (err: string) => err.split('\n').filter((l) => l.startsWith('actions ')).at(-1);
    expect(actions(r.err)).toBeDefined();
    const again = run('random.ts', replayArgs(r.err, 'replay:'));
    expect(again.code).toBe(1);
    expect(actions(again.err)).toBe(actions(r.err));
  }, 60_000);

  it('--format json writes a trace npm run replay reproduces; larger workloads replay with --replay', () => {
    const dir = mkdtempSync(join(tmpdir(), 'random-'));
    const f = join(dir, 't.json');
    expect(run('random.ts', ['--variant', 'mar14', '--workload', 'cached-read', '--runs', '5', '--format', 'json', '--out', f]).code).toBe(1);
    expect(JSON.parse(readFileSync(f, 'utf8')).format).toBe('aio-retry-check-trace');
    const rep = run('replay.ts', [f]);
    expect(rep.code).toBe(0);
    expect(rep.out).toContain('reproduced: memory-safety violated');
    const g = join(dir, 'big.json');
    expect(run('random.ts', ['--variant', 'mar14', '--workload', 'big-uncached-read', '--runs', '5', '--no-shrink', '--format', 'itf', '--out', join(dir, 'big.itf')]).code).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'big.itf'), 'utf8'))['#meta'].format).toBe('ITF');
    expect(run('random.ts', ['--variant', 'mar14', '--workload', 'big-uncached-read', '--runs', '5', '--no-shrink', '--format', 'json', '--out', g]).code).toBe(1);
    const rep2 = run('random.ts', ['--replay', g]);
    expect(rep2.code).toBe(0);
    expect(rep2.out).toContain('reproduced');
  }, 60_000);

  it('exits 0 when no run violates anything', () => {
    const r = run('random.ts', ['--variant', 'mar14', '--workload', 'sync-read', '--runs', '20']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/no violation in 20 pct runs/);
  }, 60_000);

  it('--stats prints the runs-to-find table next to the BFS states', () => {
    const r = run('random.ts', ['--stats', '--variant', 'mar14', '--workload', 'fsync', '--seeds', '3', '--budget', '50']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\| variant \| workload \| invariant \| BFS states \| BFS depth \| uniform runs \| pct runs \| pb runs \|/);
    expect(r.out).toMatch(/\| mar14 \| fsync \| progress \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \|/);
  }, 60_000);

  it('bad input: one line, exit 2', async () => {
    const cases = [
      ['--variant', 'nope', '--workload', 'cached-read'],
      ['--variant', 'mar14', '--workload', 'nope'],
      ['--variant', 'mar14', '--workload', 'cached-read', '--strategy', 'dfs'],
      ['--variant', 'mar14', '--workload', 'cached-read', '--runs', 'many'],
      ['--variant', 'mar14', '--workload', 'cached-read', '--format', 'svg'],
      ['--variant', 'mar14', '--workload', 'cached-read', '--invariant', 'nope'],
      ['--variant', 'mar14', '--workload', 'cached-read', '--fc-path', 'x'],
      ['--variant', 'mar14'],
      ['--frobnicate'],
    ];
    const results = await Promise.all(cases.map((args) => runAsync('random.ts', args)));
    for (const [i, r] of results.entries()) {
      expect(r.code, cases[i].join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^error: /);
    }
  }, 60_000);
});
