/**
 * The kernel compiler: turns kernel functions written as straight-line code
 * (generator functions in src/kernel/) into the resumable program-point form the
 * engine runs (src/engine/, generated: a `switch (f.pc)` per function, locals in frame
 * words of the state).
 *
 * TypeScript 7's native `tsc` has no JavaScript API, so the source is parsed with
 * @babel/parser (its TypeScript plugin); the output is the source text itself, sliced
 * and rewritten, so that everything outside kernel functions is copied verbatim.
 *
 * The source language (see README "How the engine reads like the C"):
 *   yield;                          ends an atomic step (a preemption point)
 *   yield* f(k, a, b);              calls kernel function f (x = / const x = / return yield* f(...))
 *   yield* call_ptr(k, fn, a, b);   calls through a function pointer (a kernel function id)
 *   yield* spin_lock*(k, l);        a lock acquire: a step of its own that spins until the lock is free
 *   fnptr(f)                        the kernel function f as a value (its id)
 *   addressOf(x)                    the address of local x (a frame word)
 *   atomic('why')                   declares the step it is in an intended atomic step doing more
 *                                   than one operation on unprotected shared data (else an error)
 *   if / while / for / do / labelled blocks with break and continue, return
 * Compile rules:
 *   - `yield;` becomes `f.pc = N; return; case N:`; a call `return k.call(N, f, ...); case N: x = f.returned;`
 *   - the preemption points are exactly: `yield`, calls, lock acquires and a loop's repetition
 *     (its back-edge); if/else, a loop's exit and break/continue forward jump on within the
 *     step (`f.pc = L; continue step;` inside `step: for (;;) switch (f.pc)`), as the C's
 *     control flow does;
 *     (a module whose first comment says `@jumps-end-steps` keeps the earlier rule, under
 *     which its port was checked: every jump ends a step);
 *   - a case that only falls or jumps on (also a `break label;` alone) is the case it reaches:
 *     a call's return and a yield that go to the same place are one program point, and
 *     `yield; break label;` is one boundary;
 *   - a lock acquire starts a case that is retried while the lock is busy;
 *   - a local becomes a frame word when it is used in two or more steps (or its address is
 *     taken); otherwise it stays a JavaScript local of its step;
 *   - for each program point the compiler computes the frame words live there; the
 *     generated code resets the dead ones at each jump and call (SPIN's dead-variable
 *     reduction; Machine.deadReset switches it);
 *   - each step's footprint: the shared operations it may perform (src/compile/footprint.ts);
 *   - `@body <label>` in a function's doc comment (or the module's first comment, for all of
 *     its functions) makes it a patch's own body of a function of that name (KFn.body): the
 *     machine runs the body its variant chooses (fn.ts bodyTable).
 */
import { parse } from '@babel/parser';
import type * as B from '@babel/types';
import { stepFootprint, type Footprint } from './footprint.ts';

export class CompileError extends Error {}

/** kernel-call forms the compiler treats specially */
const ACQUIRES: Record<string, { mode: string; value: boolean }> = {
  spin_lock: { mode: "'none'", value: false },
  spin_lock_irq: { mode: "'irq'", value: false },
  spin_lock_irqsave: { mode: "'save'", value: true },
};

interface Var {
  name: string;
  param: boolean;
  /** cases it is referenced in (pass 1) */
  cases: Set<number>;
  addressTaken: boolean;
}

interface CaseInfo {
  id: number;
  lines: string[];
  /** source line of the case's first statement */
  srcLine: number;
  reads: Set<string>;
  mustWrites: Set<string>;
  succ: Set<number>;
  /** may fall through into the next case */
  open: boolean;
  /** the case starts with a lock acquire */
  acquire?: string;
  /** top-level statement kinds of the case (for the footprint) */
  nodes: B.Node[];
  /** a jump or return was emitted: what follows in the case is conditional */
  sideExit?: boolean;
  /** cases this one jumps to within the same step (forward jumps) */
  soft: Set<number>;
  /** declared an intended atomic step: why (`atomic('...')` in the source) */
  atomic?: string;
}

interface Target {
  label?: string;
  breakTo: number;
  continueTo?: number;
  /** the loop's head (a jump there repeats the loop) */
  head?: number;
  isLoop: boolean;
}

export interface CompiledFn {
  name: string;
  file: string;
  params: string[];
  locals: string[];
  /** per program point: the source line, the live frame words, the footprint */
  points: { pc: number; line: number; live: string[]; footprint: Footprint; atomic?: string }[];
  text: string;
}

function isYield(n: B.Node | null | undefined): n is B.YieldExpression {
  return !!n && n.type === 'YieldExpression';
}

