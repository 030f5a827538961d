/**
 * An invariant judges the kernel's state, not a point inside a function that is about to
 * restore it (test/false-alarm.test.ts has the case that was wrong). For every 'always'
 * violation the golden file records, the shortest counterexample is replayed and the
 * context that took its last step runs on alone for a few more steps (as far as it can):
 * the violation must still be there (or the run has panicked), so it is not a state that
 * the function under way puts right a moment later.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkModel } from '../src/check/run.ts';
import { loadClaims } from '../src/check/claims.ts';
import { DEFAULT_CLAIMS_PATH } from '../src/check/paths.ts';
import { GLOBAL, PANIC_NONE } from '../src/engine/machine.ts';
import type { State } from '../src/explore/model.ts';

const golden = JSON.parse(readFileSync(new URL('./golden/golden.json', import.meta.url), 'utf8')) as Record<string, { invariants: Record<string, string | { v: string; path: string }> }>;
const claims = new Map(loadClaims(DEFAULT_CLAIMS_PATH).map((c) => [c.id, c]));
const STEPS = 8;

describe('every recorded violation of an always-invariant persists while its last context runs on', () => {
  const cases: { id: string; inv: string; path: number[] }[] = [];
  for (const [id, e] of Object.entries(golden)) {
    if (id.includes(' ') || !claims.has(id)) continue;
    for (const [inv, v] of Object.entries(e.invariants)) if (typeof v === 'object' && v.v === 'violated') cases.push({ id, inv, path: v.path.split(',').map(Number) });
  }
  it('has cases', () => expect(cases.length).toBeGreaterThan(50));
  it.each(cases.map((c) => [`${c.id} ${c.inv}`, c] as const))('%s', (_name, { id, inv, path }) => {
    const c = claims.get(id)!;
    const model = checkModel({ variant: c.v, workload: c.w });
    let s: State = model.init()[0].slice();
    for (const a of path) s = model.next(s, a)!.slice();
    // an invariant may have an always part and an at-quiescence part: the one this path violates
    const p = model.properties.find((x) => x.name === inv && x.check(s) !== null);
    expect(p, `${inv} is violated at the end of its recorded path`).toBeDefined();
    if (p!.kind !== 'always') return;
    const last = path[path.length - 1];
    const k = model.k;
    const thread = 'thread' in k.decode(last) ? last : k.nThreads - k.workload.cpus + (k.decode(last) as { cpu: number }).cpu;
    for (let i = 0; i < STEPS; i++) {
      const acts: number[] = [];
      model.actions(s, acts);
      if (!acts.includes(thread)) break;
      s = model.next(s, thread)!.slice();
      if (s[k.addr.globals + GLOBAL.PANIC] !== PANIC_NONE) break;
      expect(p!.check(s), `${inv} restored ${i + 1} steps later by ${k.threads[thread].name}`).not.toBeNull();
    }
  });
});
