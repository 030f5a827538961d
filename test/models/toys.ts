/**
 * Small toy models: the explorer's tests (test/explore*.test.ts) and examples of the
 * Model interface. Each documents what exploring it must find.
 */
import type { DirectPackModel, IncrementalModel, Model, Property, State } from '../../src/explore/model.ts';
import { torusModel } from './bench-models.ts';

/**
 * Two processes each do a non-atomic `counter++` (read into a local, then write
 * local + 1). State: [counter, pc0, tmp0, pc1, tmp1]; pc 0 = before read, 1 = before
 * write, 2 = done. Action p steps process p.
 */
export function lostUpdateModel(kind: 'always' | 'at-quiescence' = 'at-quiescence'): Model {
  const prop: Property =
    kind === 'at-quiescence'
      ? { name: 'counter-is-2', kind, check: (s) => (s[0] === 2 ? null : `counter = ${s[0]} after both increments`) }
      : {
          name: 'counter-is-2',
          kind,
          check: (s) => (s[1] === 2 && s[3] === 2 && s[0] !== 2 ? `counter = ${s[0]} after both increments` : null),
        };
  return {
    init: () => [Int32Array.of(0, 0, 0, 0, 0)],
    actions(s, out) {
      if (s[1] < 2) out.push(0);
      if (s[3] < 2) out.push(1);
    },
    next(s, a) {
      const pc = 1 + 2 * a;
      if (a < 0 || a > 1 || s[pc] >= 2) return null;
      const t = s.slice();
      if (s[pc] === 0) {
        t[pc + 1] = s[0];
        t[pc] = 1;
      } else {
        t[0] = s[pc + 1] + 1;
        t[pc] = 2;
      }
      return t;
    },
    properties: [prop],
    describeAction: (s, a) => `P${a} ${s[1 + 2 * a] === 0 ? 'read' : 'write'}`,
  };
}

/**
 * Peterson's mutual exclusion for two processes, looping forever.
 * State: [pc0, pc1, flag0, flag1, turn]. pc: 0 flag[i]=1, 1 turn=other, 2 await
 * (flag[other]==0 || turn==i), 3 critical section, then flag[i]=0 and back to 0.
 * `broken` swaps the first two steps (turn = other before flag[i] = 1), which breaks
 * mutual exclusion.
 */
export function petersonModel(broken = false): Model {
  const step = (s: State, i: number): State | null => {
    const o = 1 - i;
    const t = s.slice();
    const pc = s[i];
    if (!broken) {
      switch (pc) {
        case 0:
          t[2 + i] = 1;
          t[i] = 1;
          return t;
        case 1:
          t[4] = o;
          t[i] = 2;
          return t;
        case 2:
          if (s[2 + o] === 0 || s[4] === i) {
            t[i] = 3;
            return t;
          }
          return null;
        case 3:
          t[2 + i] = 0;
          t[i] = 0;
          return t;
      }
    } else {
      switch (pc) {
        case 0:
          t[4] = o;
          t[i] = 1;
          return t;
        case 1:
          t[2 + i] = 1;
          t[i] = 2;
          return t;
        case 2:
          if (s[2 + o] === 0 || s[4] === i) {
            t[i] = 3;
            return t;
          }
          return null;
        case 3:
          t[2 + i] = 0;
          t[i] = 0;
          return t;
      }
    }
    return null;
  };
  return {
    init: () => [Int32Array.of(0, 0, 0, 0, 0)],
    actions(_s, out) {
      out.push(0, 1);
    },
    next: (s, a) => (a === 0 || a === 1 ? step(s, a) : null),
    properties: [
      { name: 'mutex', kind: 'always', check: (s) => (s[0] === 3 && s[1] === 3 ? 'both in the critical section' : null) },
      { name: 'no-deadlock', kind: 'at-quiescence', check: () => 'deadlock' },
    ],
    describeAction: (s, a) => `P${a}@${s[a]}`,
  };
}

/**
 * Two philosophers, two forks; each takes its left fork, then its right fork, eats
 * once, puts both down and is done. State: [pc0, pc1, fork0, fork1] (fork = holder + 1,
 * 0 free); pc 0 thinking, 1 has left, 2 eating, 3 done. Terminal states: both done
 * (fine), or each holding its left fork (deadlock, depth 2).
 */
