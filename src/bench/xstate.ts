/**
 * The same engine model, explored by @xstate/graph's `getAdjacencyMap` instead of our
 * explorer, for the benchmark's side-by-side ratio.
 *
 * The EngineModel is wrapped as an xstate v5 machine: the context holds the packed
 * state (the Int32Array itself), there is one event type `ACT` carrying the
 * scheduler action, and its transition assigns `model.next(s, a)`. `events` asks the
 * model for the enabled actions. States are keyed either with getAdjacencyMap's own
 * serialisation or with a cheaper hand-written key (XstateKey); both are exact.
 *
 * `getAdjacencyMap` has no state cap (its `limit` counts queue pops and throws), so
 * the run is cut by `stopWhen`, which xstate calls exactly once per new distinct
 * state: at the cap (or the time limit) it throws a sentinel that ends the traversal.
 * The count is then the same as our explorer's `maxStates` count (distinct states),
 * although xstate counts a state when it dequeues it and we count it when we first
 * generate it, so xstate has done somewhat more expansion work by the time the count
 * is reached; the per-transition rate is printed too for that reason.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { assign, setup } from 'xstate';
import { getAdjacencyMap } from '@xstate/graph';
import type { Model, State } from '../explore/model.ts';

/**
 * How xstate keys its states: 'default' is getAdjacencyMap's own serialisation (JSON of
 * the snapshot's value and context, where the Int32Array becomes {"0":..,"1":..}), what a
 * user of @xstate/graph gets; 'latin1' is a hand-written key (the state's bytes as a
 * latin1 string), the cheapest exact key we found, so that xstate's own cost shows.
 */
export type XstateKey = 'default' | 'latin1';

export interface XstateRun {
  /** distinct states xstate dequeued (its count; at most the cap) */
  states: number;
  /** machine transitions computed (one `machine.transition` per enabled action) */
  transitions: number;
  seconds: number;
  /** CPU seconds of this process (user + system) during the run */
  cpuSeconds: number;
  statesPerSecond: number;
  transitionsPerSecond: number;
  /** true when the whole state space was traversed before the cap */
  complete: boolean;
  stoppedBy?: 'maxStates' | 'maxSeconds';
  /** highest process RSS sampled during the run, and its growth over the run */
  peakRss: number;
  rssGrowth: number;
  /**
   * heap retained per distinct state at the end of the run (adjacency map, snapshots,
   * keys, queue), measured after a forced full GC at the start and at the end; when no
   * GC could be forced, the growth of sampled heapUsed (garbage included)
   */
  heapBytesPerState: number;
  heapMeasuredAfterGc: boolean;
}

/** a full-GC function (V8's gc, exposed at run time), or undefined */
export function forcedGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

class Stop extends Error {
  constructor(readonly why: 'maxStates' | 'maxSeconds') {
    super(why);
  }
}

type Ctx = { s: State };
type Ev = { type: 'ACT'; a: number };

/** the model as an xstate v5 machine (context: the packed state; event ACT(a)) */
export function machineOf(model: Model) {
  return setup({ types: { context: {} as Ctx, events: {} as Ev } }).createMachine({
    id: 'engine',
    context: () => ({ s: model.init()[0] }),
    on: {
      ACT: {
        actions: assign({ s: ({ context, event }) => model.next(context.s, event.a) ?? context.s }),
      },
    },
  });
}

/** an exact string key of a packed state: its bytes as latin1 */
export function stateKey(s: State): string {
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1');
}

/** explores `model` with getAdjacencyMap until `maxStates` distinct states or `maxSeconds` */
export function xstateExplore(model: Model, maxStates: number, maxSeconds: number, key: XstateKey = 'default'): XstateRun {
  const machine = machineOf(model);
  const acts: number[] = [];
  let states = 0;
  let transitions = 0;
  let stoppedBy: 'maxStates' | 'maxSeconds' | undefined;
  const gc = forcedGc();
  gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  let retained = -1;
  let tEnd = 0;
  let cpuEnd: NodeJS.CpuUsage | undefined;
  /** the end of the timed run: stop the clock, then measure what is still reachable */
  const finish = () => {
    tEnd = performance.now();
    cpuEnd = process.cpuUsage(cpu0);
    if (gc) {
      gc();
      retained = process.memoryUsage().heapUsed - heap0;
    }
  };
  let peakRss = rss0;
  let peakHeap = heap0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  try {
    const adj = getAdjacencyMap(machine, {
      events: (snap) => {
        acts.length = 0;
        model.actions(snap.context.s, acts);
        transitions += acts.length;
        return acts.map((a) => ({ type: 'ACT' as const, a }));
      },
      ...(key === 'latin1' ? { serializeState: (snap: { context: Ctx }) => stateKey(snap.context.s), serializeEvent: (e: Ev) => String(e.a) } : {}),
      stopWhen: () => {
        states++;
        if ((states & 1023) === 0) {
          sample();
          if (performance.now() > deadline) {
            finish();
            throw new Stop('maxSeconds');
          }
        }
        if (states >= maxStates) {
          finish();
          throw new Stop('maxStates');
        }
        return false;
      },
    });
    finish();
    if (Object.keys(adj).length !== states) throw new Error('xstate: adjacency map and state count disagree');
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    stoppedBy = e.why;
  }
  const seconds = (tEnd - t0) / 1000;
  const c = cpuEnd ?? process.cpuUsage(cpu0);
  sample();
  return {
    states,
    transitions,
    seconds,
    cpuSeconds: (c.user + c.system) / 1e6,
    statesPerSecond: states / seconds,
    transitionsPerSecond: transitions / seconds,
    complete: stoppedBy === undefined,
    ...(stoppedBy !== undefined ? { stoppedBy } : {}),
    peakRss,
    rssGrowth: peakRss - rss0,
    heapBytesPerState: states > 0 ? (retained >= 0 ? retained : peakHeap - heap0) / states : 0,
    heapMeasuredAfterGc: retained >= 0,
  };
}
