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

/** the context a state fact is about, when it is a thread's status ("io_submit: sleeping ...") */
function factContext(t: Trace, change: string): string | undefined {
  const key = change.slice(0, change.indexOf(': '));
  return t.contexts.some((c) => c.name === key) ? key : undefined;
}

/** the changes worth showing: all but the running context's own status (it is in its column already) */
function shownChanges(t: Trace, s: TraceStep): string[] {
  return s.changes.filter((c) => factContext(t, c) !== s.context);
}

/** a step that prints nothing and changes nothing but its own context's status */
function quiet(t: Trace, s: TraceStep): boolean {
  return s.labels.length === 0 && shownChanges(t, s).length === 0;
}

/**
 * The contexts that take part in the trace: those with a step that changes shared state,
 * wakes another context or prints. Folding keeps every step of these (the syscalls of the
 * user thread, the interrupt that fires a timer, ...) and folds only the quiet steps of
 * contexts that take no part (a worker looping, an interrupt slot passing by).
 */
export function participants(t: Trace): Set<string> {
  return new Set(t.steps.filter((s) => !quiet(t, s)).map((s) => s.context));
}

/** where every thread is at the end of the trace, one line each */
export function finalStateLines(t: Trace): string[] {
  const last = t.steps[t.steps.length - 1];
  if (!last) return [];
  const out = ['where every thread is at the end:'];
  for (const th of last.state.threads) {
    const where = th.stack.length ? ` in ${[...th.stack].reverse().map((f) => f.replace(/@\d+$/, '')).join(' < ')}` : '';
    out.push(`  ${th.name.padEnd(12)} ${th.status}${th.taskState && th.taskState !== 'RUNNING' && th.status !== 'done' ? ` (TASK_${th.taskState})` : ''}${th.status === 'done' || th.status === 'idle' ? '' : where}`);
  }
  if (t.invariant === 'progress' || /^(one-completion|ki-users-accounting)$/.test(t.invariant ?? ''))
    out.push('  nothing can move: no thread is runnable, no lock is being spun on by a runnable thread, and no interrupt or timer is left to fire');
  return out;
}

export function formatText(t: Trace, opts: { fold?: boolean } = {}): string {
  const cols = usedContexts(t);
  const out: string[] = [];
  out.push(`${t.variant} / ${t.workload}${t.invariant ? `: ${t.invariant} violated` : ''}${t.reason ? ` (${t.reason})` : ''}`);
  if (t.why) out.push(`why: ${t.why}`);
  out.push(`${t.steps.length} steps; replay: ${t.actions.join(',')}`);
  out.push('');
  out.push('  #  ' + cols.map((c) => cell(`${c} (cpu${t.contexts.find((x) => x.name === c)!.cpu})`)).join(' '));
  out.push('     ' + cols.map(() => '-'.repeat(COL)).join(' '));
  const part = participants(t);
  let folded: string[] = [];
  const flush = () => {
    if (!folded.length) return;
    const by = [...new Set(folded)].join(', ');
    out.push(`     … ${folded.length === 1 ? '1 step' : `${folded.length} steps`} of ${by} folded (${folded.length === 1 ? 'it changes' : 'they change'} nothing shown here; --no-fold shows ${folded.length === 1 ? 'it' : 'them'})`);
    folded = [];
  };
  for (const s of t.steps) {
    if (opts.fold && quiet(t, s) && !part.has(s.context) && s !== t.steps[t.steps.length - 1]) {
      folded.push(s.context);
      continue;
    }
    flush();
    const fns = s.functions.map((f) => f.fn);
    const lines = Math.max(1, fns.length);
    for (let l = 0; l < lines; l++) {
      const row = cols.map((c) => (c === s.context ? cell(fns[l] ?? '') : cell(''))).join(' ');
      out.push(`${l === 0 ? String(s.n).padStart(3) : '   '}  ${row}`.trimEnd());
    }
    const origins = [...new Set(s.functions.map((f) => f.origin).filter((o) => o !== '2.5.62'))];
    if (origins.length) out.push(`       from: ${origins.join('; ')}`);
    for (const l of s.labels) out.push(`       !! ${l}`);
    for (const c of shownChanges(t, s)) out.push(`       ${c}`);
  }
  flush();
  if (t.invariant) {
    out.push('');
    out.push(`  ==> ${t.invariant} VIOLATED${t.reason ? `: ${t.reason}` : ''}`);
  }
  if (t.divergedAt >= 0) out.push(`  (the trace diverged at step ${t.divergedAt + 1}: that action is not enabled on this engine)`);
  out.push('', ...finalStateLines(t));
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
    // causality: a step that makes another context runnable (a wakeup, queue_work's worker) is an arrow to it
    for (const c of s.changes) {
      const other = factContext(t, c);
      if (other && other !== s.context && cols.includes(other) && !/INTERRUPTIBLE|done|idle/.test(c)) out.push(`  ${who}-->>${mermaidId(other)}: wakes`);
    }
    const ch = s.changes.filter((c) => !factContext(t, c));
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
  /**
   * the reductions that were off when it was recorded (true: all; absent: none): an action is
   * a transition of that engine, so the file replays only on the same one
   */
  noReduce?: true | string[];
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
    ...(t.noReduce === true ? { noReduce: true as const } : Array.isArray(t.noReduce) && t.noReduce.length ? { noReduce: [...t.noReduce] } : {}),
    actions: t.actions,
    steps: t.steps.map((s) => ({ n: s.n, context: s.context, functions: s.functions.map((f) => f.fn), labels: s.labels })),
  };
}

export const TRACE_FORMATS = ['text', 'mermaid', 'itf', 'json'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** a trace in one of the four formats, as the commands print it */
export function renderTrace(t: Trace, format: TraceFormat, opts: { fold?: boolean } = {}): string {
  if (format === 'text') return formatText(t, opts);
  if (format === 'mermaid') return formatMermaid(t);
  return JSON.stringify(format === 'itf' ? formatITF(t) : formatJSON(t), null, 1) + '\n';
}
