/**
 * Replaying a saved trace file on the engine: every action must be enabled where the
 * file says it was taken, and the final state must violate the recorded invariant.
 */
import { EngineModel } from '../engine/model.ts';
import type { Variant } from '../engine/variants.ts';
import type { Workload } from '../engine/workload.ts';
import { invariants, type InvariantName } from '../check/invariants.ts';
import type { TraceFile } from './format.ts';
import { isReduction, machineReductions, REDUCTIONS, type NoReduce } from '../engine/reductions.ts';

export class TraceFileError extends Error {}

export interface ParsedTrace {
  file: TraceFile;
  v: Variant;
  w: Workload;
  invariant: InvariantName | null;
  /** the reductions off when it was recorded (TraceFile.noReduce) */
  noReduce: NoReduce;
}

export function parseTraceFile(
  text: string,
  lookup: { resolveVariant(n: string): Variant | undefined; workloadByName(n: string): Workload | undefined; isInvariant(n: string): boolean; parseWorkload?(spec: unknown): Workload },
): ParsedTrace {
  let d: Partial<TraceFile>;
  try {
    d = JSON.parse(text);
  } catch {
    throw new TraceFileError('not JSON');
  }
  if (!d || typeof d !== 'object' || d.format !== 'aio-retry-check-trace') throw new TraceFileError('not an aio-retry-check trace (format field missing or foreign)');
  if (d.version !== 1) throw new TraceFileError(`unsupported trace version ${String(d.version)}`);
  if (typeof d.variant !== 'string' || !lookup.resolveVariant(d.variant)) throw new TraceFileError(`unknown variant ${String(d.variant)}`);
  // the workload: its definition when the file carries one (validated like a --workload file), else a built-in by name
  let w: Workload | undefined;
  if (d.workloadSpec !== undefined && lookup.parseWorkload) {
    try {
      w = lookup.parseWorkload(d.workloadSpec);
    } catch (e) {
      throw new TraceFileError(`workloadSpec: ${(e as Error).message.replace(/^workload: /, '')}`);
    }
    if (w.name !== d.workload) throw new TraceFileError(`workloadSpec.name "${w.name}" is not the file's workload "${String(d.workload)}"`);
  } else w = typeof d.workload === 'string' ? lookup.workloadByName(d.workload) : undefined;
  if (!w) throw new TraceFileError(`unknown workload ${String(d.workload)}`);
  if (d.invariant !== null && (typeof d.invariant !== 'string' || !lookup.isInvariant(d.invariant))) throw new TraceFileError(`unknown invariant ${String(d.invariant)}`);
  if (!Array.isArray(d.actions) || !d.actions.every((a) => Number.isInteger(a) && a >= 0 && a < 10000)) throw new TraceFileError('"actions" must be a list of scheduler actions (small non-negative integers)');
  if (d.steps !== undefined && !(Array.isArray(d.steps) && d.steps.every((s) => s && typeof s === 'object'))) throw new TraceFileError('"steps" must be a list of steps (objects)');
  const nr = d.noReduce as unknown;
  if (nr !== undefined && nr !== true && !(Array.isArray(nr) && nr.every((r) => typeof r === 'string' && isReduction(r))))
    throw new TraceFileError(`"noReduce" must be true or a list of reductions (${REDUCTIONS.join(', ')})`);
  return { file: d as TraceFile, v: lookup.resolveVariant(d.variant)!, w, invariant: (d.invariant as InvariantName | null) ?? null, noReduce: (nr as NoReduce) ?? false };
}

export function replayTraceFile(t: ParsedTrace): { reproduced: boolean; divergedAt: number; message: string } {
  const model = new EngineModel(t.v, t.w, invariants, machineReductions(t.noReduce));
  let s = model.init()[0];
  const en: number[] = [];
  const acts = t.file.actions;
  for (let i = 0; i < acts.length; i++) {
    en.length = 0;
    model.actions(s, en);
    if (!en.includes(acts[i])) {
      const was = t.file.steps?.[i];
      return {
        reproduced: false,
        divergedAt: i,
        message: `diverged at step ${i + 1}: action ${acts[i]}${was ? ` (${was.context}: ${was.functions.join(' > ')})` : ''} is not enabled here; enabled: ${en.map((a) => model.describeAction(s, a)).join(', ') || 'nothing'}`,
      };
    }
    s = model.next(s, acts[i])!;
  }
  if (!t.invariant) return { reproduced: true, divergedAt: -1, message: `replayed ${acts.length} steps` };
  en.length = 0;
  model.actions(s, en);
  const terminal = en.length === 0;
  for (const p of model.properties) {
    if (p.name !== t.invariant) continue;
    if (p.kind === 'at-quiescence' && !terminal) continue;
    const r = p.check(s);
    if (r) return { reproduced: true, divergedAt: -1, message: `reproduced: ${t.invariant} violated after ${acts.length} steps: ${r}` };
  }
  return { reproduced: false, divergedAt: -1, message: `replayed all ${acts.length} steps, but ${t.invariant} is not violated at the end: the code changed since the trace was saved` };
}
