/**
 * The xstate spec models (models/): finite reachable graphs, spec invariants on every
 * reachable state, conformance of realistic and buggy event sequences, coverage, mermaid.
 */
import { describe, expect, it } from 'vitest';
import { stateIn } from 'xstate';
import type { KiocbEvent, PageEvent } from '../models/events.ts';
import { conforms as conformsStrict } from '../models/conformance.ts';
import {
  MODELS,
  OTHER,
  PAGE_SIDE,
  WAITER,
  checkInvariants,
  checkQuiescence,
  conforms,
  coverage,
  enumerate,
  kickProtocolModel,
  kiocbMachine,
  kiocbModel,
  observe,
  pageWaitModel,
  projectPageEvents,
  stateNodeIds,
  toMermaid,
  type ModelSpec,
  type PageMachineEvent,
  type TraceEvent,
} from '../models/index.ts';

const ev = (...types: string[]): TraceEvent[] => types.map((type) => ({ type }));
/** the engine's shape: ModelEvent objects for kiocb 0, ctx-wide ones with iocb -1 */
const engine = (...types: string[]): ({ machine: 'kiocb' } & KiocbEvent)[] =>
  types.map((type) => ({
    machine: 'kiocb' as const,
    type: type as KiocbEvent['type'],
    iocb: type === 'queue_work' || type === 'work_run' || type === 'ctx_wait_wake' ? -1 : 0,
  }));

// ------------------------------------------------------------------ realistic traces

/**
 * Mar 14 core patch + Mar 5 filemap patch, one-page uncached aio read (as the engine
 * emits it): the first attempt queues ki_wait on the page being read; the disk interrupt's
 * unlock_page wakes it; the worker's retry copies the page (aio_pread turns the byte count
 * into -EIOCBQUEUED and aio_run_iocb forces one more retry); the last retry returns the total.
 */
const MAR14_UNCACHED = [
  'aio_get_req', //       __aio_get_req: ki_users = 1
  'io_submit_one',
  'get_ref', //           aio_run_iocb: ki_users++
  'retry_enter', //       current->iocb = iocb; aio_pread -> generic_file_aio_read
  'ki_wait_queued', //    readpage, then aio_wait_on_page_locked: prepare_to_wait(ki_wait)
  'retry_exit_queued', // -EIOCBQUEUED; ki_wait queued, so no kiocbSetKicked
  'put_ref', //           aio_run_iocb: __aio_put_req
  'queue_work', //        io_submit_one: queue_work(aio_wq, &ctx->wq)
  'work_run', //          the worker finds ctx->run_list empty
  'ki_wait_dequeued', //  disk irq: unlock_page -> wake_up_all -> aio_wake_function: list_del_init
  'kick_iocb', //         ... kick_iocb: kiocbTryKick won
  'run_list_add', //      ... queue_kicked_iocb -> __queue_kicked_iocb
  'queue_work', //        ... no io_getevents sleeper: queue_work
  'work_run',
  'run_list_del', //      aio_run_iocbs: list_del
  'get_ref',
  'kicked_clear',
  'retry_enter', //       the page is uptodate now: copied
  'retry_exit_queued', // aio_pread: ret > 0 -> -EIOCBQUEUED
  'kicked_set', //        aio_run_iocb: ki_wait empty -> kiocbSetKicked
  'run_list_add', //      ... kicked -> __queue_kicked_iocb (the worker's loop picks it up)
  'put_ref',
  'run_list_del',
  'get_ref',
  'kicked_clear',
  'retry_enter',
  'retry_exit_done', //   aio_read returned 0: ret = ki_nbytes - ki_left
  'aio_complete',
  'put_ref', //           aio_complete's __aio_put_req
  'really_put_req', //    aio_run_iocb's __aio_put_req: the last reference
];

