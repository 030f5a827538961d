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
import { UsageError } from './args.ts';

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
    return parseTraceFile(text, { resolveVariant, workloadByName: anyWorkloadByName, isInvariant });
  } catch (e) {
    if (e instanceof TraceFileError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}
