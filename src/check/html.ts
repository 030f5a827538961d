/**
 * The whole check as one self-contained page (check --html FILE): a matrix per variant,
 * each violation group's sentence with the workloads where it occurs, and its shortest
 * trace replayed for the stepper, on the same page machinery as the review
 * (src/review/page.ts).
 */
import { MODELS, toMermaid } from '../../models/index.ts';
import { renderPage, type PageData, type PageTrace } from '../review/page.ts';
import { buildTrace } from '../trace/trace.ts';
import type { NoReduce } from '../engine/reductions.ts';
import type { InvariantName } from './invariants.ts';
import { violationGroups, fmtCount, plural, type ClaimOutcome } from './report.ts';

export function renderCheckHtml(runs: readonly ClaimOutcome[], invs: readonly InvariantName[], opts: { noReduce?: NoReduce; summary: string }): string {
  const variants: PageData['variants'] = [];
  const matrix: PageData['matrix'] = {};
  const workloads: string[] = [];
  for (const { claim, run } of runs) {
    if (!matrix[claim.variant]) {
      matrix[claim.variant] = {};
      variants.push({ name: claim.variant, description: claim.v.description });
    }
    if (!workloads.includes(claim.workload)) workloads.push(claim.workload);
    matrix[claim.variant][claim.workload] = Object.fromEntries(run.invariants.filter((i) => invs.includes(i.invariant)).map((i) => [i.invariant, i.vacuous ? 'vacuous' : i.verdict]));
  }
  const traces: PageTrace[] = [];
  const groups = violationGroups(runs, invs);
  const items = groups.map((g) => {
    const s = g.shortest;
    const ir = runs.find((o) => o.claim === s.claim)!.run.invariants.find((i) => i.invariant === s.invariant)!;
    let trace: number | undefined;
    if (ir.path) {
      traces.push({ title: `${s.claim.variant} / ${s.claim.workload}: ${s.invariant}`, kind: 'counterexample', trace: buildTrace(s.claim.v, s.claim.w, ir.path, s.invariant, opts.noReduce ?? false) });
      trace = traces.length - 1;
    }
    const where = [...g.where].map(([v, ws]) => `${v}: ${ws.join(', ')}`).join(' · ');
    return { text: `${g.invariants.join(', ')}: ${g.explained ? g.sentence : `${s.reason} (no claim explains it)`}`, detail: `in ${where}; shortest trace ${plural(s.depth, 'step')} (${s.claim.id})`, trace };
  });
  const bounded = runs
    .filter((o) => !o.run.result.complete)
    .map((o) => ({ text: `${o.claim.id}: no violation within ${fmtCount(o.run.result.states)} states (${o.run.result.limitHit} reached)` }));
  return renderPage({
    title: 'aio-retry-check: the check',
    subtitle: `${opts.summary}. Every verdict comes from exhaustive exploration of the engine; ~ marks a bounded one.`,
    variants,
    workloads,
    invariants: [...invs],
    matrix,
    sections: [
      { title: `Violations, grouped by mechanism (${groups.length})`, items },
      ...(bounded.length ? [{ title: 'Bounded: explored only up to a limit', items: bounded }] : []),
    ],
    traces,
    machines: Object.entries(MODELS).map(([name, m]) => ({ name, description: m.description, mermaid: toMermaid(m) })),
  });
}
