/**
 * The patch review (src/review/review.ts, npm run review): mar14 -> proposed fixes what
 * it should with counterexamples that replay; an ablation of a proposed toggle brings
 * its counterexample back; bad input exits 2. Workloads are restricted to small ones.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ablation, buildReview, type TraceInfo } from '../src/review/review.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { workloadByName } from '../src/engine/workloads.ts';
import { INVARIANTS, isInvariant } from '../src/check/invariants.ts';
import { parseTraceFile, replayTraceFile } from '../src/trace/replay.ts';
import { CHANGE_DOCS, CHANGE_NAMES, PROPOSED_CHANGES, VARIANTS } from '../src/engine/variants.ts';

/** replays a report's trace through the project's trace-file replay: must reproduce the violation */
function replays(t: TraceInfo): { reproduced: boolean; message: string } {
  const file = { format: 'aio-retry-check-trace', version: 1, variant: t.variant, workload: t.workload, invariant: t.invariant ?? null, reason: t.reason ?? null, actions: t.actions, steps: [] };
  const parsed = parseTraceFile(JSON.stringify(file), { resolveVariant, workloadByName, isInvariant });
  return replayTraceFile(parsed);
}

const SMALL = ['cached-read', 'no-aio-read', 'fsync', 'cached-write'];
const BOUNDS = { maxStates: 100_000, maxSeconds: 60 };

