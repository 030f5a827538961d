/**
 * Footprints: every word a step writes, in every state of the explored claims, lies
 * inside the step's static footprint (src/compile/footprint.ts), closed over the plain
 * helpers and primitives it calls. The footprint is read off the source; the writes
 * come from the engine's own memory as each step runs.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@babel/parser';
import type * as B from '@babel/types';
import { stepFootprint } from '../src/compile/footprint.ts';
import { FNS, type KFn } from '../src/engine/fn.ts';
import { loadClaims } from '../src/check/claims.ts';
import { checkModel } from '../src/check/run.ts';
import { explore } from '../src/explore/bfs.ts';
import { STACK_WORDS, GLOBAL, GHOST, type Machine } from '../src/engine/machine.ts';
import { CPU, THREAD, WAITQ, WORK, WQ_HEAD, IRQ_SRC } from '../src/engine/structs.ts';
import type { FieldSpec, StructDef } from '../src/engine/mem.ts';

const ROOT = join(import.meta.dirname, '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** plain (non-generator) functions of the kernel sources and the primitives: what each calls and writes */
function helperSummaries(): Map<string, { calls: string[]; fields: string[] }> {
  const out = new Map<string, { calls: string[]; fields: string[] }>();
  const files = [...tsFiles(join(ROOT, 'src/kernel')), ...tsFiles(join(ROOT, 'src/engine')).filter((f) => !readFileSync(f, 'utf8').startsWith('// GENERATED'))];
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const ast = parse(src, { sourceType: 'module', plugins: ['typescript'] });
    for (const st of ast.program.body) {
      const d = st.type === 'ExportNamedDeclaration' ? st.declaration : st;
      if (!d) continue;
      if (d.type === 'FunctionDeclaration' && !d.generator && d.id) out.set(d.id.name, stepFootprint([d.body], src));
      if (d.type === 'VariableDeclaration')
        for (const v of d.declarations)
          if (v.id.type === 'Identifier' && v.init && (v.init.type === 'ArrowFunctionExpression' || v.init.type === 'FunctionExpression')) out.set(v.id.name, stepFootprint([v.init.body as B.Node], src));
          else if (v.id.type === 'Identifier' && v.init?.type === 'Identifier') out.set(v.id.name, { calls: [v.init.name], fields: [] }); // an alias
          else if (v.id.type === 'Identifier' && v.init?.type === 'CallExpression' && v.init.callee.type === 'Identifier' && v.init.callee.name === 'observable') {
            // observable('name', (k, ...) => { ... }): the helper is its function
            const f = v.init.arguments[1];
            if (f && (f.type === 'ArrowFunctionExpression' || f.type === 'FunctionExpression')) out.set(v.id.name, stepFootprint([f.body as B.Node], src));
          }
    }
  }
  return out;
}

/** the classes of words a primitive or machine method writes */
const CLASSES: Record<string, string[]> = {
  list_add: ['list'], list_add_tail: ['list'], list_del: ['list'], list_del_init: ['list'], INIT_LIST_HEAD: ['list'],
  set_bit: ['bits'], clear_bit: ['bits'], test_and_set_bit: ['bits'], test_and_clear_bit: ['bits'],
  acquire: ['lock'], spin_lock: ['lock'], spin_lock_irq: ['lock'], spin_lock_irqsave: ['lock'],
  spin_unlock: ['lock'], spin_unlock_irq: ['lock'], spin_unlock_irqrestore: ['lock'], $acquire: ['lock'],
  'k.setThreadWord': ['thread'], 'k.setCpuWord': ['cpu'], 'k.setG': ['globals'], 'k.panic': ['globals'], 'k.BUG_ON': ['globals'], 'k.fault': ['globals'], 'k.rd': ['globals'],
  'k.setGhost': ['ghost'], 'k.raiseIrq': ['irqsrc'], 'k.cancelIrq': ['irqsrc'],
  'k.call': ['frames'], 'k.callPtr': ['frames'], 'k.ret': ['frames'], 'k.dead': [],
  'k.setStackObj': ['header'], 'k.store': ['raw'], 'k.wr': ['globals', 'raw'], // k.wr is checkAddr + store: any word (handle_mm_fault's pte)
};
// the generated code calls k.ret/k.call for every return and call
const ALWAYS = ['k.ret', 'k.call'];

/** the leaf field of the struct word at addr, through embedded structs */
const EMBED: Record<string, StructDef<FieldSpec>> = { ki_wait: WAITQ as never, wait: WQ_HEAD as never, wq: WORK as never, more_work: WQ_HEAD as never };

function classify(k: Machine, addr: number, thread: number): { kind: string; field?: string; size?: number } {
  const A = k.addr;
  // a panic (a NULL or freed access, BUG_ON) may end any step: it records itself in these words
  if (addr >= A.globals + GLOBAL.PANIC && addr <= A.globals + GLOBAL.PANIC_PC) return { kind: 'panic' };
  if (addr >= A.globals && addr < A.globals + GLOBAL.SIZE) return { kind: 'globals' };
  if (addr >= A.ghost && addr < A.ghost + GHOST.SIZE * Math.max(1, A.kiocbs.length)) return { kind: 'ghost' };
  for (let i = 0; i < k.threads.length; i++) {
    const t = k.threads[i];
    if (addr >= t.stack && addr < t.stack + STACK_WORDS) return { kind: i === thread ? 'own-stack' : 'other-stack' };
    if (addr >= t.addr && addr < t.addr + THREAD.size) return { kind: 'thread', field: Object.keys(THREAD.off).find((f) => THREAD.off[f as keyof typeof THREAD.off] === addr - t.addr) };
  }
  for (const n of k.names) {
    if (addr === n.addr - 1) return { kind: 'header' };
    if (addr < n.addr || addr >= n.addr + n.size) continue;
    if (!n.def) return { kind: 'raw', field: n.name };
    if (n.def === (CPU as never)) return { kind: 'cpu' };
    if (n.def === (IRQ_SRC as never)) return { kind: 'irqsrc' };
    let def = n.def;
    let off = addr - n.addr;
    for (;;) {
      const f = Object.keys(def.fields).find((x) => off >= def.off[x] && off < def.off[x] + def.fields[x])!;
      const e = EMBED[f];
      if (e && def.fields[f] === e.size) {
        off -= def.off[f];
        def = e;
        continue;
      }
      return { kind: 'field', field: f, size: def.fields[f] };
    }
  }
  return { kind: 'raw' };
}

