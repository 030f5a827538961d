/**
 * Traces in every format: the text names the kernel functions, the mermaid output
 * parses (mermaid's own parser), the ITF output validates against the ADR-015 schema,
 * and the json trace replays to the same violation.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import mermaid from 'mermaid';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { findCounterexample } from '../src/trace/find.ts';
import { buildTrace } from '../src/trace/trace.ts';
import { formatITF, formatJSON, formatMermaid, formatText } from '../src/trace/format.ts';
import { parseTraceFile, replayTraceFile } from '../src/trace/replay.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { workloadByName } from '../src/engine/workloads.ts';
import { isInvariant, type InvariantName } from '../src/check/invariants.ts';

const CASES: [string, string, InvariantName][] = [
  ['mar14', 'cached-read', 'memory-safety'],
  ['mar05', 'uncached-read', 'run-list-integrity'],
  ['mar14', 'getevents-timeout', 'progress'],
  ['2.5.62', 'odirect-read', 'memory-safety'],
];

const schema = JSON.parse(readFileSync(new URL('./fixtures/itf.schema.json', import.meta.url), 'utf8'));
const validateITF = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('counterexample traces', () => {
  for (const [v, w, inv] of CASES) {
    const found = findCounterexample(VARIANTS[v], WORKLOADS[w], inv, { maxStates: 500_000, maxSeconds: 60 });
    const t = buildTrace(VARIANTS[v], WORKLOADS[w], found.path!, inv);

    it(`${v}/${w}/${inv}: found, and the text names kernel functions and the violation`, () => {
      expect(found.path).not.toBeNull();
      const text = formatText(t, { fold: false });
      expect(text).toContain('io_submit_one');
      expect(text).toContain(`==> ${inv} VIOLATED`);
      expect(t.steps).toHaveLength(found.path!.length);
      expect(t.steps.every((s) => s.functions.length > 0)).toBe(true);
      const folded = formatText(t, { fold: true });
      expect(folded.split('\n').length).toBeLessThanOrEqual(text.split('\n').length);
    });

    it(`${v}/${w}/${inv}: mermaid parses`, async () => {
      const r = await mermaid.parse(formatMermaid(t));
      expect(r).toMatchObject({ diagramType: 'sequence' });
    });

    it(`${v}/${w}/${inv}: ITF validates against its schema`, () => {
      const itf = formatITF(t) as { states: unknown[] };
      const ok = validateITF(itf);
      expect(validateITF.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
      expect(itf.states).toHaveLength(t.steps.length);
    });

    it(`${v}/${w}/${inv}: the json trace replays to the same violation`, () => {
      const text = JSON.stringify(formatJSON(t));
      const r = replayTraceFile(parseTraceFile(text, { resolveVariant, workloadByName, isInvariant }));
      expect(r.reproduced, r.message).toBe(true);
      expect(r.message).toContain(inv);
    });
  }

  it('the ITF schema rejects a malformed trace', () => {
    expect(validateITF({ vars: ['x'], states: [{ x: { '#bigint': 'twelve' } }] })).toBe(false);
    expect(validateITF({ states: [] })).toBe(false);
  });

  it('mermaid rejects broken text (the parse test is not vacuous)', async () => {
    await expect(mermaid.parse('sequenceDiagram\n  a->>>b hi')).rejects.toThrow();
  });
});
