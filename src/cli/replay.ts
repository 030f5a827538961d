/**
 * npm run replay -- FILE [--format text|mermaid|itf|json] [--json]
 * Re-executes a saved trace (the json format of npm run trace / npm run check --save /
 * npm run random --out) on the engine, step by step, and confirms it reaches the same
 * violation; with --format, prints the replayed trace in that format too. Exit 0 when
 * it reproduces, 1 when it does not (with the step where it diverged), 2 for a file
 * that is not a trace.
 */
import { traceFileArg } from './inputs.ts';
import { replayTraceFile } from '../trace/replay.ts';
import { parseArgs, runCli, UsageError } from './args.ts';
import { buildTrace } from '../trace/trace.ts';
import { renderTrace, TRACE_FORMATS, type TraceFormat } from '../trace/format.ts';

const USAGE = 'usage: npm run replay -- FILE [--format text|mermaid|itf|json] [--no-fold] [--json]';

runCli(() => {
  const p = parseArgs(process.argv.slice(2), { values: ['format'], flags: ['help', 'json', 'no-fold'], positional: 1 });
  if (p.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (p.positional.length !== 1) throw new UsageError(USAGE);
  const format = p.values.get('format')?.at(-1);
  if (format !== undefined && !(TRACE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format "${format}" (one of: ${TRACE_FORMATS.join(', ')})`);
  const tf = traceFileArg(p.positional[0]);
  const r = replayTraceFile(tf);
  if (p.flags.has('json')) process.stdout.write(JSON.stringify({ file: p.positional[0], variant: tf.v.name, workload: tf.w.name, invariant: tf.invariant, ...r }, null, 1) + '\n');
  else process.stdout.write(r.message + '\n');
  if (format) process.stdout.write((p.flags.has('json') ? '' : '\n') + renderTrace(buildTrace(tf.v, tf.w, tf.file.actions, tf.invariant ?? undefined, tf.noReduce), format as TraceFormat, { fold: !p.flags.has('no-fold') }));
  return r.reproduced ? 0 : 1;
});
