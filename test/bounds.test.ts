/**
 * What the claims' larger bounds brought (README "Where the large state spaces come
 * from"): a claim explored to the end finds what its old bound of 250,000 states hid, and
 * a complete exploration whose livelock check could not keep every edge does not say
 * that `progress` holds.
 */
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run.ts';
import { boundedLines } from '../src/check/report.ts';
import { loadClaims } from '../src/check/claims.ts';
import { DEFAULT_CLAIMS_PATH } from '../src/check/paths.ts';
import { INVARIANTS } from '../src/check/invariants.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';

const verdict = (r: ReturnType<typeof runCheck>, name: string) => r.invariants.find((i) => i.invariant === name)!;

describe('claims explored to the end', () => {
  it('mar14 small-retry-cap: at the retry cap aio_run_iocb returns -EAGAIN without aio_complete (beyond 250,000 states)', () => {
    const c = loadClaims(DEFAULT_CLAIMS_PATH).find((x) => x.id === 'mar14.small-retry-cap')!;
    expect(c.bounds.maxStates).toBeGreaterThan(1_426_168);
    const r = runCheck(c.v, c.w, { maxStates: c.bounds.maxStates, maxSeconds: 600 });
    expect(r.result.complete).toBe(true);
    expect(r.result.states).toBeGreaterThan(250_000);
    const one = verdict(r, 'one-completion');
    expect(one.verdict).toBe('violated');
    expect(one.reason).toMatch(/completed 0 times/);
    // the path goes through the cap's printk and replays to the same violation
    expect(r.diagnostics.map((d) => d.label)).toContainEqual(expect.stringMatching(/^printk: Maximal retry count/));
    expect(one.depth).toBeGreaterThan(50);
    expect(verdict(r, 'progress').verdict).toBe('violated');
    // the old bound did not see it
    const old = runCheck(c.v, c.w, { maxStates: 250_000, maxSeconds: 600 });
    expect(verdict(old, 'one-completion').verdict).toBe('bounded');
  }, 120_000);
});

describe('progress needs the livelock check', () => {
  it('a complete exploration without the cycle check leaves progress bounded, and the report says why', () => {
    const r = runCheck(resolveVariant('mar14')!, WORKLOADS['uncached-read'], { maxStates: 100_000, maxEdges: 1000 });
    expect(r.result.complete).toBe(true);
    const p = verdict(r, 'progress');
    expect(p.verdict).toBe('bounded');
    expect(p.reason).toMatch(/livelock check not done: more than maxEdges = 1000 edges/);
    // the other invariants keep their verdicts
    expect(verdict(r, 'one-completion').verdict).toBe('holds');
    const claim = loadClaims(DEFAULT_CLAIMS_PATH).find((x) => x.id === 'mar14.uncached-read')!;
    const lines = boundedLines([{ claim, run: r }], [...INVARIANTS]);
    expect(lines).toEqual([expect.stringMatching(/^ {2}mar14\.uncached-read: explored completely \([\d,]+ states\), but progress: livelock check not done/)]);
    // with the check's default room for edges, progress holds
    const full = runCheck(resolveVariant('mar14')!, WORKLOADS['uncached-read'], { maxStates: 100_000 });
    expect(full.result.cycles?.checked).toBe(true);
    expect(verdict(full, 'progress').verdict).toBe('holds');
  }, 60_000);
});

describe('vacuous verdicts', () => {
  const tsx = 'node_modules/.bin/tsx';
  it('mar14 cached-read: every run oopses before quiescence, so the at-quiescence verdicts hold only vacuously, in the matrix, the JSON and the HTML', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const text = spawnSync(tsx, ['src/cli/check.ts', '--claim', 'mar14.cached-read'], { encoding: 'utf8' });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/✓° holds, at quiescence vacuously/);
    const row = text.stdout.split('\n').find((l) => l.trimStart().startsWith('cached-read'))!;
    // NDR NCW KUA CTX PGR ONE PRG RLI RES OPU MEM LCK TRN ...: KUA, CTX, PGR, ONE, PRG, RES and LCK are vacuous, MEM violated, NDR plain
    expect(row.trim().split(/\s+/).slice(1, 14)).toEqual(['✓', '✓', '✓°', '✓°', '✓°', '✓°', '✓°', '✓', '✓°', '✓', '✗', '✓°', '✓']);
    const json = JSON.parse(spawnSync(tsx, ['src/cli/check.ts', '--claim', 'mar14.cached-read', '--json'], { encoding: 'utf8' }).stdout);
    expect(json[0].stats.quiescent).toBe(false);
    expect(json[0].invariants.filter((i: { vacuous?: boolean }) => i.vacuous).map((i: { invariant: string }) => i.invariant)).toEqual(['ki-users-accounting', 'ctx-accounting', 'page-references', 'one-completion', 'progress', 'read-result', 'lock-discipline']);
    const dir = mkdtempSync(join(tmpdir(), 'vac-'));
    try {
      const file = join(dir, 'check.html');
      expect(spawnSync(tsx, ['src/cli/check.ts', '--claim', 'mar14.cached-read', '--html', file], { encoding: 'utf8' }).status).toBe(0);
      const html = readFileSync(file, 'utf8');
      expect(html).toMatch(/class="cell vacuous"[^>]*title="mar14 \/ cached-read \/ progress: holds, vacuously at quiescence: every run panics first">✓°</);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // a claim with quiescent states has no vacuous verdict
    const other = JSON.parse(spawnSync(tsx, ['src/cli/check.ts', '--claim', 'mar14.io-destroy', '--json'], { encoding: 'utf8' }).stdout);
    expect(other[0].stats.quiescent).toBe(true);
    expect(other[0].invariants.some((i: { vacuous?: boolean }) => i.vacuous)).toBe(false);
  }, 120_000);
});
