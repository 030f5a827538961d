/**
 * What `npm run check` prints: per variant a matrix (workload x invariant) of verdict
 * marks, then one block per distinct violation, grouped by mechanism (the claim's
 * sentence in kernel terms, or for a violation no claim explains, its reason with the
 * iocb numbers and values taken out), each with the workloads where it occurs, the
 * shortest trace's length and the command that prints it. The long table of every
 * claim x invariant (`--table`) is here too, so that all three read the same rows.
 */
import { styleText } from 'node:util';
import type { ResolvedClaim, Verdict } from './claims.ts';
import type { CheckRun } from './run.ts';
import { INVARIANT_SHORT, type InvariantName } from './invariants.ts';

export interface ClaimOutcome {
  claim: ResolvedClaim;
  run: CheckRun;
}

export interface Marks {
  holds: string;
  violated: string;
  bounded: string;
}
export const MARKS: Marks = { holds: '✓', violated: '✗', bounded: '~' };

/** colour on a terminal (violated red, holds green, a cell that differs from its claim inverse), none with NO_COLOR or without one */
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !!stream.isTTY && !process.env.NO_COLOR;
}
function paint(mark: string, verdict: Verdict, colour: boolean): string {
  if (!colour) return mark;
  const c = verdict === 'violated' ? 'red' : verdict === 'holds' ? 'green' : 'yellow';
  return mark.endsWith('!') ? styleText(['bold', 'inverse', c], mark) : styleText(c, mark);
}

/** after a holds mark: its at-quiescence part holds only vacuously (InvariantResult.vacuous) */
export const VACUOUS = '°';

/** the mark of one verdict against its claim: '!' after it when it differs, '?' when no claim says anything */
export function cellMark(verdict: Verdict, expected: Verdict | undefined, vacuous = false): string {
  return MARKS[verdict] + (vacuous ? VACUOUS : '') + (expected === undefined ? '?' : expected === verdict ? '' : '!');
}

export function fmtTime(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)}ms` : `${s.toFixed(1)}s`;
}

/** 1234 -> 1,234; 1234567 -> 1.23M */
export function fmtCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)}M`;
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** the legend printed once above the matrices: each column's short name and its invariant */
export function legendLines(invs: readonly InvariantName[]): string[] {
  const items = invs.map((i) => `${INVARIANT_SHORT[i]} ${i}`);
  const out: string[] = [];
  let line = '  ';
  for (const it of items) {
    if (line.length + it.length + 3 > 100) {
      out.push(line.trimEnd());
      line = '  ';
    }
    line += it + '   ';
  }
  out.push(line.trimEnd());
  return [
    `${MARKS.holds} holds   ${MARKS.holds}${VACUOUS} holds, at quiescence vacuously (every run panics first)   ${MARKS.violated} violated   ${MARKS.bounded} no violation within the bound (not a proof)   ! differs from its claim   ? no claim`,
    ...out,
  ];
}

/** one variant's matrix: a row per workload, a column per invariant, the states explored at the right */
export function matrixLines(variant: string, description: string | undefined, outcomes: readonly ClaimOutcome[], invs: readonly InvariantName[], colour = false): string[] {
  const wl = Math.max('workload'.length, ...outcomes.map((o) => o.claim.workload.length));
  const cw = Math.max(3, ...invs.map((i) => INVARIANT_SHORT[i].length)) + 1;
  const head = 'workload'.padEnd(wl) + invs.map((i) => INVARIANT_SHORT[i].padStart(cw)).join('') + '   states';
  const lines = [`${variant}${description ? ` — ${description}` : ''}`, '  ' + head];
  for (const { claim, run } of outcomes) {
    const byInv = new Map(run.invariants.map((r) => [r.invariant, r]));
    const cells = invs.map((i) => {
      const r = byInv.get(i);
      const mark = r ? cellMark(r.verdict, claim.expect[i], r.vacuous === true) : '';
      return ' '.repeat(Math.max(0, cw - mark.length)) + (r ? paint(mark, r.verdict, colour) : '');
    });
    const r = run.result;
    const states = r.complete ? fmtCount(r.states) : `${fmtCount(r.states)} (${r.limitHit} reached)`;
    lines.push('  ' + claim.workload.padEnd(wl) + cells.join('') + '   ' + states);
  }
  return lines;
}

export interface ViolationGroup {
  /** the invariants this mechanism violates, in the order of INVARIANTS */
  invariants: InvariantName[];
  /** the claim's sentence, or the reason with numbers generalized when no claim explains it */
  sentence: string;
  explained: boolean;
  /** variant -> workloads, in the order found */
  where: Map<string, string[]>;
  /** the shortest trace over the group */
  shortest: { claim: ResolvedClaim; invariant: InvariantName; depth: number; reason: string };
  /** claim x invariant verdicts in the group */
  count: number;
}

/** a violation's reason with the parts that vary between workloads taken out (iocb0 -> iocbN, numbers -> N) */
function mechanismOf(reason: string): string {
  return reason.replace(/\b(iocb|kiocb|page)\d+/g, '$1N').replace(/-?\b\d+\b/g, 'N');
}

