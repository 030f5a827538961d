/**
 * Issue 2 scenarios: for each variant, the engine behaves correctly where the code is
 * correct, and the data the user gets matches the file. Each scenario is explored
 * exhaustively (every interleaving), not just one schedule.
 */
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run.ts';
import { EngineModel } from '../src/engine/model.ts';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { runSchedule, uniformChooser } from '../src/sim/run.ts';
import { summarize } from '../src/engine/inspect.ts';
import { fileByte } from '../src/engine/fs/file.ts';

const CORRECTNESS = ['one-completion', 'progress', 'read-result', 'memory-safety', 'ki-users-accounting', 'run-list-integrity', 'no-bug', 'lock-discipline', 'engine-sanity'] as const;

function verdicts(v: string, w: string) {
  const r = runCheck(VARIANTS[v], WORKLOADS[w], { maxStates: 300_000, maxSeconds: 60 });
  expect(r.result.complete).toBe(true);
  return Object.fromEntries(r.invariants.map((i) => [i.invariant, i.verdict]));
}

describe('where the code is correct, every interleaving gives the right result', () => {
  const cases: [string, string][] = [
    ['2.5.62', 'cached-read'],
    ['2.5.62', 'uncached-read'],
    ['2.5.62', 'sync-read'],
    ['2.5.62+fixes', 'cached-read'],
    ['2.5.62+fixes', 'uncached-read'],
    ['2.5.62+fixes', 'read-io-error'],
    ['2.5.62+fixes', 'read-past-eof'],
    ['2.5.62+fixes', 'sync-read'],
    ['mar05', 'rdwr-fd-read'], // a read-write fd: the forced extra retry's PWRITE of 0 bytes succeeds
    ['mar05', 'sync-read'],
    ['mar14', 'sync-read'],
  ];
  for (const [v, w] of cases)
    it(`${v} / ${w}`, () => {
      const got = verdicts(v, w);
      for (const inv of CORRECTNESS) expect(got[inv], inv).toBe('holds');
    });
});

describe('one seeded run: the user buffer holds the file bytes', () => {
  for (const [v, w] of [
    ['2.5.62+fixes', 'uncached-read'],
    ['2.5.62', 'partly-cached-read'],
    ['mar05', 'rdwr-fd-read'],
  ] as const)
    it(`${v} / ${w}`, () => {
      const model = new EngineModel(VARIANTS[v], WORKLOADS[w]);
      for (let seed = 1; seed <= 5; seed++) {
        const run = runSchedule(model, uniformChooser(seed), 5000);
        expect(run.outcome).toBe('terminated');
        const sum = summarize(model.load(run.final));
        const io = WORKLOADS[w].iocbs[0];
        expect(sum.iocbs[0].completions).toBe(1);
        expect(sum.iocbs[0].res).toBe(io.nbytes);
        expect(sum.iocbs[0].buffer).toEqual(Array.from({ length: io.nbytes }, (_, j) => fileByte(io.offset + j)));
        expect(sum.kiocbs[0].state).toBe('freed');
        expect(sum.ctx.reqs_active).toBe(0);
      }
    });

  it('the sync reader gets the file bytes (2.5.62+fixes / sync-and-async)', () => {
    const w = WORKLOADS['sync-and-async'];
    const model = new EngineModel(VARIANTS['2.5.62+fixes'], w);
    const run = runSchedule(model, uniformChooser(7), 5000);
    const k = model.load(run.final);
    const sum = summarize(k);
    expect(sum.sync).toEqual({ done: true, result: w.syncReader!.nbytes });
    expect(Array.from(k.m.subarray(k.addr.syncBuf, k.addr.syncBuf + w.syncReader!.nbytes))).toEqual(Array.from({ length: w.syncReader!.nbytes }, (_, j) => fileByte(w.syncReader!.offset + j)));
  });
});

describe('the engine reproduces the defects the thread names', () => {
  it('mar05: the forced extra retry turns a completed read on a read-only fd into -EBADF', () => {
    const r = runCheck(VARIANTS.mar05, WORKLOADS['cached-read'], { maxStates: 100_000, maxSeconds: 60 });
    const rr = r.invariants.find((i) => i.invariant === 'read-result')!;
    expect(rr.verdict).toBe('violated');
    expect(rr.reason).toContain('completed with -EBADF');
  });

  it('mar14: aio_complete oopses on the NULL ki_run_list left by list_del', () => {
    const r = runCheck(VARIANTS.mar14, WORKLOADS['cached-read'], { maxStates: 100_000, maxSeconds: 60 });
    const ms = r.invariants.find((i) => i.invariant === 'memory-safety')!;
    expect(ms.verdict).toBe('violated');
    expect(r.diagnostics.map((d) => d.label).join()).toContain('NULL pointer dereference');
  });

  it('2.5.62: io_submit sleeps in the read path (the synchronous behaviour the patches address)', () => {
    const r = runCheck(VARIANTS['2.5.62'], WORKLOADS['uncached-read'], { maxStates: 100_000, maxSeconds: 60 });
    expect(r.invariants.find((i) => i.invariant === 'aio-never-blocks')!.verdict).toBe('violated');
    expect(r.blocking.find((b) => b.point === 'wait_on_page_locked')!.sleptInAio).toBe(true);
  });
});
