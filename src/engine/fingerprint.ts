/**
 * The engine's incremental state fingerprint (the Model fast path, src/explore/model.ts).
 *
 * A machine's working memory is canonical: heap words at fixed addresses, and every
 * stack word beyond a thread's stack pointer is 0 (`Machine.ret` zeroes a frame it
 * pops, `Machine.load` zeroes what the previous state used). So the 64-bit hash
 *
 *     F(m) = XOR over every address a with m[a] != 0 of H(a, m[a])
 *
 * (Zobrist hashing, with the per-word term computed instead of looked up) is a function
 * of the state alone, and an action that changes a few words changes F by
 * H(a, old) ^ H(a, new) for each of them: the machine's write log (Machine.store) lists
 * exactly those words, with their values before the action. An action changes about
 * 12 of the ~1,100 words on average (partly-cached-read on mar14), so this replaces
 * packing and hashing the whole successor.
 *
 * H has two 32-bit lanes, each the murmur3 `fmix32` finaliser of a different
 * combination of a per-address random key (splitmix32 from a fixed seed: the same
 * fingerprints in every run and every worker) and the value, so the lanes are
 * independent and each term looks like a random 64-bit number. Hash compaction then
 * merges two distinct states with probability about 2^-64 per pair, as the explorer's
 * `omissionProbability` assumes.
 *
 * The explorer reserves the pair (0, 0): F = (0, 0) is reported as (0, 1). An
 * incremental update that starts from such a state is then off by one bit, which can
 * only make one state look new twice (probability 2^-64), never merge two states.
 */

function splitmix32(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x = (x + 0x9e3779b9) | 0;
    return lane1(x, 0);
  };
}

/** the lo lane of H(a, v) for the address key `key` of a (murmur3 fmix32) */
function lane1(key: number, v: number): number {
  let x = key ^ v;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** the hi lane: another combination of key and value, another xorshift-multiply finaliser (odd constants: a bijection) */
function lane2(key: number, v: number): number {
  let y = (key + Math.imul(v, 0x9e3779b1)) | 0;
  y = Math.imul(y ^ (y >>> 15), 0x2c1b3c6d);
  y = Math.imul(y ^ (y >>> 12), 0x297a2d39);
  return y ^ (y >>> 15);
}

/** per-address keys of a memory of `size` words */
export class WordHash {
  readonly k1: Int32Array;
  readonly k2: Int32Array;

  constructor(size: number) {
    const r = splitmix32(0x2003_0314);
    this.k1 = new Int32Array(size);
    this.k2 = new Int32Array(size);
    for (let a = 0; a < size; a++) {
      this.k1[a] = r();
      this.k2[a] = r();
    }
  }

  /** F(m) into out[0] (lo lane), out[1] (hi lane), never both 0 */
  full(m: Int32Array, out: Int32Array): void {
    const k1 = this.k1;
    const k2 = this.k2;
    let lo = 0;
    let hi = 0;
    for (let a = 0; a < m.length; a++) {
      const v = m[a];
      if (v === 0) continue;
      lo ^= lane1(k1[a], v);
      hi ^= lane2(k2[a], v);
    }
    out[0] = lo;
    out[1] = (lo | hi) === 0 ? 1 : hi;
  }

  /**
   * F of the memory after the logged writes, given F before them = (lo, hi):
   * `addr[i]` held `old[i]` before and holds `m[addr[i]]` now (each address once)
   */
  delta(m: Int32Array, addr: Int32Array, old: Int32Array, n: number, lo: number, hi: number, out: Int32Array): void {
    const k1 = this.k1;
    const k2 = this.k2;
    for (let i = 0; i < n; i++) {
      const a = addr[i];
      const o = old[i];
      const v = m[a];
      if (o === v) continue;
      if (o !== 0) {
        lo ^= lane1(k1[a], o);
        hi ^= lane2(k2[a], o);
      }
      if (v !== 0) {
        lo ^= lane1(k1[a], v);
        hi ^= lane2(k2[a], v);
      }
    }
    out[0] = lo;
    out[1] = (lo | hi) === 0 ? 1 : hi;
  }
}