/** Mar 5 patches, same read: aio_process_iocb is the first attempt (no get_ref), KIF_STARTED keeps kicks off the list */
const MAR05_UNCACHED = [
  'aio_get_req',
  'io_submit_one',
  'retry_enter', //       io_submit_one -> aio_process_iocb (kiocbSetStarted before)
  'ki_wait_queued',
  'retry_exit_queued',
  'ki_wait_dequeued',
  'kick_iocb',
  'run_list_add',
  'queue_work',
  'work_run',
  'run_list_del', //      aio_run_iocbs: list_del_init
  'get_ref', //           ki_users++
  'kicked_clear', //      kiocbTryStart won; kiocbClearKicked
  'retry_enter',
  'retry_exit_done',
  'aio_complete',
  'put_ref',
  'really_put_req',
];

/** a kick during the retry (unlock_page between prepare_to_wait and the bit test): benign */
const KICK_WHILE_RUNNING = [
  'aio_get_req',
  'io_submit_one',
  'get_ref',
  'retry_enter',
  'ki_wait_queued',
  'ki_wait_dequeued', // aio_wake_function while the retry still runs
  'kick_iocb', //        KIF_KICKED set; __queue_kicked_iocb refuses (NULL ki_run_list)
  'retry_exit_queued',
  'kicked_set', //       ki_wait empty: set_bit on a set bit
  'run_list_add', //     aio_run_iocb: kicked -> queued again after the retry
  'put_ref',
  'queue_work',
  'work_run',
  'run_list_del',
  'get_ref',
  'kicked_clear',
  'retry_enter',
  'retry_exit_done',
  'aio_complete',
  'put_ref',
  'really_put_req',
];

describe('models: finite reachable graphs', () => {
  const expected: Record<string, [number, number]> = { kiocb: [30, 400], kickProtocol: [15, 100], pageWait: [60, 400] };
  for (const spec of Object.values(MODELS)) {
    const g = enumerate(spec);
    it(`${spec.name}: ${g.stateCount} states, ${g.transitionCount} transitions`, () => {
      const [lo, hi] = expected[spec.name]!;
      expect(g.stateCount).toBeGreaterThanOrEqual(lo);
      expect(g.stateCount).toBeLessThanOrEqual(hi);
      expect(g.transitionCount).toBe(g.transitions.length);
      expect(new Set(g.states.map((s) => s.key)).size).toBe(g.stateCount);
      // every transition ends in an enumerated state; every state is reachable
      const keys = new Set(g.states.map((s) => s.key));
      for (const t of g.transitions) expect(keys.has(t.to)).toBe(true);
      for (const s of g.states) expect(s.depth).toBeGreaterThanOrEqual(0);
      // deterministic: one target per (state, event)
      expect(new Set(g.transitions.map((t) => `${t.from}|${t.event}`)).size).toBe(g.transitionCount);
    });
    it(`${spec.name}: every state's shortest path replays to it (graph and conformance agree)`, () => {
      for (const s of g.states) {
        const events = s.path.map((label) => spec.events.find((e) => spec.eventKey(e) === label)!);
        const r = conforms(spec, events);
        expect(r).toMatchObject({ ok: true, state: s.key });
      }
    });
  }
  it('enumerate is stable (same keys, same edges) and cached', () => {
    const a = enumerate(kiocbModel);
    expect(enumerate(kiocbMachine)).toBe(a);
    expect(a.initial).toBe('unallocated users=0');
    expect(a.states.find((s) => s.terminal)?.key).toBe('freed users=0');
  });
});

describe('models: spec invariants on every reachable state', () => {
  for (const spec of Object.values(MODELS)) {
    it(`${spec.name}: ${spec.invariants.length} invariants hold on all ${enumerate(spec).stateCount} states`, () => {
      expect(spec.invariants.length).toBeGreaterThanOrEqual(3);
      expect(checkInvariants(spec)).toEqual([]);
    });
  }
  it('the kiocb invariants have teeth: a queueing guard that ignores the retry state breaks them', () => {
    // __queue_kicked_iocb without the "not while a retry runs" part (2.5.62's kick_iocb)
    const broken = kiocbMachine.provide({ guards: { mayQueue: stateIn({ live: { kicked: 'set' } }) } });
    const spec: ModelSpec = { ...kiocbModel, machine: broken };
    const bad = checkInvariants(spec);
    expect(bad.map((b) => b.invariant)).toContain('one-retry-at-a-time');
    expect(bad.map((b) => b.invariant)).toContain('run-list-implies-kicked');
    expect(bad[0]!.path.length).toBeGreaterThan(0);
  });
});

