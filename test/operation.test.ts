/**
 * operation-unchanged: an iocb submitted as a read stays a read. On a read-write descriptor
 * the Mar 5 forced extra retry's `iocb->ki_opcode = IOCB_CMD_PWRITE` runs the write path and
 * the read still returns its bytes: read-result holds there, and only this invariant sees it.
 */
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';

const verdicts = (variant: string, workload: string) => {
  const r = runCheck(resolveVariant(variant)!, WORKLOADS[workload], { maxStates: 250_000 });
  return Object.fromEntries(r.invariants.map((i) => [i.invariant, i]));
};

describe('operation-unchanged', () => {
  it('mar05 rdwr-fd-read: the read turned into a write is caught, though read-result holds', () => {
    const v = verdicts('mar05', 'rdwr-fd-read');
    expect(v['operation-unchanged'].verdict).toBe('violated');
    expect(v['operation-unchanged'].reason).toBe('iocb0 was submitted as IOCB_CMD_PREAD and now runs as IOCB_CMD_PWRITE');
    expect(v['read-result'].verdict).toBe('holds');
  });
  it('mar14 and proposed keep the operation (the Mar 14 patch has no forced extra retry)', () => {
    for (const variant of ['mar14', 'proposed']) expect(verdicts(variant, 'rdwr-fd-read')['operation-unchanged'].verdict).toBe('holds');
  });
});
