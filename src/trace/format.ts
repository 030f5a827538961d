/**
 * Trace formats: text swimlanes (one column per context), a mermaid sequence
 * diagram, ITF (the Informal Trace Format of Apalache/Quint) and the project's own
 * JSON (everything needed to replay it).
 */
import type { Trace, TraceStep } from './trace.ts';
import type { Workload } from '../engine/workload.ts';

const COL = 30;

function cell(s: string, w = COL): string {
  return s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w);
}

/** which contexts appear in the trace, in the order of the machine's threads */
function usedContexts(t: Trace): string[] {
  const used = new Set(t.steps.map((s) => s.context));
  return t.contexts.map((c) => c.name).filter((n) => used.has(n));
}

/** does a step change nothing that matters for the violation? (for folding) */
function quiet(s: TraceStep): boolean {
  return s.labels.length === 0 && s.changes.every((c) => /^(io_submit|read|io_getevents|aio\/\d|events\/\d|irq\/\d): /.test(c));
}

export function formatText(t: Trace, opts: { fold?: boolean } = {}): string {
  const cols = usedContexts(t);
  const out: string[] = [];
  out.push(`${t.variant} / ${t.workload}${t.invariant ? `: ${t.invariant} violated` : ''}${t.reason ? ` (${t.reason})` : ''}`);
  out.push(`${t.steps.length} steps; replay: ${t.actions.join(',')}`);
  out.push('');
  out.push('  #  ' + cols.map((c) => cell(`${c} (cpu${t.contexts.find((x) => x.name === c)!.cpu})`)).join(' '));
  out.push('     ' + cols.map(() => '-'.repeat(COL)).join(' '));
  let folded = 0;
  for (const s of t.steps) {
    if (opts.fold && quiet(s) && s !== t.steps[t.steps.length - 1]) {
      folded++;
      continue;
    }
    if (folded) {
      out.push(`     … ${folded} step${folded > 1 ? 's' : ''} that change nothing relevant folded`);
      folded = 0;
    }
    const fns = s.functions.map((f) => f.fn);
    const lines = Math.max(1, fns.length);
    for (let l = 0; l < lines; l++) {
      const row = cols.map((c) => (c === s.context ? cell(fns[l] ?? '') : cell(''))).join(' ');
      out.push(`${l === 0 ? String(s.n).padStart(3) : '   '}  ${row}`.trimEnd());
    }
    const origins = [...new Set(s.functions.map((f) => f.origin).filter((o) => o !== '2.5.62'))];
    if (origins.length) out.push(`       from: ${origins.join('; ')}`);
    for (const l of s.labels) out.push(`       !! ${l}`);
    for (const c of s.changes) if (!/^(io_submit|read|io_getevents|aio\/\d|events\/\d|irq\/\d): /.test(c)) out.push(`       ${c}`);
  }
  if (t.invariant) {
    out.push('');
    out.push(`  ==> ${t.invariant} VIOLATED${t.reason ? `: ${t.reason}` : ''}`);
  }
  if (t.divergedAt >= 0) out.push(`  (the trace diverged at step ${t.divergedAt + 1}: that action is not enabled on this engine)`);
  return out.join('\n') + '\n';
}

const mermaidId = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
// mermaid's entity codes keep the characters its grammar reads (kiocb0->ki_wait stays kiocb0->ki_wait)
const MERMAID_CODES: Record<string, string> = { '#': '#35;', ';': '#59;', ':': '#58;', '<': '#lt;', '>': '#gt;', '&': '#amp;', '"': '#quot;' };
const mermaidText = (s: string) => s.replace(/\s+/g, ' ').trim().replace(/[#;:<>&"]/g, (c) => MERMAID_CODES[c]);

/** a mermaid sequenceDiagram: one participant per context, a note per step */
export function formatMermaid(t: Trace): string {
  const cols = usedContexts(t);
  const out: string[] = ['sequenceDiagram'];
  for (const c of cols) out.push(`  participant ${mermaidId(c)} as ${mermaidText(c)}`);
  const kernel = 'kernel_state';
  out.push(`  participant ${kernel} as shared state`);
  for (const s of t.steps) {
    const who = mermaidId(s.context);
    const fns = s.functions.map((f) => f.fn).join(' → ');
    out.push(`  ${who}->>${kernel}: ${s.n}. ${mermaidText(fns || 'step')}`);
    for (const l of s.labels) out.push(`  Note over ${who}: ${mermaidText(l)}`);
    const ch = s.changes.filter((c) => !/^(io_submit|read|io_getevents|aio\/\d|events\/\d|irq\/\d): /.test(c));
    if (ch.length) out.push(`  Note right of ${kernel}: ${mermaidText(ch.join(', '))}`);
  }
  if (t.invariant) out.push(`  Note over ${mermaidId(cols[0] ?? kernel)},${kernel}: ${mermaidText(`${t.invariant} VIOLATED ${t.reason ?? ''}`)}`);
  return out.join('\n') + '\n';
}

/**
 * ITF: {"#meta": {...}, "vars": [...], "states": [{"#meta": {"index": i}, var: value, ...}]}.
 * Integers are written as {"#bigint": "n"}; records as objects; sequences as arrays.
 */
export function formatITF(t: Trace): object {
  const big = (n: number) => ({ '#bigint': String(n) });
  const vars = ['step', 'context', 'functions', 'labels', 'kiocbs', 'run_list', 'pages', 'buckets', 'iocbs'];
  const states = t.steps.map((s, i) => ({
    '#meta': { index: i },
    step: big(s.n),
    context: s.context,
    functions: s.functions.map((f) => f.fn),
    labels: s.labels,
    kiocbs: s.state.kiocbs.map((k) => ({ slot: big(k.slot), state: k.state, ki_users: big(k.ki_users), ki_flags: k.ki_flags, on_run_list: k.on_run_list, ki_wait_queued: k.ki_wait_queued })),
    run_list: s.state.ctx.run_list,
    pages: s.state.pages.map((p) => ({ index: big(p.index), flags: p.flags, in_cache: p.in_cache })),
    buckets: s.state.buckets.map((b) => ({ bucket: big(b.bucket), waiters: b.waiters })),
    iocbs: s.state.iocbs.map((io) => ({ slot: big(io.slot), completions: big(io.completions), res: io.res === null ? big(0) : big(io.res) })),
  }));
  return {
    '#meta': { format: 'ITF', 'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html', source: `aio-retry-check ${t.variant} ${t.workload}`, description: t.invariant ? `${t.invariant} violated: ${t.reason ?? ''}` : 'trace' },
    vars,
    states,
  };
}

/** the project's own trace file: enough to replay it and to check it reproduces */
export interface TraceFile {
  format: 'aio-retry-check-trace';
  version: 1;
  variant: string;
  workload: string;
  /** the workload's definition (proofs/workload.schema.json); files without it name a built-in workload */
  workloadSpec?: Workload;
  invariant: string | null;
  reason: string | null;
  actions: number[];
  steps: { n: number; context: string; functions: string[]; labels: string[] }[];
}

export function formatJSON(t: Trace): TraceFile {
  return {
    format: 'aio-retry-check-trace',
    version: 1,
    variant: t.variant,
    workload: t.workload,
    workloadSpec: t.spec,
    invariant: t.invariant ?? null,
    reason: t.reason ?? null,
    actions: t.actions,
    steps: t.steps.map((s) => ({ n: s.n, context: s.context, functions: s.functions.map((f) => f.fn), labels: s.labels })),
  };
}