describe('models: kiocb conformance', () => {
  it('accepts the Mar 14 uncached read', () => {
    expect(conforms(kiocbModel, ev(...MAR14_UNCACHED))).toEqual({ ok: true, state: 'freed users=0', steps: MAR14_UNCACHED.length - 4 });
    expect(checkQuiescence(kiocbModel, ev(...MAR14_UNCACHED))).toEqual([]);
  });
  it('accepts the Mar 5 shape of the same read', () => {
    expect(conforms(kiocbModel, ev(...MAR05_UNCACHED))).toMatchObject({ ok: true, state: 'freed users=0' });
  });
  it('accepts a kick while the retry runs (KIF_KICKED stays set, queued again afterwards)', () => {
    expect(conforms(kiocbModel, ev(...KICK_WHILE_RUNNING))).toMatchObject({ ok: true, state: 'freed users=0' });
  });
  it('accepts engine ModelEvent objects, projecting away the ctx-wide events', () => {
    expect(conforms(kiocbModel, engine(...MAR14_UNCACHED))).toMatchObject({ ok: true });
  });
  it('accepts a submission rejected before any attempt (Mar 14 aio_setup_iocb -EFAULT)', () => {
    expect(conforms(kiocbModel, ev('aio_get_req', 'io_submit_one', 'really_put_req'))).toMatchObject({ ok: true, state: 'freed users=0' });
  });
  it("accepts aio_complete's own run_list_del reported after aio_complete (the method's completer)", () => {
    const t = ev('aio_get_req', 'io_submit_one', 'get_ref', 'retry_enter', 'retry_exit_queued', 'kicked_set', 'run_list_add', 'put_ref', 'aio_complete', 'run_list_del', 'really_put_req');
    expect(conforms(kiocbModel, t)).toMatchObject({ ok: true, state: 'freed users=0' });
  });
  it('the strict replay ignores nothing: a ctx-wide event the machine does not know is refused', () => {
    const r = conformsStrict(kiocbMachine, ev('aio_get_req', 'queue_work'));
    expect(r).toMatchObject({ ok: false, index: 1, state: 'allocated users=1', event: 'queue_work' });
  });

  const refused = (name: string, trace: string[], index: number, stateHas: string[]) =>
    it(`rejects ${name}`, () => {
      const r = conforms(kiocbModel, ev(...trace));
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.index).toBe(index);
      expect(r.event).toBe(trace[index]);
      for (const s of stateHas) expect(r.state).toContain(s);
    });

  refused(
    'aio_complete while ki_wait is queued',
    ['aio_get_req', 'io_submit_one', 'get_ref', 'retry_enter', 'ki_wait_queued', 'retry_exit_queued', 'aio_complete'],
    6,
    ['kiWait:queued'],
  );
  refused('retry_enter twice without an exit', ['aio_get_req', 'io_submit_one', 'get_ref', 'retry_enter', 'retry_enter'], 4, ['retry:firstAttempt']);
  refused(
    'run_list_add after aio_complete (Mar 5: a stale kick from the last retry re-queued after completion)',
    ['aio_get_req', 'io_submit_one', 'get_ref', 'retry_enter', 'ki_wait_queued', 'ki_wait_dequeued', 'kick_iocb', 'retry_exit_done', 'aio_complete', 'run_list_add'],
    9,
    ['completed'],
  );
  refused('forcing a retry (kiocbSetKicked) while ki_wait is queued', [...MAR14_UNCACHED.slice(0, 7), 'kicked_set'], 7, ['kiWait:queued']);
  refused(
    'queueing a retry while ki_wait is still queued (Mar 14: a kick during the retry, then a second wait; "ki_wait in use" next)',
    ['aio_get_req', 'io_submit_one', 'get_ref', 'retry_enter', 'ki_wait_queued', 'ki_wait_dequeued', 'kick_iocb', 'ki_wait_queued', 'retry_exit_queued', 'run_list_add'],
    9,
    ['kiWait:queued', 'kicked:set'],
  );
  refused(
    'a retry without clearing KIF_KICKED first (2.5.62 kiocbClearKicked is a set_bit)',
    [...MAR14_UNCACHED.slice(0, 16), 'retry_enter'],
    16,
    ['retry:dispatched'],
  );
  refused('a second run_list_add', [...MAR14_UNCACHED.slice(0, 12), 'run_list_add'], 12, ['runList:on']);
  refused('freeing a live kiocb after a queued retry', ['aio_get_req', 'io_submit_one', 'retry_enter', 'retry_exit_queued', 'really_put_req'], 4, ['retry:waiting']);
  refused('a retry result left with ki_wait queued ("can\'t delete iocb in use")', ['aio_get_req', 'io_submit_one', 'retry_enter', 'ki_wait_queued', 'retry_exit_done'], 4, [
    'kiWait:queued',
  ]);
  refused('a retry after aio_complete', [...MAR14_UNCACHED.slice(0, 28), 'retry_enter'], 28, ['completed']);
  refused('a put_ref that drops the running retry\'s reference', [...MAR14_UNCACHED.slice(0, 18), 'put_ref'], 18, ['retry:running', 'users=2']);
});

