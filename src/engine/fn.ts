/**
 * Kernel functions as explicit program-point machines.
 *
 * A C function becomes a `kfn`: its parameters and locals live in a frame on the
 * thread's stack (inside the machine state), and its body is a `switch (f.pc)`
 * whose cases are the code between two preemption points. Reading a port next to
 * the C, each `case` is one or a few C statements, in the same order.
 *
 * The step contract (enforced by Machine.runThread):
 * - a step sets `f.pc` (or calls `k.call`, `k.ret`) and returns;
 * - a step that performed a visible operation (lock, atomic bitop, shared list or
 *   wait-queue operation, refcount change marked with `k.pp()`, I/O, sleep, wakeup)
 *   ends the thread's transition: the scheduler may switch threads after it;
 * - steps that touched only the frame (locals, branches, calls, returns) run on
 *   without a scheduling point: they commute with every other thread's steps.
 */
import type { Machine } from './machine.ts';

export const MAX_LOCALS = 12;
/** frame layout: fn id, pc, rv (value returned by the last callee), the caller's frame, locals */
export const FR_FN = 0;
export const FR_PC = 1;
export const FR_RV = 2;
export const FR_PREV = 3;
export const FR_LOCALS = 4;
/** words of a frame of function fn */
export function frameWords(fn: { params: readonly string[]; locals: readonly string[] }): number {
  return FR_LOCALS + fn.params.length + fn.locals.length;
}

export interface FrameBase {
  pc: number;
  /** the value the last callee returned */
  rv: number;
  /** address of the frame (for stack objects of this frame) */
  readonly base: number;
}
export type Frame<L extends string> = FrameBase & { [K in L]: number };

export interface KFn<L extends string = string> {
  id: number;
  name: string;
  /** source file of the C function, e.g. fs/aio.c */
  file: string;
  params: readonly string[];
  locals: readonly string[];
  step(k: Machine, f: Frame<L>): void;
  /** words of its frames (frameWords) */
  frameSize: number;
  /** a frame view reused for every step of this function (it reads through CUR) */
  frame: Frame<L>;
  /** per program point, from the compiler: source line, live frame words, footprint */
  points: readonly ProgramPoint[];
  /** compiled functions: per pc, the reason a step is declared atomic (undefined: not declared) */
  atomicAt?: (string | undefined)[];
}

/** what the compiler knows of a program point (src/compile/compile.ts) */
export interface ProgramPoint {
  pc: number;
  /** line of the straight-line source (src/kernel/...) where the step starts */
  line: number;
  /** frame words live at this point (the others are reset when dead-variable reduction is on) */
  live: readonly string[];
  /** the step's static footprint: primitives called, struct fields written */
  footprint: { calls: readonly string[]; fields: readonly string[] };
  /** declared an intended atomic step with more than one unprotected shared operation: why */
  atomic?: string;
}

/** what a frame view reads and writes through */
export interface FrameMem {
  m: Int32Array;
  base: number;
  /** the machine: writes go through its write log (Machine.store) */
  k: { store(addr: number, v: number): void };
}

/**
 * The frame the running step works on: Machine.runThread points it at the machine's
 * memory and at the frame before each step. Every frame view reads and writes through
 * this one object (rather than through fields of its own), so the accessors see one
 * object shape instead of one per kernel function, and stay fast.
 */
export const CUR: FrameMem = { m: new Int32Array(0), base: 0, k: { store() {} } };

/** what a call needs of a function: its id (and name for messages) */
export interface FnRef {
  readonly id: number;
  readonly name: string;
}

export const FNS: KFn[] = [];
const BY_NAME = new Map<string, KFn>();

export function kfn<const P extends readonly string[], const L extends readonly string[]>(
  name: string,
  file: string,
  params: P,
  locals: L,
  step: (k: Machine, f: Frame<P[number] | L[number]>) => void,
  points: readonly ProgramPoint[] = [],
): KFn<P[number] | L[number]> {
  const all = [...params, ...locals];
  if (all.length > MAX_LOCALS) throw new Error(`${name}: too many locals (${all.length} > ${MAX_LOCALS})`);
  if (BY_NAME.has(name)) throw new Error(`kfn ${name} defined twice`);
  const frame = {} as Frame<string>;
  const def = (o: number) => ({
    get() {
      return CUR.m[CUR.base + o];
    },
    set(v: number) {
      CUR.k.store(CUR.base + o, v);
    },
  });
  Object.defineProperty(frame, 'base', { get: () => CUR.base });
  Object.defineProperty(frame, 'pc', def(FR_PC));
  Object.defineProperty(frame, 'rv', def(FR_RV));
  all.forEach((n, i) => Object.defineProperty(frame, n, def(FR_LOCALS + i)));
  const fn: KFn = { id: FNS.length + 1, name, file, params, locals, step: step as KFn['step'], frame, frameSize: FR_LOCALS + all.length, points };
  if (points.length) {
    fn.atomicAt = [];
    for (const p of points) fn.atomicAt[p.pc] = p.atomic;
  }
  FNS[fn.id] = fn;
  BY_NAME.set(name, fn);
  return fn as unknown as KFn<P[number] | L[number]>;
}

export function fnById(id: number): KFn {
  const f = FNS[id];
  if (!f) throw new Error(`no kernel function with id ${id}`);
  return f;
}

export function fnByName(name: string): KFn | undefined {
  return BY_NAME.get(name);
}

// ------------------------------------------------------------------ the straight-line source language
/**
 * What a kernel function is in the source (src/kernel/): a generator over the machine.
 * `yield;` is a preemption point; `yield* f(k, ...)` calls kernel function f. The compiler
 * (src/compile/compile.ts) turns it into a KFn; these types only make the source type-check.
 */
export type KGen<T = number> = Generator<void, T, void>;

/** the kernel function f as a value (a function pointer stored in kernel memory); compiled to `f.id` */
export function fnptr(f: ((...a: never[]) => KGen<unknown>) | FnRef): number {
  return fnref(f).id;
}

/** the kernel function f as a reference (for registerIrq, fops tables, main functions): in the compiled module f is its KFn */
export function fnref(f: ((...a: never[]) => KGen<unknown>) | FnRef): FnRef {
  if ('id' in f && typeof f.id === 'number') return f as FnRef;
  const g = BY_NAME.get((f as { name: string }).name);
  if (!g) throw new Error(`fnref: ${(f as { name: string }).name} is not a compiled kernel function`);
  return g;
}

/** the address of local x of the running kernel function (compiled to the frame word's address) */
export function addressOf(_x: number): number {
  throw new Error('addressOf is compiled away: it is only valid inside a kernel function');
}

/** declares the step it stands in an intended atomic step (more than one unprotected shared operation), with the reason */
export function atomic(_why: string): void {}

/** calls the kernel function whose id is `fn` (a call through a function pointer) */
export function* call_ptr(_k: unknown, _fn: number, ..._args: number[]): KGen {
  throw new Error('call_ptr is compiled away: it is only valid inside a kernel function');
}

/**
 * A kernel function still written by hand (a KFn), typed so that straight-line source can
 * `yield*` it while it is being ported: at run time it is the KFn itself (the compiled
 * call is `k.call(N, f, ...)`).
 */
export function asKGen<A extends number[] = number[]>(f: KFn | FnRef): (k: Machine, ...args: A) => KGen {
  return f as unknown as (k: Machine, ...args: A) => KGen;
}