const FN_TYPES = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'FunctionDeclaration', 'ObjectMethod', 'ClassMethod']);

function children(n: B.Node): B.Node[] {
  const out: B.Node[] = [];
  for (const key of Object.keys(n)) {
    if (key === 'loc' || key === 'label' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments' || key === 'extra' || key === 'typeAnnotation' || key === 'returnType' || key === 'typeParameters') continue;
    const v = (n as unknown as Record<string, unknown>)[key];
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x === 'object' && typeof (x as B.Node).type === 'string') out.push(x as B.Node);
    } else if (v && typeof v === 'object' && typeof (v as B.Node).type === 'string') out.push(v as B.Node);
  }
  return out.sort((a, b) => a.start! - b.start!);
}

function containsYield(n: B.Node): boolean {
  if (isYield(n)) return true;
  if (FN_TYPES.has(n.type)) return false;
  if (n.type.startsWith('TS') && n.type !== 'TSAsExpression' && n.type !== 'TSNonNullExpression' && n.type !== 'TSSatisfiesExpression') return false;
  return children(n).some(containsYield);
}

/** the call of `yield* call(...)`, with its callee name */
function delegatedCall(y: B.YieldExpression, src: string, where: string): { call: B.CallExpression; callee: string } {
  if (!y.delegate) throw new CompileError(`${where}: \`yield\` with a value: use \`yield;\` (a preemption point) or \`yield* f(k, ...)\` (a call)`);
  const c = y.argument;
  if (!c || c.type !== 'CallExpression' || c.callee.type !== 'Identifier') throw new CompileError(`${where}: \`yield*\` takes a call of a kernel function by name (${src.slice(y.start!, y.end!)})`);
  if (c.arguments.length === 0 || c.arguments[0].type !== 'Identifier' || c.arguments[0].name !== 'k') throw new CompileError(`${where}: a kernel call passes the machine \`k\` first (${src.slice(y.start!, y.end!)})`);
  return { call: c, callee: c.callee.name };
}

class FnCompiler {
  readonly vars = new Map<string, Var>();
  readonly cases: CaseInfo[] = [];
  private cur!: CaseInfo;
  private targets: Target[] = [];
  /** frame words: params first, then locals (decided between the passes) */
  frame: string[] | null = null;
  private liveIn: Map<number, Set<string>> | null = null;
  private readonly where: string;

  constructor(
    readonly src: string,
    readonly fn: B.FunctionDeclaration,
    readonly name: string,
    readonly lineOf: (pos: number) => number,
    /** the module says `@jumps-end-steps`: every jump, forward ones too, ends a step (the rule its port was checked under) */
    readonly jumpsEndSteps = false,
  ) {
    this.where = `${name}`;
    const ps = fn.params;
    if (ps.length === 0 || ps[0].type !== 'Identifier' || ps[0].name !== 'k') throw new CompileError(`${name}: a kernel function takes the machine \`k\` as its first parameter`);
    for (const p of ps.slice(1)) {
      if (p.type !== 'Identifier') throw new CompileError(`${name}: parameters must be plain names`);
      this.vars.set(p.name, { name: p.name, param: true, cases: new Set(), addressTaken: false });
    }
    this.collectDecls(fn.body);
  }

  private collectDecls(n: B.Node): void {
    if (FN_TYPES.has(n.type)) return;
    if (n.type === 'VariableDeclaration') {
      for (const d of n.declarations) {
        if (d.id.type !== 'Identifier') {
          if (containsYield(n)) throw new CompileError(`${this.where}: destructuring declarations are not supported around preemption points`);
          continue;
        }
        if (d.id.name === 'k' || d.id.name === 'f') throw new CompileError(`${this.where}: a local may not be named ${d.id.name}`);
        if (!this.vars.has(d.id.name)) this.vars.set(d.id.name, { name: d.id.name, param: false, cases: new Set(), addressTaken: false });
      }
    }
    for (const c of children(n)) this.collectDecls(c);
  }

  isFrame(name: string): boolean {
    if (this.frame) return this.frame.includes(name);
    return this.vars.has(name); // pass 1: every local is a candidate
  }

  private newCase(line: number): CaseInfo {
    const c: CaseInfo = { id: this.cases.length, lines: [], srcLine: line, reads: new Set(), mustWrites: new Set(), succ: new Set(), open: true, nodes: [], soft: new Set() };
    this.cases.push(c);
    return c;
  }

