/**
 * npm run review -- --from A --to B [--workload W ...] [--ablation] [--change C ...]
 *                   [--max-states N] [--json] [--html FILE]
 * Reviews the change from variant A to variant B (names as `npm run check` takes them:
 * mar14, proposed, mar14-clearBitFix, ...): both verdict matrices over the workloads
 * (default: all, with the claim bounds), the cells the change fixes and breaks with the
 * command that prints each counterexample, the diagnostics reachable in each, and with
 * --ablation the verdicts of B with each changed toggle flipped, one at a time
 * (--change C names the toggles instead). --html FILE writes the page that
 * src/review/html.ts renders (renderReviewHtml).
 * Exit 0; 1 when the change breaks a verdict; 2 on bad input (an --html target that cannot be written included).
 */
import { checkOutputFile, writeOutputFile } from './output.ts';
import { renderReviewHtml } from '../review/html.ts';
import { CHANGE_NAMES, type ChangeName } from '../engine/variants.ts';
import { INVARIANT_SHORT, INVARIANTS, type InvariantName } from '../check/invariants.ts';
import { MARKS } from '../check/report.ts';
import { catalogText } from './catalog.ts';
import { buildReview, ReviewInputError, type CellChange, type ReviewReport, type VariantMatrix } from '../review/review.ts';
import { intOpt, parseArgs, runCli, UsageError } from './args.ts';

const HELP = `usage: npm run review -- --from A --to B [--workload W ...] [--ablation] [--change C ...] [--max-states N] [--json] [--html FILE]
  --from A, --to B   variants (e.g. mar14, proposed, mar14-clearBitFix, 2.5.62+fixes)
  --workload W       restrict to these workloads (repeatable; default: all)
  --ablation         also explore B with each change that differs from A toggled, one at a time
  --change C         the changes to toggle in the ablation (repeatable; implies --ablation)
  --max-states N     override the claim bounds' state limit
  --json             print the report as JSON
  --html FILE        write a self-contained HTML page
Exit code: 0, or 1 when B breaks a verdict of A (a cell violated in B that is not in A), 2 on bad input.
A cell violated in A that B only explores within a bound is "changed", not "fixed".

${catalogText()}`;

const SHORT = INVARIANT_SHORT;
const SYM = MARKS;

function matrixTable(a: VariantMatrix, b: VariantMatrix): string[] {
  const wl = Math.max(8, ...a.rows.map((r) => r.workload.length));
  const cw = 5;
  const out: string[] = [];
  out.push(`${'workload'.padEnd(wl)}  ${INVARIANTS.map((i) => SHORT[i].padEnd(cw)).join('')} states (${a.variant} -> ${b.variant})`);
  for (const ra of a.rows) {
    const rb = b.rows.find((r) => r.workload === ra.workload)!;
    const cells = INVARIANTS.map((i) => {
      const x = SYM[ra.cells[i].verdict];
      const y = SYM[rb.cells[i].verdict];
      return (x === y ? x : `${x}>${y}`).padEnd(cw);
    }).join('');
    const st = (r: typeof ra) => `${r.run.states}${r.run.complete ? '' : '+'}`;
    out.push(`${ra.workload.padEnd(wl)}  ${cells} ${st(ra)} -> ${st(rb)}`);
  }
  out.push(`  ${MARKS.holds} holds   ${MARKS.violated} violated   ${MARKS.bounded} bounded (no violation within the bound)   x>y: from -> to   N+: states, bounded`);
  out.push(`  ${INVARIANTS.map((i) => `${SHORT[i]} ${i}`).join(', ')}`);
  return out;
}

function steps(cell: CellChange['from']): string {
  if (cell.depth === undefined) return '';
  return cell.foundBy ? ` (${cell.depth} steps, found by the ${cell.foundBy.replace(/^schedule /, '')} schedule)` : ` (${cell.depth} steps)`;
}

function traceHint(c: CellChange, indent: string): string[] {
  if (!c.trace) return [];
  if (c.trace.command) return [`${indent}${c.trace.command}`];
  return [`${indent}(deeper than the exploration's bound: the schedule's ${c.trace.actions.length} actions are in --json, and replay as a trace file)`];
}

function cellLines(list: CellChange[], side: 'from' | 'to'): string[] {
  const out: string[] = [];
  for (const c of list) {
    const cell = side === 'from' ? c.from : c.to;
    out.push(`  ${c.workload} / ${c.invariant}: ${cell.reason ?? cell.verdict}${steps(cell)}  [${c.from.verdict} -> ${c.to.verdict}]`);
    out.push(...traceHint(c, '      '));
  }
  return out;
}

