/**
 * A small, strict command-line parser shared by the CLIs: `--name value`, `--flag`,
 * and positional arguments. Bad input is one clear line on stderr and exit code 2.
 */
import { parseNoReduce, type NoReduce } from '../engine/reductions.ts';

export class UsageError extends Error {}

export interface ArgSpec {
  /** options taking a value */
  values: readonly string[];
  /** boolean flags */
  flags: readonly string[];
  /** flags that may take a value as `--name=value` (stored in values when they do) */
  optional?: readonly string[];
  /** how many positional arguments are allowed */
  positional?: number;
}

export interface Parsed {
  values: Map<string, string[]>;
  flags: Set<string>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: ArgSpec): Parsed {
  const out: Parsed = { values: new Map(), flags: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (spec.optional?.includes(name)) {
        if (eq > 0) out.values.set(name, [...(out.values.get(name) ?? []), a.slice(eq + 1)]);
        out.flags.add(name);
      } else if (spec.flags.includes(name)) {
        if (eq > 0) throw new UsageError(`--${name} takes no value`);
        out.flags.add(name);
      } else if (spec.values.includes(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
        out.values.set(name, [...(out.values.get(name) ?? []), v]);
      } else throw new UsageError(`unknown option ${a}`);
    } else {
      out.positional.push(a);
      if (out.positional.length > (spec.positional ?? 0)) throw new UsageError(`unexpected argument ${a}`);
    }
  }
  return out;
}

/** a non-negative integer option within [min, max] */
export function intOpt(p: Parsed, name: string, def: number, min: number, max: number): number {
  const v = p.values.get(name)?.at(-1);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** --no-reduce (all reductions off) or --no-reduce=movers,dead (those) */
export function noReduceOpt(p: Parsed): NoReduce {
  if (!p.flags.has('no-reduce')) return false;
  try {
    return parseNoReduce(p.values.get('no-reduce')?.at(-1));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** runs a CLI main: UsageError -> one line on stderr, exit 2 */
export async function runCli(main: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

/** a word for a POSIX shell: as it is when it is safe, else in single quotes */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
