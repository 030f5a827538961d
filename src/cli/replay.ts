/**
 * npm run replay -- FILE
 * Re-executes a saved trace (the json format of npm run trace / npm run check --save)
 * on the engine, step by step, and confirms it reaches the same violation. Exit 0 when
 * it reproduces, 1 when it does not (with the step where it diverged), 2 for a file
 * that is not a trace.
 */
import { traceFileArg } from './inputs.ts';
import { replayTraceFile } from '../trace/replay.ts';
import { parseArgs, runCli, UsageError } from './args.ts';

runCli(() => {
  const p = parseArgs(process.argv.slice(2), { values: [], flags: ['help'], positional: 1 });
  if (p.flags.has('help') || p.positional.length !== 1) {
    if (!p.flags.has('help')) throw new UsageError('usage: npm run replay -- FILE');
    process.stdout.write('usage: npm run replay -- FILE\n');
    return 0;
  }
  const tf = traceFileArg(p.positional[0]);
  const r = replayTraceFile(tf);
  process.stdout.write(r.message + '\n');
  return r.reproduced ? 0 : 1;
});