  /** starts the case `c` (allocated by `reserve`) as the current one: the previous falls through into it */
  private place(c: CaseInfo, line?: number): void {
    if (this.cur && this.cur.open) this.cur.succ.add(c.id);
    if (line !== undefined && c.lines.length === 0) c.srcLine = line;
    this.order.push(c.id);
    this.cur = c;
  }
  private order: number[] = [];
  private reserve(): CaseInfo {
    return this.newCase(0);
  }

  /** text that resets the frame words dead at case `to` (empty before liveness is known) */
  private dead(to: number): string {
    if (!this.liveIn || !this.frame) return '';
    const live = this.liveIn.get(to)!;
    const offs = this.frame.map((v, i) => (live.has(v) || this.vars.get(v)!.addressTaken ? -1 : 4 + i)).filter((i) => i >= 0);
    if (offs.length === 0) return '';
    // the offset lists are constants of the module (no array is made per jump), and nothing is called while the reduction is off
    const key = JSON.stringify(offs);
    let j = this.deadLists.indexOf(key);
    if (j < 0) j = this.deadLists.push(key) - 1;
    return `if (k.deadReset) k.dead(f.base, DEAD_${this.name}[${j}]); `;
  }

  /** empty cases that only fall through into the next: their id -> the case they reach (so that a call's return and a jump to the same place are one program point) */
  private alias: Map<number, number> | null = null;
  private resolve(id: number): number {
    return this.alias?.get(id) ?? id;
  }
  private computeAliases(): void {
    const alias = new Map<number, number>();
    const aliasLater: [number, number][] = [];
    const ids = this.order;
    for (let i = ids.length - 1; i >= 0; i--) {
      const c = this.cases[ids[i]];
      const code = c.lines.filter((l) => !/^\s*(\/\/|\/\*)/.test(l));
      // (never the entry case: a new frame starts at pc 0)
      const empty = c.id !== 0 && c.open && !c.acquire && code.length === 0 && i + 1 < ids.length;
      if (empty) alias.set(c.id, alias.get(ids[i + 1]) ?? ids[i + 1]);
      // a case that only jumps on within the step is the case it jumps to
      // (a `break label;` is emitted braced and leaves the case open: the code after it is unreachable)
      const only = !c.acquire && code.length === 1 ? (!c.open ? /^f\.pc = (\d+); continue step;$/ : /^\{ f\.pc = (\d+); continue step; \}$/).exec(code[0].trim()) : null;
      if (only && c.id !== 0) aliasLater.push([c.id, Number(only[1])]);
    }
    // jump-only cases may point forward at cases aliased above, or at each other
    for (let changed = true; changed; ) {
      changed = false;
      for (const [from, to] of aliasLater) {
        const t = alias.get(to) ?? to;
        if (alias.get(from) !== t && t !== from) {
          alias.set(from, t);
          changed = true;
        }
      }
    }
    this.alias = alias;
    this.jumpOnly = new Set(aliasLater.map(([f]) => f));
  }
  private jumpOnly = new Set<number>();
  /** the distinct lists of dead frame offsets the generated code resets (DEAD_<name>) */
  readonly deadLists: string[] = [];

  /**
   * A jump to case `to`. A back-edge (a loop's repetition) or a `yield` ends the step
   * (`return`): the scheduler may switch threads there. A forward jump (if/else, a loop's
   * exit, a labelled block's break) goes on in the same step (`continue step`), as C's
   * control flow does: only `yield`, calls, lock acquires and loop repetitions are
   * preemption points.
   */
  private jumpText(to0: number, boundary0: boolean): string {
    const boundary = boundary0 || this.jumpsEndSteps;
    const to = this.resolve(to0);
    this.cur.succ.add(to);
    this.cur.sideExit = true;
    if (!boundary) {
      this.cur.soft.add(to);
      return `f.pc = ${to}; continue step;`;
    }
    return `${this.dead(to)}f.pc = ${to}; return;`;
  }

  private emit(text: string, node?: B.Node): void {
    this.cur.lines.push(text);
    if (node) this.cur.nodes.push(node);
  }

  private close(): void {
    this.cur.open = false;
  }

  // ------------------------------------------------------------------ expressions and plain statements
  /** the node's source text with frame words, returns, jumps and the special forms rewritten */
  rw(n: B.Node, ctx: { loops: number; writes?: Set<string> } = { loops: 0 }): string {
    const src = this.src;
    const special = this.special(n, ctx);
    if (special !== null) return special;
    if (FN_TYPES.has(n.type)) {
      for (const p of (n as B.Function).params) if (p.type === 'Identifier' && this.vars.has(p.name)) throw new CompileError(`${this.where}: a nested function's parameter ${p.name} shadows a local`);
    }
    const kids = children(n);
    let out = '';
    let pos = n.start!;
    const inner = FN_TYPES.has(n.type) ? { ...ctx, fn: true } : n.type.endsWith('Loop') || n.type === 'WhileStatement' || n.type === 'DoWhileStatement' || n.type === 'SwitchStatement' ? { ...ctx, loops: ctx.loops + 1 } : ctx;
    for (const c of kids) {
      if (c.start! < pos) continue;
      out += src.slice(pos, c.start!);
      out += this.rw(c, inner as typeof ctx);
      pos = c.end!;
    }
    out += src.slice(pos, n.end!);
    return out;
  }

