/**
 * The golden file of every claim: what a structural change of the engine must leave
 * exactly as it was (states, transitions, depth, terminal states, each verdict with its
 * shortest path, the labels with their depths and paths, the blocking points, the
 * non-progress cycles), for every claim as the check runs it, for a subset with
 * `--no-reduce`, and for a subset with the xstate machines in lockstep (`--models`).
 *
 *   npx tsx test/golden/golden.ts record [FILE]   write it (default test/golden/golden.json)
 *   npx tsx test/golden/golden.ts compare [FILE]  compare with it: the first differences, exit 1 on any
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadClaims } from '../../src/check/claims.ts';
import { runCheck, type CheckRun } from '../../src/check/run.ts';
import { checkLockstep } from '../../src/check/lockstep.ts';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT = join(here, 'golden.json');
/** claims explored again without the reduction, and with the models in lockstep */
const NO_REDUCE = ['mar14.cached-read', 'mar05.uncached-read', '2.5.62.uncached-read', 'proposed.getevents-timeout', 'mar14.getevents-timeout', 'mar05.cached-write', 'mar14.io-destroy'];
const MODELS = ['2.5.62.uncached-read', 'mar05.uncached-read', 'mar14.two-iocbs-shared-bucket', 'proposed.uncached-read', 'mar05.cached-write'];

function summary(r: CheckRun) {
  const x = r.result;
  return {
    states: x.states,
    transitions: x.transitions,
    depth: x.depth,
    terminal: x.terminalStates,
    complete: x.complete,
    limit: x.limitHit ?? null,
    quiescent: r.quiescent,
    invariants: Object.fromEntries(r.invariants.map((i) => [i.invariant, i.verdict === 'violated' ? { v: i.verdict, depth: i.depth, reason: i.reason, path: i.path?.join(',') } : i.verdict])),
    labels: Object.fromEntries([...x.labels.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([l, h]) => [l, { depth: h.depth, path: h.path.join(',') }])),
    blocking: r.blocking.filter((b) => b.reached).map((b) => `${b.point}${b.sleptInAio ? '*' : ''}`).join(' '),
    cycles: x.cycles && x.cycles.checked ? x.cycles.cycles.map((c) => `${c.initIndex}:${c.prefix.join(',')}|${c.cycle.join(',')}|${c.sccSize}`) : null,
  };
}

export function recordGolden(filter?: (id: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const claims = loadClaims(join(here, '../../proofs/claims.json')).filter((c) => !filter || filter(c.id));
  for (const c of claims) {
    const b = { maxStates: c.bounds.maxStates, maxSeconds: 3600 };
    out[c.id] = summary(runCheck(c.v, c.w, b));
    if (NO_REDUCE.includes(c.id)) out[`${c.id} --no-reduce`] = summary(runCheck(c.v, c.w, { ...b, noReduce: true }));
    if (MODELS.includes(c.id)) {
      const rep = checkLockstep(c.v, c.w, { ...b, stopOn: 'never' });
      out[`${c.id} --models`] = {
        states: rep.result.states,
        transitions: rep.result.transitions,
        conformance: rep.conformance ? { depth: rep.conformance.depth, reason: rep.conformance.reason ?? null, path: rep.conformance.path.join(',') } : null,
        coverage: rep.coverage.map((m) => `${m.machine}: ${m.exercised.length} exercised, ${m.unreached.length} unreached`),
      };
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  return out;
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length > 40) return;
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
    return;
  }
  const s = (v: unknown) => { const t = JSON.stringify(v) ?? 'undefined'; return t.length > 160 ? `${t.slice(0, 160)}...` : t; };
  out.push(`${path}: ${s(a)} -> ${s(b)}`);
}

export function compareGolden(file = DEFAULT, filter?: (id: string) => boolean): string[] {
  const want = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const got = recordGolden(filter);
  const out: string[] = [];
  for (const k of Object.keys(got)) diff(want[k], got[k], k, out);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, file = DEFAULT] = process.argv.slice(2);
  const t0 = Date.now();
  if (cmd === 'record') {
    const g = recordGolden();
    writeFileSync(`${file}.tmp`, `${JSON.stringify(g, null, 1)}\n`);
    renameSync(`${file}.tmp`, file);
    console.log(`recorded ${Object.keys(g).length} entries in ${file} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } else if (cmd === 'compare') {
    const only = process.env.GOLDEN_ONLY ? new RegExp(process.env.GOLDEN_ONLY) : null;
    const d = compareGolden(file, only ? (id) => only.test(id) : undefined);
    if (d.length) {
      console.log(`${d.length} difference(s) from ${file}:`);
      for (const l of d) console.log(`  ${l}`);
      process.exit(1);
    }
    console.log(`identical to ${file} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } else {
    console.error('usage: tsx test/golden/golden.ts record|compare [FILE]');
    process.exit(2);
  }
}