describe('footprints', () => {
  const helpers = helperSummaries();
  const closure = new Map<string, { fields: Set<string>; classes: Set<string> }>();
  function close(calls: readonly string[], fields: readonly string[]) {
    const fs = new Set(fields);
    const cs = new Set<string>();
    const seen = new Set<string>();
    const todo = [...calls, ...ALWAYS];
    while (todo.length) {
      const c = todo.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      for (const x of CLASSES[c] ?? []) cs.add(x);
      const h = helpers.get(c);
      if (h) {
        h.fields.forEach((f) => fs.add(f));
        todo.push(...h.calls);
      }
    }
    return { fields: fs, classes: cs };
  }
  function allowed(fn: KFn, pc: number, w: ReturnType<typeof classify>, points = fn.points): boolean {
    const key = `${fn.id}@${pc}${points === fn.points ? '' : '*'}`;
    let c = closure.get(key);
    if (!c) {
      const p = points.find((x) => x.pc === pc)!;
      c = close(p.footprint.calls, p.footprint.fields);
      closure.set(key, c);
    }
    switch (w.kind) {
      case 'own-stack':
      case 'panic':
        return true;
      case 'other-stack':
        return c.classes.has('raw') || c.classes.has('frames');
      case 'field':
        return c.fields.has(w.field!) || (w.size === 2 && c.classes.has('list')) || (c.classes.has('bits') && /flags|pending/.test(w.field!)) || (c.classes.has('lock') && /lock$/.test(w.field!)) || c.classes.has('raw');
      case 'thread':
        return c.classes.has('thread') || c.classes.has('lock') || c.classes.has('frames');
      case 'header':
        return c.classes.has('header') || c.classes.has('raw');
      default:
        return c.classes.has(w.kind) || c.classes.has('raw');
    }
  }

  /** the writes outside their step's footprint, exploring the claims whose id matches; `override` replaces one function's points */
  function writesOutside(ids: RegExp, maxStates: number, override?: { fn: string; points: KFn['points'] }) {
    const claims = loadClaims(join(ROOT, 'proofs/claims.json')).filter((c) => ids.test(c.id));
    const outside = new Map<string, string>();
    let steps = 0;
    for (const c of claims) {
      const model = checkModel({ variant: c.v, workload: c.w });
      const k = model.k;
      let window: number[] | null = null;
      const store = k.store.bind(k);
      k.store = (a: number, v: number) => {
        // what the observers (src/engine/observe.ts) write is not the kernel's: not in any footprint
        if (window && !k.observing) window.push(a);
        store(a, v);
      };
      const wrapped = FNS.filter((f) => f && f.points.length).map((fn) => {
        const step = fn.step;
        fn.step = (kk, f) => {
          const pc = kk.m[f.base + 1];
          window = [];
          try {
            step(kk, f);
          } finally {
            const ws = window;
            window = null;
            steps++;
            for (const a of ws) {
              const w = classify(kk, a, kk.cur);
              if (!allowed(fn, pc, w, override?.fn === fn.name ? override.points : fn.points)) outside.set(`${fn.name}${fn.body ? `[${fn.body}]` : ''}@${pc}: ${w.kind}${w.field ? ` ${w.field}` : ''}`, c.id);
            }
          }
        };
        return { fn, step };
      });
      try {
        explore(model, { maxStates });
      } finally {
        for (const { fn, step } of wrapped) fn.step = step;
      }
    }
    return { steps, outside: [...outside.entries()].map(([w, c]) => `${w} (${c})`) };
  }

  it('every write of every step lies inside its footprint (a claim of each variant, every state)', () => {
    const r = writesOutside(/^(2\.5\.62|mar05|mar14|proposed)\.(uncached-read|getevents-timeout|odirect-read|sync-and-async|metadata-miss|io-destroy|cached-write|faulting-buffer|request-congestion|exit-with-pending)$/, 30_000);
    expect(r.steps).toBeGreaterThan(1000);
    expect(r.outside).toEqual([]);
  });

  it('a footprint that leaves out what a step writes is caught', () => {
    const fn = FNS.find((f) => f?.name === 'autoremove_wake_function')!;
    const points = fn.points.map((p) => ({ ...p, footprint: { calls: p.footprint.calls.filter((c) => c !== 'list_del_init'), fields: [] } }));
    const r = writesOutside(/^mar14\.(uncached-read|sync-and-async|two-iocbs-shared-bucket)$/, 30_000, { fn: fn.name, points });
    expect(r.outside.some((w) => w.startsWith('autoremove_wake_function@') && w.includes('task_list'))).toBe(true);
  });
});
