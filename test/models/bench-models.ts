/**
 * Synthetic models for benchmarking the explorer (`benchExplore`) and for tests.
 * They have no properties that fail; their point is their shape.
 */
import type { Model, State } from '../../src/explore/model.ts';
import { cloneState } from '../../src/explore/alloc.ts';

/**
 * A `w` x `h` torus walked by 4 moves (+-x, +-y): w*h states of 2 words, 4 successors
 * each. The cheapest model there is: measures the explorer's own overhead.
 */
export function torusModel(w: number, h: number): Model {
  return {
    init: () => [Int32Array.of(0, 0)],
    actions(_s: State, out: number[]) {
      out.push(0, 1, 2, 3);
    },
    next(s: State, a: number): State | null {
      const x = s[0];
      const y = s[1];
      switch (a) {
        case 0:
          return Int32Array.of(x + 1 === w ? 0 : x + 1, y);
        case 1:
          return Int32Array.of(x === 0 ? w - 1 : x - 1, y);
        case 2:
          return Int32Array.of(x, y + 1 === h ? 0 : y + 1);
        case 3:
          return Int32Array.of(x, y === 0 ? h - 1 : y - 1);
        default:
          return null;
      }
    },
    properties: [{ name: 'in-range', kind: 'always', check: (s) => (s[0] < w && s[1] < h ? null : 'out of range') }],
    describeAction: (_s, a) => ['x+1', 'x-1', 'y+1', 'y-1'][a] ?? `?${a}`,
  };
}

/**
 * A wide-state model: `words` Int32 words per state (like a kernel model with page,
 * kiocb and thread records), of which `counters` words spread over the state are
 * counters modulo `mod`, each incremented by its own action; the other words are a
 * fixed pseudo-random payload that is copied along. mod^counters states, `counters`
 * successors each; each step copies the whole state (with `cloneState`), like a real
 * model's `next`.
 */
export function wideModel(words: number, counters = 3, mod = 40): Model {
  const base = new Int32Array(words);
  let x = 0x12345678;
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    base[i] = x;
  }
  const pos: number[] = [];
  for (let c = 0; c < counters; c++) {
    const p = Math.floor(((c + 0.5) * words) / counters);
    pos.push(p);
    base[p] = 0;
  }
  return {
    init: () => [base.slice()],
    actions(_s: State, out: number[]) {
      for (let c = 0; c < counters; c++) out.push(c);
    },
    next(s: State, a: number): State | null {
      if (a < 0 || a >= counters) return null;
      const t = cloneState(s);
      const p = pos[a];
      t[p] = t[p] + 1 === mod ? 0 : t[p] + 1;
      return t;
    },
    properties: [{ name: 'bounded', kind: 'always', check: (s) => (s[pos[0]] < mod ? null : 'counter overflow') }],
  };
}

/** the models a benchmark run (`benchExplore`) should cover */
export const BENCH_MODELS: { name: string; note: string; make: () => Model }[] = [
  { name: 'torus-1000', note: '1,000,000 states of 2 words, 4 successors each', make: () => torusModel(1000, 1000) },
  { name: 'wide-512', note: '216,000 states of 512 words, 3 successors each', make: () => wideModel(512, 3, 60) },
  { name: 'wide-1335', note: '64,000 states of 1335 words, 3 successors each', make: () => wideModel(1335, 3, 40) },
];
