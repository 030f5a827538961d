/**
 * npm run trace -- --claim C [--invariant I] [--format text|mermaid|itf|json] [--no-fold] [--out FILE]
 * npm run trace -- --variant V --workload W --invariant I [...]
 * Prints the shortest counterexample for the invariant as swimlanes (or another format).
 */
import { catalogText } from './catalog.ts';
import { checkOutputFile, writeOutputFile } from './output.ts';
import { claimsArg, traceFileArg, WORKLOAD_VALUES, workloadsArg } from './inputs.ts';
import { INVARIANTS, isInvariant, type InvariantName } from '../check/invariants.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { findCounterexample, findLabel } from '../trace/find.ts';
import { buildTrace, type Trace } from '../trace/trace.ts';
import { renderTrace, TRACE_FORMATS, type TraceFormat } from '../trace/format.ts';
import { intOpt, parseArgs, runCli, UsageError, noReduceOpt } from './args.ts';

const FORMATS = TRACE_FORMATS;

runCli(() => {
  const p = parseArgs(process.argv.slice(2), { values: ['claim', 'claims', 'file', 'variant', 'invariant', 'label', 'format', 'out', 'max-states', ...WORKLOAD_VALUES], flags: ['no-fold', 'help'], optional: ['no-reduce'] });
  if (p.flags.has('help')) {
    process.stdout.write('usage: npm run trace -- (--claim C [--invariant I | --label L] | --file TRACE.json | --variant V (--workload W|FILE.json | --iocbs N --pages N [--cpus N]) (--invariant I | --label L)) [--format text|mermaid|itf|json] [--no-fold] [--no-reduce[=movers,dead]] [--out FILE]\n  --label L: the shortest path to a diagnostic (printk / WARN_ON / BUG / oops) whose text contains L\n\n' + catalogText());
    return 0;
  }
  const format = p.values.get('format')?.at(-1) ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format "${format}" (one of: ${FORMATS.join(', ')})`);
  const invName = p.values.get('invariant')?.at(-1);
  if (invName !== undefined && !isInvariant(invName)) throw new UsageError(`unknown invariant "${invName}" (one of: ${INVARIANTS.join(', ')})`);
  let v, w, inv: InvariantName | undefined, bounds;
  let why: string | undefined;
  const noReduce = noReduceOpt(p);
  const out = p.values.get('out')?.at(-1);
  const fold = !p.flags.has('no-fold');
  /** prints the trace in the format asked for, to --out or stdout */
  const emit = (t: Trace) => {
    const text = renderTrace(t, format as TraceFormat, { fold });
    if (out) writeOutputFile(out, text, '--out file');
    else process.stdout.write(text);
  };
  // --file FILE: a saved trace (check --save, random --out, trace --format json), printed again in any format
  const file = p.values.get('file')?.at(-1);
  if (file) {
    if (p.values.has('claim') || p.values.has('variant')) throw new UsageError('--file takes the trace from the file: no --claim or --variant with it');
    const tf = traceFileArg(file);
    // the file's actions are transitions of the engine it was recorded on (its reductions)
    if (p.flags.has('no-reduce') && JSON.stringify(noReduce) !== JSON.stringify(tf.noReduce))
      throw new UsageError(`${file} was recorded with ${Array.isArray(tf.noReduce) ? `--no-reduce=${tf.noReduce.join(',')}` : tf.noReduce === true ? '--no-reduce' : 'every reduction on'}: it replays only so (leave --no-reduce out)`);
    if (out) checkOutputFile(out, '--out file');
    const t = buildTrace(tf.v, tf.w, tf.file.actions, tf.invariant ?? undefined, tf.noReduce);
    emit(t);
    return t.divergedAt >= 0 ? 1 : 0;
  }
  const label = p.values.get('label')?.at(-1);
  if (label !== undefined && invName !== undefined) throw new UsageError('--label and --invariant ask for different traces: give one');
  if (label === '') throw new UsageError('--label needs a text to look for');
  const claimId = p.values.get('claim')?.at(-1);
  if (p.values.has('claims') && !claimId) throw new UsageError('--claims names the file of --claim C: give --claim too');
  if (claimId) {
    const claims = claimsArg(p.values.get('claims')?.at(-1));
    const c = claims.find((x) => x.id === claimId);
    if (!c) throw new UsageError(`unknown claim "${claimId}"`);
    v = c.v;
    w = c.w;
    bounds = c.bounds;
    if (label === undefined) {
      inv = (invName as InvariantName | undefined) ?? (Object.entries(c.expect).find(([, verdict]) => verdict === 'violated')?.[0] as InvariantName | undefined);
      if (!inv) throw new UsageError(`claim ${claimId} expects no violation: name an --invariant`);
      why = c.why?.[inv];
    }
  } else {
    const vn = p.values.get('variant')?.at(-1);
    const ws = workloadsArg(p);
    if (!vn || ws.length !== 1 || (!invName && label === undefined)) throw new UsageError('give --claim C, or --variant V --workload W|FILE.json (or --iocbs N --pages N) --invariant I (or --label L)');
    v = resolveVariant(vn);
    if (!v) throw new UsageError(`unknown variant "${vn}"`);
    w = ws[0];
    inv = invName as InvariantName;
    bounds = { maxStates: 2_000_000, maxSeconds: 120 };
  }
  if (p.values.has('max-states')) bounds = { ...bounds, maxStates: intOpt(p, 'max-states', 0, 1, 100_000_000) };
  if (out) checkOutputFile(out, '--out file');
  if (label !== undefined) {
    const hit = findLabel(v, w, label, bounds, noReduce);
    if (!hit.path) {
      process.stderr.write(hit.complete ? `no diagnostic containing "${label}" is reachable on ${v.name} / ${w.name} (${hit.states} states)\n` : `no diagnostic containing "${label}" within ${hit.states} states (depth ${hit.depth})\n`);
      return 1;
    }
    emit({ ...buildTrace(v, w, hit.path, undefined, noReduce), why: `the shortest path to "${hit.reason}"` });
    return 0;
  }
  if (!inv) throw new UsageError('give --invariant I or --label L');
  const found = findCounterexample(v, w, inv, bounds, noReduce);
  if (!found.path) {
    process.stderr.write(found.complete ? `${inv} holds on ${v.name} / ${w.name} (${found.states} states): no counterexample\n` : `no violation of ${inv} within ${found.states} states (depth ${found.depth})\n`);
    return 1;
  }
  emit({ ...buildTrace(v, w, found.path, inv, noReduce), why });
  return 0;
});
