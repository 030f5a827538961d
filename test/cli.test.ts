/**
 * The command-line tools: verdict table, filters, exit codes, one clear line for bad
 * input (exit 2) and nothing half-written.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
function run(script: string, args: string[]) {
  const r = spawnSync(tsx, [join('src/cli', script), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run check', () => {
  it('--variant with an expression no claim names explores it on every workload; a violation no claim expects exits 1', () => {
    const r = run('check.ts', ['--variant', 'mar14+runListNullCheck+kickQueueWork', '--max-states', '3000', '--invariant', 'memory-safety']);
    expect(r.code).toBe(1);
    // its matrix: one column (the invariant asked for), the violation marked as one no claim expects
    expect(r.out).toMatch(/^mar14\+runListNullCheck\+kickQueueWork — /m);
    expect(r.out).toMatch(/^\s+workload\s+MEM\s+states$/m);
    expect(r.out).toMatch(/^\s+odirect-read\s+✗\?\s+3,000 \(maxStates reached\)$/m);
    expect(r.out).toContain('(no claim explains it)');
    expect(r.out).toContain('npm run trace -- --variant mar14+runListNullCheck+kickQueueWork --workload odirect-read --invariant memory-safety');
    expect(r.out).toMatch(/27 claims, 27 verdicts, 0 differing from their claim, \d+ violations? no claim expects/);
  });

  it('one claim reads as one claim', () => {
    const r = run('check.ts', ['--claim', '2.5.62.cached-read', '--invariant', 'no-bug']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 claim, 1 verdict, 0 differing from their claim');
  });

  it('prints the verdict table for a claim and exits 0 when it matches', () => {
    const r = run('check.ts', ['--claim', 'mar14.cached-read']);
    expect(r.code).toBe(0);
    // no terminal, no colour (CI logs stay free of escape codes)
    expect(r.out).not.toMatch(/\x1b\[/);
    // the matrix: the legend, a column per invariant, the row of the workload
    expect(r.out).toContain('MEM memory-safety');
    expect(r.out).toMatch(/^\s+workload\s+NDR\s+NCW\s+KUA\s+CTX\s+PGR\s+ONE\s+PRG\s+RLI\s+RES\s+OPU\s+MEM\s+LCK\s+TRN\s+BUG\s+ANB\s+ENG\s+states$/m);
    // KUA, CTX, PGR, ONE, PRG, RES and LCK hold only vacuously: every run of mar14 cached-read oopses before quiescence
    expect(r.out).toMatch(/^\s+cached-read(\s+✓){2}(\s+✓°){5}\s+✓\s+✓°\s+✓\s+✗\s+✓°(\s+✓){4}\s+205$/m);
    // the violation's block: the claim's sentence in kernel terms, where, and the command
    expect(r.out).toMatch(/^1\. memory-safety\n\s+ki_run_list holds NULL pointers/m);
    expect(r.out).toContain('in mar14: cached-read');
    expect(r.out).toContain('npm run trace -- --claim mar14.cached-read --invariant memory-safety');
    // --table: the long table, one row per invariant
    const t = run('check.ts', ['--claim', 'mar14.cached-read', '--table']);
    expect(t.out).toMatch(/mar14\.cached-read\s+mar14\s+cached-read\s+memory-safety\s+VIOLATED/);
    expect(t.out).toMatch(/no-bug\s+holds/);
  });

  it('--json gives every verdict with stats', () => {
    const r = run('check.ts', ['--claim', '2.5.62.cached-read', '--json', '--invariant', 'progress']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j[0].claim).toBe('2.5.62.cached-read');
    expect(j[0].stats.complete).toBe(true);
    expect(j[0].invariants).toEqual([expect.objectContaining({ invariant: 'progress', verdict: 'holds', expected: 'holds' })]);
  });

  it('--workers 2 gives the same verdicts, counts and depths as one thread', () => {
    const args = ['--claim', 'mar14.uncached-read', '--claim', 'mar05.cached-read', '--json'];
    const one = run('check.ts', args);
    const two = run('check.ts', [...args, '--workers', '2']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    // everything but timing and memory figures
    const strip = (out: string) =>
      (JSON.parse(out) as { stats: Record<string, unknown> }[]).map((c) => {
        const { states, transitions, depth, complete, limitHit } = c.stats;
        return { ...c, stats: { states, transitions, depth, complete, limitHit } };
      });
    expect(strip(two.out)).toEqual(strip(one.out));
  });

  it('--jobs N explores N claims at a time and reports the same verdicts, counts and paths, in the claims\' order', () => {
    const args = ['--variant', 'mar05', '--max-states', '20000', '--json'];
    const one = run('check.ts', [...args, '--jobs', '1']);
    const three = run('check.ts', [...args, '--jobs', '3']);
    // (some claims stop at 20000 states: bounded where the claim says holds, exit 1 both times)
    expect(three.code).toBe(one.code);
    const strip = (out: string) =>
      (JSON.parse(out) as { stats: Record<string, unknown> }[]).map((c) => {
        const { states, transitions, depth, complete, limitHit } = c.stats;
        return { ...c, stats: { states, transitions, depth, complete, limitHit } };
      });
    const a = strip(one.out);
    expect(a.length).toBe(26);
    expect(strip(three.out)).toEqual(a);
    expect(run('check.ts', ['--claim', 'mar05.cached-read', '--jobs', '2', '--workers', '2']).code).toBe(2);
  });

  it('exits 1 when a verdict differs from its claim', () => {
    const dir = mkdtempSync(join(tmpdir(), 'claims-'));
    const f = join(dir, 'claims.json');
    writeFileSync(f, JSON.stringify({ claims: [{ id: 'wrong', variant: 'mar14', workload: 'cached-read', bounds: { maxStates: 10000, maxSeconds: 30 }, expect: { 'memory-safety': 'holds' } }] }));
    const r = run('check.ts', ['--claims', f]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^\s+cached-read(\s+✓\?){2}(\s+✓°\?){5}\s+✓\?\s+✓°\?\s+✓\?\s+✗!\s+✓°\?(\s+✓\?){4}\s+205$/m);
    expect(run('check.ts', ['--claims', f, '--table']).out).toContain('VIOLATED (claim: holds)');
  });

  it('--max-states overrides the claim bounds; the verdict then says bounded', () => {
    const r = run('check.ts', ['--claim', 'mar14.two-iocbs-shared-bucket', '--max-states', '1000', '--invariant', 'no-bug']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mar14\.two-iocbs-shared-bucket: no violation within 1,0\d\d states .*no-bug/);
    expect(r.out).toMatch(/^\s+two-iocbs-shared-bucket\s+~\s+1,000 \(maxStates reached\)$/m);
  });

  it('bounded runs say "no violation within N states", never "holds"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'claims-'));
    const f = join(dir, 'claims.json');
    writeFileSync(f, JSON.stringify({ claims: [{ id: 'small', variant: '2.5.62', workload: 'two-iocbs-shared-bucket', bounds: { maxStates: 50, maxSeconds: 30 }, expect: {} }] }));
    const r = run('check.ts', ['--claims', f, '--invariant', 'one-completion']);
    expect(r.out).toMatch(/^\s+two-iocbs-shared-bucket\s+~\?\s+5\d \(maxStates reached\)$/m);
    expect(r.out).toMatch(/small: no violation within 5\d states/);
  });

  it('--save writes replayable counterexamples', () => {
    const dir = mkdtempSync(join(tmpdir(), 'save-'));
    const r = run('check.ts', ['--claim', 'mar14.no-aio-read', '--save', dir]);
    expect(r.code).toBe(0);
    const files = readdirSync(dir).filter((f) => f !== 'MANIFEST.json').sort();
    expect(files).toEqual(['mar14.no-aio-read.ki-users-accounting.json', 'mar14.no-aio-read.one-completion.json', 'mar14.no-aio-read.progress.json']);
    // written last, it names the whole set
    expect(JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')).files.sort()).toEqual(files);
    for (const f of files) {
      const rr = run('replay.ts', [join(dir, f)]);
      expect(rr.code, rr.out + rr.err).toBe(0);
      expect(rr.out).toContain('reproduced');
    }
  });

  for (const [args, msg] of [
    [['--variant', 'mar99'], 'unknown variant "mar99"'],
    [['--invariant', 'nope'], 'unknown invariant "nope"'],
    [['--claim', 'nope'], 'unknown claim "nope"'],
    [['--bogus'], 'unknown option --bogus'],
    [['--max-states', '0'], '--max-states must be between 1 and'],
    [['--max-seconds', 'x'], '--max-seconds must be a whole number'],
    [['--workers', '0'], '--workers must be between 1 and 64'],
  ] as const)
    it(`bad input ${args.join(' ')}: one line, exit 2`, () => {
      const r = run('check.ts', [...args]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(msg);
      expect(r.out).toBe('');
    });

  it('a malformed claim file: one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'claims-'));
    for (const [content, msg] of [
      ['{not json', 'not valid JSON'],
      ['{"claims": [{"id": "x", "variant": "mar14", "workload": "cached-read", "bounds": {"maxStates": 0, "maxSeconds": 1}, "expect": {}}]}', 'maxStates'],
      ['{"claims": [{"id": "x", "variant": "mar14", "workload": "cached-read", "bounds": {"maxStates": 10, "maxSeconds": 1}, "expect": {"progress": "maybe"}}]}', 'verdict for progress'],
    ]) {
      const f = join(dir, 'c.json');
      writeFileSync(f, content);
      const r = run('check.ts', ['--claims', f]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(msg);
    }
  });
});

describe('npm run simulate', () => {
  it('prints the run with kernel function names, completions and the final state', () => {
    const r = run('simulate.ts', ['--variant', '2.5.62+fixes', '--workload', 'uncached-read', '--seed', '3']);
    expect(r.code).toBe(0);
    for (const s of ['io_submit_one', 'do_generic_mapping_read', 'mpage_end_io_read', 'aio_complete', 'end: quiescent', 'iocb0: submitted=true completions=1 res=4', 'kiocb0: freed']) expect(r.out).toContain(s);
  });

  it('is deterministic for a seed, and --json parses', () => {
    const a = run('simulate.ts', ['--variant', 'mar05', '--workload', 'uncached-read', '--seed', '11', '--json']);
    const b = run('simulate.ts', ['--variant', 'mar05', '--workload', 'uncached-read', '--seed', '11', '--json']);
    expect(a.out).toBe(b.out);
    const j = JSON.parse(a.out);
    expect(j.actions.length).toBeGreaterThan(10);
    expect(j.final.kiocbs[0]).toHaveProperty('ki_users');
  });

  it('checks every invariant along the run: the first violation of each, with its step; none on a correct run', () => {
    const ok = run('simulate.ts', ['--variant', '2.5.62+fixes', '--workload', 'uncached-read', '--seed', '3']);
    expect(ok.out).toContain('invariants: every invariant held along this run (one run, not a proof)');
    const bad = run('simulate.ts', ['--variant', 'mar05', '--workload', 'rdwr-fd-read', '--seed', '3']);
    expect(bad.out).toContain('invariant operation-unchanged VIOLATED after step 12: iocb0 was submitted as IOCB_CMD_PREAD and now runs as IOCB_CMD_PWRITE');
    expect(bad.out).not.toContain('every invariant held');
    const j = JSON.parse(run('simulate.ts', ['--variant', 'mar05', '--workload', 'rdwr-fd-read', '--seed', '3', '--json']).out);
    expect(j.violations[0]).toEqual({ invariant: 'operation-unchanged', step: 12, reason: 'iocb0 was submitted as IOCB_CMD_PREAD and now runs as IOCB_CMD_PWRITE' });
    // a run cut by the step limit is not judged at quiescence, and says so
    const cut = run('simulate.ts', ['--variant', '2.5.62+fixes', '--workload', 'uncached-read', '--seed', '3', '--max-steps', '5']);
    expect(cut.out).toContain("invariants: the 'always' invariants (the run did not end, so nothing is judged at quiescence) held along this run");
  });

  it('--help lists the variants and workloads', () => {
    const r = run('simulate.ts', ['--help']);
    for (const s of ['2.5.62+fixes', 'mar05', 'mar14', 'cached-read', 'two-iocbs-shared-bucket', 'cached-write']) expect(r.out).toContain(s);
  });

  for (const [args, msg] of [
    [['--variant', 'x', '--workload', 'cached-read'], 'unknown variant "x"'],
    [['--variant', 'mar14', '--workload', 'x'], 'unknown workload "x"'],
    [['--variant', 'mar14'], 'give one workload'],
    [['--variant', 'mar14', '--workload', 'cached-read', '--seed', '-1'], '--seed'],
    [['--variant', 'mar14', '--workload', 'cached-read', '--max-steps', '0'], '--max-steps must be between'],
  ] as const)
    it(`bad input ${args.join(' ')}: exit 2`, () => {
      const r = run('simulate.ts', [...args]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(msg);
    });
});

describe('npm run trace and replay', () => {
  it('text trace names the kernel functions and the patch hunks, and marks the violation', () => {
    const r = run('trace.ts', ['--claim', 'mar14.cached-read']);
    expect(r.code).toBe(0);
    for (const s of ['aio_run_iocbs', 'aio_run_iocb', 'aio_complete', 'Mar 14 aioretry.patch', 'ki_run_list=NULL', '==> memory-safety VIOLATED']) expect(r.out).toContain(s);
  });

  it('the folded getevents-timeout trace keeps the steps of the bug, starts with its sentence and ends with where every thread is', () => {
    const r = run('trace.ts', ['--claim', 'mar14.getevents-timeout', '--invariant', 'progress']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[1]).toMatch(/^why: queue_kicked_iocb sees io_getevents still on ctx->wait/);
    // the contexts that take part keep every step: the syscall, read_events and the timer's handler
    for (const f of ['sys_io_getevents', 'read_events', 'timeout_func', 'remove_wait_queue', 'queue_kicked_iocb']) expect(r.out, f).toMatch(new RegExp(`^\\s*(\\d+)?\\s+.*\\b${f}\\b`, 'm'));
    // the timer interrupt wakes the sleeping io_getevents (a state change of another context, shown)
    expect(r.out).toMatch(/timeout_func\n\s+io_submit: running/);
    // folding says what it folded and how to see it
    expect(r.out).toMatch(/… \d+ steps of aio\/0 folded \(they change nothing shown here; --no-fold shows them\)/);
    // the final state: where every thread is
    expect(r.out).toContain('where every thread is at the end:');
    expect(r.out).toMatch(/^\s+io_submit\s+done$/m);
    expect(r.out).toMatch(/^\s+aio\/0\s+sleeping \(TASK_INTERRUPTIBLE\) in schedule < worker_thread/m);
    expect(r.out).toContain('nothing can move');
    // mermaid: the wakeup as an arrow between contexts, names with -> and : intact
    const m = run('trace.ts', ['--claim', 'mar14.getevents-timeout', '--invariant', 'progress', '--format', 'mermaid']);
    expect(m.out).toMatch(/irq_\d-->>io_submit: wakes/);
    expect(m.out).toContain('kiocb0-#gt;ki_wait');
  });

  it('replay --format prints the saved trace; trace --file prints it again; replay --json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-'));
    const f = join(dir, 't.json');
    expect(run('trace.ts', ['--claim', 'mar14.no-aio-read', '--format', 'json', '--out', f]).code).toBe(0);
    const r = run('replay.ts', [f, '--format', 'text']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^reproduced: ki-users-accounting violated after 15 steps/);
    expect(r.out).toContain('==> ki-users-accounting VIOLATED');
    const t = run('trace.ts', ['--file', f, '--format', 'mermaid']);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^sequenceDiagram/);
    const j = JSON.parse(run('replay.ts', [f, '--json']).out);
    expect(j).toMatchObject({ variant: 'mar14', workload: 'no-aio-read', invariant: 'ki-users-accounting', reproduced: true, divergedAt: -1 });
    expect(run('replay.ts', [f, '--format', 'svg']).code).toBe(2);
  });

  it('a trace that no longer reproduces says where it diverged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-'));
    const f = join(dir, 't.json');
    expect(run('trace.ts', ['--claim', 'mar14.cached-read', '--format', 'json', '--out', f]).code).toBe(0);
    const t = JSON.parse(readFileSync(f, 'utf8'));
    t.actions.splice(3, 0, 7); // an interrupt that is not pending there
    writeFileSync(f, JSON.stringify(t));
    const r = run('replay.ts', [f]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('diverged at step 4');
  });

  it('a foreign file: one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-'));
    const f = join(dir, 't.json');
    writeFileSync(f, JSON.stringify({ vars: [], states: [] }));
    const r = run('replay.ts', [f]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not an aio-retry-check trace');
  });
});

describe('npm run check --models', () => {
  it('runs the xstate machines in lockstep and reports conformance and coverage', () => {
    const r = run('check.ts', ['--claim', '2.5.62+fixes.uncached-read', '--claim', '2.5.62+fixes.odirect-read', '--models']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2\.5\.62\+fixes\.uncached-read\s+conforms/);
    expect(r.out).toMatch(/2\.5\.62\+fixes\.odirect-read\s+NOT CONFORMING: kiocb machine: event aio_complete not allowed/);
    expect(r.out).toMatch(/kiocb: \d+ of \d+ transitions exercised/);
    expect(r.out).toContain('never reached:');
  });
});

describe('npm run bench', () => {
  it('--against a revision that is not a commit: one line, exit 2, and no worktree left behind', () => {
    const r = run('bench.ts', ['--against', 'no-such-revision']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual(['error: --against: no commit "no-such-revision" in ' + process.cwd()]);
    expect(r.out).toBe('');
    const wt = spawnSync('git', ['worktree', 'list'], { encoding: 'utf8' });
    if (wt.status === 0) expect(wt.stdout.trim().split('\n')).toHaveLength(1);
  });
});

describe('npm run trace --label: every reachable diagnostic has a trace', () => {
  it('the check names the command for each diagnostic, and the command prints the shortest path to it', () => {
    const c = run('check.ts', ['--claim', 'mar14.small-retry-cap', '--max-states', '100000']);
    const cmd = c.out.split('\n').find((l) => l.includes("--label 'printk: Maximal retry count"));
    expect(cmd).toBeDefined();
    expect(cmd!.trim()).toBe("npm run trace -- --claim mar14.small-retry-cap --label 'printk: Maximal retry count. Bytes done 8'");
    const t = run('trace.ts', ['--claim', 'mar14.small-retry-cap', '--label', 'printk: Maximal retry count']);
    expect(t.code).toBe(0);
    expect(t.out).toContain('why: the shortest path to "printk: Maximal retry count. Bytes done 8"');
    // the last step is the one that prints it
    const steps = t.out.split('\n').filter((l) => /^\s*\d+\s/.test(l));
    const n = Number(t.out.match(/^(\d+) steps;/m)![1]);
    expect(steps.at(-1)!.trim().startsWith(String(n))).toBe(true);
    expect(t.out.slice(t.out.lastIndexOf(`\n ${n} `))).toContain('!! printk: Maximal retry count. Bytes done 8');
  });
  it('a label no run reaches: says so, exit 1; --label with --invariant: one line, exit 2', () => {
    const none = run('trace.ts', ['--claim', 'mar14.cached-read', '--label', 'no such text']);
    expect(none.code).toBe(1);
    expect(none.err).toBe('no diagnostic containing "no such text" is reachable on mar14 / cached-read (205 states)\n');
    const both = run('trace.ts', ['--claim', 'mar14.cached-read', '--label', 'x', '--invariant', 'progress']);
    expect(both.code).toBe(2);
    expect(both.err.trim().split('\n')).toHaveLength(1);
  });
});

describe('a trace file records the reductions it was made with', () => {
  it('a --no-reduce trace says so, and replay and trace --file replay it on that engine', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nored-'));
    const f = join(dir, 't.json');
    expect(run('trace.ts', ['--claim', 'mar14.cached-read', '--no-reduce', '--format', 'json', '--out', f]).code).toBe(0);
    const j = JSON.parse(readFileSync(f, 'utf8'));
    expect(j.noReduce).toBe(true);
    const r = run('replay.ts', [f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^reproduced: memory-safety violated after ${j.actions.length} steps`));
    // the same actions on the reduced engine are another run: without the mode the file would not replay
    writeFileSync(f, JSON.stringify({ ...j, noReduce: undefined }));
    expect(run('replay.ts', [f]).out).toMatch(/^diverged at step/);
    writeFileSync(f, JSON.stringify(j));
    expect(run('trace.ts', ['--file', f]).out).toContain(`${j.actions.length} steps; replay:`);
    const clash = run('trace.ts', ['--file', f, '--no-reduce=dead']);
    expect(clash.code).toBe(2);
    expect(clash.err).toBe(`error: ${f} was recorded with --no-reduce: it replays only so (leave --no-reduce out)\n`);
    writeFileSync(f, JSON.stringify({ ...j, noReduce: ['speed'] }));
    const bad = run('replay.ts', [f]);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
  });
});
