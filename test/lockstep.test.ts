/**
 * The engine and the xstate spec machines in lockstep (src/check/lockstep.ts): the
 * compiled transition tables agree with xstate, the event wiring agrees with the models'
 * own projection, lockstep explorations of the fixed baseline conform, the Mar 5 patch
 * does not, and coverage is reported.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KIOCB_EVENTS, PAGE_EVENTS, type KiocbEvent, type ModelEvent, type PageEvent } from '../models/events.ts';
import { MODELS, OTHER, PAGE_SIDE, WAITER, conforms, enumerate, projectPageEvents, type PageMachineEvent, type TraceEvent } from '../models/index.ts';
import { LOCKSTEP_MACHINES, LockstepModel, checkLockstep, formatCoverage, type LockstepCoverage } from '../src/check/lockstep.ts';
import { columnOf, compileModel, replayTable, step, type CompiledModel } from '../src/check/lockstep-table.ts';
import { EngineModel } from '../src/engine/model.ts';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { explore } from '../src/explore/bfs.ts';

// ------------------------------------------------------------------ the tables

/**
 * every concrete machine-level event a model can be given: for the page model, whatever
 * projectPageEvents makes of each type done by W, by another thread, by the page side
 */
function concreteEvents(name: (typeof LOCKSTEP_MACHINES)[number]): TraceEvent[] {
  if (name === 'pageWait') {
    const out = new Map<string, PageMachineEvent>();
    for (const type of PAGE_EVENTS) {
      for (const waiter of [WAITER, OTHER, PAGE_SIDE]) {
        for (const p of projectPageEvents([{ type, page: 0, waiter }], 0, WAITER)) out.set(`${p.event.type}/${p.event.waiter}`, p.event);
      }
    }
    return [...out.values()];
  }
  // the ctx-wide events are in KIOCB_EVENTS too: the kiocb machine projects them away
  return KIOCB_EVENTS.map((type) => ({ type }));
}

/**
 * A sequence built from choice numbers: mostly an event the table says is enabled (so
 * runs get long), every 7th choice any event (so refusals are hit too).
 */
function guided(cm: CompiledModel, all: readonly TraceEvent[], choices: readonly number[]): TraceEvent[] {
  const out: TraceEvent[] = [];
  let s = cm.initial;
  for (const c of choices) {
    let e: TraceEvent;
    const enabled = all.filter((x) => {
      const col = columnOf(cm, x);
      return col >= 0 && step(cm, s, col) >= 0;
    });
    if (c % 7 === 0 || enabled.length === 0) e = all[Math.floor(c / 7) % all.length]!;
    else e = enabled[Math.floor(c / 7) % enabled.length]!;
    out.push(e);
    const col = columnOf(cm, e);
    if (col >= 0) {
      const t = step(cm, s, col);
      if (t < 0) break;
      s = t;
    }
  }
  return out;
}

function agreeWithXstate(cm: CompiledModel, events: readonly TraceEvent[]): void {
  const x = conforms(cm.spec, events);
  const t = replayTable(cm, events as { type: string; waiter?: number }[]);
  if (x.ok) {
    expect(t).toEqual({ ok: true, state: x.state, steps: x.steps });
  } else {
    expect(t).toEqual({ ok: false, index: x.index, state: x.state, event: x.event });
  }
}

describe('compiled transition tables', () => {
  for (const name of LOCKSTEP_MACHINES) {
    it(`${name}: the table is the enumerated graph (initial state at index 0, one cell per transition)`, () => {
      const cm = compileModel(name);
      const g = enumerate(MODELS[name]);
      expect(cm.states[0]).toBe(g.initial);
      expect(cm.nStates).toBe(g.stateCount);
      expect(cm.table.filter((x) => x >= 0).length).toBe(g.transitionCount);
      for (const tr of g.transitions) {
        expect(cm.states[step(cm, cm.states.indexOf(tr.from), cm.labels.indexOf(tr.event))]).toBe(tr.to);
      }
    });

    it(`${name}: replaying through the table agrees with xstate (conforms) on random sequences`, () => {
      const cm = compileModel(name);
      const all = concreteEvents(name);
      fc.assert(
        fc.property(fc.array(fc.nat(10_000), { maxLength: 60 }), fc.boolean(), (choices, wild) => {
          const events = wild ? choices.map((c) => all[c % all.length]!) : guided(cm, all, choices);
          agreeWithXstate(cm, events);
        }),
        { numRuns: 400 },
      );
    }, 20_000);
  }

  it('pageWait: engine page events projected with projectPageEvents replay the same through the table', () => {
    const cm = compileModel('pageWait');
    const raw = fc.record({
      type: fc.constantFrom(...PAGE_EVENTS),
      page: fc.constantFrom(0, 1),
      waiter: fc.constantFrom(-1, 0, 1, 2),
    });
    fc.assert(
      fc.property(fc.array(raw, { maxLength: 40 }), fc.constantFrom(0, 1, 2), (events, waiter) => {
        agreeWithXstate(cm, projectPageEvents(events as PageEvent[], 0, waiter).map((p) => p.event));
      }),
      { numRuns: 300 },
    );
  }, 20_000);
});