  private ref(name: string, write: boolean, read: boolean): void {
    const v = this.vars.get(name)!;
    v.cases.add(this.cur.id);
    if (read && !this.cur.mustWrites.has(name)) this.cur.reads.add(name);
    void write;
  }

  private special(n: B.Node, ctx: { loops: number; fn?: boolean }): string | null {
    const src = this.src;
    switch (n.type) {
      case 'Identifier': {
        if (!this.vars.has(n.name)) return null;
        this.ref(n.name, false, true);
        return this.isFrame(n.name) ? `f.${n.name}` : null;
      }
      case 'MemberExpression':
      case 'OptionalMemberExpression': {
        if (n.computed) return null;
        const obj = this.rw(n.object, ctx);
        // (the object may be parenthesised: its range then starts after the member expression's)
        return `${src.slice(n.start!, n.object.start!)}${obj}${src.slice(n.object.end!, n.property.start!)}${src.slice(n.property.start!, n.end!)}`;
      }
      case 'ObjectProperty': {
        if (n.computed) return null;
        if (n.shorthand && n.key.type === 'Identifier' && this.vars.has(n.key.name)) {
          this.ref(n.key.name, false, true);
          return this.isFrame(n.key.name) ? `${n.key.name}: f.${n.key.name}` : null;
        }
        return `${src.slice(n.start!, n.value.start!)}${this.rw(n.value, ctx)}${src.slice(n.value.end!, n.end!)}`;
      }
      case 'AssignmentExpression':
      case 'UpdateExpression': {
        const target = n.type === 'AssignmentExpression' ? n.left : n.argument;
        if (target.type === 'Identifier' && this.vars.has(target.name)) {
          const readToo = n.type === 'UpdateExpression' || (n as B.AssignmentExpression).operator !== '=';
          if (n.type === 'AssignmentExpression') {
            const rhs = this.rw(n.right, ctx);
            this.ref(target.name, true, readToo);
            const lhs = this.isFrame(target.name) ? `f.${target.name}` : target.name;
            return `${lhs}${src.slice(target.end!, n.right.start!)}${rhs}`;
          }
          this.ref(target.name, true, true);
          return null; // the identifier inside is rewritten by the generic path
        }
        return null;
      }
      case 'VariableDeclaration': {
        if (ctx.fn) return null;
        const frameDecls = n.declarations.filter((d) => d.id.type === 'Identifier' && this.isFrame(d.id.name));
        if (frameDecls.length === 0) {
          // a step-local declaration: rewrite the initialisers, keep the rest
          return null;
        }
        if (frameDecls.length !== n.declarations.length) throw new CompileError(`${this.where}: line ${this.lineOf(n.start!)}: declare a local that lives across a preemption point on its own`);
        const semi = src[n.end! - 1] === ';' ? ';' : '';
        const parts = n.declarations.map((d) => {
          const id = d.id as B.Identifier;
          if (!d.init) {
            this.ref(id.name, true, false);
            return '';
          }
          const init = this.rw(d.init, ctx);
          this.ref(id.name, true, false);
          return `f.${id.name} = ${init}`;
        });
        const e = parts.filter(Boolean).join(', ');
        return e ? `${e}${semi}` : semi;
      }
      case 'VariableDeclarator':
        return null;
      case 'ReturnStatement': {
        if (ctx.fn) return null;
        this.cur.succ.add(-1);
        this.cur.sideExit = true;
        return n.argument ? `return k.ret(${this.rw(n.argument, ctx)});` : 'return k.ret(0);';
      }
      case 'BreakStatement':
      case 'ContinueStatement': {
        if (ctx.fn) return null;
        if (!n.label && ctx.loops > 0) return null; // an inner JavaScript loop of the step
        const t = this.findTarget(n.type === 'ContinueStatement', n.label?.name);
        if (!t) return null; // a label inside the step
        const to = n.type === 'ContinueStatement' ? t.continueTo! : t.breakTo;
        // continue of a while loop repeats it (a step boundary); any other break or continue jumps forward
        return `{ ${this.jumpText(to, n.type === 'ContinueStatement' && to === t.head)} }`;
      }
      case 'CallExpression': {
        if (n.callee.type === 'Identifier' && n.callee.name === 'fnptr') {
          const a = n.arguments[0];
          if (n.arguments.length !== 1 || a.type !== 'Identifier') throw new CompileError(`${this.where}: fnptr takes a kernel function's name`);
          return `${a.name}.id`;
        }
        if (n.callee.type === 'Identifier' && n.callee.name === 'addressOf') {
          const a = n.arguments[0];
          if (n.arguments.length !== 1 || a.type !== 'Identifier' || !this.vars.has(a.name)) throw new CompileError(`${this.where}: addressOf takes a local's name`);
          const v = this.vars.get(a.name)!;
          v.addressTaken = true;
          this.ref(a.name, false, true);
          const i = this.frame ? this.frame.indexOf(a.name) : 0;
          return `(f.base + ${4 + i})`;
        }
        return null;
      }
      case 'YieldExpression':
        throw new CompileError(`${this.where}: line ${this.lineOf(n.start!)}: \`yield\` here is not a statement the compiler knows (${src.slice(n.start!, n.end!)})`);
      default:
        if (n.type.startsWith('TS') && n.type !== 'TSAsExpression' && n.type !== 'TSNonNullExpression' && n.type !== 'TSSatisfiesExpression') return src.slice(n.start!, n.end!);
        return null;
    }
  }