/**
 * The violations of all outcomes, one group per mechanism: the claims' sentence (one
 * sentence often explains several invariants, e.g. a leak, a missing completion and a
 * stuck thread), or for a violation no claim explains, its invariant and generalized
 * reason. Groups come in the order first found.
 */
export function violationGroups(outcomes: readonly ClaimOutcome[], invs: readonly InvariantName[]): ViolationGroup[] {
  const groups = new Map<string, ViolationGroup>();
  for (const { claim, run } of outcomes)
    for (const ir of run.invariants) {
      if (ir.verdict !== 'violated' || !invs.includes(ir.invariant)) continue;
      const why = claim.why?.[ir.invariant];
      const sentence = why ?? mechanismOf(ir.reason ?? '');
      const key = why !== undefined ? `why\u0000${why}` : `${ir.invariant}\u0000${sentence}`;
      const depth = ir.depth ?? 0;
      const found = { claim, invariant: ir.invariant, depth, reason: ir.reason ?? '' };
      let g = groups.get(key);
      if (!g) {
        g = { invariants: [], sentence, explained: why !== undefined, where: new Map(), shortest: found, count: 0 };
        groups.set(key, g);
      }
      g.count++;
      if (!g.invariants.includes(ir.invariant)) g.invariants.push(ir.invariant);
      const ws = g.where.get(claim.variant) ?? [];
      if (!ws.includes(claim.workload)) ws.push(claim.workload);
      g.where.set(claim.variant, ws);
      if (depth < g.shortest.depth) g.shortest = found;
    }
  for (const g of groups.values()) g.invariants.sort((a, b) => invs.indexOf(a) - invs.indexOf(b));
  return [...groups.values()];
}

/** claim ids -> "variant: workload, workload" lines (the claims grouped by variant) */
export function byVariantLines(claims: readonly ResolvedClaim[], indent: string): string[] {
  const m = new Map<string, string[]>();
  for (const c of claims) m.set(c.variant, [...(m.get(c.variant) ?? []), c.workload]);
  return [...m].map(([v, ws]) => `${indent}${v}: ${ws.join(', ')}`);
}

/** the blocks printed for the violation groups */
export function violationLines(groups: readonly ViolationGroup[], traceCmd: (c: ResolvedClaim, inv: InvariantName) => string): string[] {
  const lines: string[] = [];
  for (const [n, g] of groups.entries()) {
    const s = g.shortest;
    lines.push(`${n + 1}. ${g.invariants.join(', ')}`);
    lines.push(`   ${g.explained ? g.sentence : `${s.reason} (no claim explains it)`}`);
    for (const [v, ws] of g.where) lines.push(`     in ${v}: ${ws.join(', ')}`);
    lines.push(`     shortest trace: ${plural(s.depth, 'step')} (${s.claim.id}, ${s.invariant}: ${s.reason})`);
    lines.push(`     ${traceCmd(s.claim, s.invariant)}`);
  }
  return lines;
}

/** the long table (`--table`): one row per claim and invariant */
export function tableLines(outcomes: readonly ClaimOutcome[], invs: readonly InvariantName[]): string[] {
  const header = ['claim', 'variant', 'workload', 'invariant', 'verdict', 'states', 'transitions', 'depth', 'time'];
  const rows: string[][] = [];
  for (const { claim, run } of outcomes) {
    const r = run.result;
    for (const ir of run.invariants) {
      if (!invs.includes(ir.invariant)) continue;
      const exp = claim.expect[ir.invariant];
      const ok = exp === undefined || exp === ir.verdict;
      const shown = ir.verdict === 'violated' ? 'VIOLATED' : ir.vacuous ? 'holds, vacuously (every run panics before quiescence)' : ir.verdict;
      rows.push([claim.id, claim.variant, claim.workload, ir.invariant, `${shown}${exp === undefined ? ' (no claim)' : ok ? '' : ` (claim: ${exp})`}`, String(r.states), String(r.transitions), String(ir.depth ?? r.depth), fmtTime(r.seconds)]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

/** the bounded verdicts, one line per claim (not per invariant) */
export function boundedLines(outcomes: readonly ClaimOutcome[], invs: readonly InvariantName[]): string[] {
  const lines: string[] = [];
  for (const { claim, run } of outcomes) {
    const b = run.invariants.filter((i) => i.verdict === 'bounded' && invs.includes(i.invariant));
    if (!b.length) continue;
    const r = run.result;
    const what = b.length === invs.length && b.length > 1 ? `all ${plural(b.length, 'invariant')}` : b.map((i) => i.invariant).join(', ');
    if (r.complete) lines.push(`  ${claim.id}: explored completely (${fmtCount(r.states)} states), but ${what}: ${b.map((i) => i.reason).join('; ')}`);
    else lines.push(`  ${claim.id}: no violation within ${fmtCount(r.states)} states (depth ${r.depth}; ${r.limitHit} reached), ${what}`);
  }
  return lines;
}
