/**
 * XXH64 over whole 32-bit words, as a tiny hand-assembled WebAssembly module.
 *
 * JavaScript has no 64-bit multiply, so the pure-JS fingerprint (hash.ts) needs four
 * 32-bit multiplies per word (~1.3 ns/word here); XXH64 in WebAssembly does one
 * 64-bit multiply per two words. For states of hundreds of words (kernel models:
 * 1000+ words) the state is copied into the module's memory (a memcpy) and hashed
 * there, several times faster overall.
 *
 * The module exports `mem` and `h(lenBytes)`: it hashes bytes [16, 16 + lenBytes) of
 * `mem` (lenBytes a multiple of 4; the input words little-endian, as Int32Array
 * stores them) with XXH64 under the seed given to `buildXxh64Module`, and stores the
 * 64-bit result at bytes [0, 8). The algorithm is XXH64 as specified (stripes of 32
 * bytes in four accumulators, 8-byte lanes, one 4-byte lane, avalanche); there is
 * no 1-byte tail because the input is whole words.
 */

const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
const M64 = (1n << 64n) - 1n;

/** offset of the input in the module's memory */
export const XXH_INPUT_OFFSET = 16;

// --- a minimal assembler ---------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb64(v: bigint): number[] {
  // v as a signed 64-bit value
  let x = BigInt.asIntN(64, v);
  const out: number[] = [];
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function sleb32(v: number): number[] {
  let x = v | 0;
  const out: number[] = [];
  for (;;) {
    const b = x & 0x7f;
    x >>= 7;
    const done = (x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// opcodes
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const ELSE = 0x05;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const VOID = 0x40;
const LGET = 0x20;
const LSET = 0x21;
const I32C = 0x41;
const I64C = 0x42;
const I64LOAD = 0x29;
const I64LOAD32U = 0x35;
const I64STORE = 0x37;
const I32ADD = 0x6a;
const I32SUB = 0x6b;
const I32GTU = 0x4b;
const I32LEU = 0x4d;
const I32GEU = 0x4f;
const I64ADD = 0x7c;
const I64MUL = 0x7e;
const I64XOR = 0x85;
const I64SHRU = 0x88;
const I64ROTL = 0x89;
const I64EXTU = 0xad;

const i32c = (v: number) => [I32C, ...sleb32(v)];
const i64c = (v: bigint) => [I64C, ...sleb64(v)];
const get = (l: number) => [LGET, ...uleb(l)];
const set = (l: number) => [LSET, ...uleb(l)];
const load64 = (offset: number) => [I64LOAD, 3, ...uleb(offset)];

/** the WebAssembly binary of the XXH64 module with the given seed */
export function buildXxh64Module(seed: bigint): Uint8Array<ArrayBuffer> {
  // locals: 0 len (param, i32), 1 p, 2 end (i32), 3..6 v1..v4, 7 h (i64)
  const LEN = 0;
  const P = 1;
  const E = 2;
  const V = [3, 4, 5, 6];
  const H = 7;
  const s = BigInt.asUintN(64, seed);
  /** acc = rotl(acc + input * P2, 31) * P1, with input on the stack after acc */
  const roundTail = [...i64c(P2), I64MUL, I64ADD, ...i64c(31n), I64ROTL, ...i64c(P1), I64MUL];
  /** round(0, x) with x on the stack */
  const round0 = [...i64c(P2), I64MUL, ...i64c(31n), I64ROTL, ...i64c(P1), I64MUL];

  const code: number[] = [
    ...i32c(XXH_INPUT_OFFSET), ...set(P),
    ...get(LEN), ...i32c(XXH_INPUT_OFFSET), I32ADD, ...set(E),
    ...get(LEN), ...i32c(32), I32GEU,
    IF, VOID,
    ...i64c((s + P1 + P2) & M64), ...set(V[0]),
    ...i64c((s + P2) & M64), ...set(V[1]),
    ...i64c(s), ...set(V[2]),
    ...i64c((s - P1) & M64), ...set(V[3]),
    BLOCK, VOID,
    LOOP, VOID,
    // if p > end - 32: break
    ...get(P), ...get(E), ...i32c(32), I32SUB, I32GTU, BR_IF, 1,
    ...[0, 1, 2, 3].flatMap((k) => [...get(V[k]), ...get(P), ...load64(8 * k), ...roundTail, ...set(V[k])]),
    ...get(P), ...i32c(32), I32ADD, ...set(P),
    BR, 0,
    END,
    END,
    ...get(V[0]), ...i64c(1n), I64ROTL,
    ...get(V[1]), ...i64c(7n), I64ROTL, I64ADD,
    ...get(V[2]), ...i64c(12n), I64ROTL, I64ADD,
    ...get(V[3]), ...i64c(18n), I64ROTL, I64ADD,
    ...set(H),
    // mergeRound: h = (h ^ round(0, v)) * P1 + P4
    ...[0, 1, 2, 3].flatMap((k) => [...get(H), ...get(V[k]), ...round0, I64XOR, ...i64c(P1), I64MUL, ...i64c(P4), I64ADD, ...set(H)]),
    ELSE,
    ...i64c((s + P5) & M64), ...set(H),
    END,
    // h += len
    ...get(H), ...get(LEN), I64EXTU, I64ADD, ...set(H),
    // 8-byte lanes: h = rotl(h ^ round(0, lane), 27) * P1 + P4
    BLOCK, VOID,
    LOOP, VOID,
    ...get(P), ...i32c(8), I32ADD, ...get(E), I32GTU, BR_IF, 1,
    ...get(H), ...get(P), ...load64(0), ...round0, I64XOR, ...i64c(27n), I64ROTL, ...i64c(P1), I64MUL, ...i64c(P4), I64ADD, ...set(H),
    ...get(P), ...i32c(8), I32ADD, ...set(P),
    BR, 0,
    END,
    END,
    // a last 4-byte lane: h = rotl(h ^ (u64)lane * P1, 23) * P2 + P3
    ...get(P), ...i32c(4), I32ADD, ...get(E), I32LEU,
    IF, VOID,
    ...get(H), ...get(P), I64LOAD32U, 2, 0, ...i64c(P1), I64MUL, I64XOR, ...i64c(23n), I64ROTL, ...i64c(P2), I64MUL, ...i64c(P3), I64ADD, ...set(H),
    END,
    // avalanche
    ...get(H), ...get(H), ...i64c(33n), I64SHRU, I64XOR, ...i64c(P2), I64MUL, ...set(H),
    ...get(H), ...get(H), ...i64c(29n), I64SHRU, I64XOR, ...i64c(P3), I64MUL, ...set(H),
    ...i32c(0), ...get(H), ...get(H), ...i64c(32n), I64SHRU, I64XOR, I64STORE, 3, 0,
    END,
  ];
  const locals = vec([
    [...uleb(2), 0x7f],
    [...uleb(5), 0x7e],
  ]);
  const body = [...locals, ...code];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[0x7f]]), ...vec([])]])), // type 0: (i32) -> ()
    ...section(3, vec([uleb(0)])), // func 0: type 0
    ...section(5, vec([[0x00, ...uleb(1)]])), // memory 0: min 1 page
    ...section(7, vec([
      [...name('mem'), 0x02, ...uleb(0)],
      [...name('h'), 0x00, ...uleb(0)],
    ])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ];
  return Uint8Array.from(bytes);
}

