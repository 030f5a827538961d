/**
 * Counterexample traces: a path of scheduler actions replayed on the engine and
 * turned into steps a reader can follow: which context ran, on which CPU, through
 * which kernel functions (and the patch each comes from), what it printed, and the
 * state that matters after it (kiocb flags and refcounts, the run list, wait queues,
 * page bits).
 */
import { EngineModel } from '../engine/model.ts';
import { machineReductions, type NoReduce } from '../engine/reductions.ts';
import { summarize, type StateSummary } from '../engine/inspect.ts';
import type { Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import { invariants } from '../check/invariants.ts';
import type { State } from '../explore/model.ts';
import { originOf } from './origin.ts';

export interface TraceStep {
  /** 1-based step number */
  n: number;
  action: number;
  /** context (thread) name: io_submit, aio/0, irq/1, read ... */
  context: string;
  cpu: number;
  /** kernel functions this step ran through, in order (consecutive repeats folded) */
  functions: { fn: string; origin: string }[];
  /** printk / WARN_ON / BUG / oops emitted */
  labels: string[];
  /** short descriptions of what changed in the state that matters */
  changes: string[];
  /** the state that matters after the step */
  state: StateSummary;
}

export interface Trace {
  variant: string;
  workload: string;
  /** the workload itself (a trace file carries it, so that a workload of one's own replays) */
  spec: Workload;
  invariant?: string;
  reason?: string;
  /** the sentence that explains the violation (a claim's "why"), when one is known */
  why?: string;
  actions: number[];
  contexts: { name: string; cpu: number }[];
  steps: TraceStep[];
  /** index of the first action not enabled when replaying (-1: replayed fully) */
  divergedAt: number;
  /** the reductions that were off when the actions were recorded (an action is a transition of that engine) */
  noReduce: NoReduce;
}

function keyFacts(s: StateSummary): Map<string, string> {
  const f = new Map<string, string>();
  for (const k of s.kiocbs) {
    if (k.state === 'unallocated') continue;
    f.set(`kiocb${k.slot}`, k.state === 'freed' ? 'freed' : `ki_users=${k.ki_users} ki_flags=${k.ki_flags}${k.on_run_list ? ' on run_list' : k.ki_run_list === 'NULL' ? ' ki_run_list=NULL' : ''}${k.ki_wait_queued ? ' ki_wait queued' : ''}`);
  }
  f.set('run_list', `[${s.ctx.run_list.join(', ')}]`);
  for (const p of s.pages) f.set(`page${p.index}`, `${p.flags}${p.in_cache ? '' : ' (not cached)'}`);
  for (const b of s.buckets) f.set(`bucket${b.bucket}`, `[${b.waiters.join(', ')}]`);
  for (const io of s.iocbs) f.set(`iocb${io.slot}`, `completions=${io.completions}${io.res !== null ? ` res=${io.res}` : ''}`);
  for (const t of s.threads) f.set(t.name, `${t.status}${t.taskState && t.taskState !== 'RUNNING' ? ` ${t.taskState}` : ''}`);
  return f;
}

/** replays `actions` on (variant, workload) and builds the trace */
export function buildTrace(v: Variant, w: Workload, actions: readonly number[], invariant?: string, noReduce: NoReduce = false): Trace {
  const model = new EngineModel(v, w, invariants, { trace: true, ...machineReductions(noReduce) });
  const k = model.k;
  let s: State = model.init()[0];
  let before = keyFacts(summarize(model.load(s)));
  const steps: TraceStep[] = [];
  const en: number[] = [];
  let divergedAt = -1;
  for (let i = 0; i < actions.length; i++) {
    en.length = 0;
    model.actions(s, en);
    if (!en.includes(actions[i])) {
      divergedAt = i;
      break;
    }
    const d = k.decode(actions[i]);
    const t0 = k.trace!.length;
    s = model.next(s, actions[i])!;
    const labels = [...model.lastLabels()];
    const fns: { fn: string; origin: string }[] = [];
    for (const ts of k.trace!.slice(t0)) if (!fns.length || fns[fns.length - 1].fn !== ts.fn) fns.push({ fn: ts.fn, origin: originOf(ts.fn, v) });
    const ctxIdx = 'thread' in d ? d.thread : k.nThreads - w.cpus + d.cpu;
    const sum = summarize(model.load(s));
    const after = keyFacts(sum);
    const changes: string[] = [];
    for (const [key, val] of after) if (before.get(key) !== val) changes.push(`${key}: ${val}`);
    before = after;
    steps.push({ n: i + 1, action: actions[i], context: k.threads[ctxIdx].name, cpu: k.threads[ctxIdx].cpu, functions: fns, labels, changes, state: sum });
  }
  let reason: string | undefined;
  if (invariant) {
    for (const p of model.properties) if (p.name === invariant) reason = p.check(s) ?? reason;
  }
  return {
    variant: v.name,
    workload: w.name,
    spec: w,
    invariant,
    reason,
    actions: [...actions],
    contexts: k.threads.map((t) => ({ name: t.name, cpu: t.cpu })),
    steps,
    divergedAt,
    noReduce,
  };
}