// ------------------------------------------------------------------ the wiring

describe('LockstepModel feeds engine events as the models project them', () => {
  // two kiocb slots, two pages (announcements off: every page starts notCached)
  const model = new LockstepModel(VARIANTS['2.5.62+fixes']!, WORKLOADS['two-iocbs-shared-bucket']!, { announceInitialPages: false });
  const s0 = model.init()[0]!;
  const threads = model.waiters;
  const candidates: ModelEvent[] = [
    ...KIOCB_EVENTS.flatMap((type) => [-1, 0, 1].map((iocb) => ({ machine: 'kiocb' as const, type, iocb }))),
    ...PAGE_EVENTS.flatMap((type) => [0, 1].flatMap((page) => [-1, ...threads, 99].map((waiter) => ({ machine: 'page' as const, type, page, waiter })))),
  ];
  /** how many instances have refused an event (negative model words; the 5 failure words excluded) */
  const failures = (s: Int32Array) => {
    let n = 0;
    for (let i = s.length - model.extra; i < s.length - 5; i++) if (s[i]! < 0) n++;
    return n;
  };

  /** mostly events that keep every instance alive, sometimes anything */
  function sequence(choices: readonly number[]): ModelEvent[] {
    const out: ModelEvent[] = [];
    let s = s0;
    for (const c of choices) {
      let e = candidates[Math.floor(c / 5) % candidates.length]!;
      if (c % 5 !== 0) {
        const ok = candidates.filter((x) => failures(model.feedEvents(s, [x])) === failures(s));
        if (ok.length) e = ok[Math.floor(c / 5) % ok.length]!;
      }
      out.push(e);
      s = model.feedEvents(s, [e]);
    }
    return out;
  }

  it('every instance ends where xstate puts it (or stops where xstate refuses), and the first refusal is recorded', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(100_000), { maxLength: 30 }), (choices) => {
        const events = sequence(choices);
        const s = model.feedEvents(s0, events);
        let first: { index: number; machine: string; iocb?: number; page?: number; waiter?: number } | null = null;
        for (const v of model.modelStates(s)) {
          let trace: TraceEvent[];
          let index: number[];
          if (v.machine === 'pageWait') {
            const pe = events.flatMap((e, i) => (e.machine === 'page' ? [{ e: e as PageEvent, i }] : []));
            const proj = projectPageEvents(
              pe.map((x) => x.e),
              v.page!,
              v.waiter!,
            );
            trace = proj.map((p) => p.event);
            index = proj.map((p) => pe[p.index]!.i);
          } else {
            const ke = events.flatMap((e, i) => (e.machine === 'kiocb' && (e.iocb === v.iocb || e.iocb === -1) ? [{ e: e as KiocbEvent, i }] : []));
            trace = ke.map((x) => ({ type: x.e.type }));
            index = ke.map((x) => x.i);
          }
          const r = conforms(MODELS[v.machine], trace);
          expect(v.failed).toBe(!r.ok);
          expect(v.state).toBe(r.state);
          if (!r.ok && (first === null || index[r.index]! < first.index)) {
            const at = v.machine === 'pageWait' ? { page: v.page!, waiter: v.waiter! } : { iocb: v.iocb! };
            first = { index: index[r.index]!, machine: v.machine, ...at };
          }
        }
        const f = model.failure(s);
        if (first === null) expect(f).toBeNull();
        else {
          // the earliest refused event; several instances may refuse that same event
          expect(f).not.toBeNull();
          const e = events[first.index]!;
          if (e.machine === 'kiocb') expect(f!.iocb === e.iocb || e.iocb === -1).toBe(true);
          else expect(f!.page).toBe(e.page);
          expect(f!.reason).toContain(`event ${f!.event} not allowed in state ${f!.state}`);
        }
      }),
      { numRuns: 100 },
    );
  }, 20_000);

  it('events for no kiocb slot or no page are ignored', () => {
    const s = model.feedEvents(s0, [
      { machine: 'kiocb', type: 'aio_complete', iocb: 7 },
      { machine: 'page', type: 'unlock_page', page: -1, waiter: -1 },
      { machine: 'page', type: 'unlock_page', page: 5, waiter: -1 },
    ]);
    expect([...s]).toEqual([...s0]);
  });
});

// ------------------------------------------------------------------ lockstep explorations

function coverageOf(cov: readonly LockstepCoverage[], name: string): LockstepCoverage {
  return cov.find((c) => c.machine === name)!;
}