  private findTarget(isContinue: boolean, label?: string): Target | undefined {
    for (let i = this.targets.length - 1; i >= 0; i--) {
      const t = this.targets[i];
      if (label ? t.label === label : t.isLoop) {
        if (isContinue && t.continueTo === undefined) throw new CompileError(`${this.where}: continue ${label ?? ''} does not name a loop`);
        return t;
      }
    }
    return undefined;
  }

  // ------------------------------------------------------------------ statements
  private line(n: B.Node): number {
    return this.lineOf(n.start!);
  }

  private call(y: B.YieldExpression, assign: ((rv: string) => string) | null, stmt: B.Node): void {
    const { call, callee } = delegatedCall(y, this.src, `${this.where}: line ${this.line(stmt)}`);
    const args = call.arguments.slice(1).map((a) => this.rw(a));
    const acq = ACQUIRES[callee];
    if (acq) {
      // a lock acquire starts its own case, retried while the lock is busy
      const c = this.reserve();
      this.emit(`${this.dead(c.id)}f.pc = ${c.id};`);
      this.place(c, this.line(stmt));
      c.acquire = callee;
      const v = `$acq${c.id}`;
      this.emit(`const ${v} = $acquire(k, ${args.join(', ')}, ${acq.mode}); if (${v} < 0) return;`, stmt);
      if (assign) {
        if (!acq.value) throw new CompileError(`${this.where}: ${callee} has no value`);
        this.emit(assign(v), stmt);
      }
      return;
    }
    const ret = this.reserve();
    const argText = args.length ? `, ${args.join(', ')}` : '';
    this.cur.nodes.push(stmt);
    // the call reads its arguments first; the dead words of the caller are reset after (CUR still points at the caller's frame)
    const r = this.resolve(ret.id);
    const dead = this.dead(r);
    const callText = callee === 'call_ptr' ? `k.callPtr(${r}${argText});` : `k.call(${r}, ${callee}${argText});`;
    this.emit(dead ? `${callText} ${dead}return;` : `return ${callText}`);
    this.cur.succ.add(r);
    this.close();
    this.place(ret, this.line(stmt));
    if (assign) this.emit(assign('f.returned'), stmt);
  }

