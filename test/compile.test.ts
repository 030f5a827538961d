/**
 * The kernel compiler: the committed engine (src/engine/...) is what src/kernel/ compiles
 * to, and the compiler's rules hold on small functions.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { compileAll } from '../src/compile/main.ts';
import { compileModule, CompileError } from '../src/compile/compile.ts';

const REL = { fn: '../fn.ts', spinlock: './spinlock.ts' };

describe('kernel compiler', () => {
  it('the committed engine is fresh: every src/kernel module compiles to the file beside it in src/engine', () => {
    const stale = compileAll().filter((m) => readFileSync(m.out, 'utf8') !== m.text).map((m) => m.out);
    expect(stale, 'run npm run compile').toEqual([]);
  });

  it('a yield ends a step; a call resumes at its own point with the value in f.returned; a lock starts a retried case', () => {
    const src = `/** @c x.c */
export function* g(k, a) {
  const flags = yield* spin_lock_irqsave(k, a);
  a = a + 1;                 yield;
  const r = yield* h(k, a);
  spin_unlock_irqrestore(k, a, flags);
  return r;
}`;
    const { fns, text } = compileModule(src, 'x.ts', REL);
    expect(fns[0].params).toEqual(['a']);
    expect(fns[0].locals).toEqual(['flags']); // r lives in one step only
    expect(text).toContain("const $acq1 = $acquire(k, f.a, 'save'); if ($acq1 < 0) return;");
    expect(text).toMatch(/f\.a = f\.a \+ 1;\n\s+(if \(k\.deadReset\) k\.dead\(f\.base, DEAD_g\[\d+\]\); )?f\.pc = \d+; return;/);
    expect(text).toMatch(/return k\.call\(\d+, h, f\.a\);/);
    expect(text).toContain('const r = f.returned;');
    expect(text).toContain('return k.ret(r);');
  });

  it('liveness: a local dead at a point is reset there (flags is dead once released)', () => {
    const src = `export function* g(k, l) {
  const flags = yield* spin_lock_irqsave(k, l);
  yield;
  spin_unlock_irqrestore(k, l, flags);
  yield* h(k);
  return 0;
}`;
    const { fns } = compileModule(src, 'x.ts', REL);
    const call = fns[0].points.at(-1)!;
    expect(call.live).not.toContain('flags');
    expect(fns[0].points[2].live).toContain('flags');
  });

  it('loops, labelled blocks and their breaks become jumps', () => {
    const src = `export function* g(k, n) {
  let i = 0;
  out: {
    while (i < n) {
      yield* h(k, i);
      if (i === 3) break out;
      i++;
    }
    return 1;
  }
  return 2;
}`;
    const { fns, text } = compileModule(src, 'x.ts', REL);
    expect(fns[0].locals).toEqual(['i']);
    expect(text).toContain('return k.ret(1);');
    expect(text).toContain('return k.ret(2);');
    expect(text).toMatch(/f\.pc = \d+; return;/); // the loop's repetition ends a step
    expect(text.match(/f\.pc = \d+; continue step;/g)!.length).toBe(2); // its exit and the break jump on within the step
  });

  it("a call's return and a yield that reach the same place are one program point", () => {
    const { text } = compileModule('export function* g(k, a) { if (test_bit(k, 0, a)) yield* h(k); else yield; yield* h2(k); return 0; }', 'x.ts', REL);
    const ret = /k\.call\((\d+), h\)/.exec(text)![1];
    const jump = /f\.pc = (\d+); return;/.exec(text)![1];
    expect(ret).toBe(jump);
  });

  it("a yield followed by a labelled block's break is one boundary: the yield resumes where the break goes", () => {
    const src = `export function* g(k, a) {
  done: {
    if (test_bit(k, 0, a)) {
      yield;
      break done;
    }
    yield* h(k);
    if (test_bit(k, 1, a)) {
      yield* h2(k);
      break done;
    }
    return 1;
  }
  yield* h3(k);
  return 0;
}`;
    const { text } = compileModule(src, 'x.ts', REL);
    const target = /case (\d+): \{\n\s+(return )?k\.call\(\d+, h3\)/.exec(text)![1];
    // (a dead-word reset may stand before the jump)
    expect(text).toMatch(new RegExp(`(if \\(k\\.deadReset\\) k\\.dead\\(f\\.base, DEAD_g\\[\\d+\\]\\); )?f\\.pc = ${target}; return;`));
    expect(text).toMatch(new RegExp(`k\\.call\\(${target}, h2\\)`));
    expect(text).not.toMatch(/case \d+: \{\n\s+\{ f\.pc = \d+; continue step; \}\n\s+\}/); // no case left that only jumps on
  });

  it('no kernel source is written in the resumable form by hand any more: no kfn(...) and no switch (f.pc) in src/kernel', () => {
    const srcs = compileAll().map((m) => ({ src: m.src, text: readFileSync(m.src, 'utf8') }));
    expect(srcs.length).toBeGreaterThan(0);
    expect(srcs.filter((m) => /switch \(f\.pc\)/.test(m.text)).map((m) => m.src)).toEqual([]);
    expect(srcs.filter((m) => /\bkfn\(/.test(m.text)).map((m) => m.src)).toEqual([]);
  });

  it('a call reads its arguments before the dead words are reset', () => {
    const { text } = compileModule('export function* g(k, a) { yield; yield* h(k, a); return 0; }', 'x.ts', REL);
    expect(text).toMatch(/k\.call\(\d+, h, f\.a\); if \(k\.deadReset\) k\.dead\(f\.base, DEAD_g\[(\d+)\]\); return;/);
    expect(text).toContain('const DEAD_g: readonly (readonly number[])[] = [[4]];');
  });

  it('keeps parentheses around a member expression\'s object', () => {
    const { text } = compileModule('export function* g(k, a) { const ok = (a ?? []).length ? 0 : 1; yield; return ok + a; }', 'x.ts', REL);
    expect(text).toContain('f.ok = (f.a ?? []).length ? 0 : 1;');
  });

  it('a function that starts with a loop still has its entry case 0', () => {
    const { text } = compileModule('export function* g(k) { for (;;) { k.sharedAccess(); yield; } }', 'x.ts', REL);
    expect(text).toMatch(/case 0: \{/);
  });

  it('says what it cannot compile, with the function and line', () => {
    expect(() => compileModule('export function* g(k) { const x = 1 + (yield* h(k)); }', 'x.ts', REL)).toThrow(CompileError);
    expect(() => compileModule('export function* g(k) { try { yield; } catch {} }', 'x.ts', REL)).toThrow(/TryStatement/);
    expect(() => compileModule('export function* g(x) { yield; }', 'x.ts', REL)).toThrow(/machine `k`/);
  });
});
