/**
 * The review as one self-contained HTML page: renderReviewHtml maps a ReviewReport
 * (src/review/review.ts) onto the page (src/review/page.ts). Each trace of the report is
 * replayed on the engine (its actions are in the report) so the page can show the
 * state at every step.
 */
import { MODELS, toMermaid } from '../../models/index.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { anyWorkloadByName } from '../random/larger.ts';
import { buildTrace } from '../trace/trace.ts';
import { renderPage, type CellVerdict, type PageData, type PageTrace } from './page.ts';
import type { CellChange, ReviewReport, TraceInfo, VariantMatrix } from './review.ts';

function matrixOf(m: VariantMatrix): Record<string, Record<string, CellVerdict>> {
  const out: Record<string, Record<string, CellVerdict>> = {};
  for (const row of m.rows) out[row.workload] = Object.fromEntries(Object.entries(row.cells).map(([inv, c]) => [inv, c.verdict]));
  return out;
}

export function renderReviewHtml(r: ReviewReport): string {
  const traces: PageTrace[] = [];
  const addTrace = (t: TraceInfo | undefined, kind: string): number | undefined => {
    if (!t) return undefined;
    const v = resolveVariant(t.variant);
    const w = anyWorkloadByName(t.workload);
    if (!v || !w) return undefined;
    traces.push({ title: `${t.variant} / ${t.workload}${t.invariant ? `: ${t.invariant}` : ''}`, kind, trace: buildTrace(v, w, t.actions, t.invariant) });
    return traces.length - 1;
  };
  const cells = (list: CellChange[], kind: string, what: string) => list.map((c) => ({ text: `${c.workload}: ${c.invariant} ${what}`, trace: addTrace(c.trace, kind) }));
  const fixed = cells(r.fixed, 'fixed', 'no longer violated');
  const broken = cells(r.broken, 'broken', 'now violated');
  const on = new Set(r.diff.turnedOn);
  const off = new Set(r.diff.turnedOff);
  const tables: PageData['tables'] = [];
  if (r.ablation) {
    tables.push({
      title: `Ablation of ${r.ablation.base}: which change is responsible for which verdict`,
      header: ['workload', 'invariant', `${r.ablation.base}`, 'toggling one change gives'],
      rows: r.ablation.responsibility.map((x) => [x.workload, x.invariant, x.base, x.changes.map((c) => `${c.change} ${c.toggled}: ${c.verdict}`).join('; ')]),
    });
  }
  const diag = r.diagnostics;
  if (diag.onlyFrom.length || diag.onlyTo.length || diag.both.length)
    tables.push({
      title: 'Diagnostics (printk / WARN_ON / BUG / oops) reachable',
      header: ['diagnostic', 'reachable in'],
      rows: [...diag.onlyFrom.map((l) => [l, `${r.from.spec} only`]), ...diag.onlyTo.map((l) => [l, `${r.to.spec} only`]), ...diag.both.map((l) => [l, 'both'])],
    });
  const data: PageData = {
    title: `Patch review: ${r.from.spec} → ${r.to.spec}`,
    subtitle: `${r.workloads.length} workloads x ${r.invariants.length} invariants, explored in ${r.seconds.toFixed(0)} s. Every verdict comes from exhaustive exploration of the engine.`,
    variants: [
      { name: r.from.spec, description: r.from.description },
      { name: r.to.spec, description: r.to.description },
    ],
    compare: true,
    workloads: r.workloads.map((w) => w.name),
    invariants: r.invariants.map((i) => i.name),
    matrix: { [r.from.spec]: matrixOf(r.matrices.from), [r.to.spec]: matrixOf(r.matrices.to) },
    changes: r.changes.filter((c) => on.has(c.name) || off.has(c.name)).map((c) => ({ name: c.name, description: `${c.summary}${c.removes ? ` (removes: ${c.removes})` : ''} [${c.source}]`, on: on.has(c.name) })),
    sections: [
      { title: 'What the change fixes', items: fixed },
      { title: 'What the change breaks', items: broken },
    ],
    traces,
    machines: Object.entries(MODELS).map(([name, m]) => ({ name, description: m.description, mermaid: toMermaid(m) })),
    tables,
  };
  return renderPage(data);
}