  stmt(n: B.Statement): void {
    const lead = (n.leadingComments ?? []).map((c) => (c.type === 'CommentLine' ? `//${c.value}` : `/*${c.value}*/`)).join('\n');
    if (lead) this.emit(lead);
    if (n.type === 'ExpressionStatement' && n.expression.type === 'CallExpression' && n.expression.callee.type === 'Identifier' && n.expression.callee.name === 'atomic') {
      const a = n.expression.arguments[0];
      if (n.expression.arguments.length !== 1 || a.type !== 'StringLiteral') throw new CompileError(`${this.where}: line ${this.line(n)}: atomic('why') takes the reason as a string`);
      if (!this.cur.open) this.place(this.reserve(), this.line(n));
      this.cur.atomic = a.value;
      this.emit(`// atomic: ${a.value}`);
      return;
    }
    if (!containsYield(n)) {
      if (this.cur.open === false) {
        // unreachable code after a jump or return: a case of its own keeps the output valid
        this.place(this.reserve(), this.line(n));
      }
      const before = new Set(this.cur.reads);
      let text = this.rw(n);
      this.noteMustWrite(n, before);
      if (!/[;}]\s*$/.test(text)) text += ';';
      this.emit(text, n);
      if (n.type === 'ReturnStatement' || n.type === 'ThrowStatement') this.close();
      return;
    }
    if (!this.cur.open) this.place(this.reserve(), this.line(n));
    switch (n.type) {
      case 'ExpressionStatement': {
        const e = n.expression;
        if (isYield(e) && !e.delegate && !e.argument) {
          const next = this.reserve();
          this.emit(this.jumpText(next.id, true));
          this.close();
          this.place(next, this.line(n));
          return;
        }
        if (isYield(e)) return this.call(e, null, n);
        if (e.type === 'AssignmentExpression' && e.operator === '=' && e.left.type === 'Identifier' && isYield(e.right)) {
          const name = e.left.name;
          return this.call(e.right, (rv) => this.assignText(name, rv), n);
        }
        throw new CompileError(`${this.where}: line ${this.line(n)}: \`yield\` only as \`yield;\`, \`yield* f(...)\`, \`x = yield* f(...)\`, \`const x = yield* f(...)\` or \`return yield* f(...)\``);
      }
      case 'VariableDeclaration': {
        if (n.declarations.length !== 1 || n.declarations[0].id.type !== 'Identifier' || !isYield(n.declarations[0].init)) throw new CompileError(`${this.where}: line ${this.line(n)}: declare one local per \`yield*\``);
        const name = (n.declarations[0].id as B.Identifier).name;
        return this.call(n.declarations[0].init as B.YieldExpression, (rv) => this.assignText(name, rv, true), n);
      }
      case 'ReturnStatement': {
        if (!isYield(n.argument)) throw new CompileError(`${this.where}: line ${this.line(n)}: \`return yield* f(...)\` only`);
        this.call(n.argument, (rv) => {
          this.cur.succ.add(-1);
          return `return k.ret(${rv});`;
        }, n);
        this.close();
        return;
      }
      case 'BlockStatement':
        for (const s of n.body) this.stmt(s);
        return;
      case 'IfStatement':
        return this.ifStmt(n);
      case 'WhileStatement':
      case 'ForStatement':
      case 'DoWhileStatement':
        return this.loop(n, undefined);
      case 'LabeledStatement': {
        const b = n.body;
        if (b.type === 'WhileStatement' || b.type === 'ForStatement' || b.type === 'DoWhileStatement') return this.loop(b, n.label.name);
        const exit = this.reserve();
        this.targets.push({ label: n.label.name, breakTo: exit.id, isLoop: false });
        this.stmt(b);
        this.targets.pop();
        this.place(exit, this.line(n));
        return;
      }
      default:
        throw new CompileError(`${this.where}: line ${this.line(n)}: a ${n.type} around a preemption point is not supported (use if/while/for/labelled blocks)`);
    }
  }

  private assignText(name: string, rv: string, decl = false): string {
    this.ref(name, true, false);
    if (!this.cur.sideExit) this.cur.mustWrites.add(name);
    if (this.isFrame(name)) return `f.${name} = ${rv};`;
    return decl ? `const ${name} = ${rv};` : `${name} = ${rv};`;
  }

  /** a top-level `x = e` / `const x = e` writes x before anything later in the case reads it */
  private noteMustWrite(n: B.Statement, readsBefore: Set<string>): void {
    let name: string | null = null;
    if (n.type === 'VariableDeclaration' && n.declarations.length === 1 && n.declarations[0].id.type === 'Identifier' && n.declarations[0].init) name = n.declarations[0].id.name;
    if (n.type === 'ExpressionStatement' && n.expression.type === 'AssignmentExpression' && n.expression.operator === '=' && n.expression.left.type === 'Identifier') name = n.expression.left.name;
    if (name && this.vars.has(name) && !readsBefore.has(name) && !this.cur.sideExit) {
      // the initialiser itself may read it (x = x + 1): then it is a read first
      const init = n.type === 'VariableDeclaration' ? n.declarations[0].init! : ((n as B.ExpressionStatement).expression as B.AssignmentExpression).right;
      if (!this.mentions(init, name)) this.cur.mustWrites.add(name);
    }
  }

  private mentions(n: B.Node, name: string): boolean {
    if (n.type === 'Identifier') return n.name === name;
    return children(n).some((c) => this.mentions(c, name));
  }

  private test(n: B.Expression): string {
    return this.rw(n);
  }

  private ifStmt(n: B.IfStatement): void {
    const test = this.test(n.test);
    const hasElse = !!n.alternate;
    const elseC = hasElse ? this.reserve() : null;
    const end = this.reserve();
    this.emit(`if (!(${test})) { ${this.jumpText(hasElse ? elseC!.id : end.id, false)} }`, n.test);
    this.stmt(n.consequent);
    if (hasElse) {
      if (this.cur.open) {
        this.emit(this.jumpText(end.id, false));
        this.close();
      }
      this.place(elseC!, this.line(n.alternate!));
      this.stmt(n.alternate!);
    }
    this.place(end, this.line(n));
  }

  private loop(n: B.WhileStatement | B.ForStatement | B.DoWhileStatement, label: string | undefined): void {
    if (n.type === 'ForStatement' && n.init) {
      if (n.init.type === 'VariableDeclaration') this.stmt(n.init);
      else this.emit(`${this.rw(n.init)};`, n.init);
    }
    const head = this.reserve();
    const cont = n.type === 'WhileStatement' ? head : this.reserve();
    const exit = this.reserve();
    this.place(head, this.line(n));
    const test = n.type === 'ForStatement' ? n.test : n.test;
    if (n.type !== 'DoWhileStatement' && test) this.emit(`if (!(${this.test(test)})) { ${this.jumpText(exit.id, false)} }`, test);
    this.targets.push({ label, breakTo: exit.id, continueTo: cont.id, head: head.id, isLoop: true });
    this.stmt(n.body);
    this.targets.pop();
    if (cont !== head) {
      this.place(cont, this.line(n));
      if (n.type === 'ForStatement' && n.update) this.emit(`${this.rw(n.update)};`, n.update);
      if (n.type === 'DoWhileStatement') this.emit(`if (${this.test(n.test)}) { ${this.jumpText(head.id, true)} }`, n.test);
      else {
        this.emit(this.jumpText(head.id, true));
        this.close();
      }
    } else if (this.cur.open) {
      this.emit(this.jumpText(head.id, true));
      this.close();
    }
    this.place(exit, this.line(n));
  }

  compileBody(): void {
    this.cases.length = 0;
    this.order = [];
    this.targets = [];
    for (const v of this.vars.values()) v.cases.clear();
    const first = this.newCase(this.lineOf(this.fn.body.start!));
    this.order.push(first.id);
    this.cur = first;
    for (const s of this.fn.body.body) this.stmt(s);
    if (this.cur.open) {
      this.emit('return k.ret(0);');
      this.cur.succ.add(-1);
      this.close();
    }
  }

  /** live frame words at each case's entry (backward dataflow over the cases) */
  computeLiveness(): Map<number, Set<string>> {
    const live = new Map<number, Set<string>>();
    for (const c of this.cases) live.set(c.id, new Set());
    let changed = true;
    while (changed) {
      changed = false;
      for (let i = this.cases.length - 1; i >= 0; i--) {
        const c = this.cases[i];
        const out = new Set<string>();
        for (const s of c.succ) if (s >= 0) for (const v of live.get(s)!) out.add(v);
        if (c.acquire) for (const v of live.get(c.id)!) out.add(v);
        const inn = new Set<string>(c.reads);
        for (const v of out) if (!c.mustWrites.has(v) || c.reads.has(v)) inn.add(v);
        const old = live.get(c.id)!;
        if (inn.size !== old.size || [...inn].some((v) => !old.has(v))) {
          live.set(c.id, inn);
          changed = true;
        }
      }
    }
    return live;
  }

  compile(file: string, bodyLabel?: string): CompiledFn {
    // pass 1: the cases, and the steps each local is used in
    this.compileBody();
    const params = [...this.vars.values()].filter((v) => v.param).map((v) => v.name);
    const locals = [...this.vars.values()].filter((v) => !v.param && (v.cases.size > 1 || v.addressTaken)).map((v) => v.name);
    this.frame = [...params, ...locals];
    // pass 2: with the frame decided; liveness needs the reads and writes of frame words only
    this.compileBody();
    this.liveIn = this.computeLiveness();
    this.computeAliases();
    // pass 3: the same cases, with the dead frame words reset at each jump and call
    this.compileBody();
    const live = this.liveIn;
    // an aliased case is left out, unless the case before it falls into it and it does more than fall on
    const ids = this.order.filter((id, i) => !this.alias!.has(id) || (this.jumpOnly.has(id) && i > 0 && this.cases[this.order[i - 1]].open));
    const body: string[] = [];
    for (const id of ids) {
      const c = this.cases[id];
      body.push(`    case ${id}: {`);
      for (const l of c.lines) body.push(...l.split('\n').map((x) => `      ${x}`));
      body.push('    }');
    }
    // a step entered at a case runs on through the cases it falls through into: its footprint
    // (and its atomic declaration) is theirs together
    // and the cases it jumps forward to (all within one step)
    const stepNodes = (i: number): { nodes: B.Node[]; atomic?: string } => {
      const nodes: B.Node[] = [];
      let atomic: string | undefined;
      const seen = new Set<number>();
      const todo = [i];
      while (todo.length) {
        const j = todo.pop()!;
        if (j >= ids.length || seen.has(j)) continue;
        seen.add(j);
        const c = this.cases[ids[j]];
        nodes.push(...c.nodes);
        atomic ??= c.atomic;
        if (c.open) todo.push(j + 1);
        for (const t of c.soft) todo.push(ids.indexOf(t));
      }
      return { nodes, atomic };
    };
    const points = ids.map((id, i) => {
      const st = stepNodes(i);
      return { pc: id, line: this.cases[id].srcLine, live: [...live.get(id)!].filter((v) => this.frame!.includes(v)).sort(), footprint: stepFootprint(st.nodes, this.src), ...(st.atomic ? { atomic: st.atomic } : {}) };
    });
    const text = [
      `export const ${this.name} = kfn(${JSON.stringify(this.name)}, ${JSON.stringify(file)}, ${JSON.stringify(params)}, ${JSON.stringify(locals)}, (k, f) => {`,
      '  step: for (;;) switch (f.pc) {',
      ...body,
      '  }',
      `}, POINTS_${this.name}${bodyLabel ? `, ${JSON.stringify(bodyLabel)}` : ''});`,
    ].join('\n');
    return { name: this.name, file, params, locals, points, text };
  }
}

