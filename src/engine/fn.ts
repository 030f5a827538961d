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
 *   wait-queue operation, refcount change marked with `k.sharedAccess()`, I/O, sleep, wakeup)
 *   ends the thread's transition: the scheduler may switch threads after it;
 * - steps that touched only the frame (locals, branches, calls, returns) run on
 *   without a scheduling point: they commute with every other thread's steps.
 */
import type { Machine } from './machine.ts';

export const MAX_LOCALS = 12;
/** frame layout: fn id, pc, returned (the value the last callee returned), the caller's frame, locals */
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
  returned: number;
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
  /**
   * a patch's own body of a function that has several (`@body <label>` in the source): a core
   * ('mar05', 'mar14'), 'aioretry' (both postings) or a change name. The machine calls the body its
   * variant chooses (bodyTable); undefined: the function as 2.5.62 has it, or its only body.
   */
  body?: string;
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
/** every body of each function name (one, unless patches give it bodies of their own) */
const BODIES = new Map<string, KFn[]>();

export function kfn<const P extends readonly string[], const L extends readonly string[]>(
  name: string,
  file: string,
  params: P,
  locals: L,
  step: (k: Machine, f: Frame<P[number] | L[number]>) => void,
  points: readonly ProgramPoint[] = [],
  body?: string,
): KFn<P[number] | L[number]> {
  const all = [...params, ...locals];
  if (all.length > MAX_LOCALS) throw new Error(`${name}: too many locals (${all.length} > ${MAX_LOCALS})`);
  const same = BODIES.get(name) ?? [];
  if (same.some((g) => g.body === body)) throw new Error(body ? `kfn ${name}: body ${body} defined twice` : `kfn ${name} defined twice`);
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
  Object.defineProperty(frame, 'returned', def(FR_RV));
  all.forEach((n, i) => Object.defineProperty(frame, n, def(FR_LOCALS + i)));
  const fn: KFn = { id: FNS.length + 1, name, file, params, locals, step: step as KFn['step'], frame, frameSize: FR_LOCALS + all.length, points, ...(body ? { body } : {}) };
  if (points.length) {
    fn.atomicAt = [];
    for (const p of points) fn.atomicAt[p.pc] = p.atomic;
  }
  FNS[fn.id] = fn;
  // by name: the unlabelled body (2.5.62's) if there is one, else the first registered
  if (!BY_NAME.has(name) || (BY_NAME.get(name)!.body && !body)) BY_NAME.set(name, fn);
  BODIES.set(name, [...same, fn]);
  return fn as unknown as KFn<P[number] | L[number]>;
}

/** every body of kernel function `name` (tests that wrap a function wrap them all) */
export function fnBodies(name: string): readonly KFn[] {
  return BODIES.get(name) ?? [];
}

/**
 * The body table of a variant: for each function id, the id of the body a call runs.
 * `labels` are the bodies the variant chooses, in order of precedence (its core's
 * 'aioretry', its core, its changes: a later label wins); a function with a chosen body
 * runs it whichever of its bodies the caller names, else each body is itself.
 */
export function bodyTable(labels: readonly string[]): Int32Array {
  const t = new Int32Array(FNS.length);
  for (let i = 0; i < t.length; i++) t[i] = i;
  for (const fns of BODIES.values()) {
    if (fns.length < 2) continue;
    let best: KFn | undefined;
    let rank = -1;
    for (const f of fns) {
      const r = f.body === undefined ? -1 : labels.indexOf(f.body);
      if (r > rank) [best, rank] = [f, r];
    }
    if (best) for (const f of fns) t[f.id] = best.id;
  }
  return t;
}

export function fnById(id: number): KFn {
  const f = FNS[id];
  if (!f) throw new Error(`no kernel function with id ${id}`);
  return f;
}

export function fnByName(name: string): KFn | undefined {
  return BY_NAME.get(name);
}

// ------------------------------------------------------------------ observable helpers
/** an observer of a helper: before it runs (with its arguments) and after (with what it returned) */
export interface HelperHook {
  before?(k: Machine, args: readonly number[]): void;
  after?(k: Machine, args: readonly number[], ret: unknown): void;
}
/** the names of the observable helpers, by id */
export const HELPERS: string[] = [];
/**
 * A kernel helper that never sleeps (a C macro, or a C function without preemption
 * points, written as a plain function) whose calls an observer may watch
 * (`Machine.helperHooks`, installed by src/engine/observe.ts): the helper's code is
 * the C's, and what the spec models and invariants learn from its calls is not in it.
 */
export function observable<A extends number[], R>(name: string, f: (k: Machine, ...args: A) => R): (k: Machine, ...args: A) => R {
  const id = HELPERS.push(name) - 1;
  return (k: Machine, ...args: A): R => {
    const h = k.helperHooks[id];
    if (h === undefined) return f(k, ...args);
    h.before?.(k, args);
    const r = f(k, ...args);
    h.after?.(k, args, r);
    return r;
  };
}
/** the id of observable helper `name` */
export function helperId(name: string): number {
  const i = HELPERS.indexOf(name);
  if (i < 0) throw new Error(`no observable helper ${name}`);
  return i;
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