describe('lockstep explorations', () => {
  for (const w of ['cached-read', 'uncached-read']) {
    it(`2.5.62+fixes x ${w}: complete, every engine step conforms to every model, coverage reported`, () => {
      const v = VARIANTS['2.5.62+fixes']!;
      const r = checkLockstep(v, WORKLOADS[w]!, { maxSeconds: 15 });
      expect(r.result.complete).toBe(true);
      expect(r.conformance).toBeNull();
      expect([...r.result.violations.keys()].filter((k) => k.startsWith('model-'))).toEqual([]);
      // the model words only refine the engine's states
      const plain = explore(new EngineModel(v, WORKLOADS[w]!), {});
      expect(r.result.states).toBeGreaterThanOrEqual(plain.states);
      for (const name of ['kiocb', 'kickProtocol']) {
        const c = coverageOf(r.coverage, name);
        expect(c.exercised.length).toBeGreaterThan(0);
        expect(c.exercised.length + c.unreached.length).toBe(c.total);
        expect(c.refused).toEqual([]);
      }
      // the cached page is announced (page_cache_add, readpage, io_done_ok, unlock_page); the uncached one is read
      expect(coverageOf(r.coverage, 'pageWait').exercised.length).toBeGreaterThan(0);
      const table = formatCoverage(r);
      expect(table).toMatch(/^machine\s+transitions/);
      for (const c of r.coverage) expect(table).toContain(`${c.exercised.length}/${c.total}`);
    }, 30_000);
  }

  it(
    'mar05 x uncached-read: conformance fails - the spec refuses kick_iocb after aio_complete, and run_list_add ' +
      '(queue_kicked_iocb from the disk interrupt\'s kick) while the aio_wq runner has the kiocb (dispatched, ready, ' +
      'running) or after completion',
    () => {
      const r = checkLockstep(VARIANTS.mar05!, WORKLOADS['uncached-read']!, { maxSeconds: 18 });
      expect(r.result.complete).toBe(true);
      const f = r.conformance!;
      expect(f).not.toBeNull();
      expect(f.machine).toBe('kiocb');
      expect(f.reason).toBe(`kiocb machine: event ${f.event} not allowed in state ${f.state} (iocb 0)`);
      // the path is a real engine run: it replays, and its last step emitted the refused event
      expect(f.trace.length).toBe(f.depth);
      expect(f.trace.at(-1)!.events).toContain(`${f.event}#0`);
      const refused = (m: string) => coverageOf(r.coverage, m).refused.map((x) => `${x.from} / ${x.event}`);
      expect(refused('kiocb')).toEqual(
        expect.arrayContaining([
          'completed users=1 / kick_iocb',
          'completed users=1 / run_list_add',
          'live{retry:dispatched,kiWait:unqueued,kicked:set,runList:off} users=2 / run_list_add',
          'live{retry:ready,kiWait:unqueued,kicked:clear,runList:off} users=2 / run_list_add',
          'live{retry:running,kiWait:unqueued,kicked:clear,runList:off} users=2 / run_list_add',
        ]),
      );
      expect(refused('kickProtocol')).toEqual(
        expect.arrayContaining(['{iocb:completed,kif:clear,work:idle} / kick_iocb', '{iocb:ready,kif:clear,work:idle} / run_list_add']),
      );
      // the shortest failure is either that race or (while src/engine/kernel/wait.ts finish_wait reports
      // ki_wait_dequeued for an entry aio_wake_function already unlinked) that spurious event
      expect(['run_list_add', 'ki_wait_dequeued']).toContain(f.event);
      expect(formatCoverage(r)).toContain('refused (engine step the spec does not allow)');
    },
    60_000,
  );

  it('with no machine run, the lockstep exploration is the engine exploration (same states, transitions, labels)', () => {
    for (const [vn, wn] of [
      ['2.5.62+fixes', 'sync-and-async'],
      ['mar14', 'cached-read'],
    ] as const) {
      const a = explore(new EngineModel(VARIANTS[vn]!, WORKLOADS[wn]!), {});
      const b = explore(new LockstepModel(VARIANTS[vn]!, WORKLOADS[wn]!, { machines: [] }), {});
      expect([b.states, b.transitions, b.terminalStates, b.depth]).toEqual([a.states, a.transitions, a.terminalStates, a.depth]);
      expect(new Map([...b.labels].map(([l, h]) => [l, h.depth]))).toEqual(new Map([...a.labels].map(([l, h]) => [l, h.depth])));
    }
  }, 30_000);

  it('describeAction, lastLabels and the engine properties pass through', () => {
    const v = VARIANTS['2.5.62+fixes']!;
    const w = WORKLOADS['uncached-read']!;
    const lock = new LockstepModel(v, w, { props: (k) => [{ name: 'engine-prop', kind: 'always', check: (s) => (s[k.addr.globals] === 12345 ? 'x' : null) }] });
    const plain = new EngineModel(v, w);
    expect(lock.properties.map((p) => p.name)).toEqual(['engine-prop', 'model-conformance', 'model-quiescence:kiocb', 'model-quiescence:kickProtocol', 'model-quiescence:pageWait']);
    let s = lock.init()[0]!;
    let e = plain.init()[0]!;
    const acts: number[] = [];
    for (let i = 0; i < 40; i++) {
      acts.length = 0;
      lock.actions(s, acts);
      if (!acts.length) break;
      const a = acts[i % acts.length]!;
      expect(lock.describeAction(s, a)).toBe(plain.describeAction(e, a));
      s = lock.next(s, a)!;
      e = plain.next(e, a)!;
      expect(lock.lastLabels()).toEqual(plain.lastLabels());
      expect([...lock.engineState(s)]).toEqual([...e]);
    }
  });
});
