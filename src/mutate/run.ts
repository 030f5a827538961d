/**
 * Running the mutation suite: each mutant is applied to a copy of the tree (src/,
 * proofs/, package.json, tsconfig.json; node_modules linked), the kernel sources are
 * compiled there when a patch touches them, and src/mutate/probe.ts explores the claims
 * in that copy until one verdict changes. Mutants run N at a time, one copy per slot;
 * the copies are removed at the end, whatever happens.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS, type Mutant } from './mutants.ts';
import type { ProbeKill, ProbeResult } from './probe.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export type MutantStatus = 'killed' | 'survived' | 'equivalent' | 'killed-equivalent' | 'invalid';
export interface MutantOutcome {
  name: string;
  what: string;
  status: MutantStatus;
  kill?: ProbeKill;
  /** claims explored before the kill (or all of them) and their states */
  claimsRun: number;
  states: number;
  seconds: number;
  /** the equivalence argument, or why the mutant is invalid */
  note?: string;
}

/** checks every mutant's patch against the tree as it is: each `find` occurs exactly once; names unique */
export function validateMutants(ms: Mutant[] = MUTANTS): string[] {
  const errs: string[] = [];
  const names = new Set<string>();
  for (const m of ms) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(m.name)) errs.push(`${m.name}: name must be kebab-case`);
    if (names.has(m.name)) errs.push(`${m.name}: duplicate name`);
    names.add(m.name);
    if (!m.patch.length) errs.push(`${m.name}: no patch`);
    for (const p of m.patch) {
      let text: string;
      try {
        text = readFileSync(join(ROOT, p.file), 'utf8');
      } catch {
        errs.push(`${m.name}: no file ${p.file}`);
        continue;
      }
      const n = text.split(p.find).length - 1;
      if (n !== 1) errs.push(`${m.name}: ${p.file}: the text to replace occurs ${n} times, not once: ${JSON.stringify(p.find.slice(0, 60))}`);
      if (p.find === p.replace) errs.push(`${m.name}: ${p.file}: the patch changes nothing`);
      if (!p.file.startsWith('src/')) errs.push(`${m.name}: ${p.file}: patches are to files under src/`);
    }
  }
  return errs;
}

/** applies a mutant's patch to the text of its files (pure; for the runner and tests) */
export function applyPatch(m: Mutant, read: (file: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of m.patch) {
    const text = out.get(p.file) ?? read(p.file);
    const at = text.indexOf(p.find);
    if (at < 0) throw new Error(`${m.name}: ${p.file}: text to replace not found`);
    out.set(p.file, text.slice(0, at) + p.replace + text.slice(at + p.find.length));
  }
  return out;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const c = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => res({ code: code ?? 1, stdout, stderr }));
  });
}

/** a copy of the tree to mutate in */
function makeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aio-mutate-'));
  for (const f of ['src', 'proofs']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(dir, f));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

async function runOne(m: Mutant, tree: string, maxStates: number): Promise<MutantOutcome> {
  const t0 = Date.now();
  const base = { name: m.name, what: m.what, claimsRun: 0, states: 0 };
  const patched = applyPatch(m, (f) => readFileSync(join(ROOT, f), 'utf8'));
  const touched = [...patched.keys()];
  const compiles = touched.some((f) => f.startsWith('src/kernel/'));
  try {
    for (const [f, text] of patched) writeFileSync(join(tree, f), text);
    if (compiles) {
      const c = await run(TSX, ['src/compile/main.ts'], tree);
      if (c.code !== 0) return { ...base, status: 'invalid', seconds: (Date.now() - t0) / 1000, note: `does not compile: ${(c.stderr || c.stdout).trim().split('\n')[0]}` };
    }
    const p = await run(TSX, ['src/mutate/probe.ts', '--max-states', String(maxStates)], tree);
    const seconds = (Date.now() - t0) / 1000;
    let r: ProbeResult;
    try {
      r = JSON.parse(p.stdout.trim().split('\n').at(-1) ?? '') as ProbeResult;
    } catch {
      // the engine itself failed to load or crashed: a mutant that breaks the program, not the kernel
      return { ...base, status: 'invalid', seconds, note: `the probe failed: ${p.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? p.stderr.trim().split('\n')[0] ?? `exit ${p.code}`}` };
    }
    if (r.t === 'error') return { ...base, status: 'invalid', seconds, claimsRun: r.claimsRun, note: `the exploration threw: ${r.message}` };
    if (r.t === 'killed') return { ...base, status: m.equivalent ? 'killed-equivalent' : 'killed', kill: r.kill, claimsRun: r.claimsRun, states: r.states, seconds, ...(m.equivalent ? { note: m.equivalent } : {}) };
    return { ...base, status: m.equivalent ? 'equivalent' : 'survived', claimsRun: r.claimsRun, states: r.states, seconds, ...(m.equivalent ? { note: m.equivalent } : {}) };
  } finally {
    // back to the tree as it was: the patched sources and what was compiled from them
    for (const f of touched) cpSync(join(ROOT, f), join(tree, f));
    if (compiles) for (const f of touched) if (f.startsWith('src/kernel/')) { const e = f.replace('src/kernel/', 'src/engine/'); cpSync(join(ROOT, e), join(tree, e)); }
  }
}

/** runs the mutants `jobs` at a time; `onDone` hears each outcome as it comes */
export async function runMutants(ms: Mutant[], opts: { jobs: number; maxStates: number; onDone?: (o: MutantOutcome, i: number) => void }): Promise<MutantOutcome[]> {
  const out: MutantOutcome[] = new Array(ms.length);
  const trees: string[] = [];
  let next = 0;
  try {
    const slot = async () => {
      const tree = makeTree();
      trees.push(tree);
      for (;;) {
        const i = next++;
        if (i >= ms.length) return;
        out[i] = await runOne(ms[i], tree, opts.maxStates);
        opts.onDone?.(out[i], i);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, ms.length)) }, slot));
  } finally {
    for (const t of trees) rmSync(t, { recursive: true, force: true });
  }
  return out;
}

/** the score: killed over non-equivalent (invalid ones left out and listed) */
export function score(os: MutantOutcome[]): { killed: number; survived: number; equivalent: number; invalid: number; killedEquivalent: number; nonEquivalent: number } {
  const n = (s: MutantStatus) => os.filter((o) => o.status === s).length;
  const killed = n('killed');
  const survived = n('survived');
  return { killed, survived, equivalent: n('equivalent'), invalid: n('invalid'), killedEquivalent: n('killed-equivalent'), nonEquivalent: killed + survived };
}

/** the README's table of the suite */
export function markdownTable(os: MutantOutcome[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = os.map((o) => {
    const by = o.kill ? `${o.kill.claim}: ${o.kill.invariant} (${o.kill.expected} -> ${o.kill.got})` : o.note ? cell(o.note) : '';
    return `| \`${o.name}\` | ${cell(o.what)} | ${o.status} | ${cell(by)} |`;
  });
  return ['| mutant | what it does | status | killed by (claim: invariant), or why not |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
