/**
 * The CLIs' file inputs: each read, parsed and validated in one place, with bad input
 * turned into the one-line UsageError (exit 2) that every command gives.
 */
import { readFileSync } from 'node:fs';
import { ClaimFileError, loadClaims, type ResolvedClaim } from '../check/claims.ts';
import { isInvariant } from '../check/invariants.ts';
import { DEFAULT_CLAIMS_PATH } from '../check/paths.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { anyWorkloadByName } from '../random/larger.ts';
import { parseTraceFile, TraceFileError, type ParsedTrace } from '../trace/replay.ts';
import { intOpt, UsageError, type Parsed } from './args.ts';
import { familyWorkload, loadWorkload, parseWorkload, WorkloadFileError } from '../check/workloadFile.ts';
import type { Workload } from '../engine/workload.ts';
import { WORKLOADS } from '../engine/workloads.ts';

/** the claim file (default proofs/claims.json) */
export function claimsArg(path: string = DEFAULT_CLAIMS_PATH): ResolvedClaim[] {
  try {
    return loadClaims(path);
  } catch (e) {
    if (e instanceof ClaimFileError) throw new UsageError(e.message);
    throw e;
  }
}

/** a saved trace file (npm run trace --format json, check --save, random --format json) */
export function traceFileArg(file: string): ParsedTrace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  try {
    return parseTraceFile(text, { resolveVariant, workloadByName: anyWorkloadByName, isInvariant, parseWorkload: (spec) => parseWorkload(JSON.stringify(spec)) });
  } catch (e) {
    if (e instanceof TraceFileError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** the value options a command that takes a workload accepts: --workload and the family's flags */
export const WORKLOAD_VALUES = ['workload', 'iocbs', 'pages', 'cpus'] as const;

/**
 * One workload argument: a built-in name (src/engine/workloads.ts, or a larger one of
 * src/random/larger.ts), or a JSON file (a path ending in .json, validated against
 * proofs/workload.schema.json).
 */
export function workloadArg(spec: string): Workload {
  if (spec.endsWith('.json') || spec.includes('/')) {
    try {
      return loadWorkload(spec);
    } catch (e) {
      if (e instanceof WorkloadFileError) throw new UsageError(e.message);
      throw e;
    }
  }
  const w = anyWorkloadByName(spec);
  if (!w) throw new UsageError(`unknown workload "${spec}" (one of: ${Object.keys(WORKLOADS).join(', ')}; or a FILE.json)`);
  return w;
}

/**
 * The workloads of the command line: every --workload, and the family that
 * --iocbs N --pages N [--cpus N] builds without a file (uncached pages, each in its own
 * bucket, every iocb reading the whole file).
 */
export function workloadsArg(p: Parsed): Workload[] {
  const out = (p.values.get('workload') ?? []).map(workloadArg);
  const fam = ['iocbs', 'pages', 'cpus'].filter((f) => p.values.has(f));
  if (fam.length) {
    if (!p.values.has('iocbs') || !p.values.has('pages')) throw new UsageError('--iocbs N and --pages N go together (--cpus N optional)');
    const w = familyWorkload(intOpt(p, 'iocbs', 1, 1, 3), intOpt(p, 'pages', 1, 1, 8), p.values.has('cpus') ? intOpt(p, 'cpus', 2, 2, 4) : undefined);
    const err = parseOrNull(w);
    if (err) throw new UsageError(err);
    out.push(w);
  }
  return out;
}

function parseOrNull(w: Workload): string | null {
  try {
    parseWorkload(JSON.stringify(w), 'the --iocbs/--pages/--cpus workload');
    return null;
  } catch (e) {
    if (e instanceof WorkloadFileError) return e.message;
    throw e;
  }
}
