/**
 * npm run compile: compiles every kernel source module under src/kernel/ into its
 * resumable form at the same path under src/engine/ (committed; `--check` says which
 * are stale and exits 1, as test/compile.test.ts does).
 */
import { readFileSync, readdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModule, CompileError } from './compile.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src', 'kernel');
const OUT = join(ROOT, 'src', 'engine');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

const relImport = (from: string, to: string) => {
  const r = relative(dirname(from), to).split('\\').join('/');
  return r.startsWith('.') ? r : `./${r}`;
};

/** every source module and its compiled text */
export function compileAll(): { src: string; out: string; text: string }[] {
  return files(SRC).map((src) => {
    const rel = relative(SRC, src);
    const out = join(OUT, rel);
    const { text } = compileModule(readFileSync(src, 'utf8'), `src/kernel/${rel.split('\\').join('/')}`, {
      fn: relImport(out, join(OUT, 'fn.ts')),
      spinlock: relImport(out, join(OUT, 'kernel', 'spinlock.ts')),
    });
    return { src, out, text };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  try {
    const all = compileAll();
    const stale = all.filter((m) => !existsSync(m.out) || readFileSync(m.out, 'utf8') !== m.text);
    if (check) {
      for (const m of stale) console.log(`stale: ${relative(ROOT, m.out)} (from ${relative(ROOT, m.src)}): run npm run compile`);
      process.exit(stale.length ? 1 : 0);
    }
    for (const m of stale) {
      writeFileSync(`${m.out}.tmp`, m.text);
      renameSync(`${m.out}.tmp`, m.out);
      console.log(`compiled ${relative(ROOT, m.src)} -> ${relative(ROOT, m.out)}`);
    }
    if (!stale.length) console.log(`${all.length} modules up to date`);
  } catch (e) {
    if (e instanceof CompileError) {
      console.error(`compile: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}
