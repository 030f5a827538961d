/**
 * 64-bit state fingerprints for hash compaction.
 *
 * A fingerprint is two 32-bit lanes computed in one pass over the state's Int32 words
 * by two structurally different hashes with different seeds, so that their collisions
 * are (as far as non-adversarial inputs go) independent:
 *
 *  - lane `lo`: MurmurHash3_x86_32 block mixing (c1/c2, rotl 15/13, `h*5+0xe6546b64`)
 *    with the murmur3 `fmix32` finaliser;
 *  - lane `hi`: xxHash32 (four-accumulator rounds `acc = rotl(acc + w*P2, 13) * P1`,
 *    merge, tail rounds, avalanche finaliser).
 *
 * Both lanes also mix in the length, so states of different lengths sharing a prefix
 * do not collide systematically.
 *
 * States of WASM_MIN_WORDS words or more are instead hashed with XXH64 in
 * WebAssembly (xxh64-wasm.ts): the state is copied into the module's memory and the
 * 64-bit result split into (lo, hi). That is 2-3x faster for big states (1335 words:
 * ~0.75 us instead of ~1.75 us). The choice depends only on the length, so a state
 * always gets the same fingerprint.
 *
 * The pair (0, 0) is reserved as the empty-slot marker of the visited table and is
 * mapped to (0, 1).
 */
import { instantiateXxh64, XXH_INPUT_OFFSET } from './xxh64-wasm.ts';

const SEED_LO = 0x9747b28c | 0;
const SEED_HI = 0x5bd1e995 | 0;

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;
const C1 = 0xcc9e2d51 | 0;
const C2 = 0x1b873593 | 0;

/** states at least this long are hashed in WebAssembly when available */
export const WASM_MIN_WORDS = 16;

const xxh = instantiateXxh64(0x5bd1e9959747b28cn);
const xxhH = xxh?.h;
const INPUT_WORD = XXH_INPUT_OFFSET >> 2;
let xxhMem32 = xxh ? new Int32Array(xxh.memory.buffer) : new Int32Array(0);
let xxhCapWords = xxhMem32.length - INPUT_WORD;

/** whether long states are hashed in WebAssembly */
export const wasmHashing: boolean = xxh !== undefined;

/**
 * Fingerprints `s` into `out[0]` (lo lane) and `out[1]` (hi lane) as int32 values,
 * never both zero. Allocation-free.
 */
export function fingerprint(s: Int32Array, out: Int32Array): void {
  const n = s.length;
  if (n < WASM_MIN_WORDS || xxhH === undefined) {
    fingerprintJs(s, out);
    return;
  }
  if (n > xxhCapWords) growXxhMemory(n);
  xxhMem32.set(s, INPUT_WORD);
  xxhH(n << 2);
  const lo = xxhMem32[0];
  const hi = xxhMem32[1];
  out[0] = lo;
  out[1] = (lo | hi) === 0 ? 1 : hi;
}

function growXxhMemory(words: number): void {
  const need = (words + INPUT_WORD) * 4;
  const mem = xxh!.memory;
  const pages = Math.ceil((need - mem.buffer.byteLength) / 65536);
  if (pages > 0) mem.grow(pages);
  xxhMem32 = new Int32Array(mem.buffer);
  xxhCapWords = xxhMem32.length - INPUT_WORD;
}

/**
 * The pure-JS fingerprint (used for states shorter than WASM_MIN_WORDS): `out[0]`
 * (lo lane) and `out[1]` (hi lane) as int32 values, never both zero.
 *
 * The hi lane is xxHash32's structure: four accumulators over 4-word stripes, a
 * merge, then a one-accumulator tail; the lo lane is MurmurHash3_x86_32 over all
 * words. Throughput is bound by the four multiplies per word (about 1.3 ns/word).
 */
export function fingerprintJs(s: Int32Array, out: Int32Array): void {
  const n = s.length;
  let h1 = SEED_LO ^ n;
  let a1 = (SEED_HI + P1 + P2) | 0;
  let a2 = (SEED_HI + P2) | 0;
  let a3 = SEED_HI;
  let a4 = (SEED_HI - P1) | 0;
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const w0 = s[i];
    const w1 = s[i + 1];
    const w2 = s[i + 2];
    const w3 = s[i + 3];
    let k = Math.imul(w0, C1);
    k = Math.imul((k << 15) | (k >>> 17), C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (h1 + (h1 << 2) + 0xe6546b64) | 0;
    k = Math.imul(w1, C1);
    k = Math.imul((k << 15) | (k >>> 17), C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (h1 + (h1 << 2) + 0xe6546b64) | 0;
    k = Math.imul(w2, C1);
    k = Math.imul((k << 15) | (k >>> 17), C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (h1 + (h1 << 2) + 0xe6546b64) | 0;
    k = Math.imul(w3, C1);
    k = Math.imul((k << 15) | (k >>> 17), C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (h1 + (h1 << 2) + 0xe6546b64) | 0;

    a1 = (a1 + Math.imul(w0, P2)) | 0;
    a1 = Math.imul((a1 << 13) | (a1 >>> 19), P1);
    a2 = (a2 + Math.imul(w1, P2)) | 0;
    a2 = Math.imul((a2 << 13) | (a2 >>> 19), P1);
    a3 = (a3 + Math.imul(w2, P2)) | 0;
    a3 = Math.imul((a3 << 13) | (a3 >>> 19), P1);
    a4 = (a4 + Math.imul(w3, P2)) | 0;
    a4 = Math.imul((a4 << 13) | (a4 >>> 19), P1);
  }
  let h2 =
    n >= 4
      ? (((a1 << 1) | (a1 >>> 31)) + ((a2 << 7) | (a2 >>> 25)) + ((a3 << 12) | (a3 >>> 20)) + ((a4 << 18) | (a4 >>> 14))) | 0
      : (SEED_HI + P5) | 0;
  h2 = (h2 + (n << 2)) | 0;
  for (; i < n; i++) {
    const w = s[i];
    let k = Math.imul(w, C1);
    k = Math.imul((k << 15) | (k >>> 17), C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (h1 + (h1 << 2) + 0xe6546b64) | 0;

    h2 = (h2 + Math.imul(w, P3)) | 0;
    h2 = Math.imul((h2 << 17) | (h2 >>> 15), P4);
  }
  // murmur3 fmix32
  h1 ^= n << 2;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  // xxh32 avalanche
  h2 ^= h2 >>> 15;
  h2 = Math.imul(h2, P2);
  h2 ^= h2 >>> 13;
  h2 = Math.imul(h2, P3);
  h2 ^= h2 >>> 16;
  if ((h1 | h2) === 0) h2 = 1;
  out[0] = h1;
  out[1] = h2;
}

/**
 * Probability that hash compaction with 64-bit fingerprints silently merged at least
 * two distinct states among `n` (birthday bound, about n^2 / 2^65).
 */
export function omissionProbability(n: number): number {
  const p = (n * (n - 1)) / 2 / 2 ** 64;
  return p >= 1 ? 1 : 0 - Math.expm1(-p);
}