function render(r: ReviewReport): string {
  const L: string[] = [];
  const a = r.from.spec;
  const b = r.to.spec;
  L.push(`review: ${a} -> ${b}   (${r.workloads.length} workloads, ${r.seconds.toFixed(1)}s of exploration)`);
  L.push(`  ${a}: ${r.from.description}`);
  L.push(`  ${b}: ${r.to.description}`);
  if (r.diff.coreChanged) L.push(`  core: ${r.from.core} -> ${r.to.core}`);
  const doc = (n: ChangeName) => r.changes.find((c) => c.name === n)!;
  if (r.diff.turnedOn.length) {
    L.push('  changes turned on:');
    for (const c of r.diff.turnedOn) L.push(`    +${c}  [${doc(c).source}] ${doc(c).removes ? `removes: ${doc(c).removes}` : doc(c).summary}`);
  }
  if (r.diff.turnedOff.length) {
    L.push('  changes turned off:');
    for (const c of r.diff.turnedOff) L.push(`    -${c}  [${doc(c).source}] ${doc(c).summary}`);
  }
  L.push('');
  L.push(...matrixTable(r.matrices.from, r.matrices.to));
  L.push('');
  L.push(`fixed (violated in ${a}, not in ${b}): ${r.fixed.length}`);
  L.push(...cellLines(r.fixed, 'from'));
  L.push(`broken (violated in ${b}, not in ${a}): ${r.broken.length}`);
  L.push(...cellLines(r.broken, 'to'));
  if (r.changed.length) {
    L.push(`other differences (bounded <-> holds: the bound, not a behaviour): ${r.changed.length}`);
    for (const c of r.changed) L.push(`  ${c.workload} / ${c.invariant}: ${c.from.verdict} -> ${c.to.verdict}`);
  }
  L.push('');
  L.push('diagnostics (printk / WARN_ON / BUG / oops) reachable:');
  const dline = (d: ReviewReport['diagnostics']['from'][number]) => `    ${d.label}   [${d.workloads.map((x) => x.workload).join(', ')}; shortest: ${d.shortest.workload}, ${d.shortest.depth} steps]`;
  for (const [title, labels, list] of [
    [`only in ${a}`, r.diagnostics.onlyFrom, r.diagnostics.from],
    [`only in ${b}`, r.diagnostics.onlyTo, r.diagnostics.to],
    ['in both', r.diagnostics.both, r.diagnostics.to],
  ] as const) {
    L.push(`  ${title}:${labels.length ? '' : ' none'}`);
    for (const l of labels) L.push(dline(list.find((d) => d.label === l)!));
  }
  if (r.ablation) {
    const ab = r.ablation;
    L.push('');
    L.push(`ablation of ${ab.base}: each change toggled, one at a time (${ab.workloads.length} workloads)`);
    for (const row of ab.rows) {
      const broke = row.differences.filter((d) => d.kind === 'broken');
      const fixed = row.differences.filter((d) => d.kind === 'fixed');
      const other = row.differences.filter((d) => d.kind === 'changed');
      L.push(`  ${row.toggled === 'off' ? '-' : '+'}${row.change}: ${broke.length} cells violated again, ${fixed.length} fixed, ${other.length} other`);
      for (const d of [...broke, ...fixed]) {
        const cell = d.kind === 'broken' ? d.to : d.from;
        L.push(`      ${d.kind === 'broken' ? 'VIOLATED' : 'fixed   '} ${d.workload} / ${d.invariant}: ${cell.reason ?? ''}${steps(cell)}`);
        L.push(...traceHint(d, '          '));
      }
      if (other.length) L.push(`      (${other.length} cells differ only as holds <-> bounded: ${[...new Set(other.map((d) => d.workload))].join(', ')})`);
    }
    L.push('');
    L.push('  which change is responsible for which verdict:');
    for (const x of ab.responsibility) L.push(`    ${x.workload} / ${x.invariant} (${x.base} in ${ab.base}): ${x.changes.map((c) => `${c.toggled === 'off' ? '-' : '+'}${c.change} -> ${c.verdict}`).join(', ')}`);
    if (!ab.responsibility.length) L.push('    no toggle changes any verdict');
  }
  return L.join('\n') + '\n';
}

runCli(async () => {
  const p = parseArgs(process.argv.slice(2), { values: ['from', 'to', 'workload', 'change', 'max-states', 'html'], flags: ['ablation', 'json', 'help'] });
  if (p.flags.has('help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const from = p.values.get('from')?.at(-1);
  const to = p.values.get('to')?.at(-1);
  if (!from || !to) throw new UsageError('give --from A and --to B (see --help)');
  const changes = p.values.get('change') ?? [];
  for (const c of changes) if (!(CHANGE_NAMES as readonly string[]).includes(c)) throw new UsageError(`unknown change "${c}" (one of: ${CHANGE_NAMES.join(', ')})`);
  const maxStates = p.values.has('max-states') ? intOpt(p, 'max-states', 0, 1, 100_000_000) : undefined;
  const html = p.values.get('html')?.at(-1);
  if (html) checkOutputFile(html, '--html page');
  const json = p.flags.has('json');
  let report: ReviewReport;
  try {
    report = buildReview(from, to, {
      workloads: p.values.get('workload'),
      ...(maxStates ? { bounds: { maxStates } } : {}),
      ablation: changes.length ? (changes as ChangeName[]) : p.flags.has('ablation'),
      onProgress: json || !process.stderr.isTTY ? undefined : (l) => process.stderr.write(`  ${l}\n`),
    });
  } catch (e) {
    if (e instanceof ReviewInputError) throw new UsageError(e.message);
    throw e;
  }
  process.stdout.write(json ? JSON.stringify(report, null, 1) + '\n' : render(report));
  if (html) {
    writeOutputFile(html, renderReviewHtml(report), '--html page');
    process.stderr.write(`wrote ${html}\n`);
  }
  // a change that breaks a verdict fails the review (so that it can gate CI)
  return report.broken.length ? 1 : 0;
});
