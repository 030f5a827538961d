/**
 * The command-line parsing the CLIs share, on node:util's parseArgs: `--name value`,
 * `--name=value`, `--flag`, and positional arguments. Bad input is one clear line on stderr and exit code 2.
 */
import { parseArgs as nodeParseArgs } from 'node:util';
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

/** a bare optional flag (`--no-reduce` without `=value`), told apart from `--no-reduce=` */
const BARE = '\u0000bare';

/**
 * Parses with node:util's parseArgs (strict: unknown options, a missing or ambiguous value,
 * a value given to a flag are errors), translated into the one-line UsageErrors the CLIs
 * print. `--` is skipped wherever it stands (npm passes one through), as it always was.
 */
export function parseArgs(argv: string[], spec: ArgSpec): Parsed {
  const optional = spec.optional ?? [];
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const n of spec.values) options[n] = { type: 'string', multiple: true };
  for (const n of optional) options[n] = { type: 'string', multiple: true };
  for (const n of spec.flags) options[n] = { type: 'boolean', multiple: true };
  const given = argv.filter((a) => a !== '--');
  const args: string[] = [];
  for (let i = 0; i < given.length; i++) {
    const a = given[i];
    if (a.startsWith('--') && optional.includes(a.slice(2))) args.push(`${a}=${BARE}`);
    // a value may start with one dash (a negative seed): node would call `--fc-seed -5` ambiguous
    else if (a.startsWith('--') && spec.values.includes(a.slice(2)) && /^-(?!-)/.test(given[i + 1] ?? '')) args.push(`${a}=${given[++i]}`);
    else args.push(a);
  }
  let r: ReturnType<typeof nodeParseArgs>;
  try {
    r = nodeParseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const opt = /'(--?[^' <]+)/.exec(err.message)?.[1] ?? '';
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${opt}`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(spec.flags.includes(opt.slice(2)) ? `${opt} takes no value` : `${opt} needs a value`);
    throw new UsageError(err.message.split('\n')[0]);
  }
  const out: Parsed = { values: new Map(), flags: new Set(), positional: [] };
  for (const [name, v] of Object.entries(r.values)) {
    if (spec.flags.includes(name)) {
      out.flags.add(name);
      continue;
    }
    const vals = (v as string[]).filter((x) => x !== BARE);
    if (optional.includes(name)) out.flags.add(name);
    if (vals.length) out.values.set(name, vals);
  }
  for (const a of r.positionals) {
    out.positional.push(a);
    if (out.positional.length > (spec.positional ?? 0)) throw new UsageError(`unexpected argument ${a}`);
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
