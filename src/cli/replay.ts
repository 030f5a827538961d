/**
 * npm run replay -- FILE
 * Re-executes a saved trace (the json format of npm run trace / npm run check --save)
 * on the engine, step by step, and confirms it reaches the same violation. Exit 0 when
 * it reproduces, 1 when it does not (with the step where it diverged), 2 for a file
 * that is not a trace.
 */
import { readFileSync } from 'node:fs';
import { isInvariant } from '../check/invariants.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { anyWorkloadByName as workloadByName } from '../random/larger.ts';
import { replayTraceFile, TraceFileError, parseTraceFile } from '../trace/replay.ts';
import { parseArgs, runCli, UsageError } from './args.ts';

runCli(() => {
  const p = parseArgs(process.argv.slice(2), { values: [], flags: ['help'], positional: 1 });
  if (p.flags.has('help') || p.positional.length !== 1) {
    if (!p.flags.has('help')) throw new UsageError('usage: npm run replay -- FILE');
    process.stdout.write('usage: npm run replay -- FILE\n');
    return 0;
  }
  const file = p.positional[0];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  let tf;
  try {
    tf = parseTraceFile(text, { resolveVariant, workloadByName, isInvariant });
  } catch (e) {
    if (e instanceof TraceFileError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
  const r = replayTraceFile(tf);
  process.stdout.write(r.message + '\n');
  return r.reproduced ? 0 : 1;
});
