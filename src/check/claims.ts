/**
 * proofs/claims.json: what the project claims, as data. A claim is
 * variant x workload x bounds x invariants x expected verdict, with one sentence
 * (from the trace) for every expected violation.
 */
import { readFileSync } from 'node:fs';
import { variantByName, type Variant } from '../engine/variants.ts';
import { workloadByName } from '../engine/workloads.ts';
import type { Workload } from '../engine/workload.ts';
import { INVARIANTS, isInvariant, type InvariantName } from './invariants.ts';
import { resolveVariant } from './variantSpec.ts';

export type Verdict = 'holds' | 'violated' | 'bounded';
export const VERDICTS: readonly Verdict[] = ['holds', 'violated', 'bounded'];

export interface Claim {
  id: string;
  variant: string;
  workload: string;
  bounds: { maxStates: number; maxSeconds: number };
  /** invariant -> expected verdict (every invariant of INVARIANTS) */
  expect: Partial<Record<InvariantName, Verdict>>;
  /** invariant -> why it is violated, one sentence from the trace */
  why?: Partial<Record<InvariantName, string>>;
}

export class ClaimFileError extends Error {}

export interface ResolvedClaim extends Claim {
  v: Variant;
  w: Workload;
}

export function parseClaims(text: string, file = 'claims'): ResolvedClaim[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ClaimFileError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const arr = (data as { claims?: unknown })?.claims;
  if (!Array.isArray(arr)) throw new ClaimFileError(`${file}: expected an object with a "claims" array`);
  const ids = new Set<string>();
  return arr.map((c: Claim, i: number) => {
    const where = `${file}: claim ${i}${c && typeof c.id === 'string' ? ` (${c.id})` : ''}`;
    if (!c || typeof c !== 'object') throw new ClaimFileError(`${where}: not an object`);
    if (typeof c.id !== 'string' || !/^[a-z0-9][a-z0-9.+-]*$/.test(c.id)) throw new ClaimFileError(`${where}: "id" must be a lower-case name`);
    if (ids.has(c.id)) throw new ClaimFileError(`${where}: duplicate id`);
    ids.add(c.id);
    const v = typeof c.variant === 'string' ? resolveVariant(c.variant) : undefined;
    if (!v) throw new ClaimFileError(`${where}: unknown variant "${String(c.variant)}"`);
    const w = typeof c.workload === 'string' ? workloadByName(c.workload) : undefined;
    if (!w) throw new ClaimFileError(`${where}: unknown workload "${String(c.workload)}"`);
    const b = c.bounds;
    if (!b || !Number.isInteger(b.maxStates) || b.maxStates < 1 || b.maxStates > 100_000_000) throw new ClaimFileError(`${where}: bounds.maxStates must be 1..100000000`);
    if (typeof b.maxSeconds !== 'number' || !(b.maxSeconds > 0) || b.maxSeconds > 3600) throw new ClaimFileError(`${where}: bounds.maxSeconds must be in (0, 3600]`);
    if (!c.expect || typeof c.expect !== 'object' || Array.isArray(c.expect)) throw new ClaimFileError(`${where}: "expect" must map invariants to verdicts (an object; {} for none)`);
    for (const [inv, verdict] of Object.entries(c.expect)) {
      if (!isInvariant(inv)) throw new ClaimFileError(`${where}: unknown invariant "${inv}" (one of: ${INVARIANTS.join(', ')})`);
      if (!VERDICTS.includes(verdict as Verdict)) throw new ClaimFileError(`${where}: verdict for ${inv} must be holds, violated or bounded`);
    }
    for (const inv of Object.keys(c.why ?? {})) if (!isInvariant(inv)) throw new ClaimFileError(`${where}: "why" names unknown invariant "${inv}"`);
    return { ...c, v, w };
  });
}

export function loadClaims(path: string): ResolvedClaim[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ClaimFileError(`cannot read claim file ${path}`);
  }
  return parseClaims(text, path);
}

void variantByName;