export interface Xxh64 {
  memory: WebAssembly.Memory;
  /** hashes `lenBytes` bytes at XXH_INPUT_OFFSET, result at bytes [0, 8) */
  h: (lenBytes: number) => void;
}

/** instantiates the module synchronously; undefined when WebAssembly is unavailable */
export function instantiateXxh64(seed: bigint): Xxh64 | undefined {
  try {
    const mod = new WebAssembly.Module(buildXxh64Module(seed));
    const inst = new WebAssembly.Instance(mod, {});
    const ex = inst.exports as { mem: WebAssembly.Memory; h: (n: number) => void };
    return { memory: ex.mem, h: ex.h };
  } catch {
    return undefined;
  }
}

/** reference XXH64 over bytes with BigInt (slow; for tests) */
export function xxh64Reference(bytes: Uint8Array, seed: bigint): bigint {
  const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M64;
  const mul = (a: bigint, b: bigint) => (a * b) & M64;
  const add = (a: bigint, b: bigint) => (a + b) & M64;
  const round = (acc: bigint, input: bigint) => mul(rotl(add(acc, mul(input, P2)), 31n), P1);
  const merge = (acc: bigint, val: bigint) => add(mul(acc ^ round(0n, val), P1), P4);
  const r64 = (i: number) => {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(bytes[i + k]);
    return v;
  };
  const r32 = (i: number) => BigInt(bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16)) + (BigInt(bytes[i + 3]) << 24n);
  const len = bytes.length;
  const s = BigInt.asUintN(64, seed);
  let p = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = add(add(s, P1), P2);
    let v2 = add(s, P2);
    let v3 = s;
    let v4 = (s - P1) & M64;
    while (p + 32 <= len) {
      v1 = round(v1, r64(p));
      v2 = round(v2, r64(p + 8));
      v3 = round(v3, r64(p + 16));
      v4 = round(v4, r64(p + 24));
      p += 32;
    }
    h = add(add(add(rotl(v1, 1n), rotl(v2, 7n)), rotl(v3, 12n)), rotl(v4, 18n));
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = add(s, P5);
  }
  h = add(h, BigInt(len));
  while (p + 8 <= len) {
    h = add(mul(rotl(h ^ round(0n, r64(p)), 27n), P1), P4);
    p += 8;
  }
  if (p + 4 <= len) {
    h = add(mul(rotl(h ^ mul(r32(p), P1), 23n), P2), P3);
    p += 4;
  }
  while (p < len) {
    h = mul(rotl(h ^ mul(BigInt(bytes[p]), P5), 11n), P1);
    p++;
  }
  h ^= h >> 33n;
  h = mul(h, P2);
  h ^= h >> 29n;
  h = mul(h, P3);
  h ^= h >> 32n;
  return h;
}
