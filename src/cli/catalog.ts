/**
 * What the commands' --help lists: the variants, the named changes a variant
 * expression can turn on or off, the workloads and the invariants, each with its one
 * line. One place, so that check, trace, review and simulate say the same.
 */
import { CHANGE_DOCS, CHANGE_NAMES, VARIANTS, type ChangeDoc } from '../engine/variants.ts';
import { WORKLOADS } from '../engine/workloads.ts';
import { INVARIANT_DOC, INVARIANTS } from '../check/invariants.ts';

const row = (name: string, text: string, w = 26) => `  ${name.padEnd(w)} ${text}`;

export function catalogText(): string {
  return [
    'variants (any of them followed by +change or -change, e.g. mar14+runListNullCheck-aioWq):',
    ...Object.values(VARIANTS).map((v) => row(v.name, v.description)),
    '',
    'named changes:',
    ...CHANGE_NAMES.map((c) => {
      const d = CHANGE_DOCS[c] as ChangeDoc;
      const summary = d.summary.length > 110 ? `${d.summary.slice(0, 107)}...` : d.summary;
      return row(c, `${d.proposed ? '[proposed] ' : ''}${summary}`);
    }),
    '',
    'workloads (or --workload FILE.json, see proofs/workload.schema.json):',
    ...Object.values(WORKLOADS).map((w) => row(w.name, w.description)),
    '',
    'invariants:',
    ...INVARIANTS.map((i) => row(i, INVARIANT_DOC[i])),
    '',
  ].join('\n');
}
