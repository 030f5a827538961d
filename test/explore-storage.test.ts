/**
 * Unit tests of the explorer's storage: the fingerprint table (growth, in place and
 * by copy, with and without the index lane), the frontier queue, the fingerprint hash.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FingerprintTable, StateInfo, ROOT } from '../src/explore/visited.ts';
import { StateQueue } from '../src/explore/frontier.ts';
import { fingerprint, fingerprintJs, omissionProbability, WASM_MIN_WORDS, wasmHashing } from '../src/explore/hash.ts';
import { instantiateXxh64, xxh64Reference, XXH_INPUT_OFFSET } from '../src/explore/xxh64-wasm.ts';
import { allocState, cloneState } from '../src/explore/alloc.ts';

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
/** lanes from a small domain too, so that equal lo lanes (same home slot) are common */
const lane = fc.oneof(int32, fc.integer({ min: -3, max: 3 }));

describe('FingerprintTable', () => {
  for (const inPlace of [true, false]) {
    for (const indexed of [true, false]) {
      it(`matches a Map through many growths (inPlace=${inPlace}, indexed=${indexed})`, () => {
        fc.assert(
          fc.property(fc.array(fc.tuple(lane, lane), { maxLength: 3000 }), (pairs) => {
            const t = new FingerprintTable(16, indexed, inPlace);
            const ref = new Map<string, number>();
            for (const [lo0, hi0] of pairs) {
              const lo = lo0;
              const hi = (lo0 | hi0) === 0 ? 1 : hi0;
              const k = `${lo},${hi}`;
              if (t.size >= t.growAt) expect(t.grow()).toBe(true);
              const r = t.insert(lo, hi, ref.size);
              const known = ref.get(k);
              if (known === undefined) {
                expect(r).toBe(-1);
                ref.set(k, ref.size);
              } else {
                expect(r).toBe(indexed ? known : 0);
              }
            }
            expect(t.size).toBe(ref.size);
            for (const [k, i] of ref) {
              const [lo, hi] = k.split(',').map(Number);
              expect(t.find(lo, hi)).toBe(indexed ? i : 0);
            }
            expect(t.find(123456789, 987654321)).toBe(ref.has('123456789,987654321') ? (indexed ? ref.get('123456789,987654321') : 0) : -1);
            expect(t.size).toBeLessThanOrEqual(t.capacity * 0.8);
          }),
          { numRuns: 60 },
        );
      });
    }
  }

  it('grows to a million entries with exact membership', () => {
    const t = new FingerprintTable(16, true);
    const fp = new Int32Array(2);
    const s = new Int32Array(3);
    const n = 1_000_000;
    let notNew = 0;
    for (let i = 0; i < n; i++) {
      s[0] = i;
      s[2] = i * 3;
      fingerprint(s, fp);
      if (t.size >= t.growAt) t.grow();
      if (t.insert(fp[0], fp[1], i) !== -1) notNew++;
    }
    expect(notNew).toBe(0);
    expect(t.size).toBe(n);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      s[0] = i;
      s[2] = i * 3;
      fingerprint(s, fp);
      if (t.find(fp[0], fp[1]) !== i) wrong++;
    }
    expect(wrong).toBe(0);
    expect(t.bytes / n).toBeLessThan(12 * 2); // 12 bytes per slot with the index lane, load >= 0.53
  });
});

describe('StateInfo', () => {
  it('reconstructs paths and grows', () => {
    const info = new StateInfo(16);
    info.parent[0] = ROOT;
    info.action[0] = 2; // init index
    for (let i = 1; i < 1000; i++) {
      while (i >= info.capacity) info.grow();
      info.parent[i] = i - 1;
      info.action[i] = i % 7;
    }
    const { initIndex, path } = info.pathTo(999);
    expect(initIndex).toBe(2);
    expect(path).toHaveLength(999);
    expect(path.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 0, 1]);
    expect(info.depthOf(999)).toBe(999);
  });
});

describe('StateQueue', () => {
  it('is a FIFO of variable-length states, including empty and oversized ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 100, 3000)), { maxLength: 400 }),
        (ops) => {
          const q = new StateQueue(64, 1024);
          const ref: Int32Array[] = [];
          let k = 0;
          for (const op of ops) {
            if (op < 0) {
              if (ref.length === 0) continue;
              const want = ref.shift()!;
              expect([...q.shift()]).toEqual([...want]);
            } else {
              const s = new Int32Array(op).map((_, i) => k * 1000 + i);
              k++;
              q.push(s);
              ref.push(s);
            }
            expect(q.count).toBe(ref.length);
          }
          while (ref.length > 0) expect([...q.shift()]).toEqual([...ref.shift()!]);
          expect(q.count).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hands out states that stay valid after more pushes and shifts', () => {
    const q = new StateQueue(16, 16);
    const held: Int32Array[] = [];
    for (let i = 0; i < 100; i++) {
      q.push(Int32Array.of(i, i, i));
      if (i % 2 === 1) held.push(q.shift());
    }
    held.forEach((s, i) => expect([...s]).toEqual([i, i, i]));
  });
});