export interface CompiledModule {
  text: string;
  fns: CompiledFn[];
}

/**
 * Compiles one source module: every top-level generator function becomes a kfn; all
 * else is copied. `srcPath` is the module's path as written in the header.
 */
export function compileModule(src: string, srcPath: string, rel: { fn: string; spinlock: string }): CompiledModule {
  const ast = parse(src, { sourceType: 'module', plugins: ['typescript'], ranges: true, attachComment: true });
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (pos: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  // `@c fs/aio.c`, or `@c 'model: a blocking point'` for a name with spaces
  const cFile = (text: string) => {
    const m = /@c\s+(?:'([^']+)'|(\S+))/.exec(text);
    return m ? (m[1] ?? m[2]) : undefined;
  };
  const defaultFile = cFile(src.slice(0, 2000)) ?? '?';
  const jumpsEndSteps = /@jumps-end-steps\b/.test(src.slice(0, 2000));
  // `@body mar05`: whose body of a function this is (a function's own tag, else the module's first comment)
  const bodyOf = (text: string) => /@body\s+(\S+)/.exec(text)?.[1];
  const moduleBody = bodyOf(ast.comments?.[0]?.value ?? '');
  const fns: CompiledFn[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  for (const st of ast.program.body) {
    const decl = st.type === 'ExportNamedDeclaration' ? st.declaration : st;
    if (!decl || decl.type !== 'FunctionDeclaration' || !decl.generator) continue;
    const name = decl.id!.name;
    const doc = (st.leadingComments ?? []).map((c) => c.value).join('\n');
    const file = cFile(doc) ?? defaultFile;
    const fc = new FnCompiler(src, decl, name, lineOf, jumpsEndSteps);
    const out = fc.compile(file, bodyOf(doc) ?? moduleBody);
    fns.push(out);
    const exported = st.type === 'ExportNamedDeclaration';
    const pts = `const POINTS_${name} = ${JSON.stringify(out.points)};\nconst DEAD_${name}: readonly (readonly number[])[] = [${fc.deadLists.join(', ')}];\n`;
    edits.push({ start: decl.start!, end: decl.end!, text: `${exported ? '' : ''}${pts}${exported ? out.text : out.text.replace(/^export /, '')}` });
    if (exported) edits.push({ start: st.start!, end: decl.start!, text: '' });
  }
  // a module still holding hand-written kfns imports kfn itself
  const importsKfn = ast.program.body.some((st) => st.type === 'ImportDeclaration' && st.specifiers.some((sp) => sp.local.name === 'kfn'));
  edits.sort((a, b) => b.start - a.start);
  let text = src;
  for (const e of edits) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  const header = [
    `// GENERATED by \`npm run compile\` from ${srcPath}: do not edit (test/compile.test.ts keeps it fresh).`,
    '// @ts-nocheck',
    fns.length && !importsKfn ? `import { kfn } from '${rel.fn}';` : '',
    fns.some((f) => /\$acquire\(/.test(f.text)) ? `import { acquire as $acquire } from '${rel.spinlock}';` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return { text: `${header}\n${text}`, fns };
}