describe('review mar14 -> proposed', () => {
  let r: ReturnType<typeof buildReview>;
  beforeAll(() => {
    r = buildReview('mar14', 'proposed', { workloads: SMALL, bounds: BOUNDS });
  }, 120_000);

  it('describes itself: variants, changes, workloads, invariants, both matrices', () => {
    expect(r.format).toBe('aio-retry-check-review');
    expect(r.from.spec).toBe('mar14');
    expect(r.to.spec).toBe('proposed');
    expect(r.diff.turnedOn).toEqual([...PROPOSED_CHANGES]);
    expect(r.diff.turnedOff).toEqual([]);
    expect(r.changes.map((c) => c.name)).toEqual([...CHANGE_NAMES]);
    for (const c of r.changes) expect(c.summary.length).toBeGreaterThan(10);
    expect(r.workloads.map((w) => w.name)).toEqual(SMALL);
    expect(r.invariants).toHaveLength(INVARIANTS.length);
    expect(r.matrices.from.rows.map((x) => x.workload)).toEqual(SMALL);
    // proposed holds everywhere but for the kioctx leak none of its changes addresses (ctx-accounting)
    expect(r.matrices.to.rows.every((row) => Object.entries(row.cells).every(([inv, c]) => c.verdict === 'holds' || inv === 'ctx-accounting'))).toBe(true);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('lists the fixed cells (memory-safety, the stranded method-less iocbs, aio-never-blocks) and breaks nothing', () => {
    const fixed = r.fixed.map((c) => `${c.workload}/${c.invariant}`).sort();
    expect(fixed).toEqual(
      [
        'cached-read/memory-safety',
        'cached-write/memory-safety',
        'cached-write/aio-never-blocks',
        'no-aio-read/progress',
        'no-aio-read/one-completion',
        'no-aio-read/ki-users-accounting',
        'fsync/progress',
        'fsync/one-completion',
        'fsync/ki-users-accounting',
      ].sort(),
    );
    expect(r.broken).toEqual([]);
  });

  it('every fixed cell carries the mar14 counterexample, and it replays', () => {
    for (const c of r.fixed) {
      const t = c.trace!;
      expect(t.variant).toBe('mar14');
      expect(t.invariant).toBe(c.invariant);
      expect(t.actions.length).toBe(c.from.depth);
      expect(t.text).toContain(`${c.invariant} VIOLATED`);
      expect(t.mermaid.startsWith('sequenceDiagram')).toBe(true);
      expect(t.command).toBe(`npm run trace -- --variant mar14 --workload ${c.workload} --invariant ${c.invariant}`);
      const rep = replays(t);
      expect(rep.reproduced, rep.message).toBe(true);
    }
  });

  it("mar14's NULL-pointer oops is a diagnostic of mar14 only, with its shortest trace", () => {
    const oops = r.diagnostics.from.find((d) => d.label.includes('NULL pointer dereference'))!;
    expect(oops.kind).toBe('oops');
    expect(oops.workloads.map((w) => w.workload).sort()).toEqual(['cached-read', 'cached-write']);
    expect(oops.shortest.trace!.actions).toHaveLength(oops.shortest.depth);
    expect(oops.shortest.trace!.text).toContain('NULL pointer dereference');
    expect(r.diagnostics.onlyFrom).toContain(oops.label);
    expect(r.diagnostics.to).toEqual([]);
  });
});

describe('ablation of proposed', () => {
  it('turning a proposed toggle off brings its counterexample back, with a trace that replays', () => {
    const a = ablation('proposed', ['setupErrorComplete', 'runListNullCheck'], ['no-aio-read', 'cached-read'], { bounds: BOUNDS });
    expect(a.rows.map((x) => x.variant)).toEqual(['proposed-setupErrorComplete', 'proposed-runListNullCheck']);
    const [setup, nul] = a.rows;
    expect(setup.toggled).toBe('off');
    expect(setup.differences.map((d) => `${d.kind} ${d.workload}/${d.invariant}`).sort()).toEqual(
      ['broken no-aio-read/ki-users-accounting', 'broken no-aio-read/one-completion', 'broken no-aio-read/progress'].sort(),
    );
    // io_submit_one completes a method-less iocb while its ki_run_list holds the NULLs it just stored
    expect(nul.differences.map((d) => `${d.kind} ${d.workload}/${d.invariant}`)).toEqual(['broken no-aio-read/memory-safety', 'changed cached-read/ctx-accounting', 'broken cached-read/memory-safety']);
    // the oops hides the kioctx leak (ctx-accounting holds only vacuously there): a change, not a fix
    expect(nul.differences[1].to.vacuous).toBe(true);
    for (const d of [...setup.differences, ...nul.differences].filter((x) => x.kind !== 'changed')) {
      expect(d.trace!.variant).toBe(nul.differences.includes(d) ? 'proposed-runListNullCheck' : 'proposed-setupErrorComplete');
      const rep = replays(d.trace!);
      expect(rep.reproduced, rep.message).toBe(true);
    }
    expect(a.responsibility.find((x) => x.workload === 'cached-read' && x.invariant === 'memory-safety')!.changes).toEqual([{ change: 'runListNullCheck', toggled: 'off', verdict: 'violated' }]);
  }, 120_000);

  it('a counterexample deeper than the bound is found by a directed schedule (resumeReadpageWait)', () => {
    const a = ablation('proposed', ['resumeReadpageWait'], ['read-io-error'], { bounds: { maxStates: 20_000, maxSeconds: 60 } });
    const d = a.rows[0].differences.find((x) => x.invariant === 'progress')!;
    expect(d.kind).toBe('broken');
    expect(d.to.foundBy).toBe('schedule slow-devices');
    expect(d.trace!.command).toBeUndefined();
    const rep = replays(d.trace!);
    expect(rep.reproduced, rep.message).toBe(true);
  }, 120_000);
});

describe('the proposed variant', () => {
  it('is mar14 plus its documented toggles', () => {
    const p = VARIANTS.proposed;
    const m = VARIANTS.mar14;
    expect(p.core).toBe('mar14');
    for (const c of CHANGE_NAMES) expect(p[c], c).toBe(m[c] || (PROPOSED_CHANGES as readonly string[]).includes(c));
    for (const c of PROPOSED_CHANGES) expect(CHANGE_DOCS[c].removes, c).toBeTruthy();
  });
});

describe('npm run review', () => {
  const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
  const run = (args: string[]) => {
    const r = spawnSync(tsx, ['src/cli/review.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('bad input: one line, exit 2', () => {
    for (const args of [['--from', 'nosuch', '--to', 'proposed'], ['--from', 'mar14'], ['--from', 'mar14', '--to', 'proposed', '--workload', 'nosuch'], ['--from', 'mar14', '--to', 'proposed', '--change', 'nosuch'], ['--bogus']]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^error: /);
      expect(r.out).toBe('');
    }
  }, 120_000);

  it('prints the matrix diff, the fixed cells with their trace commands, and --json the report', () => {
    const r = run(['--from', 'mar14', '--to', 'proposed', '--workload', 'no-aio-read']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/no-aio-read\s+✓\s+✓\s+✗>✓/);
    expect(r.out).toContain('npm run trace -- --variant mar14 --workload no-aio-read --invariant progress');
    expect(r.out).toContain('broken (violated in proposed, not in mar14): 0');
    const j = run(['--from', 'mar14', '--to', 'proposed', '--workload', 'no-aio-read', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out).fixed).toHaveLength(3);
  }, 120_000);

  it('exits 1 when the change breaks a verdict (a review can gate CI)', () => {
    const r = run(['--from', 'proposed', '--to', 'mar14', '--workload', 'no-aio-read']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/broken \(violated in mar14, not in proposed\): [1-9]/);
  }, 120_000);

  it('a violation the other side only bounds is not called fixed', () => {
    const r = run(['--from', 'mar14', '--to', 'proposed', '--workload', 'uncached-read', '--max-states', '2000', '--json']);
    const j = JSON.parse(r.out);
    expect(j.fixed).toEqual([]);
    expect(j.changed.some((c: { kind: string; from: { verdict: string }; to: { verdict: string } }) => c.kind === 'changed' && c.from.verdict === 'violated' && c.to.verdict === 'bounded')).toBe(true);
  }, 120_000);

  it('--html renders with src/review/html.ts when it exists, else says so and exits 1', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'review-')), 'review.html');
    const r = run(['--from', 'mar14', '--to', 'proposed', '--workload', 'fsync', '--html', f]);
    if (existsSync(join(process.cwd(), 'src/review/html.ts'))) {
      expect(r.code).toBe(0);
      expect(existsSync(f)).toBe(true);
    } else {
      expect(r.code).toBe(1);
      expect(r.err).toContain('src/review/html.ts');
      expect(existsSync(f)).toBe(false);
    }
  }, 120_000);
});
