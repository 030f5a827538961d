/**
 * The engine's exact reductions, each switchable (`--no-reduce` turns all off,
 * `--no-reduce=movers,dead` the ones named):
 *  - movers: Lipton's movers (Machine.pp): a thread's transition runs on through lock
 *    acquires and operations on data its held lock protects;
 *  - dead: dead-variable reduction (Machine.dead): frame words that are dead at a program
 *    point (the compiler's liveness) are reset to 0 there, so that states that differ only
 *    in dead locals are one state. A dead word is never read again before it is written, so
 *    the reset changes no future behaviour: the reduced system is bisimilar to the unreduced.
 */
export const REDUCTIONS = ['movers', 'dead'] as const;
export type Reduction = (typeof REDUCTIONS)[number];

/** which reductions are off: true = all, a list = those */
export type NoReduce = boolean | readonly Reduction[] | undefined;

export function isReduction(s: string): s is Reduction {
  return (REDUCTIONS as readonly string[]).includes(s);
}

/** the machine options for a NoReduce */
export function machineReductions(no: NoReduce): { reduce: boolean; dead?: boolean } {
  const off = (r: Reduction) => no === true || (Array.isArray(no) && no.includes(r));
  return off('dead') ? { reduce: !off('movers'), dead: false } : { reduce: !off('movers') };
}

/** parses the value of --no-reduce (`movers,dead`); throws with a one-line message */
export function parseNoReduce(v: string | undefined): NoReduce {
  if (v === undefined) return true;
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`--no-reduce= needs a list of reductions (${REDUCTIONS.join(', ')})`);
  for (const n of names) if (!isReduction(n)) throw new Error(`unknown reduction "${n}" (one of: ${REDUCTIONS.join(', ')})`);
  return names as Reduction[];
}