describe('models: kick protocol conformance', () => {
  it('accepts the Mar 14 uncached read (projected) and ends cleanly', () => {
    expect(conforms(kickProtocolModel, engine(...MAR14_UNCACHED))).toMatchObject({ ok: true });
    expect(checkQuiescence(kickProtocolModel, engine(...MAR14_UNCACHED))).toEqual([]);
    expect(conforms(kickProtocolModel, engine(...MAR05_UNCACHED))).toMatchObject({ ok: true });
    expect(conforms(kickProtocolModel, engine(...KICK_WHILE_RUNNING))).toMatchObject({ ok: true });
  });
  it('the io_getevents wake counts as notification', () => {
    const t = ['io_submit_one', 'retry_enter', 'retry_exit_queued', 'kick_iocb', 'run_list_add', 'ctx_wait_wake'];
    const r = conforms(kickProtocolModel, ev(...t));
    expect(r).toMatchObject({ ok: true, state: '{iocb:queuedNotified,kif:set,work:idle}' });
  });
  it('reports a kiocb stranded on the run list (queued, nobody notified) at the end', () => {
    const t = ev('io_submit_one', 'retry_enter', 'retry_exit_queued', 'kick_iocb', 'run_list_add');
    expect(conforms(kickProtocolModel, t)).toMatchObject({ ok: true });
    expect(checkQuiescence(kickProtocolModel, t).map((q) => q.name)).toEqual(['kick-completed', 'not-stranded']);
  });
  it('reports a lost kick (kicked, never queued) at the end', () => {
    const t = ev('io_submit_one', 'retry_enter', 'retry_exit_queued', 'kick_iocb');
    expect(checkQuiescence(kickProtocolModel, t).map((q) => q.name)).toContain('no-lost-kick');
  });
  it('rejects queueing a running kiocb, a second queue_work while pending, a clear before it was taken', () => {
    expect(conforms(kickProtocolModel, ev('io_submit_one', 'retry_enter', 'kick_iocb', 'run_list_add'))).toMatchObject({ ok: false, index: 3 });
    expect(conforms(kickProtocolModel, ev('queue_work', 'queue_work'))).toMatchObject({ ok: false, index: 1, event: 'queue_work' });
    expect(conforms(kickProtocolModel, ev('io_submit_one', 'retry_enter', 'retry_exit_queued', 'kick_iocb', 'run_list_add', 'kicked_clear'))).toMatchObject({
      ok: false,
      index: 5,
    });
    expect(conforms(kickProtocolModel, ev('io_submit_one', 'retry_enter', 'retry_exit_done', 'aio_complete', 'kick_iocb'))).toMatchObject({
      ok: false,
      index: 4,
    });
  });
});

