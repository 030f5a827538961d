/**
 * The bad inputs found by trying the commands as a careful user and as a saboteur would
 * (issue "Reliability you can put a number on"): each is run as a user runs it and must
 * print one line and exit 2, leaving no file behind anywhere (temporary files included).
 * Root ignores permission bits, so "a read-only place" is a file system that refuses the
 * write (/proc, /sys) rather than a chmod-ed directory.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutputDir, MANIFEST } from '../src/cli/output.ts';

const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
const run = (script: string, args: string[]) => spawnSync(tsx, [join('src/cli', script), ...args], { encoding: 'utf8', timeout: 120_000 });

/** every path under dir (recursively) */
function tree(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [e.name + '/', ...tree(join(dir, e.name)).map((x) => `${e.name}/${x}`)] : [e.name]));
}

const base = mkdtempSync(join(tmpdir(), 'bad-inputs-'));
const file = join(base, 'afile');
writeFileSync(file, 'x');
const truncated = join(base, 'truncated.json');
writeFileSync(truncated, readFileSync('proofs/claims.json', 'utf8').slice(0, 100));
const arrayExpect = join(base, 'array-expect.json');
writeFileSync(arrayExpect, JSON.stringify({ claims: [{ id: 'x', variant: 'mar14', workload: 'cached-read', bounds: { maxStates: 100, maxSeconds: 10 }, expect: [] }] }));
const badSteps = join(base, 'bad-steps.json');
{
  const t = run('trace.ts', ['--claim', 'mar14.uncached-read', '--format', 'json']);
  const j = JSON.parse(t.stdout);
  j.steps = 'abc';
  writeFileSync(badSteps, JSON.stringify(j));
}
const before = tree(base);
const tmpBefore = readdirSync(tmpdir()).filter((f) => f.includes('.tmp-')).length;

const CASES: [string, string, string[], RegExp][] = [
  ['check --save under a regular file', 'check.ts', ['--claim', 'mar14.no-aio-read', '--save', join(file, 'sub')], /is not a directory/],
  ['check --save to a file', 'check.ts', ['--claim', 'mar14.no-aio-read', '--save', file], /is not a directory/],
  ['check --save to a read-only place', 'check.ts', ['--claim', 'mar14.no-aio-read', '--save', '/proc/aio-retry-check-save'], /cannot make --save directory/],
  ['trace --out to a missing directory', 'trace.ts', ['--claim', 'mar14.uncached-read', '--out', join(base, 'missing', 'x.txt')], /does not exist/],
  ['trace --out to a directory', 'trace.ts', ['--claim', 'mar14.uncached-read', '--out', base], /it is a directory/],
  ['trace --out to a read-only place', 'trace.ts', ['--claim', 'mar14.uncached-read', '--out', '/proc/version'], /cannot write --out file/],
  ['review --html to a missing directory', 'review.ts', ['--from', 'mar14', '--to', 'proposed', '--workload', 'cached-read', '--html', join(base, 'missing', 'r.html')], /does not exist/],
  ['review --html to a directory', 'review.ts', ['--from', 'mar14', '--to', 'proposed', '--workload', 'cached-read', '--html', base], /it is a directory/],
  ['review --html to a read-only place', 'review.ts', ['--from', 'mar14', '--to', 'proposed', '--workload', 'cached-read', '--html', '/sys/kernel/aio-review.html'], /cannot write --html page/],
  ['random --out to a missing directory', 'random.ts', ['--variant', 'mar14', '--workload', 'uncached-read', '--out', join(base, 'missing', 't.json')], /does not exist/],
  ['random --out to a directory', 'random.ts', ['--variant', 'mar14', '--workload', 'uncached-read', '--out', base], /it is a directory/],
  ['random --out under a regular file', 'random.ts', ['--variant', 'mar14', '--workload', 'uncached-read', '--out', join(file, 't.json')], /is not a directory/],
  ['a claims file with "expect": []', 'check.ts', ['--claims', arrayExpect], /"expect" must map invariants to verdicts/],
  ['trace --claims with a truncated file', 'trace.ts', ['--claims', truncated, '--claim', 'mar14.uncached-read'], /not valid JSON/],
  ['trace --claims without --claim (it would be ignored)', 'trace.ts', ['--claims', truncated, '--variant', 'mar14', '--workload', 'uncached-read', '--invariant', 'memory-safety'], /give --claim too/],
  ['replay of a file whose steps have the wrong type', 'replay.ts', [badSteps], /"steps" must be a list/],
  ['trace --max-states 99999999999999999999', 'trace.ts', ['--claim', 'mar14.uncached-read', '--max-states', '99999999999999999999'], /--max-states must be between 1 and/],
];

describe('bad input: one line, exit 2, nothing left behind', () => {
  for (const [what, script, args, msg] of CASES)
    it(what, () => {
      const r = run(script, args);
      expect(r.status, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(msg);
      expect(tree(base)).toEqual(before);
      expect(readdirSync(tmpdir()).filter((f) => f.includes('.tmp-')).length).toBe(tmpBefore);
      expect(existsSync('/proc/aio-retry-check-save')).toBe(false);
    });

  it('simulate accepts a variant expression (mar14-clearBitFix), as the other commands do', () => {
    const r = run('simulate.ts', ['--variant', 'mar14-clearBitFix', '--workload', 'cached-read']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('simulate mar14-clearBitFix / cached-read');
  });
});

describe('an interrupted --save is marked incomplete', () => {
  it('the manifest of an earlier run goes before the first file, and the new one is written only after the last', () => {
    const dir = mkdtempSync(join(tmpdir(), 'save-interrupted-'));
    writeOutputDir(dir, [{ name: 'a.json', text: '{}' }]);
    expect(JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')).files).toEqual(['a.json']);
    // interrupted after the first file of the next set: a file whose text cannot be produced
    const boom = { name: 'c.json', get text(): string { throw new Error('interrupted'); } };
    expect(() => writeOutputDir(dir, [{ name: 'b.json', text: '{}' }, boom])).toThrow('interrupted');
    expect(existsSync(join(dir, MANIFEST))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json']);
  });

  it('check --save killed at any moment leaves either no manifest or every file it names, whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'save-killed-'));
    const r = spawnSync(tsx, ['src/cli/check.ts', '--variant', 'mar14', '--save', dir, '--jobs', '1'], { encoding: 'utf8', timeout: 4_000, killSignal: 'SIGKILL' });
    expect(r.signal === 'SIGKILL' || r.status !== null).toBe(true);
    if (existsSync(join(dir, MANIFEST))) for (const f of JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')).files) JSON.parse(readFileSync(join(dir, f), 'utf8'));
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