export function philosophersModel(): Model {
  return {
    init: () => [Int32Array.of(0, 0, 0, 0)],
    actions(s, out) {
      for (let i = 0; i < 2; i++) if (s[i] < 3) out.push(i);
    },
    next(s, i) {
      const left = 2 + i;
      const right = 2 + ((i + 1) % 2);
      const t = s.slice();
      switch (s[i]) {
        case 0:
          if (s[left] !== 0) return null;
          t[left] = i + 1;
          t[i] = 1;
          return t;
        case 1:
          if (s[right] !== 0) return null;
          t[right] = i + 1;
          t[i] = 2;
          return t;
        case 2:
          t[left] = 0;
          t[right] = 0;
          t[i] = 3;
          return t;
        default:
          return null;
      }
    },
    properties: [{ name: 'all-done', kind: 'at-quiescence', check: (s) => (s[0] === 3 && s[1] === 3 ? null : `stuck at pcs ${s[0]},${s[1]}`) }],
  };
}

/**
 * A counter 0..limit with actions inc (0: x+1) and double (1: 2x, x > 0). Emits the
 * label `hit N` whenever it reaches N in {5, 8, 13} and `printk: overflow` when a
 * step would pass `limit` (and then stays put). State: [x].
 */
export function labelModel(limit = 40): Model {
  let labels: string[] = [];
  return {
    init: () => [Int32Array.of(0)],
    actions(s, out) {
      out.push(0);
      if (s[0] > 0) out.push(1);
    },
    next(s, a) {
      const x = s[0];
      let y = a === 0 ? x + 1 : a === 1 && x > 0 ? 2 * x : -1;
      if (y < 0) return null;
      labels = [];
      if (y > limit) {
        labels.push('printk: overflow');
        y = x;
      }
      if (y === 5 || y === 8 || y === 13) labels.push(`hit ${y}`);
      return Int32Array.of(y);
    },
    lastLabels: () => labels,
    properties: [],
    describeAction: (_s, a) => (a === 0 ? 'inc' : 'double'),
  };
}

/**
 * Polite livelock: two processes that want one resource. Each sets its flag; if the
 * other's flag is set, it clears its own and retries, forever. State: [pc0, pc1, f0, f1].
 * pc: 0 set flag, 1 check other (critical section 2 if clear, else back off to 3),
 * 3 clear flag -> 0; 2 (critical) clears flag and goes to 4 (done). Progress = someone
 * in the critical section. Both backing off in lockstep is a non-progress cycle.
 */
export function livelockModel(): Model {
  return {
    init: () => [Int32Array.of(0, 0, 0, 0)],
    actions(s, out) {
      for (let i = 0; i < 2; i++) if (s[i] !== 4) out.push(i);
    },
    next(s, i) {
      const o = 1 - i;
      const t = s.slice();
      switch (s[i]) {
        case 0:
          t[2 + i] = 1;
          t[i] = 1;
          return t;
        case 1:
          t[i] = s[2 + o] === 0 ? 2 : 3;
          return t;
        case 2:
          t[2 + i] = 0;
          t[i] = 4;
          return t;
        case 3:
          t[2 + i] = 0;
          t[i] = 0;
          return t;
        default:
          return null;
      }
    },
    properties: [],
    isProgress: (s) => s[0] === 2 || s[1] === 2,
  };
}

/** a random directed graph as a model; see `graphModel` */
export interface Graph {
  /** successors of each node (action k = k-th successor) */
  succ: number[][];
  /** initial nodes */
  init: number[];
  /** 'always' violation at these nodes */
  bad: number[];
  /** 'at-quiescence' violation at these terminal nodes */
  badTerminal: number[];
  /** label emitted on entering these nodes */
  labelled: number[];
  /** progress nodes (for cycle detection) */
  progress: number[];
  /** words per state for node n: 1 + (n * pad) % 5 (variable-length states) */
  pad: number;
}