describe('models: page wait conformance', () => {
  const W = (type: PageMachineEvent['type']): PageMachineEvent => ({ type, waiter: WAITER }) as PageMachineEvent;
  const P = (type: PageMachineEvent['type']): PageMachineEvent => ({ type, waiter: PAGE_SIDE }) as PageMachineEvent;
  const O = (type: PageMachineEvent['type']): PageMachineEvent => ({ type, waiter: OTHER }) as PageMachineEvent;

  /** aio W reads a page nobody has: adds it locked, readpage, aio_wait_on_page_locked leaves ki_wait queued */
  const AIO_UNCACHED = [W('page_cache_add'), P('readpage'), W('prepare_to_wait'), W('aio_schedule_queued'), P('io_done_ok'), P('unlock_page'), W('woken')];
  /** sync W contends on a page another reader is reading: __lock_page sleeps until the read completes */
  const SYNC_CONTENDED = [
    O('page_cache_add'),
    P('readpage'),
    W('lock_page_contended'), // lock_page's TestSetPageLocked
    W('lock_page_contended'), // __lock_page's while test
    W('prepare_to_wait'),
    W('io_schedule'),
    P('io_done_ok'),
    P('unlock_page'),
    W('woken'),
    W('lock_page_acquired'),
    W('finish_wait'),
    P('unlock_page'), // "someone else filled the page": unlock, page_ok
  ];

  it('accepts an aio waiter on an uncached page, and ends cleanly', () => {
    expect(conforms(pageWaitModel, AIO_UNCACHED)).toEqual({ ok: true, state: '{page:unlockedUptodate,waiter:idle} entry=off', steps: 7 });
    expect(checkQuiescence(pageWaitModel, AIO_UNCACHED)).toEqual([]);
  });
  it('accepts a synchronous waiter sleeping in __lock_page', () => {
    expect(conforms(pageWaitModel, SYNC_CONTENDED)).toMatchObject({ ok: true, state: '{page:unlockedUptodate,waiter:idle} entry=off' });
  });
  it('accepts a wake that arrives before the waiter tests the bit (then io_schedule does not sleep)', () => {
    const t = [O('page_cache_add'), P('readpage'), W('prepare_to_wait'), P('io_done_ok'), P('unlock_page'), W('woken'), W('io_schedule'), W('finish_wait')];
    expect(conforms(pageWaitModel, t)).toMatchObject({ ok: true, state: '{page:unlockedUptodate,waiter:idle} entry=off' });
  });
  it('reports a lost wakeup: unlock_page found the aio entry queued and its wake never ran', () => {
    const t = AIO_UNCACHED.slice(0, 6);
    expect(conforms(pageWaitModel, t)).toMatchObject({ ok: true, state: '{page:unlockedUptodate,waiter:idle} entry=wakeOwed' });
    expect(checkQuiescence(pageWaitModel, t).map((q) => q.name)).toEqual(['no-lost-wakeup']);
  });
  it('rejects a wake of an entry that is not queued, a finish_wait outside the wait functions, waiting on a lock W holds', () => {
    expect(conforms(pageWaitModel, [O('page_cache_add'), W('woken')])).toMatchObject({ ok: false, index: 1, event: 'woken' });
    expect(conforms(pageWaitModel, [O('page_cache_add'), W('finish_wait')])).toMatchObject({ ok: false, index: 1 });
    expect(conforms(pageWaitModel, [W('page_cache_add'), W('lock_page_contended')])).toMatchObject({ ok: false, index: 1, state: '{page:lockedByWaiter,waiter:idle} entry=off' });
    expect(conforms(pageWaitModel, [W('page_cache_add'), W('prepare_to_wait')])).toMatchObject({ ok: false, index: 1 });
    // unlock_page of an unlocked page (TestClearPageLocked BUG)
    expect(conforms(pageWaitModel, [O('page_cache_add'), P('unlock_page'), P('unlock_page')])).toMatchObject({ ok: false, index: 2 });
    // another thread's waiting steps are not W's: they must be projected away first
    expect(conforms(pageWaitModel, [O('page_cache_add'), O('lock_page_contended' as 'lock_page_acquired')])).toMatchObject({
      ok: false,
      index: 1,
      event: 'lock_page_contended@other',
    });
  });
  it('projectPageEvents cuts a two-waiter, two-page trace down to one page and one waiter', () => {
    const p = (type: PageEvent['type'], page: number, waiter: number): PageEvent => ({ type, page, waiter });
    const trace: PageEvent[] = [
      p('page_cache_add', 0, 7),
      p('readpage', 0, -1),
      p('lock_page_contended', 0, 3), // W = thread 3
      p('lock_page_contended', 0, 3),
      p('lock_page_contended', 0, 9), // another waiter: dropped
      p('page_cache_add', 1, 3), // another page: dropped
      p('prepare_to_wait', 0, 3),
      p('io_schedule', 0, 3),
      p('io_done_ok', 0, -1),
      p('unlock_page', 0, -1),
      p('woken', 0, 9), // dropped
      p('woken', 0, 3),
      p('lock_page_acquired', 0, 3),
      p('finish_wait', 0, 3),
    ];
    const proj = projectPageEvents(trace, 0, 3);
    expect(proj.map((x) => x.index)).toEqual([0, 1, 2, 3, 6, 7, 8, 9, 11, 12, 13]);
    expect(proj[0]!.event).toEqual({ type: 'page_cache_add', waiter: OTHER, page: 0 });
    expect(conforms(pageWaitModel, proj.map((x) => x.event))).toMatchObject({ ok: true, state: '{page:lockedByWaiterUptodate,waiter:idle} entry=off' });
  });
});

