/**
 * npm run trace -- --claim C [--invariant I] [--format text|mermaid|itf|json] [--no-fold] [--out FILE]
 * npm run trace -- --variant V --workload W --invariant I [...]
 * Prints the shortest counterexample for the invariant as swimlanes (or another format).
 */
import { catalogText } from './catalog.ts';
import { checkOutputFile, writeOutputFile } from './output.ts';
import { claimsArg, WORKLOAD_VALUES, workloadsArg } from './inputs.ts';
import { INVARIANTS, isInvariant, type InvariantName } from '../check/invariants.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { findCounterexample } from '../trace/find.ts';
import { buildTrace } from '../trace/trace.ts';
import { formatITF, formatJSON, formatMermaid, formatText } from '../trace/format.ts';
import { parseArgs, runCli, UsageError, noReduceOpt } from './args.ts';

const FORMATS = ['text', 'mermaid', 'itf', 'json'] as const;

runCli(() => {
  const p = parseArgs(process.argv.slice(2), { values: ['claim', 'claims', 'variant', 'invariant', 'format', 'out', 'max-states', ...WORKLOAD_VALUES], flags: ['no-fold', 'help'], optional: ['no-reduce'] });
  if (p.flags.has('help')) {
    process.stdout.write('usage: npm run trace -- (--claim C [--invariant I] | --variant V (--workload W|FILE.json | --iocbs N --pages N [--cpus N]) --invariant I) [--format text|mermaid|itf|json] [--no-fold] [--no-reduce[=movers,dead]] [--out FILE]\n\n' + catalogText());
    return 0;
  }
  const format = p.values.get('format')?.at(-1) ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format "${format}" (one of: ${FORMATS.join(', ')})`);
  const invName = p.values.get('invariant')?.at(-1);
  if (invName !== undefined && !isInvariant(invName)) throw new UsageError(`unknown invariant "${invName}" (one of: ${INVARIANTS.join(', ')})`);
  let v, w, inv: InvariantName | undefined, bounds;
  const claimId = p.values.get('claim')?.at(-1);
  if (claimId) {
    const claims = claimsArg(p.values.get('claims')?.at(-1));
    const c = claims.find((x) => x.id === claimId);
    if (!c) throw new UsageError(`unknown claim "${claimId}"`);
    v = c.v;
    w = c.w;
    bounds = c.bounds;
    inv = (invName as InvariantName | undefined) ?? (Object.entries(c.expect).find(([, verdict]) => verdict === 'violated')?.[0] as InvariantName | undefined);
    if (!inv) throw new UsageError(`claim ${claimId} expects no violation: name an --invariant`);
  } else {
    const vn = p.values.get('variant')?.at(-1);
    const ws = workloadsArg(p);
    if (!vn || ws.length !== 1 || !invName) throw new UsageError('give --claim C, or --variant V --workload W|FILE.json (or --iocbs N --pages N) --invariant I');
    v = resolveVariant(vn);
    if (!v) throw new UsageError(`unknown variant "${vn}"`);
    w = ws[0];
    inv = invName as InvariantName;
    bounds = { maxStates: 2_000_000, maxSeconds: 120 };
  }
  const ms = p.values.get('max-states')?.at(-1);
  if (ms !== undefined) {
    if (!/^\d+$/.test(ms) || Number(ms) < 1) throw new UsageError('--max-states must be a positive whole number');
    bounds = { ...bounds, maxStates: Number(ms) };
  }
  const noReduce = noReduceOpt(p);
  const out = p.values.get('out')?.at(-1);
  if (out) checkOutputFile(out, '--out file');
  const found = findCounterexample(v, w, inv, bounds, noReduce);
  if (!found.path) {
    process.stderr.write(found.complete ? `${inv} holds on ${v.name} / ${w.name} (${found.states} states): no counterexample\n` : `no violation of ${inv} within ${found.states} states (depth ${found.depth})\n`);
    return 1;
  }
  const t = buildTrace(v, w, found.path, inv, noReduce);
  const text =
    format === 'text' ? formatText(t, { fold: !p.flags.has('no-fold') }) : format === 'mermaid' ? formatMermaid(t) : JSON.stringify(format === 'itf' ? formatITF(t) : formatJSON(t), null, 1) + '\n';
  if (out) writeOutputFile(out, text, '--out file');
  else process.stdout.write(text);
  return 0;
});
