/**
 * Kernel memory for the engine: one flat Int32Array per machine state.
 *
 * Every kernel object (kioctx, kiocbs, pages, wait-queue heads, tasks, wait entries
 * in stack frames, thread stacks) lives at a fixed address in that array, so a
 * state is cloned with one memcpy and fingerprinted by hashing its words.
 * Pointers are addresses; NULL is 0. Words 0..NULL_PAGE-1 are the NULL page: any
 * access there is an oops. Objects that can die (slab kiocbs, stack frames) carry a
 * header word just before their first field: LIVE, FREED or DEAD_FRAME. Every access
 * through a struct view or a list primitive checks the header of the object that
 * contains the address (`owner` table), so a use-after-free is reported at the
 * access site instead of silently reading stale words.
 */

export const NULL = 0;
export const NULL_PAGE = 8;

/** header word values */
export const H_UNUSED = 0; // never allocated (slab slot not yet handed out)
export const H_LIVE = 1;
export const H_FREED = 2; // kmem_cache_free'd
export const H_DEAD_FRAME = 3; // the stack frame that held it has returned

export type FieldSpec = Record<string, number>; // field name -> size in words

export interface StructDef<F extends FieldSpec> {
  name: string;
  fields: F;
  size: number;
  off: { [K in keyof F]: number };
}

export function defineStruct<F extends FieldSpec>(name: string, fields: F): StructDef<F> {
  const off = {} as { [K in keyof F]: number };
  let size = 0;
  for (const k of Object.keys(fields) as (keyof F)[]) {
    off[k] = size;
    size += fields[k];
  }
  return { name, fields, size, off };
}

/** What a memory access needs from the machine: the words, the owner table and a fault hook. */
export interface MemCtx {
  m: Int32Array;
  /** owner[a] = address of the header word of the object containing a, or 0 (static) */
  owner: Int32Array;
  /** reports a memory-safety violation (NULL / freed / dead frame); throws to end the step */
  fault(kind: 'null' | 'freed' | 'dead-frame' | 'unused', addr: number, what: string): never;
  /** marks the current step as touching shared memory (a preemption point follows) */
  visible: boolean;
  /** writes word `addr` (every write of a step goes through here: see Machine.w) */
  store(addr: number, v: number): void;
}

export function checkAddr(c: MemCtx, addr: number, what: string): void {
  if (addr < NULL_PAGE) c.fault('null', addr, what);
  const h = c.owner[addr];
  if (h !== 0) {
    const st = c.m[h];
    if (st !== H_LIVE) c.fault(st === H_FREED ? 'freed' : st === H_DEAD_FRAME ? 'dead-frame' : 'unused', addr, what);
  }
}

export function rd(c: MemCtx, addr: number, what: string): number {
  checkAddr(c, addr, what);
  c.visible = true;
  return c.m[addr];
}

export function wr(c: MemCtx, addr: number, v: number, what: string): void {
  checkAddr(c, addr, what);
  c.visible = true;
  c.store(addr, v);
}

export type View<F extends FieldSpec> = { -readonly [K in keyof F]: number } & {
  /** the object's address */
  readonly addr: number;
  /** address of a field (for embedded list_heads and wait entries) */
  $(field: keyof F): number;
};

/**
 * The getter and setter of one field. They are compiled once per field (a Function of
 * their own) rather than made as closures of one shared function: V8 keeps type
 * feedback per compiled function, so each accessor only ever sees its own struct's view
 * class and its property loads stay monomorphic (closures of one function share their
 * feedback, which saw every struct's class and went megamorphic). Measured: 3-5% of the
 * explorer's time on the mar14 workloads.
 */
function accessors(o: number, what: string): PropertyDescriptor {
  const make = new Function(
    'rd',
    'wr',
    'o',
    'what',
    'return { get() { return rd(this.c, this.addr + o, what); }, set(v) { wr(this.c, this.addr + o, v, what); } };',
  ) as (r: typeof rd, w: typeof wr, o: number, what: string) => PropertyDescriptor;
  return make(rd, wr, o, what);
}

const viewClasses = new WeakMap<StructDef<FieldSpec>, new (c: MemCtx, base: number) => unknown>();

/**
 * A typed view of the struct at `base`: `iocb.ki_users++` reads and writes the
 * machine's memory with the use-after-free / NULL checks of `rd`/`wr`.
 */
export function view<F extends FieldSpec>(def: StructDef<F>, c: MemCtx, base: number): View<F> {
  let cls = viewClasses.get(def as unknown as StructDef<FieldSpec>);
  if (!cls) {
    const C = function (this: { c: MemCtx; addr: number }, c: MemCtx, base: number) {
      this.c = c;
      this.addr = base;
    } as unknown as new (c: MemCtx, base: number) => unknown;
    const proto = (C as unknown as { prototype: Record<string, unknown> }).prototype;
    for (const k of Object.keys(def.fields)) {
      const o = def.off[k];
      const what = `${def.name}->${k}`;
      Object.defineProperty(proto, k, accessors(o, what));
    }
    proto.$ = function (this: { addr: number }, f: string) {
      return this.addr + def.off[f];
    };
    cls = C;
    viewClasses.set(def as unknown as StructDef<FieldSpec>, cls);
  }
  return new cls(c, base) as View<F>;
}

/** Builds the address map of a machine: allocates objects and records the owner table. */
export class LayoutBuilder {
  size = NULL_PAGE;
  private owners: number[] = new Array(NULL_PAGE).fill(0);
  readonly names: { addr: number; size: number; name: string; def?: StructDef<FieldSpec> }[] = [];

  /** allocate `words` words; with `header`, one header word precedes them and owns them */
  alloc(words: number, name: string, header = false): number {
    let h = 0;
    if (header) {
      h = this.size++;
      this.owners.push(0);
    }
    const base = this.size;
    for (let i = 0; i < words; i++) this.owners.push(h);
    this.size += words;
    this.names.push({ addr: base, size: words, name });
    return base;
  }

  allocStruct<F extends FieldSpec>(def: StructDef<F>, name: string, header = false): number {
    const a = this.alloc(def.size, name, header);
    this.names[this.names.length - 1].def = def as unknown as StructDef<FieldSpec>;
    return a;
  }

  ownerTable(): Int32Array {
    return Int32Array.from(this.owners);
  }

  /** name of the object containing `addr`, for messages */
  static describe(names: { addr: number; size: number; name: string }[], addr: number): string {
    if (addr < NULL_PAGE) return 'NULL';
    for (const n of names) if (addr >= n.addr && addr < n.addr + n.size) return addr === n.addr ? n.name : `${n.name}+${addr - n.addr}`;
    return `@${addr}`;
  }
}
