/**
 * A named change toggles exactly its hunk (issue "The check tells the whole truth"):
 * clearBitFix is the fix of 2.5.62's three kiocbClear* macros (set_bit for clear_bit);
 * the Mar 5 patch's own kiocbClearStarted was clear_bit from the start, so turning the
 * fix off must leave it alone.
 */
import { describe, expect, it } from 'vitest';
import { buildMachine } from '../src/engine/setup.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { KIF_KICKED, KIF_STARTED, KIOCB } from '../src/engine/structs.ts';
import { kiocbClearKicked, kiocbClearStarted } from '../src/engine/aio/aio.ts';

function flagsAfter(variant: string, clear: typeof kiocbClearKicked, bit: number): number {
  const { k, init } = buildMachine(resolveVariant(variant)!, WORKLOADS['uncached-read']);
  k.load(init);
  const iocb = k.addr.kiocbs[0];
  k.setStackObj(iocb, true);
  const f = iocb + KIOCB.off.ki_flags;
  k.m[f] = 1 << bit;
  clear(k, iocb);
  return k.m[f];
}

describe('clearBitFix toggles the three 2.5.62 macros and nothing else', () => {
  it('kiocbClearKicked: clear_bit with the fix, set_bit (the 2.5.62 defect) without it', () => {
    expect(flagsAfter('mar05', kiocbClearKicked, KIF_KICKED)).toBe(0);
    expect(flagsAfter('mar05-clearBitFix', kiocbClearKicked, KIF_KICKED)).toBe(1 << KIF_KICKED);
  });
  it("kiocbClearStarted (the Mar 5 patch's own) clears the bit either way", () => {
    expect(flagsAfter('mar05', kiocbClearStarted, KIF_STARTED)).toBe(0);
    expect(flagsAfter('mar05-clearBitFix', kiocbClearStarted, KIF_STARTED)).toBe(0);
  });
});
