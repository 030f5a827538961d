/**
 * 64-bit state fingerprints for hash compaction.
 *
 * A fingerprint is two 32-bit lanes computed in one pass over the state's Int32 words
 * by two structurally different hashes with different seeds, so that their collisions
 * are (as far as non-adversarial inputs go) independent:
 *
 *  - lane `lo`: MurmurHash3_x86_32 block mixing (c1/c2, rotl 15/13, `h*5+0xe6546b64`)
 *    with the murmur3 `fmix32` finaliser;
 *  - lane `hi`: the xxHash32 round (`acc = rotl(acc + w*P2, 13) * P1`) with the
 *    xxHash32 avalanche finaliser.
 *
 * Both lanes also mix in the length, so states of different lengths sharing a prefix
 * do not collide systematically. The pair (0, 0) is reserved as the empty-slot marker
 * of the visited table and is mapped to (0, 1).
 */

const SEED_LO = 0x9747b28c | 0;
const SEED_HI = 0x5bd1e995 | 0;

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P5 = 0x165667b1 | 0;

/**
 * Fingerprints `s` into `out[0]` (lo lane) and `out[1]` (hi lane) as int32 values,
 * never both zero. Allocation-free.
 */
export function fingerprint(s: Int32Array, out: Int32Array): void {
  const n = s.length;
  let h1 = SEED_LO ^ n;
  let h2 = (SEED_HI + P5 + Math.imul(n, P3)) | 0;
  for (let i = 0; i < n; i++) {
    const w = s[i];
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;

    h2 = (h2 + Math.imul(w, P2)) | 0;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = Math.imul(h2, P1);
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
  return p >= 1 ? 1 : -Math.expm1(-p);
}