/** state of node n: [n, n*7+1, n*13+2, ...] of length 1 + (n * pad) % 5 */
export function nodeState(g: Graph, n: number): State {
  const len = 1 + ((n * g.pad) % 5);
  const s = new Int32Array(len);
  s[0] = n;
  for (let i = 1; i < len; i++) s[i] = Math.imul(n, 7 + 6 * i) + i;
  return s;
}

export function graphModel(g: Graph): Model {
  const bad = new Set(g.bad);
  const badT = new Set(g.badTerminal);
  const lab = new Set(g.labelled);
  const prog = new Set(g.progress);
  let labels: string[] = [];
  return {
    init: () => g.init.map((n) => nodeState(g, n)),
    actions(s, out) {
      const k = g.succ[s[0]].length;
      for (let i = 0; i < k; i++) out.push(i);
    },
    next(s, a) {
      const t = g.succ[s[0]][a];
      if (t === undefined) return null;
      labels = lab.has(t) ? [`L${t % 3}`] : [];
      return nodeState(g, t);
    },
    lastLabels: () => labels,
    properties: [
      { name: 'not-bad', kind: 'always', check: (s) => (bad.has(s[0]) ? `bad node ${s[0]}` : null) },
      { name: 'good-end', kind: 'at-quiescence', check: (s) => (badT.has(s[0]) ? `bad terminal ${s[0]}` : null) },
    ],
    isProgress: (s) => prog.has(s[0]),
  };
}

// ---------------------------------------------------------------------------------
// The incremental fast path (model.ts) on any toy
// ---------------------------------------------------------------------------------

