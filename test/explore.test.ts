import { describe, expect, it, vi } from 'vitest';
import {
  benchExplore,
  explore,
  formatTrace,
  ExploreInputError,
  ExploreModelError,
  replayPath,
  replayViolation,
  resultToJSON,
  summarizeResult,
  ttyProgress,
  type ProgressStats,
} from '../src/explore/bfs.ts';
import type { Model } from '../src/explore/model.ts';
import { torusModel, wideModel } from './models/bench-models.ts';
import { referenceExplore } from './models/reference.ts';
import { labelModel, livelockModel, lostUpdateModel, petersonModel, philosophersModel } from './models/toys.ts';

describe('lost update (two non-atomic increments)', () => {
  it('finds the lost update at quiescence with a shortest (4-step) counterexample', () => {
    const m = lostUpdateModel('at-quiescence');
    const r = explore(m);
    expect(r.complete).toBe(true);
    expect(r.limitHit).toBeUndefined();
    const v = r.violations.get('counter-is-2');
    expect(v).toBeDefined();
    expect(v!.depth).toBe(4);
    expect(v!.path).toHaveLength(4);
    expect(v!.kind).toBe('at-quiescence');
    expect(v!.reason).toBe('counter = 1 after both increments');
    // both reads happen before both writes
    const tr = replayViolation(m, v!);
    expect(tr.states.at(-1)![0]).toBe(1);
    expect(tr.descriptions.slice(0, 2).every((d) => d.endsWith('read'))).toBe(true);
    expect(tr.descriptions.slice(2).every((d) => d.endsWith('write'))).toBe(true);
    expect(formatTrace(tr, (s) => `counter=${s[0]}`)).toMatch(/^initial state #0: counter=0\n  1\. P[01] read  -> counter=0\n(.*\n){2}  4\. P[01] write  -> counter=1$/);
    const ref = referenceExplore(m);
    expect(r.states).toBe(ref.states);
    expect(r.transitions).toBe(ref.transitions);
    expect(r.terminalStates).toBe(ref.terminalStates);
    expect(r.depth).toBe(ref.depth);
  });

  it("finds it as an 'always' property too, at the same depth", () => {
    const r = explore(lostUpdateModel('always'));
    expect(r.violations.get('counter-is-2')!.depth).toBe(4);
  });

  it('has a JSON form', () => {
    const r = explore(lostUpdateModel());
    const j = JSON.parse(JSON.stringify(r));
    expect(j.violations['counter-is-2'].depth).toBe(4);
    expect(j.complete).toBe(true);
    expect(j.states).toBe(r.states);
    expect(resultToJSON(r)).toEqual(j);
    expect(Object.keys(r)).not.toContain('toJSON');
    expect(summarizeResult(r)).toMatch(/^1 property violated: counter-is-2 \(depth 4\)/);
  });

  it("stopOn: 'first-violation' stops early and says so", () => {
    const r = explore(lostUpdateModel('always'), { stopOn: 'first-violation' });
    expect(r.complete).toBe(false);
    expect(r.limitHit).toBe('stopOn');
    expect(r.violations.size).toBe(1);
  });
});

describe("Peterson's mutual exclusion", () => {
  it('holds: mutual exclusion and no deadlock, exploration complete', () => {
    const m = petersonModel();
    const r = explore(m);
    expect(r.complete).toBe(true);
    expect(r.violations.size).toBe(0);
    expect(r.terminalStates).toBe(0);
    const ref = referenceExplore(m);
    expect(r.states).toBe(ref.states);
    expect(r.transitions).toBe(ref.transitions);
    expect(r.depth).toBe(ref.depth);
    expect(summarizeResult(r)).toMatch(/^all properties hold: \d+ states, depth \d+, exploration complete$/);
  });

  it('the mutant (turn before flag) breaks mutual exclusion, shortest path replays', () => {
    const m = petersonModel(true);
    const r = explore(m);
    const v = r.violations.get('mutex')!;
    expect(v).toBeDefined();
    expect(v.depth).toBe(referenceExplore(m).violations.get('mutex'));
    const tr = replayViolation(m, v);
    const last = tr.states.at(-1)!;
    expect(last[0]).toBe(3);
    expect(last[1]).toBe(3);
    expect(r.violations.has('no-deadlock')).toBe(false);
  });

  it('has no non-progress cycle when progress = being in the critical section', () => {
    const r = explore(petersonModel(), { storeEdges: true, isProgress: (s) => s[0] === 3 || s[1] === 3 });
    expect(r.cycles).toMatchObject({ checked: true, partial: false, nonProgressSccs: 0, cycles: [] });
  });
});

describe('deadlock', () => {
  it("two philosophers: the deadlock terminal is caught by an 'at-quiescence' property at depth 2", () => {
    const m = philosophersModel();
    const r = explore(m);
    expect(r.complete).toBe(true);
    expect(r.terminalStates).toBe(2); // both done, or both holding their left fork
    const v = r.violations.get('all-done')!;
    expect(v.depth).toBe(2);
    expect(v.reason).toBe('stuck at pcs 1,1');
    const tr = replayViolation(m, v);
    expect([...tr.states.at(-1)!]).toEqual([1, 1, 1, 2]);
  });
});

describe('labels', () => {
  it('records a shortest path to each reachable label', () => {
    const m = labelModel(40);
    const r = explore(m);
    expect(r.complete).toBe(true);
    expect(r.labels.get('hit 8')!.depth).toBe(4); // inc, double, double, double
    expect(r.labels.get('hit 5')!.depth).toBe(4); // inc, double, double, inc
    expect(r.labels.get('hit 13')!.depth).toBe(6); // inc, double, inc, double, double, inc
    expect(r.labels.get('printk: overflow')!.depth).toBe(7); // e.g. 1 2 4 8 16 32, then double
    expect(r.labels.size).toBe(4);
    const ref = referenceExplore(m);
    for (const [l, hit] of r.labels) expect(hit.depth).toBe(ref.labels.get(l));
    const hit = r.labels.get('printk: overflow')!;
    const tr = replayPath(m, hit.initIndex, hit.path);
    expect(tr.labels.at(-1)).toContain('printk: overflow');
    expect(tr.labels.slice(0, -1).flat()).not.toContain('printk: overflow');
    expect(formatTrace(tr).split('\n').at(-1)).toBe('  7. double  [printk: overflow]');
    expect(tr.descriptions).toHaveLength(7);
    expect(tr.states.at(-2)![0] * 2).toBeGreaterThan(40);
  });

  it('paths from the second initial state carry its init index', () => {
    const base = labelModel(40);
    const m: Model = { ...base, init: () => [Int32Array.of(0), Int32Array.of(0), Int32Array.of(7)] };
    const r = explore(m);
    expect(r.initialStates).toBe(2); // the duplicate initial state is dropped
    const h = r.labels.get('hit 8')!;
    expect(h).toMatchObject({ initIndex: 2, depth: 1, path: [0] });
    expect(replayPath(m, h.initIndex, h.path).states.at(-1)![0]).toBe(8);
  });
});

describe('limits', () => {
  it('maxStates: incomplete, with the state count and depth reached', () => {
    const r = explore(torusModel(1000, 1000), { maxStates: 5000 });
    expect(r.complete).toBe(false);
    expect(r.limitHit).toBe('maxStates');
    expect(r.states).toBe(5000);
    expect(r.depth).toBeGreaterThan(40);
    expect(summarizeResult(r)).toBe(`no violation within 5,000 states (depth ${r.depth}); stopped by maxStates, so nothing is proved`);
  });

  it('maxDepth: explores exactly the states within the bound', () => {
    const r = explore(torusModel(100, 100), { maxDepth: 5 });
    expect(r.complete).toBe(false);
    expect(r.limitHit).toBe('maxDepth');
    expect(r.states).toBe(1 + 4 * (1 + 2 + 3 + 4 + 5));
    expect(r.depth).toBe(5);
  });

  it('maxDepth at or beyond the diameter is complete', () => {
    expect(explore(torusModel(20, 20), { maxDepth: 20 })).toMatchObject({ complete: true, states: 400, depth: 20 });
    expect(explore(torusModel(20, 20), { maxDepth: 19 })).toMatchObject({ complete: false, limitHit: 'maxDepth', depth: 19, states: 399 });
    expect(explore(torusModel(20, 20), { maxDepth: 0 })).toMatchObject({ complete: false, limitHit: 'maxDepth', states: 1, depth: 0 });
  });

  it('maxDepth: terminal states at the bound are still checked', () => {
    const r = explore(philosophersModel(), { maxDepth: 2 });
    expect(r.violations.get('all-done')?.depth).toBe(2);
  });

  it('maxSeconds', () => {
    const r = explore(torusModel(5000, 5000), { maxSeconds: 0.2 });
    expect(r.complete).toBe(false);
    expect(r.limitHit).toBe('maxSeconds');
    expect(r.seconds).toBeLessThan(2);
    expect(r.states).toBeGreaterThan(0);
  });

  it('maxBytes', () => {
    const r = explore(torusModel(1000, 1000), { maxBytes: 2_000_000 });
    expect(r.complete).toBe(false);
    expect(r.limitHit).toBe('maxBytes');
    expect(r.states).toBeLessThan(200_000);
    expect(r.peakBytes).toBeLessThanOrEqual(2_000_000 + 1_100_000); // one frontier block of slack
  });

  it.each([
    ['maxStates', 0],
    ['maxStates', -5],
    ['maxStates', 1.5],
    ['maxStates', Number.NaN],
    ['maxStates', Infinity],
    ['maxStates', '100'],
    ['maxSeconds', 0],
    ['maxSeconds', -1],
    ['maxSeconds', Number.NaN],
    ['maxSeconds', Infinity],
    ['maxDepth', -1],
    ['maxDepth', 2.5],
    ['maxBytes', 0],
    ['maxEdges', 0],
    ['maxCycles', 0.5],
    ['progressIntervalMs', -1],
    ['initialCapacity', 0],
    ['stopOn', 'sometimes'],
    ['onProgress', 42],
    ['storeEdges', 'yes'],
  ])('rejects %s = %s with ExploreInputError', (field, value) => {
    let err: unknown;
    try {
      explore(lostUpdateModel(), { [field]: value } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExploreInputError);
    expect((err as ExploreInputError).field).toBe(field);
  });
});

describe('model contract errors', () => {
  it('actions outside [0, 65535]', () => {
    const m: Model = { ...torusModel(3, 3), actions: (_s, out) => void out.push(70000), next: (s) => Int32Array.of(s[0] + 1, 0) };
    expect(() => explore(m)).toThrow(ExploreModelError);
  });

  it('non-integer actions', () => {
    const m: Model = { ...torusModel(3, 3), actions: (_s, out) => void out.push(1.5), next: (s) => Int32Array.of(s[0] + 1, 0) };
    expect(() => explore(m)).toThrow(ExploreModelError);
  });

  it('non-Int32Array initial state', () => {
    const m = { ...torusModel(3, 3), init: () => [[0, 0]] } as unknown as Model;
    expect(() => explore(m)).toThrow(ExploreModelError);
  });

  it('replay of a disabled action', () => {
    expect(() => replayPath(philosophersModel(), 0, [0, 1, 0])).toThrow(ExploreModelError);
    expect(() => replayPath(philosophersModel(), 3, [])).toThrow(ExploreModelError);
  });
});

describe('non-progress cycles', () => {
  it('finds the polite livelock, with a replayable prefix and cycle', () => {
    const m = livelockModel();
    const r = explore(m, { storeEdges: true });
    const c = r.cycles!;
    expect(c.checked).toBe(true);
    if (!c.checked) return;
    expect(c.partial).toBe(false);
    expect(c.nonProgressSccs).toBeGreaterThan(0);
    expect(referenceExplore(m).nonProgressCycle).toBe(true);
    const cyc = c.cycles[0];
    expect(cyc.cycle.length).toBeGreaterThan(0);
    const tr = replayPath(m, cyc.initIndex, [...cyc.prefix, ...cyc.cycle]);
    const entry = tr.states[cyc.prefix.length];
    expect([...tr.states.at(-1)!]).toEqual([...entry]);
    for (const s of tr.states.slice(cyc.prefix.length)) expect(m.isProgress!(s)).toBe(false);
    // the first reported cycle is entered at the least depth
    expect(c.cycles.every((x) => x.prefix.length >= cyc.prefix.length)).toBe(true);
  });

  it('is not done without an isProgress predicate, or over the edge cap', () => {
    const noProg = explore(petersonModel(), { storeEdges: true });
    expect(noProg.cycles).toMatchObject({ checked: false });
    const capped = explore(livelockModel(), { storeEdges: true, maxEdges: 5 });
    expect(capped.cycles).toMatchObject({ checked: false });
    expect(capped.cycles!.checked === false && capped.cycles!.reason).toMatch(/maxEdges/);
    expect(capped.complete).toBe(true);
    expect(explore(livelockModel()).cycles).toBeUndefined();
  });

  it('self-loops are cycles', () => {
    const m: Model = {
      init: () => [Int32Array.of(0)],
      actions: (_s, out) => void out.push(0, 1),
      next: (s, a) => (a === 0 ? Int32Array.of(s[0]) : s[0] < 3 ? Int32Array.of(s[0] + 1) : null),
      properties: [],
      isProgress: (s) => s[0] !== 2,
    };
    const r = explore(m, { storeEdges: true });
    expect(r.cycles).toMatchObject({ checked: true, nonProgressSccs: 1, cycles: [{ prefix: [1, 1], cycle: [0], sccSize: 1 }] });
  });
});

describe('progress reporting', () => {
  it('calls onProgress periodically and once at the end with done', () => {
    const calls: ProgressStats[] = [];
    const r = explore(torusModel(700, 700), { onProgress: (p) => calls.push(p), progressIntervalMs: 20 });
    expect(calls.length).toBeGreaterThan(1);
    const last = calls.at(-1)!;
    expect(last.done).toBe(true);
    expect(last.states).toBe(r.states);
    expect(calls.slice(0, -1).every((p) => !p.done && p.states > 0 && p.statesPerSecond > 0)).toBe(true);
  });

  it('ttyProgress writes only to a TTY', () => {
    const p: ProgressStats = { states: 1234567, transitions: 1, depth: 3, frontier: 10, seconds: 1, statesPerSecond: 1234567, bytes: 1 << 20, violations: 0, done: false };
    const notTty = { isTTY: false, write: vi.fn() };
    ttyProgress(notTty as unknown as NodeJS.WriteStream)(p);
    expect(notTty.write).not.toHaveBeenCalled();
    const tty = { isTTY: true, write: vi.fn() };
    const f = ttyProgress(tty as unknown as NodeJS.WriteStream);
    f(p);
    f({ ...p, done: true });
    expect(tty.write).toHaveBeenCalledTimes(2);
    expect(tty.write.mock.calls[0][0]).toMatch(/^\r\x1b\[K1\.23M states {2}1\.23M\/s {2}depth 3/);
    expect(tty.write.mock.calls[1][0]).toBe('\r\x1b[K');
  });
});

describe('storage and speed', () => {
  it('stores at most ~22 bytes per visited state (hash compaction)', () => {
    const r = explore(torusModel(600, 600));
    expect(r.states).toBe(360000);
    expect(r.bytesPerState).toBeLessThanOrEqual(22);
    expect(r.bytesPerState).toBeGreaterThan(8);
    expect(r.omissionProbability).toBeLessThan(1e-8);
  });

  it('wide states (512 words) explore with exact counts', () => {
    const r = explore(wideModel(512, 3, 12));
    expect(r).toMatchObject({ complete: true, states: 12 ** 3, transitions: 3 * 12 ** 3, depth: 33 });
  });

  it('benchExplore returns states/s', () => {
    const sps = benchExplore(torusModel(300, 300), { maxSeconds: 0.5 });
    expect(sps).toBeGreaterThan(10_000);
  });
});