describe('fingerprint', () => {
  it('has no collisions over 300k structured states, and each lane alone is near the birthday bound', () => {
    const fp = new Int32Array(2);
    const both = new Set<string>();
    const lo = new Set<number>();
    const hi = new Set<number>();
    let n = 0;
    for (let a = 0; a < 600; a++) {
      for (let b = 0; b < 500; b++) {
        const s = Int32Array.of(a, b, 0, a ^ b);
        fingerprint(s, fp);
        both.add(`${fp[0]},${fp[1]}`);
        lo.add(fp[0]);
        hi.add(fp[1]);
        n++;
      }
    }
    expect(both.size).toBe(n);
    // expected 32-bit collisions ~ n^2 / 2^33 ~ 10.5
    expect(n - lo.size).toBeLessThan(40);
    expect(n - hi.size).toBeLessThan(40);
  });

  it('depends on length, order and every word', () => {
    const f = (...w: number[]) => {
      const o = new Int32Array(2);
      fingerprint(Int32Array.from(w), o);
      return `${o[0]},${o[1]}`;
    };
    const seen = new Set([f(), f(0), f(0, 0), f(0, 0, 0, 0, 0), f(1, 2), f(2, 1), f(0, 0, 0, 0, 1), f(1, 0, 0, 0, 0), f(-1), f(0x7fffffff)]);
    expect(seen.size).toBe(10);
    const o = new Int32Array(2);
    for (let i = 0; i < 1000; i++) {
      fingerprint(Int32Array.of(i), o);
      expect(o[0] !== 0 || o[1] !== 0).toBe(true);
    }
  });

  it('omission probability', () => {
    expect(omissionProbability(0)).toBe(0);
    expect(omissionProbability(1e6) / (1e12 / 2 ** 65)).toBeCloseTo(1, 5);
    expect(omissionProbability(1e12)).toBeGreaterThan(0.99);
  });
});

describe('XXH64 in WebAssembly', () => {
  const enc = (t: string) => new TextEncoder().encode(t);

  it('the BigInt reference matches published XXH64 test vectors', () => {
    expect(xxh64Reference(enc(''), 0n)).toBe(0xef46db3751d8e999n);
    expect(xxh64Reference(enc('a'), 0n)).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxh64Reference(enc('abc'), 0n)).toBe(0x44bc2cf5ad770999n);
    expect(xxh64Reference(enc('The quick brown fox jumps over the lazy dog'), 0n)).toBe(0x0b242d361fda71bcn);
  });

  it('the module agrees with the reference on whole-word inputs of every length class', () => {
    expect(wasmHashing).toBe(true);
    for (const seed of [0n, 0x5bd1e9959747b28cn, -1n]) {
      const x = instantiateXxh64(seed)!;
      fc.assert(
        fc.property(fc.array(int32, { maxLength: 80 }), (words) => {
          const s = Int32Array.from(words);
          new Int32Array(x.memory.buffer).set(s, XXH_INPUT_OFFSET / 4);
          x.h(s.length * 4);
          const got = BigInt.asUintN(64, new BigInt64Array(x.memory.buffer, 0, 1)[0]);
          expect(got).toBe(xxh64Reference(new Uint8Array(s.buffer), seed));
        }),
        { numRuns: 150 },
      );
    }
  });

  it('fingerprint() uses it for long states, and grows its memory for huge ones', () => {
    const out = new Int32Array(2);
    for (const n of [WASM_MIN_WORDS, 100, 1335, 40000]) {
      const s = new Int32Array(n).map((_, i) => Math.imul(i, 0x9e3779b1));
      fingerprint(s, out);
      const ref = xxh64Reference(new Uint8Array(s.buffer), 0x5bd1e9959747b28cn);
      expect(out[0]).toBe(Number(BigInt.asIntN(32, ref)));
      expect(out[1]).toBe(Number(BigInt.asIntN(32, ref >> 32n)));
    }
  });

  it('no collisions over 100k long structured states, in either implementation', () => {
    for (const f of [fingerprint, fingerprintJs]) {
      const out = new Int32Array(2);
      const seen = new Set<string>();
      const s = new Int32Array(64);
      for (let i = 0; i < 100_000; i++) {
        s[i % 64] ^= 1 << (i % 31);
        s[(i * 7) % 64] += 1;
        f(s, out);
        seen.add(`${out[0]},${out[1]}`);
      }
      // states may repeat: compare against the number of distinct states
      const distinct = new Set<string>();
      s.fill(0);
      for (let i = 0; i < 100_000; i++) {
        s[i % 64] ^= 1 << (i % 31);
        s[(i * 7) % 64] += 1;
        distinct.add(s.join(','));
      }
      expect(seen.size).toBe(distinct.size);
    }
  });
});

describe('alloc', () => {
  it('allocates zeroed, independent states', () => {
    const a = allocState(100);
    const b = allocState(100);
    expect(a.every((x) => x === 0)).toBe(true);
    a.fill(7);
    expect(b.every((x) => x === 0)).toBe(true);
    const c = cloneState(a);
    a[0] = 1;
    expect(c[0]).toBe(7);
    expect(c.length).toBe(100);
    const big = cloneState(new Int32Array(100000).fill(3));
    expect(big.length).toBe(100000);
    expect(cloneState(Int32Array.of(1, 2))).toEqual(Int32Array.of(1, 2));
  });
});