describe('models: coverage', () => {
  it('reports exercised and unreached transitions of the kiocb graph for a set of runs', () => {
    const observed = [MAR14_UNCACHED, MAR05_UNCACHED, KICK_WHILE_RUNNING].flatMap((t) => observe(kiocbModel, ev(...t)).steps);
    const c = coverage(kiocbModel, [...observed, { from: 'allocated users=1', event: 'retry_enter' }]);
    const g = enumerate(kiocbModel);
    expect(c.total).toBe(g.transitionCount);
    expect(c.exercised.length + c.unreached.length).toBe(c.total);
    expect(c.exercised.length).toBeGreaterThan(20);
    expect(c.unreached.length).toBeGreaterThan(0);
    expect(c.unknown).toEqual([{ from: 'allocated users=1', event: 'retry_enter' }]);
    expect(c.ratio).toBeCloseTo(c.exercised.length / c.total);
    // e.g. the rejected-submission path was never taken
    expect(c.unreached).toContainEqual({ from: 'allocated users=1', event: 'really_put_req', to: 'freed users=0' });
    expect(c.unvisitedStates.length).toBeGreaterThan(0);
  });
  it('accepts (from, event) tuples, and the whole graph covers itself', () => {
    const g = enumerate(pageWaitModel);
    const c = coverage(pageWaitModel, g.transitions.map((t) => [t.from, t.event] as const));
    expect(c.unreached).toEqual([]);
    expect(c.ratio).toBe(1);
    expect(c.unvisitedStates).toEqual([]);
  });
});

describe('models: mermaid', () => {
  for (const spec of Object.values(MODELS)) {
    it(`${spec.name}: stateDiagram-v2 naming every state`, () => {
      const text = toMermaid(spec);
      expect(text.startsWith('stateDiagram-v2')).toBe(true);
      const nodes = stateNodeIds(spec);
      expect(nodes.length).toBeGreaterThan(5);
      for (const n of nodes) expect(text).toContain(`state "${n.key}" as ${n.id}`);
      // every arrow joins declared ids
      const ids = new Set([...nodes.map((n) => n.id), spec.machine.id, '[*]']);
      for (const line of text.split('\n')) {
        const m = /^\s*(\S+) --> (\S+)/.exec(line);
        if (!m) continue;
        expect(ids.has(m[1]!)).toBe(true);
        expect(ids.has(m[2]!)).toBe(true);
      }
    });
  }
});