/** lo-lane term of word `v` at position `i` */
function termLo(i: number, v: number): number {
  let h = Math.imul(v ^ Math.imul(i + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** hi-lane term (even, so that the odd lane start keeps the hi lane odd, never 0) */
function termHi(i: number, v: number): number {
  let h = Math.imul(v + Math.imul(i + 7, 0x27d4eb2f), 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  return (h ^ (h >>> 13)) << 1;
}

/** an additive fingerprint: sums of per-word terms, so a step updates it from the changed words */
export function additiveFingerprint(s: State, out: Int32Array): void {
  let lo = Math.imul(s.length, 0x1b873593);
  let hi = (Math.imul(s.length, 0xcc9e2d51) << 1) | 1;
  for (let i = 0; i < s.length; i++) {
    lo = (lo + termLo(i, s[i])) | 0;
    hi = (hi + termHi(i, s[i])) | 0;
  }
  out[0] = lo;
  out[1] = hi;
}

export interface FastPathCounters {
  steps: number;
  packs: number;
  /** packs whose successor had been packed before (same fingerprint) */
  repeatPacks: number;
  /** packs straight into the explorer's memory (packStepInto), counted in `packs` too */
  intoPacks: number;
}

/**
 * `base` with the incremental fast path added: `step` runs `base.next` and updates the
 * additive fingerprint from the words that changed (a full recomputation when the
 * length changed), `packStep` hands out the pending successor (a copy into a reused
 * buffer when `transient`). `counters` counts calls; `packed` records the
 * fingerprints handed out (so tests can check no state is packed twice).
 */
export function withFastPath(base: Model, transient = false, direct = false): IncrementalModel & Partial<DirectPackModel> & { counters: FastPathCounters } {
  const counters: FastPathCounters = { steps: 0, packs: 0, repeatPacks: 0, intoPacks: 0 };
  const packedFps = new Set<string>();
  let pending: State | null = null;
  let pendingFp = '';
  let buf = new Int32Array(16);
  const m: IncrementalModel & Partial<DirectPackModel> & { counters: FastPathCounters } = {
    counters,
    init: () => base.init(),
    actions: (s, out) => base.actions(s, out),
    next: (s, a) => base.next(s, a),
    properties: base.properties,
    ...(base.describeAction ? { describeAction: (s: State, a: number) => base.describeAction!(s, a) } : {}),
    ...(base.lastLabels ? { lastLabels: () => base.lastLabels!() } : {}),
    ...(base.isProgress ? { isProgress: (s: State) => base.isProgress!(s) } : {}),
    ...(transient ? { transientStates: true } : {}),
    fingerprint: additiveFingerprint,
    step(s: State, lo: number, hi: number, a: number, out: Int32Array) {
      counters.steps++;
      const t = base.next(s, a);
      if (t === null) return false;
      if (t.length !== s.length) {
        additiveFingerprint(t, out);
      } else {
        for (let i = 0; i < t.length; i++) {
          if (t[i] !== s[i]) {
            lo = (lo - termLo(i, s[i]) + termLo(i, t[i])) | 0;
            hi = (hi - termHi(i, s[i]) + termHi(i, t[i])) | 0;
          }
        }
        out[0] = lo;
        out[1] = hi;
      }
      pending = t;
      pendingFp = `${out[0]},${out[1]}`;
      return true;
    },
    packStep() {
      const t = takePending();
      if (!transient) return t;
      if (buf.length < t.length) buf = new Int32Array(t.length * 2);
      buf.fill(-999);
      buf.set(t);
      return buf.subarray(0, t.length);
    },
  };
  function takePending(): State {
    if (pending === null) throw new Error('packStep without a step');
    counters.packs++;
    if (packedFps.has(pendingFp)) counters.repeatPacks++;
    packedFps.add(pendingFp);
    const t = pending;
    pending = null;
    return t;
  }
  if (direct) {
    // packs straight into the explorer's memory (Model.packStepInto)
    m.packedLength = () => {
      if (pending === null) throw new Error('packedLength without a step');
      return pending.length;
    };
    m.packStepInto = (out: Int32Array) => {
      const t = takePending();
      counters.intoPacks++;
      if (out.length !== t.length) throw new Error(`packStepInto: ${out.length} words given for a state of ${t.length}`);
      out.set(t);
      return out;
    };
  }
  return m;
}

/** `m` without the fast path (the same model, explored through `next` and hash.ts) */
export function withoutFastPath(m: Model): Model {
  const { fingerprint: _f, step: _s, packStep: _p, packedLength: _l, packStepInto: _i, ...rest } = m as Partial<DirectPackModel>;
  return rest as Model;
}

/** what `toyModel` builds: a toy by name, with its arguments, optionally with the fast path */
export interface ToySpec {
  name: 'lostUpdate' | 'peterson' | 'philosophers' | 'label' | 'livelock' | 'graph' | 'torus';
  args?: unknown[];
  fast?: boolean;
  transient?: boolean;
  /** `next` throws `Error('toy failure at N')` in states whose word 0 is N (error-path tests) */
  throwAt?: number;
}

/** a toy from plain data (a factory for the parallel explorer's worker threads) */
export function toyModel(spec: ToySpec): Model {
  const a = spec.args ?? [];
  let m: Model;
  switch (spec.name) {
    case 'lostUpdate':
      m = lostUpdateModel(a[0] as 'always' | 'at-quiescence' | undefined);
      break;
    case 'peterson':
      m = petersonModel(a[0] as boolean | undefined);
      break;
    case 'philosophers':
      m = philosophersModel();
      break;
    case 'label':
      m = labelModel(a[0] as number | undefined);
      break;
    case 'livelock':
      m = livelockModel();
      break;
    case 'graph':
      m = graphModel(a[0] as Graph);
      break;
    case 'torus':
      m = torusLike(a[0] as number, a[1] as number);
      break;
    default:
      throw new Error(`no toy named ${String(spec.name)}`);
  }
  if (spec.throwAt !== undefined) {
    const base = m;
    const at = spec.throwAt;
    m = {
      ...base,
      next(s, a) {
        if (s[0] === at) throw new Error(`toy failure at ${at}`);
        return base.next(s, a);
      },
    };
  }
  if (spec.fast) return withFastPath(m, spec.transient === true);
  if (spec.transient) return { ...m, transientStates: true };
  return m;
}

/** bench-models.ts's w x h torus without its action names, with an 'always' property failing at (w-1, h-1) */
function torusLike(w: number, h: number): Model {
  const t = torusModel(w, h);
  return {
    init: t.init,
    actions: t.actions,
    next: t.next,
    properties: [{ name: 'not-corner', kind: 'always', check: (s) => (s[0] === w - 1 && s[1] === h - 1 ? 'in the far corner' : null) }],
    isProgress: (s) => s[0] === 0,
  };
}
