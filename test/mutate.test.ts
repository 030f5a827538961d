/**
 * The mutation suite: every mutant applies to the tree as it is, and `npm run mutate`
 * runs one as a user would: on a copy of the tree, killed by a claim, copy removed.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MUTANTS } from '../src/mutate/mutants.ts';
import { applyPatch, markdownTable, ROOT, score, validateMutants } from '../src/mutate/run.ts';

const mutate = (...args: string[]) => {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src/cli/mutate.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const copies = () => readdirSync(tmpdir()).filter((f) => f.startsWith('aio-mutate-'));

describe('the mutation suite', () => {
  it('has at least 50 mutants, each of which applies to this tree exactly once and changes it', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(50);
    expect(validateMutants()).toEqual([]);
    for (const m of MUTANTS) {
      const out = applyPatch(m, (f) => readFileSync(join(ROOT, f), 'utf8'));
      for (const [f, text] of out) expect(text, m.name).not.toBe(readFileSync(join(ROOT, f), 'utf8'));
    }
  });

  it('every equivalent mutant says why', () => {
    for (const m of MUTANTS) if (m.equivalent !== undefined) expect(m.equivalent.length, m.name).toBeGreaterThan(20);
  });

  it('a bad patch is reported, not applied', () => {
    const bad = [{ name: 'x', what: 'nothing', patch: [{ file: 'src/engine/kernel/list.ts', find: 'no such text anywhere', replace: '' }] }];
    expect(validateMutants(bad)[0]).toMatch(/occurs 0 times/);
    expect(() => applyPatch(bad[0], (f) => readFileSync(join(ROOT, f), 'utf8'))).toThrow(/not found/);
  });

  it('npm run mutate -- --mutant M runs it on a copy of the tree and names the claim and invariant that killed it', () => {
    const before = copies();
    const r = mutate('--mutant', 'list-del-keeps-pointers', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.mutants).toHaveLength(1);
    expect(j.mutants[0].status).toBe('killed');
    expect(j.mutants[0].kill.claim).toMatch(/^[a-z0-9.+-]+$/);
    expect(j.mutants[0].kill.got).toBe('violated');
    expect(j.score).toMatchObject({ killed: 1, survived: 0 });
    // the copy is gone, and the tree itself is untouched
    expect(copies()).toEqual(before);
    expect(readFileSync(join(ROOT, 'src/engine/kernel/list.ts'), 'utf8')).toContain('setNext(k, e, 0);');
  }, 120_000);

  it('bad input is one line and exit 2', () => {
    const r = mutate('--mutant', 'no-such-mutant');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/unknown mutant "no-such-mutant"/);
    const s = mutate('--max-states', 'lots');
    expect(s.code).toBe(2);
  });

  it('the README shows the table of the last full run, and its score line', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = MUTANTS.filter((m) => readme.includes(`| \`${m.name}\` |`));
    expect(rows.length).toBe(MUTANTS.length);
    expect(readme).toMatch(/\d+ of \d+ non-equivalent mutants killed/);
    expect(markdownTable([])).toMatch(/^\| mutant \|/);
    expect(score([])).toMatchObject({ killed: 0, nonEquivalent: 0 });
  });
});
